#pragma once
// mls-report's model: the report window, and the aggregates of one window of
// the dataset (lib/dataset.h) that every output format (lib/report_render.h) is
// rendered from. Built by streaming the dataset (BuildReport): memory grows
// with the distinct keys inside the window, never with the rows outside it.

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataset.h"
#include "firewall.h"
#include "login_signal.h"

namespace mls {

// ---- the window ----------------------------------------------------------

// [since, until) in epoch seconds. Named windows are computed in local time (TZ):
//   today      local midnight today .. now
//   yesterday  local midnight yesterday .. local midnight today
//   24h        now - 24 h .. now
//   7d         now - 7 * 24 h .. now
//   SPAN       now - SPAN .. now, for any time span ("10m", "1h", "36h": ParseTimeSpan)
//   custom     --since/--until (until defaults to now)
struct ReportWindow {
  std::string name;  // "today" "yesterday" "24h" "7d" "custom"
  std::time_t since = 0;
  std::time_t until = 0;
};

// Resolves a named window at `now` (local time, DST-aware: "today" on the day
// clocks go back is 25 hours long). nullopt for an unknown name.
std::optional<ReportWindow> NamedWindow(std::string_view name, std::time_t now);

// The window `w` is compared with, named "previous":
//   today      the same clock interval of the previous local day: [yesterday
//              00:00, yesterday at until's local clock time] (DST-aware, so it
//              may be an hour shorter or longer than `w`)
//   yesterday  the local day before
//   others     the window of the same length just before: [2*since - until, since)
ReportWindow PreviousWindow(const ReportWindow& w);

// Windows must start at or after 1970-01-01T00:00Z and last at most 100 years
// (36525 days: buckets and output stay bounded). The reason, or nullopt.
inline constexpr std::int64_t kMaxWindowSeconds = std::int64_t{36525} * 86400;
std::optional<std::string> CheckWindow(const ReportWindow& w);

// ---- the aggregates ------------------------------------------------------

struct KeyCount {
  std::string key;  // user, country code, ASN, AS organisation, rDNS status...
  std::uint64_t count = 0;
  bool operator==(const KeyCount&) const = default;
};

// One (user, ip) pair: "top failed authentications".
struct AuthCount {
  std::string user, ip, hostname, country;
  std::uint64_t count = 0;
  bool operator==(const AuthCount&) const = default;
};

// One source IP: "top source IPs", "brute force", "new IPs".
struct IpCount {
  std::string ip, hostname, country, asn, as_org;
  std::uint64_t count = 0;           // attempts in the window
  std::uint64_t distinct_users = 0;  // distinct user names it tried in the window
  std::time_t first = 0, last = 0;   // first/last attempt in the window
  bool operator==(const IpCount&) const = default;
};

// One user name tried from many addresses: "password spraying".
struct UserSpread {
  std::string user;
  std::uint64_t count = 0;         // attempts in the window
  std::uint64_t distinct_ips = 0;  // distinct source IPs in the window
  bool operator==(const UserSpread&) const = default;
};

// One server of several (the rows' syslog host): its attempts in the window
// and in the previous one, and the addresses it saw.
struct ServerTrend {
  std::string server;
  std::uint64_t count = 0;
  std::uint64_t previous = 0;
  std::uint64_t distinct_ips = 0;
  bool operator==(const ServerTrend&) const = default;
};

// An address that tried more than one server in the window.
struct SharedIp {
  std::string ip, country, asn, as_org;
  std::uint64_t servers = 0;  // how many
  std::uint64_t count = 0;    // attempts, all servers
  std::uint64_t distinct_users = 0;
  bool operator==(const SharedIp&) const = default;
};

// A user name tried on more than one server in the window.
struct SharedUser {
  std::string user;
  std::uint64_t servers = 0;
  std::uint64_t count = 0;
  std::uint64_t distinct_ips = 0;
  bool operator==(const SharedUser&) const = default;
};

// Attempts in [start, start + seconds). Buckets cover the window without gaps,
// aligned to local hours, or local days when that would take more than
// kMaxHourBuckets hours (windows longer than about 2 days: 7d is 8 days).
inline constexpr std::size_t kMaxHourBuckets = 48;
struct Bucket {
  std::time_t start = 0;
  std::uint64_t count = 0;
  bool operator==(const Bucket&) const = default;
};

struct ReportData {
  // Header.
  std::string version;         // MLS_VERSION
  std::string server_name;     // FQDN of this machine
  std::string server_address;  // its primary non-loopback address, or empty
  std::time_t generated = 0;   // "now"
  ReportWindow window;
  std::string schedule;  // extraction schedule, e.g. "OnCalendar=*:0/10" or "unknown"
  std::optional<std::time_t> last_extraction;  // last committed run (from the op log)
  std::string dataset_path;
  // Why the dataset could not be read at all, "" when it was: "missing (No such
  // file or directory)", "unreadable (Permission denied)". The counts are then
  // unknown, not 0: every format says so.
  std::string dataset_error;

  // Totals for the window.
  std::uint64_t total = 0;  // attempts (rows) in the window
  std::uint64_t distinct_ips = 0;
  std::uint64_t distinct_users = 0;  // user names: an empty one is not a user name
  // Attempts without a user name (an empty user cell): counted here only, never
  // as a user name (top_users, top_auth, spraying, brute force, distinct_users).
  std::uint64_t no_user = 0;

  // The fleet: only when the window has rows from two or more servers (the
  // rows' syslog host: a central database, central syslog, a shared dataset);
  // empty otherwise. Every server with rows in the window or the previous one,
  // count descending, ties by name.
  std::vector<ServerTrend> servers;
  // Addresses that tried two or more servers: how many, and the top-N by
  // servers, then attempts, then address.
  std::uint64_t shared_ip_count = 0;
  std::vector<SharedIp> shared_ips;
  // User names tried on two or more servers: how many, and the top-N likewise.
  std::uint64_t shared_user_count = 0;
  std::vector<SharedUser> shared_users;

  // Top-N lists, count descending, ties by key ascending (bytewise).
  std::vector<AuthCount> top_auth;  // (user, ip) pairs
  std::vector<KeyCount> top_users;
  std::vector<IpCount> top_ips;
  std::vector<KeyCount> top_countries;  // "" = unknown country
  std::vector<KeyCount> top_as_orgs;    // "" = unknown
  std::vector<KeyCount> top_asns;       // "" = unknown
  // Every rDNS status other than OK seen in the window, count descending, ties by
  // status ascending; "" = no status recorded (legacy rows, events stored unenriched).
  std::vector<KeyCount> rdns_failures;
  std::uint64_t rdns_ok = 0;

  // Bucket i covers [buckets[i].start, buckets[i + 1].start) (the last one up to
  // the next local hour/day) intersected with the window: the first bucket starts
  // at the local hour (day) that contains window.since, so it may start before
  // it. Hourly (bucket_seconds 3600; a local hour is 3600 s in every zone whose
  // offsets differ by whole hours) while that is at most kMaxHourBuckets
  // buckets, local days (bucket_seconds 86400, nominal: 23 or 25 h on DST days)
  // beyond: the rows the text and HTML charts show. An empty window has no buckets.
  std::uint64_t bucket_seconds = 3600;
  std::vector<Bucket> buckets;

  // Brute force: IPs by distinct users tried (>= 2), descending.
  std::vector<IpCount> brute_force;
  // Password spraying: users by distinct source IPs (>= 2), descending.
  std::vector<UserSpread> spraying;

  // IPs with attempts in the window and none in the dataset before window.since.
  std::uint64_t new_ip_count = 0;
  std::vector<IpCount> new_ips;  // top-N of them by count

  // The window compared with (PreviousWindow) and its attempts.
  ReportWindow previous_window;
  std::uint64_t previous_total = 0;

  // SASL backend outages ("Connection lost to authentication server") counted
  // by extraction runs committed inside the window; nullopt when the op log is
  // unreadable or absent.
  std::optional<std::uint64_t> outages;
  // Postfix messages journald's rate limit dropped in the window (the op log's
  // "N Postfix messages dropped by journald"): failures among them are missing.
  std::uint64_t suppressed = 0;
  // The op log consulted for `outages` and `last_extraction`; "" when there was
  // none to consult (mls-report --csv without a config or --oplog).
  std::string oplog_path;

  // The dataset as a whole.
  std::uint64_t dataset_rows = 0;
  std::uint64_t dataset_bytes = 0;
  bool dataset_table = false;           // a database table (--source database): no size in bytes
  bool dataset_rows_estimated = false;  // dataset_rows is the database's estimate (a big table)
  std::uint64_t skipped_rows = 0;       // rows that could not be read (bad dates, field counts)
  std::time_t dataset_first = 0, dataset_last = 0;  // oldest/newest row time (0 if empty)

  // --format ips: every IP with at least `threshold` attempts in the window,
  // count descending then IP ascending (empty unless ReportOptions::threshold > 0).
  std::uint64_t threshold = 0;
  std::vector<KeyCount> threshold_ips;
  // The window's addresses that the allowlist holds (ReportOptions::allow), most
  // attempts first, at most `top`: shown as allowlisted, never banned.
  std::vector<KeyCount> allowlisted;

  // Logins after failures (lib/login_signal.h), from the logins dataset beside
  // the dataset; `tracked` false when there is none.
  LoginsAfterFailures logins;
};

// ---- building ------------------------------------------------------------

struct ReportOptions {
  ReportWindow window;
  std::size_t top = 10;
  std::uint64_t threshold = 0;  // > 0: fill ReportData::threshold_ips
  // Addresses never to ban: left out of threshold_ips, listed in
  // ReportData::allowlisted instead (null: none).
  const Allowlist* allow = nullptr;
  // >= 0: the window's rows are written to this fd as a dataset CSV (our
  // header line, then the rows in file order, re-encoded with CsvAppendEvent):
  // the mail's attachment. Streamed, never held in memory.
  int rows_fd = -1;
  // The logins dataset (LoginsDatasetPath of the dataset; empty: none) and how
  // far back before a login its failures and the account's logins are looked for.
  std::string logins_path;
  std::int64_t lookback_days = 30;
  // --server: only rows whose server (syslog host) is one of these; empty: all.
  std::vector<std::string> servers;
  // A ban list (--format ips, nft): the window's addresses and counts only;
  // no new addresses, previous window or dataset facts are worked out.
  bool feed_only = false;
};

// Whether a row of `server` is in the report (ReportOptions::servers).
bool ServerSelected(const ReportOptions& options, std::string_view server);
// The warning for a --server name no row has.
std::string UnknownServerWarning(std::string_view server);

// The aggregation every source feeds: BuildReport the CSV's rows one by one,
// the database source (lib/report_db.h) its groups of rows. Fills `data`'s
// window, previous window and buckets at once, the rest at Fill().
class ReportAggregator {
 public:
  ReportAggregator(const ReportOptions& options, ReportData& data);
  ~ReportAggregator();
  ReportAggregator(const ReportAggregator&) = delete;
  ReportAggregator& operator=(const ReportAggregator&) = delete;
  // `n` rows of the window alike in every cell the report uses (`row`, its
  // address canonical; `is_ip` false when it is no address), dated from
  // `first` to `last`, all in one bucket (one row: n 1, first = last).
  void Add(const DatasetCells& row, std::time_t first, std::time_t last, std::uint64_t n,
           bool is_ip);
  // The same rows without their place in the chart, which AddBucket gives
  // (a database groups the rows by time apart: far fewer groups).
  void AddUnbucketed(const DatasetCells& row, std::time_t first, std::time_t last, std::uint64_t n,
                     bool is_ip);
  // `n` rows of the window at `t` (or in the same bucket as `t`), for the chart only.
  void AddBucket(std::time_t t, std::uint64_t n);
  // `n` rows of `server` in the previous window.
  void AddPrevious(std::string_view server, std::uint64_t n);
  bool empty() const;  // no row in the window
  // New addresses: after StartSeenBefore, each address seen in a row dated
  // before the window is marked; returns how many of the window's are left.
  void StartSeenBefore();
  std::size_t MarkSeenBefore(std::string_view ip);
  void Fill();

 private:
  class Impl;
  ReportData& data_;
  std::unique_ptr<Impl> impl_;
};

struct ReportBuild {
  ReportData data;                    // aggregates and dataset facts; header fields left empty
  std::uint64_t rows_written = 0;     // to rows_fd
  std::vector<std::string> warnings;  // "FILE: line 7: ...; row skipped" (capped)
  std::optional<std::string> error;   // fatal: unreadable file, foreign header, write error
  bool missing = false;               // the dataset does not exist (data.dataset_error says so)
  bool not_regular = false;           // error: the dataset is a pipe, device... (a usage error)
};

// Streams the dataset at `csv_path` (legacy rows included). A dataset that does
// not exist or cannot be opened is no error: data.dataset_error says why (and
// `missing` is set when it does not exist); the counts are then unknown. An incomplete last line
// (an append in progress) is ignored. Reads the file once, and a second time up to the last row
// dated before the window when the window has rows (for new_ips; stops as soon as every IP of the
// window has been seen before it).
ReportBuild BuildReport(const std::string& csv_path, const ReportOptions& options);

}  // namespace mls
