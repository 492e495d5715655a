#pragma once
// mls-report's command line and run (mls-report(1)): options -> settings
// (config file, window) -> the report of the dataset -> one output format.
// Everything from the environment (clock, host, unit files, stdout) comes in
// through ReportEnv.
//
//   ParseReportOptions   argv -> ReportCliOptions (usage errors: exit 2)
//   ResolveReportSetup   options + config file + now -> ReportSetup (config errors: exit 2)
//   PrepareReport        the dataset (+ op log, host) -> ReportData, warnings on stderr
//   SendReport           --send: PrepareReport, then the mail (lib/report_mail.h)
//   RunReport            all of the above, then renders --format to env.out_fd

#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>

#include "config.h"
#include "firewall.h"
#include "report.h"
#include "report_context.h"
#include "report_mail.h"

namespace mls {

struct ReportCliOptions {
  std::optional<std::string> config_path;   // --config
  std::optional<std::string> csv_path;      // --csv
  std::optional<std::string> window;        // --window today|yesterday|24h|7d
  std::optional<std::time_t> since, until;  // --since/--until (a "custom" window)
  // --since/--until relative to now ("-2h", "yesterday": ParseRelativeTime),
  // resolved by ResolveReportSetup once now is known.
  std::optional<std::string> since_relative, until_relative;
  std::optional<std::time_t> now;          // --now
  std::optional<std::size_t> top;          // --top
  std::string format = "text";             // --format text|html|json|ips|nft
  std::optional<std::uint64_t> threshold;  // --threshold
  std::optional<std::string> oplog;        // --oplog
  ReportSendOptions send;                  // --send --to --dry-run --max-attachment
  // The firewall feed (--format nft) and the allowlist (every format).
  std::vector<std::string> allow;           // --allow CIDR...
  std::optional<std::int64_t> ban_seconds;  // --ban-time SPAN
  bool ranges = false;                      // --ranges
  std::optional<std::string> nft_table;     // --nft-table NAME
  // --ban-list FILE ("-": stdin): with --format nft, the addresses to ban come
  // from FILE (ParseBanList) instead of the dataset; no window, no dataset.
  std::optional<std::string> ban_list;
  std::optional<std::string> source;  // --source csv|database
  std::vector<std::string> servers;   // --server NAME...
};

// Parses argv into `options`. Returns the exit status to stop with (0 after
// --help/--version, 2 after a usage error), nullopt to go on.
std::optional<int> ParseReportOptions(int argc, char** argv, ReportCliOptions& options);

struct ReportEnv {
  std::function<std::time_t()> clock;                    // "now" unless --now
  std::function<HostIdentity()> host;                    // LocalHostIdentity
  std::function<std::optional<std::string>()> schedule;  // ExtractionSchedule(...)
  int out_fd = 1;                                        // where the report goes
};

// With --send and the window "today" from the config or the default (not
// --window today), a run before this local hour reports "yesterday" instead:
// cron at midnight mails the whole day that just ended.
inline constexpr int kSendYesterdayBeforeHour = 1;

// What to report, resolved from the options and (when read) the config file.
struct ReportSetup {
  Config config;             // defaults when no config file was read
  bool config_read = false;  // read when --config is given or --csv is not
  std::string config_path;
  std::string csv_path;
  // --source database / [report] source: the [database] table (report_db.h), not csv_path.
  bool database = false;
  std::string oplog_path;    // "" = none: outages and last extraction unknown
  bool oplog_given = false;  // --oplog: an unreadable file is worth a warning
  std::time_t now = 0;
  ReportOptions build;  // window, top, threshold (rows_fd -1; allow: see `allow`)
  Allowlist allow;      // [firewall] allowlist, --allow (nft: + loopback, this host)
  NftOptions nft;       // --format nft
  // --format ips and nft: a dataset that does not exist after a committed
  // extraction (op log) holds no failures yet: nothing to ban, no error.
  bool missing_after_extraction_is_empty = false;
  std::optional<std::string> error;  // a usage or config problem: exit 2
  bool usage_error = true;           // false: the config file's ("FILE:LINE: ...")
};
ReportSetup ResolveReportSetup(const ReportCliOptions& options, const ReportEnv& env);

struct PreparedReport {
  ReportData data;  // header fields filled in
  std::uint64_t rows_written = 0;
  bool fatal = false;  // the dataset could not be read (message printed): nothing to render
  // 1 when fatal, when the dataset is missing or unreadable (the report says so)
  // or when rows were skipped (the report is still valid).
  int status = 0;
};
// Builds the report of `setup` (the window's rows to `rows_fd` when >= 0, see
// ReportOptions::rows_fd). Warnings and errors go to stderr ("mls-report: ...").
PreparedReport PrepareReport(const ReportSetup& setup, const ReportEnv& env, int rows_fd = -1);

// mls-report --send: checks the addresses, builds the report with the window's
// rows in a scratch file (the dataset's directory, else /tmp), renders the text
// and HTML forms and sends them (SendReportMail). Messages on stderr; returns the
// exit status: 0 sent (or printed; also when dataset rows were unreadable: the
// report says so and stderr has the warning), 1 not sent (no recipient, sendmail
// failed or timed out, unreadable dataset), 2 a bad address.
int SendReport(const ReportSendOptions& options, const ReportSetup& setup, const ReportEnv& env);

// The whole of mls-report: returns the exit status (0, 1 or 2).
int RunReport(const ReportCliOptions& options, const ReportEnv& env);

}  // namespace mls
