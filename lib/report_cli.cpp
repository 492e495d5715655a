#include "report_cli.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "cli.h"
#include "dataset.h"
#include "diag.h"
#include "fd_io.h"
#include "local_time.h"
#include "number.h"
#include "paths.h"
#include "report_db.h"
#include "report_render.h"
#include "syslog_time.h"

#ifndef MLS_VERSION
#define MLS_VERSION "0.0.0"
#endif

namespace mls {
namespace {

constexpr const char* kTool = "mls-report";
constexpr std::size_t kMaxTop = 1000000;

int Usage(const std::string& msg) { return UsageError(kTool, msg); }

// A whole decimal number in [lo, hi].
std::optional<std::uint64_t> ParseCount(const std::string& s, std::uint64_t lo, std::uint64_t hi) {
  return ParseNumberIn<std::uint64_t>(s, lo, hi);
}

}  // namespace

std::optional<int> ParseReportOptions(int argc, char** argv, ReportCliOptions& o) {
  CliSpec spec;
  spec.name = kTool;
  spec.synopsis =
      "mls-report [--config FILE | --csv FILE] [--window today|yesterday|24h|7d |\n"
      "                  --since ISO [--until ISO]] [--now ISO] [--top N]\n"
      "                  [--format text|html|json|ips|nft|logins] [--threshold N]\n"
      "                  [--oplog FILE]\n"
      "  or: mls-report --send [--to ADDR] [--dry-run | --preview]\n"
      "                  [--max-attachment BYTES] [--config FILE] [window options]\n"
      "                  [--top N] [--oplog FILE]\n"
      "  or: mls-report --source database [--config FILE] [--server NAME]... [window\n"
      "                  options] [--format FORMAT] [--send ...]\n"
      "  or: mls-report --format nft --ban-list FILE [--config FILE] [--allow CIDR]\n"
      "                  [--ban-time SPAN] [--ranges] [--nft-table NAME]";
  spec.summary =
      "Summarise the SASL authentication failures of one time window of the dataset:\n"
      "top users, source IPs, countries, networks, attempts per hour, brute force and\n"
      "password spraying, new IPs, the change against the previous window.";
  spec.options.add_options()(
      "config,c", po::value<std::string>()->value_name("FILE"),
      "configuration file (default /etc/maillogsentinel.conf); read unless only --csv is given")(
      "csv", po::value<std::string>()->value_name("FILE"),
      "the dataset (default <working_dir>/maillogsentinel.csv from the config)")(
      "source", po::value<std::string>()->value_name("SOURCE"),
      "csv (this host's dataset) or database (the [database] events table that\n"
      "mls-sql --import fills from every server; default [report] source, else csv)")(
      "server", po::value(&o.servers)->composing()->value_name("NAME"),
      "only the events of this server (the log lines' host field; repeatable)")(
      "window,w", po::value<std::string>()->value_name("NAME"),
      "today, yesterday, or a span back from now: 24h, 7d, 10m, 36h (default\n"
      "[report] window, else today)")(
      "since", po::value<std::string>()->value_name("ISO"),
      "start of a custom window (ISO 8601, local time without an offset; or "
      "relative: -2h, -30min, yesterday, today, now)")(
      "until", po::value<std::string>()->value_name("ISO"),
      "end of the custom window, excluded (default now; relative too)")(
      "now", po::value<std::string>()->value_name("ISO"), "report as if it were this time")(
      "top", po::value<std::string>()->value_name("N"),
      "entries per top list (default [report] top, else 10)")(
      "format", po::value<std::string>()->value_name("FORMAT"),
      "text (default), html, json, ips (the IPs with at least --threshold\n"
      "attempts), nft (an nft -f batch banning them for --ban-time) or logins\n"
      "(the logins after failures, one a line; exit status 3 when one is high)")(
      "threshold", po::value<std::string>()->value_name("N"),
      "for --format ips and nft (default 1) and json (default none): the IPs with\n"
      "at least N attempts")(
      "ban-time", po::value<std::string>()->value_name("SPAN"),
      "with --format nft: how long a ban lasts (default [firewall] ban_time, else 1h)")(
      "ranges", po::bool_switch(&o.ranges),
      "with --format nft: ban the /24 or /64 of each address (not one that holds an\n"
      "allowed address)")("nft-table", po::value<std::string>()->value_name("NAME"),
                          "with --format nft: the inet table (default maillogsentinel)")(
      "ban-list", po::value<std::string>()->value_name("FILE"),
      "with --format nft: ban the addresses of FILE (one a line, as --format ips\n"
      "prints them; - for stdin) instead of reading the dataset; one bad line and\n"
      "nothing is printed")(
      "allow", po::value(&o.allow)->composing()->value_name("CIDR"),
      "never ban this address or network (repeatable; also [firewall] allowlist;\n"
      "--format ips and nft never name the loopback or this host's addresses either)")(
      "oplog", po::value<std::string>()->value_name("FILE"),
      "the driver's op log, for outages and the last extraction (default\n"
      "<working_dir>/maillogsentinel.log when a config is read)");
  AddSendOptions(spec.options);
  po::variables_map vm;
  if (auto rc = ParseCli(spec, argc, argv, vm)) return rc;
  if (auto e = ReadSendOptions(vm, vm.count("format") > 0, o.send)) return Usage(*e);

  auto str = [&](const char* name) -> std::optional<std::string> {
    if (!vm.count(name)) return std::nullopt;
    return vm[name].as<std::string>();
  };
  for (const char* name : {"config", "csv", "oplog", "ban-list"}) {
    if (auto v = str(name); v && v->empty())
      return Usage(std::string("--") + name + ": empty file name");
  }
  o.config_path = str("config");
  o.csv_path = str("csv");
  o.oplog = str("oplog");
  o.ban_list = str("ban-list");
  if (auto v = str("source")) {
    if (*v != "csv" && *v != "database")
      return Usage("--source: expected csv or database, got '" + *v + "'");
    o.source = *v;
    if (*v == "database" && o.csv_path)
      return Usage("--csv names a dataset file: --source database reads the [database] table");
  }
  for (const std::string& server : o.servers) {
    if (server.empty()) return Usage("--server: empty server name");
  }

  if (auto w = str("window")) {
    if (!IsWindowName(*w)) {
      return Usage("--window: expected today, yesterday or a time span (24h, 7d, 10m, 36h), got '" +
                   *w + "'");
    }
    o.window = *w;
  }
  std::optional<int> bad_time;
  auto time = [&](const char* name, std::optional<std::time_t>& out,
                  std::optional<std::string>* relative) {
    auto v = str(name);
    if (!v || bad_time) return;
    out = ParseReportTime(*v);
    if (out) return;
    if (relative != nullptr && ParseRelativeTime(*v, 0)) {
      *relative = *v;
      return;
    }
    bad_time = Usage(std::string("--") + name + ": not an ISO 8601 time" +
                     (relative ? " or a relative one" : "") + ": '" + *v +
                     "' (e.g. 2026-11-25T08:00, 2026-11-25T08:00:00+01:00, @1764054000" +
                     (relative ? ", -2h, -30min, yesterday, today, now)" : ")"));
  };
  time("since", o.since, &o.since_relative);
  time("until", o.until, &o.until_relative);
  time("now", o.now, nullptr);
  if (bad_time) return bad_time;
  const bool since = o.since || o.since_relative, until = o.until || o.until_relative;
  if (o.window && (since || until)) return Usage("--window excludes --since and --until");
  if (until && !since) return Usage("--until needs --since");
  if (o.since && o.until && *o.since >= *o.until) return Usage("--since must be before --until");

  if (auto v = str("top")) {
    std::optional<std::uint64_t> n = ParseCount(*v, 1, kMaxTop);
    if (!n) return Usage("--top: expected a number from 1 to " + std::to_string(kMaxTop));
    o.top = static_cast<std::size_t>(*n);
  }
  if (auto f = str("format")) {
    if (*f != "text" && *f != "html" && *f != "json" && *f != "ips" && *f != "nft" &&
        *f != "logins") {
      return Usage("--format: expected text, html, json, ips, nft or logins, got '" + *f + "'");
    }
    o.format = *f;
  }
  if (auto v = str("threshold")) {
    std::optional<std::uint64_t> n = ParseCount(*v, 1, UINT64_MAX);
    if (!n) return Usage("--threshold: expected a number of attempts, at least 1");
    if (o.format != "ips" && o.format != "json" && o.format != "nft") {
      return Usage("--threshold applies to --format ips, nft and json only");
    }
    o.threshold = *n;
  }
  if (auto v = str("ban-time")) {
    std::optional<std::int64_t> span = ParseTimeSpan(*v);
    if (!span) return Usage("--ban-time: expected a time span (30min, 1h, 7d), got '" + *v + "'");
    o.ban_seconds = *span;
  }
  if (auto v = str("nft-table")) {
    if (!ValidNftName(*v))
      return Usage("--nft-table: expected letters, digits and _ (at most 32), got '" + *v + "'");
    o.nft_table = *v;
  }
  if (o.format != "nft" && (o.ban_seconds || o.ranges || o.nft_table))
    return Usage("--ban-time, --ranges and --nft-table apply to --format nft only");
  for (const std::string& a : o.allow) {
    Allowlist scratch;
    if (auto err = AddToAllowlist(a, scratch)) return Usage("--allow: " + *err);
  }
  if (o.ban_list) {
    if (o.format != "nft") return Usage("--ban-list applies to --format nft only");
    for (const char* name : {"csv", "window", "since", "until", "now", "top", "threshold", "oplog",
                             "source", "server"}) {
      if (vm.count(name))
        return Usage(std::string("--ban-list replaces the dataset: --") + name + " does not apply");
    }
  }
  return std::nullopt;
}

ReportSetup ResolveReportSetup(const ReportCliOptions& o, const ReportEnv& env) {
  ReportSetup s;
  // A ban list replaces the dataset: the config only when named (allowlist, ban_time).
  s.config_read = o.config_path.has_value() || (!o.csv_path.has_value() && !o.ban_list);
  if (s.config_read) {
    s.config_path = o.config_path.value_or(kDefaultConfigPath);
    ConfigResult cr = LoadConfig(s.config_path);
    for (const std::string& w : cr.warnings) Warn(w);
    if (cr.error) {
      s.error = *cr.error;
      s.usage_error = false;
      return s;
    }
    s.config = cr.config;
  }
  for (const IpNet& n : s.config.firewall_allowlist) s.allow.Add(n);
  for (const std::string& a : o.allow) AddToAllowlist(a, s.allow);
  s.nft.ban_seconds = o.ban_seconds.value_or(s.config.firewall_ban_seconds);
  s.nft.ranges = o.ranges;
  if (o.nft_table) s.nft.table = *o.nft_table;
  if (o.ban_list) return s;
  s.database = o.source ? *o.source == "database" : s.config.report_source == "database";
  if (s.database && o.csv_path) {  // [report] source = database, and --csv
    s.error = "--csv names a dataset file, but " + s.config_path +
              " says [report] source = database (give --source csv to read the file)";
    return s;
  }
  if (s.database && !s.config_read) {
    s.error = "--source database needs the [database] section of a config file (--config)";
    return s;
  }
  s.build.servers = o.servers;
  s.csv_path = o.csv_path ? *o.csv_path : s.config.CsvPath();
  s.oplog_given = o.oplog.has_value();
  // The op log is this host's extractions': not the fleet's (the database's).
  s.oplog_path = o.oplog ? *o.oplog : s.config_read && !s.database ? s.config.LogPath() : "";
  s.now = o.now ? *o.now : env.clock ? env.clock() : std::time(nullptr);

  ReportWindow& w = s.build.window;
  std::optional<std::time_t> since = o.since, until = o.until;
  if (o.since_relative) since = ParseRelativeTime(*o.since_relative, s.now);
  if (o.until_relative) until = ParseRelativeTime(*o.until_relative, s.now);
  if (since) {
    w = {"custom", *since, until.value_or(s.now)};
    if (w.since >= w.until) {
      s.error = "--since must be before --until (now, when --until is not given)";
      return s;
    }
  } else {
    std::string name = o.window ? *o.window : s.config_read ? s.config.report_window : "today";
    // A mail sent from cron at midnight (the older tool's habit) would cover the
    // few minutes of the new day: before 01:00, --send's "today" (from the
    // config or the default, not --window today) is the whole day before.
    std::tm tm{};
    if (o.send.send && !o.window && name == "today" && localtime_r(&s.now, &tm) != nullptr &&
        tm.tm_hour < kSendYesterdayBeforeHour) {
      name = "yesterday";
    }
    std::optional<ReportWindow> named = NamedWindow(name, s.now);
    if (!named) {
      s.error = "unknown window '" + name + "'";
      return s;
    }
    w = *named;
  }
  if (std::optional<std::string> e = CheckWindow(w)) {
    s.error = "the report window " + FormatLocalIso(w.since) + " .. " + FormatLocalIso(w.until) +
              ": " + *e;
    return s;
  }
  if (s.database) {
    // The logins are not exported to SQL: no logins after failures.
    s.build.top = o.top ? *o.top : static_cast<std::size_t>(s.config.report_top);
    if (o.format == "ips" || o.format == "nft") {
      s.build.threshold = o.threshold.value_or(1);
      s.build.feed_only = true;
    } else if (o.format == "json") {
      s.build.threshold = o.threshold.value_or(0);
    }
    return s;
  }
  if (s.csv_path == "-") {
    s.error =
        "--csv -: standard input cannot be read; the dataset must be a regular file (the "
        "report reads it twice: the window, then the rows before it for the new IPs)";
    return s;
  }
  if (struct stat st; ::stat(s.csv_path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    s.error = s.csv_path + ": not a regular file (the dataset must be a regular file)";
    s.usage_error = false;
    return s;
  }
  s.build.top = o.top ? *o.top : s.config_read ? static_cast<std::size_t>(s.config.report_top) : 10;
  s.build.logins_path = LoginsDatasetPath(s.csv_path);
  s.build.lookback_days = s.config.logins_lookback_days;
  if (o.format == "ips" || o.format == "nft") {
    s.build.threshold = o.threshold.value_or(1);
    s.build.feed_only = true;
    s.missing_after_extraction_is_empty = true;
  } else if (o.format == "json") {
    s.build.threshold = o.threshold.value_or(0);
  }
  return s;
}

PreparedReport PrepareReport(const ReportSetup& s, const ReportEnv& env, int rows_fd) {
  PreparedReport p;
  ReportOptions options = s.build;
  options.rows_fd = rows_fd;
  options.allow = &s.allow;
  ReportBuild b =
      s.database ? BuildDatabaseReport(s.config, options) : BuildReport(s.csv_path, options);
  for (const std::string& w : b.warnings) Warn(w);
  if (b.error) {
    Warn(*b.error);
    p.fatal = true;
    p.status = b.not_regular ? 2 : 1;
    return p;
  }
  OpLogFacts facts;
  if (!s.oplog_path.empty()) {
    facts = ReadOpLogFacts(s.oplog_path, b.data.window.since, b.data.window.until);
    if (!facts.readable && s.oplog_given)
      Warn(s.oplog_path + ": cannot read the op log; outages and last extraction unknown");
  }
  if (b.missing && s.missing_after_extraction_is_empty && facts.last_extraction) {
    // A ban list on a host where the extraction has run and stored nothing
    // yet: no failures, nothing to ban (the firewall unit's every minute).
    b.data.dataset_error.clear();
  }
  if (!b.data.dataset_error.empty()) {
    // Never a reassuring "0 failures": the report says the dataset is missing.
    Warn(s.csv_path + ": the dataset is " + b.data.dataset_error +
         "; the report cannot count the failures");
    p.status = 1;
  }
  if (b.data.skipped_rows > 0) {
    Warn(s.csv_path + ": " + std::to_string(b.data.skipped_rows) + " unreadable row" +
         (b.data.skipped_rows == 1 ? "" : "s") + " left out of the report");
    p.status = 1;
  }
  p.data = std::move(b.data);
  p.rows_written = b.rows_written;

  ReportData& d = p.data;
  d.version = MLS_VERSION;
  if (env.host) {
    HostIdentity host = env.host();
    d.server_name = host.fqdn;
    d.server_address = host.address;
  }
  d.schedule = (env.schedule ? env.schedule() : std::nullopt).value_or("");
  if (d.schedule.empty()) d.schedule = "unknown";  // no timer unit, or one without triggers
  d.generated = s.now;
  if (!s.database) d.dataset_path = s.csv_path;  // the database's: BuildDatabaseReport
  d.oplog_path = s.oplog_path;
  if (facts.readable) {
    d.outages = facts.outages;
    d.suppressed = facts.suppressed;
    d.last_extraction = facts.last_extraction;
  }
  return p;
}

int SendReport(const ReportSendOptions& o, const ReportSetup& setup, const ReportEnv& env) {
  ReportMailSettings ms;
  ms.sender = setup.config.report_sender;
  ms.email = setup.config.report_email;
  ms.to = o.to.value_or("");
  ms.subject_prefix = setup.config.report_subject_prefix;
  ms.sendmail = setup.config.report_sendmail;
  if (!setup.config.smtp_host.empty()) {
    const Config& c = setup.config;
    SmtpOptions smtp;
    smtp.host = c.smtp_host;
    smtp.port = c.smtp_port;
    smtp.tls = ParseSmtpTls(c.smtp_tls).value_or(SmtpTls::kStartTls);
    smtp.user = c.smtp_user;
    smtp.password = c.smtp_password;
    smtp.cafile = c.smtp_cafile;
    smtp.timeout_ms = std::int64_t{c.smtp_timeout_seconds} * 1000;
    if (auto err = CheckSmtpOptions(smtp)) {
      Warn(setup.config_path + ": [report] " + *err);
      return kExitUsage;
    }
    ms.smtp = smtp;
  }
  ms.max_attachment = o.max_attachment.value_or(kDefaultMaxAttachment);
  ms.dry_run = o.dry_run;
  ms.preview = o.preview;
  ms.timeout_seconds = o.sendmail_timeout.value_or(kDefaultSendmailTimeout);
  ms.on_sendmail_line = [](std::string_view line) { Warn(line); };
  ms.config_path = setup.config_read ? setup.config_path : "";
  ms.scratch_dirs = {DirName(setup.csv_path), "/tmp"};

  // The addresses before the dataset is read (the sender's default needs the
  // host name, known after PrepareReport: checked again then).
  ReportAddresses early = ResolveReportAddresses(ms, "localhost");
  if (early.error) {
    Warn(*early.error);
    return early.exit_status;
  }
  std::string error;
  int rows_fd = OpenScratchFile(ms.scratch_dirs, error);
  if (rows_fd < 0) {
    Warn("report not sent: " + error);
    return kExitFailure;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{rows_fd};

  PreparedReport p = PrepareReport(setup, env, rows_fd);
  if (p.fatal) {
    Warn("report not sent");
    return kExitFailure;
  }
  ReportAddresses addresses = ResolveReportAddresses(ms, p.data.server_name);
  if (addresses.error) {  // cannot happen: only the default sender changed
    Warn(*addresses.error);
    return addresses.exit_status;
  }
  // A dry run read by `| head` is not a failure: EPIPE, not SIGPIPE, then exit
  // quietly (the status says only what the report itself says).
  if (ms.dry_run || ms.preview) std::signal(SIGPIPE, SIG_IGN);
  ReportMailResult r = SendReportMail(ms, addresses, p.data, RenderText(p.data), RenderHtml(p.data),
                                      rows_fd, p.rows_written, env.out_fd);
  if (r.error && r.closed_pipe) return p.data.dataset_error.empty() ? 0 : 1;
  if (r.error) {
    Warn(ms.dry_run || ms.preview ? *r.error : "report not sent: " + *r.error);
    return kExitFailure;
  }
  if (!ms.dry_run && !ms.preview) Warn(r.summary);
  // Sent: unreadable rows (p.status 1) were warned about above and are named in
  // the report itself; not sending it again tomorrow is not the way to fix them.
  // A missing or unreadable dataset is another matter: the mail says so, and
  // the status says the report is not one.
  return p.data.dataset_error.empty() ? 0 : 1;
}

namespace {

constexpr int kExitHighLogins = 3;

// The nft batch banning `ips`: the firewall never bans the loopback or this
// host's own addresses, whatever the allowlist says.
std::string RenderNftFeed(const std::vector<std::string>& ips, const ReportSetup& setup) {
  Allowlist allow = setup.allow;
  allow.AddLocal();
  return RenderNft(ips, setup.nft, allow);
}

// --ban-list: the batch for the addresses of `path`, validated line by line
// (the privileged half of maillogsentinel-firewall.service reads no dataset).
int BanFromList(const std::string& path, const ReportSetup& setup, const ReportEnv& env) {
  constexpr std::size_t kMaxBanListBytes = std::size_t{64} << 20;
  const std::string name = path == "-" ? "standard input" : path;
  std::optional<std::string> text;
  if (path == "-") {
    if (auto err = ReadWholeFile("/dev/stdin", text, /*missing_ok=*/false, kMaxBanListBytes)) {
      Warn(name + ": " + err->substr(err->find(": ") + 2));
      return kExitFailure;
    }
  } else {
    // Run as root, it reads a file the service user wrote: never through a
    // symbolic link (which could name a file only root may read; its first line
    // would be in the error message), only a regular file.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<std::uint64_t>(st.st_size) > kMaxBanListBytes ||
        !(text = ReadRange(fd, 0, static_cast<std::uint64_t>(st.st_size)))) {
      const int err = errno;
      Warn(fd < 0 && err == ELOOP ? path + ": a symbolic link; the ban list must be a regular file"
           : fd >= 0 && !S_ISREG(st.st_mode) ? path + ": not a regular file"
           : fd >= 0 && static_cast<std::uint64_t>(st.st_size) > kMaxBanListBytes
               ? path + ": larger than " + std::to_string(kMaxBanListBytes) + " bytes"
               : ErrnoMessage(path, err));
      if (fd >= 0) ::close(fd);
      return kExitFailure;
    }
    ::close(fd);
  }
  std::vector<std::string> ips;
  if (auto err = ParseBanList(*text, ips)) {
    Warn(name + ": " + *err + "; nothing banned");
    return kExitFailure;
  }
  if (!WriteAll(env.out_fd, RenderNftFeed(ips, setup))) {
    Warn(ErrnoMessage("standard output: write", errno));
    return kExitFailure;
  }
  return 0;
}

}  // namespace

int RunReport(const ReportCliOptions& o, const ReportEnv& env) {
  ReportSetup setup = ResolveReportSetup(o, env);
  if (setup.error) {
    if (setup.usage_error) return Usage(*setup.error);
    Warn(*setup.error);
    return kExitUsage;
  }
  if (o.send.send) return SendReport(o.send, setup, env);
  if (o.ban_list) return BanFromList(*o.ban_list, setup, env);
  PreparedReport p = PrepareReport(setup, env);
  if (p.fatal) return p.status;
  std::string out;
  if (o.format == "html") {
    out = RenderHtml(p.data);
  } else if (o.format == "json") {
    out = RenderJson(p.data);
  } else if (o.format == "ips") {
    // A ban list never names the loopback or this host's own addresses.
    Allowlist local;
    local.AddLocal();
    std::erase_if(p.data.threshold_ips, [&](const KeyCount& k) { return local.Contains(k.key); });
    out = RenderIps(p.data);
  } else if (o.format == "logins") {
    out = RenderLogins(p.data);
  } else if (o.format == "nft") {
    std::vector<std::string> ips;
    for (const KeyCount& k : p.data.threshold_ips) ips.push_back(k.key);
    out = RenderNftFeed(ips, setup);
  } else {
    out = RenderText(p.data);
  }
  if (!WriteAll(env.out_fd, out)) {
    Warn(ErrnoMessage("standard output: write", errno));
    return kExitFailure;
  }
  // --format logins for alerting: 3 says a guess worked (a high case).
  if (o.format == "logins" && p.status == 0 && p.data.logins.high > 0) return kExitHighLogins;
  return p.status;
}

}  // namespace mls
