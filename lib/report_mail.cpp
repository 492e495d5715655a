#include "report_mail.h"

#include <unistd.h>

#include <ctime>

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

std::string Plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace

std::string DefaultSender(std::string_view fqdn) {
  std::string a = "maillogsentinel@" + std::string(fqdn);
  return ValidateAddress(a) ? "maillogsentinel@localhost" : a;
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

std::string WindowPhrase(const ReportWindow& w) {
  if (w.name == "today") return "today (" + Local(w.since, "%Y-%m-%d") + ")";
  if (w.name == "yesterday") return "yesterday (" + Local(w.since, "%Y-%m-%d") + ")";
  if (w.name == "24h") return "in the last 24 hours (to " + Local(w.until, "%Y-%m-%d %H:%M") + ")";
  if (w.name == "7d") return "in the last 7 days (to " + Local(w.until, "%Y-%m-%d %H:%M") + ")";
  return "from " + Local(w.since, "%Y-%m-%d %H:%M") + " to " + Local(w.until, "%Y-%m-%d %H:%M");
}

std::string ReportSubject(std::string_view prefix, const ReportData& d) {
  std::string s;
  if (!prefix.empty()) s = std::string(prefix) + " ";
  s += d.server_name.empty() ? "unknown host" : d.server_name;
  s += ": " + Plural(d.total, "SASL failure", "SASL failures") + " " + WindowPhrase(d.window);
  return s;
}

std::string ReportAttachmentName(const ReportData& d) {
  return "maillogsentinel-" + (d.server_name.empty() ? std::string("unknown") : d.server_name) +
         "-" + Local(d.window.since, "%Y-%m-%d");
}

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

  if (settings.dry_run) {
    FdSink out(stdout_fd, "standard output");
    r.mime = WriteMimeMessage(m, out);
    r.error = r.mime.error;
    return r;
  }
  SendmailResult sent = RunSendmail(
      settings.sendmail,
      [&](Sink& sink) {
        r.mime = WriteMimeMessage(m, sink);
        return r.mime.error;
      },
      m.tmp_dirs);
  if (sent.error) {
    r.error = sent.error;
    return r;
  }
  std::string to;
  for (const std::string& a : m.to) to += (to.empty() ? "" : ", ") + a;
  r.summary = "report for " + to + " handed to " + settings.sendmail + " (";
  switch (r.mime.attachment) {
    case AttachmentMode::kCsv:
      r.summary += Plural(rows, "row", "rows") + " attached";
      break;
    case AttachmentMode::kGzip:
      r.summary += Plural(rows, "row", "rows") + " attached gzip-compressed";
      break;
    case AttachmentMode::kOmitted:
      r.summary += Plural(rows, "row", "rows") + " not attached, see the note in the message";
      break;
    case AttachmentMode::kNone:
      r.summary += "no attachment";
      break;
  }
  r.summary += ")";
  return r;
}

}  // namespace mls
