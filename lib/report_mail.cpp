#include "report_mail.h"

#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "diag.h"
#include "local_time.h"
#include "number.h"
#include "report_format.h"
#include "sendmail.h"

namespace mls {
namespace {

std::string Local(std::time_t t, const char* fmt) {
  struct tm tm {};
  ::localtime_r(&t, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}

}  // namespace

std::string DefaultSender(std::string_view fqdn) {
  std::string a = "maillogsentinel@" + std::string(fqdn);
  if (fqdn.find('.') == std::string_view::npos || fqdn.back() == '.' || ValidateAddress(a)) {
    return "";  // no domain to send from: sendmail picks the From and envelope sender
  }
  return a;
}

ReportAddresses ResolveReportAddresses(const ReportMailSettings& s, std::string_view fqdn) {
  ReportAddresses r;
  const std::string config = s.config_path.empty() ? "the configuration" : s.config_path;
  auto blank = [](std::string_view v) { return v.find_first_not_of(" \t") == v.npos; };
  std::string_view list = !blank(s.to) ? s.to : s.email;
  std::string where = !blank(s.to) ? "--to" : config + ": [report] email";
  if (blank(list)) {
    r.error = "no recipient: set [report] email in " + config + " or use --to";
    r.exit_status = 1;
    return r;
  }
  AddressList to = ParseAddressList(list);
  if (to.error) {
    r.error = where + ": " + *to.error;
    r.exit_status = 2;
    return r;
  }
  r.to = std::move(to.addresses);
  if (s.sender.empty()) {
    r.from = DefaultSender(fqdn);
    return r;
  }
  AddressList from = ParseAddressList(s.sender);
  if (from.error || from.addresses.size() != 1) {
    r.error =
        config + ": [report] sender: " +
        from.error.value_or("one address expected, got " + std::to_string(from.addresses.size()));
    r.exit_status = 2;
    r.to.clear();
    return r;
  }
  r.from = from.addresses[0];
  return r;
}

namespace {
// A span in its largest whole unit: "10 minutes", "36 hours", "2 days", "90 seconds".
std::string SpanPhrase(std::int64_t s) {
  struct Unit {
    std::int64_t seconds;
    const char* one;
    const char* many;
  };
  static constexpr Unit kUnits[] = {{86400, "day", "days"},
                                    {3600, "hour", "hours"},
                                    {60, "minute", "minutes"},
                                    {1, "second", "seconds"}};
  for (const Unit& u : kUnits)
    if (s % u.seconds == 0)
      return CountOf(static_cast<std::uint64_t>(s / u.seconds), u.one, u.many);
  return CountOf(static_cast<std::uint64_t>(s), "second", "seconds");
}
}  // namespace

std::string WindowPhrase(const ReportWindow& w) {
  if (w.name == "today") return "today (" + Local(w.since, "%Y-%m-%d") + ")";
  if (w.name == "yesterday") return "yesterday (" + Local(w.since, "%Y-%m-%d") + ")";
  if (w.name == "24h") return "in the last 24 hours (to " + Local(w.until, "%Y-%m-%d %H:%M") + ")";
  if (w.name == "7d") return "in the last 7 days (to " + Local(w.until, "%Y-%m-%d %H:%M") + ")";
  if (auto span = ParseTimeSpan(w.name))  // "10m", "36h": in the last 10 minutes, 36 hours
    return "in the last " + SpanPhrase(*span) + " (to " + Local(w.until, "%Y-%m-%d %H:%M") + ")";
  return "from " + Local(w.since, "%Y-%m-%d %H:%M") + " to " + Local(w.until, "%Y-%m-%d %H:%M");
}

std::string ReportSubject(std::string_view prefix, const ReportData& d) {
  std::string s;
  if (!prefix.empty()) s = std::string(prefix) + " ";
  s += d.server_name.empty() ? "unknown host" : d.server_name;
  if (!d.dataset_error.empty()) {
    s += ": dataset " + d.dataset_error.substr(0, d.dataset_error.find(' ')) +
         ", SASL failures unknown " + WindowPhrase(d.window);
    return s;
  }
  s += ": ";
  // A guess that worked comes first, where a mail client shows it.
  if (d.logins.high > 0)
    s += "ALERT " + CountOf(d.logins.high, "login after failures", "logins after failures") + ", ";
  s += CountOf(d.total, "SASL failure", "SASL failures") + " " + WindowPhrase(d.window);
  return s;
}

std::string ReportAttachmentName(const ReportData& d) {
  // today/yesterday/custom: the day the window starts; a span (24h, 7d, 10m): the day it ends
  // (now), as their subject says "to <end>".
  bool to_end = ParseTimeSpan(d.window.name).has_value();
  return "maillogsentinel-" + (d.server_name.empty() ? std::string("unknown") : d.server_name) +
         "-" + Local(to_end ? d.window.until : d.window.since, "%Y-%m-%d");
}

std::string MailPreview(const MailMessage& message, const MimeResult& mime, std::uint64_t rows) {
  std::string out =
      "From: " + (message.from.empty() ? std::string("(sendmail's default)") : message.from) +
      "\nTo: ";
  for (std::size_t k = 0; k < message.to.size(); ++k) out += (k ? ", " : "") + message.to[k];
  out += "\nSubject: " + CleanHeaderText(message.subject) + "\nDate: " + Rfc5322Date(message.date) +
         "\n\n" + message.text;
  if (!out.empty() && out.back() != '\n') out += '\n';
  out += "\n-- text/html alternative: " + HumanBytes(message.html.size()) +
         " (mls-report --format html shows it)\n";
  const std::string name = message.attachment_name;
  switch (mime.attachment) {
    case AttachmentMode::kCsv:
      out += "-- attachment " + name + ".csv: " + CountOf(rows, "row", "rows") + ", " +
             CountOf(mime.csv_bytes, "byte", "bytes") + "\n";
      break;
    case AttachmentMode::kGzip:
      out += "-- attachment " + name + ".csv.gz: " + CountOf(rows, "row", "rows") + ", " +
             CountOf(mime.csv_bytes, "byte", "bytes") + " gzip-compressed to " +
             CountOf(mime.gzip_bytes, "byte", "bytes") + "\n";
      break;
    case AttachmentMode::kOmitted:
      out += "-- no attachment: " + mime.note + "\n";
      break;
    case AttachmentMode::kNone:
      out += "-- no attachment\n";
      break;
  }
  return out;
}

namespace {

// The message to `settings.sendmail`; r.mime gets what happened to the attachment.
std::optional<std::string> RunSendmailFor(const ReportMailSettings& settings, const MailMessage& m,
                                          ReportMailResult& r) {
  SendmailOptions so;
  so.scratch_dirs = m.tmp_dirs;
  so.envelope_sender = m.from;  // validated; empty: sendmail's default
  so.timeout_ms = static_cast<std::int64_t>(settings.timeout_seconds) * 1000;
  so.kill_grace_ms = settings.kill_grace_ms;
  std::string label = settings.sendmail.substr(settings.sendmail.rfind('/') + 1) + ": ";
  if (settings.on_sendmail_line) {
    so.on_stderr_line = [&](std::string_view line) {
      settings.on_sendmail_line(label + std::string(line));
    };
  }
  SendmailResult sent = RunSendmail(
      settings.sendmail,
      [&](Sink& sink) {
        r.mime = WriteMimeMessage(m, sink);
        return r.mime.error;
      },
      so);
  return sent.error;
}

}  // namespace

ReportMailResult SendReportMail(const ReportMailSettings& settings,
                                const ReportAddresses& addresses, const ReportData& data,
                                const std::string& text, const std::string& html, int rows_fd,
                                std::uint64_t rows, int stdout_fd) {
  ReportMailResult r;
  MailMessage m;
  m.from = addresses.from;
  m.to = addresses.to;
  m.subject = ReportSubject(settings.subject_prefix, data);
  m.date = data.generated;
  m.message_id = MakeMessageId(data.generated, static_cast<long>(::getpid()), data.server_name);
  m.mailer = "maillogsentinel " + data.version;
  m.text = text;
  m.html = html;
  m.attachment_fd = rows_fd;
  m.attachment_name = ReportAttachmentName(data);
  m.max_attachment = settings.max_attachment;
  if (!settings.scratch_dirs.empty()) m.tmp_dirs = settings.scratch_dirs;

  if (settings.preview) {
    // The message is built as for sendmail (the attachment's fate is known only
    // then) and thrown away; the preview is printed instead.
    struct CountingSink : Sink {
      bool Write(std::string_view bytes) override {
        count += bytes.size();
        return true;
      }
      std::uint64_t count = 0;
    } discard;
    r.mime = WriteMimeMessage(m, discard);
    if ((r.error = r.mime.error)) return r;
    FdSink out(stdout_fd, "standard output");
    if (!out.Write(MailPreview(m, r.mime, rows)) || !out.Flush()) r.error = out.error();
    r.closed_pipe = out.error_errno() == EPIPE;
    return r;
  }
  if (settings.dry_run) {
    FdSink out(stdout_fd, "standard output");
    r.mime = WriteMimeMessage(m, out);
    r.error = r.mime.error;
    r.closed_pipe = out.error_errno() == EPIPE;
    return r;
  }
  std::string handed_to = settings.sendmail;
  if (settings.smtp) {
    // The whole message first (the attachment's fate decided), then one session.
    StringSink message;
    r.mime = WriteMimeMessage(m, message);
    if ((r.error = r.mime.error)) return r;
    SmtpResult sent = SendSmtp(*settings.smtp, m.from, m.to, message.out);
    if ((r.error = sent.error)) return r;
    handed_to = SmtpServerName(*settings.smtp);
  } else if (auto err = RunSendmailFor(settings, m, r)) {
    r.error = err;
    return r;
  }
  std::string to;
  for (const std::string& a : m.to) to += (to.empty() ? "" : ", ") + a;
  r.summary = "report for " + to + " handed to " + handed_to + " (";
  switch (r.mime.attachment) {
    case AttachmentMode::kCsv:
      r.summary += CountOf(rows, "row", "rows") + " attached";
      break;
    case AttachmentMode::kGzip:
      r.summary += CountOf(rows, "row", "rows") + " attached gzip-compressed";
      break;
    case AttachmentMode::kOmitted:
      r.summary += CountOf(rows, "row", "rows") + " not attached, see the note in the message";
      break;
    case AttachmentMode::kNone:
      r.summary += "no attachment";
      break;
  }
  r.summary += ")";
  return r;
}

// ---- mls-report --send ------------------------------------------------------------

void AddSendOptions(po::options_description& options) {
  options.add_options()("send", po::bool_switch(),
                        "email the report (text and HTML alternatives, the window's rows as a CSV\n"
                        "attachment) through [report] sendmail to [report] email")(
      "to", po::value<std::string>()->value_name("ADDR"),
      "with --send: the recipient(s), ','-separated, instead of [report] email")(
      "dry-run,n", po::bool_switch(), "with --send: print the message instead of sending it")(
      "preview", po::bool_switch(),
      "with --send: print a readable preview instead of sending (headers, the text\n"
      "part, a line per other part)")(
      "max-attachment", po::value<std::string>()->value_name("BYTES"),
      "with --send: attach the rows gzip-compressed above this size, not at all if\n"
      "still larger (default 5M; K, M, G suffixes)")(
      "sendmail-timeout", po::value<std::string>()->value_name("SECONDS"),
      "with --send: stop sendmail (SIGTERM, SIGKILL 5 s later) and fail if it has not\n"
      "finished after this long (default 300; 0: no limit)");
}

std::optional<std::uint64_t> ParseByteSize(std::string_view s) {
  std::uint64_t unit = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'K':
      case 'k':
        unit = 1ULL << 10;
        break;
      case 'M':
        unit = 1ULL << 20;
        break;
      case 'G':
        unit = 1ULL << 30;
        break;
      default:
        break;
    }
    if (unit != 1) s.remove_suffix(1);
  }
  std::optional<std::uint64_t> v = ParseNumber<std::uint64_t>(s);
  if (!v || *v > UINT64_MAX / unit) return std::nullopt;
  return *v * unit;
}

std::optional<std::string> ReadSendOptions(const po::variables_map& vm, bool format_given,
                                           ReportSendOptions& out) {
  out.send = vm.count("send") && vm["send"].as<bool>();
  out.dry_run = vm.count("dry-run") && vm["dry-run"].as<bool>();
  out.preview = vm.count("preview") && vm["preview"].as<bool>();
  if (vm.count("to")) out.to = vm["to"].as<std::string>();
  if (vm.count("max-attachment")) {
    std::string v = vm["max-attachment"].as<std::string>();
    out.max_attachment = ParseByteSize(v);
    if (!out.max_attachment) {
      return "--max-attachment: expected a number of bytes (K, M, G suffixes allowed), got '" + v +
             "'";
    }
  }
  if (vm.count("sendmail-timeout")) {
    std::string v = vm["sendmail-timeout"].as<std::string>();
    std::optional<std::uint32_t> t = ParseNumberIn<std::uint32_t>(v, 0, 86400);
    if (!t) {
      return "--sendmail-timeout: expected a number of seconds from 0 to 86400, got '" + v + "'";
    }
    out.sendmail_timeout = *t;
  }
  if (!out.send) {
    if (out.sendmail_timeout) return "--sendmail-timeout needs --send";
    if (out.to) return "--to needs --send";
    if (out.dry_run) return "--dry-run needs --send";
    if (out.preview) return "--preview needs --send";
    if (out.max_attachment) return "--max-attachment needs --send";
    return std::nullopt;
  }
  if (out.to && out.to->find_first_not_of(" \t") == std::string::npos) {
    return "--to: empty address";
  }
  if (format_given) return "--format does not apply to --send (the mail holds text and HTML)";
  return std::nullopt;
}

}  // namespace mls
