#include "report_format.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "local_time.h"
#include "number.h"
#include "syslog_time.h"
#include "text_safety.h"

namespace mls {

namespace {

struct Range {
  char32_t lo, hi;
};

bool InRanges(char32_t cp, const Range* r, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) {
    if (cp >= r[k].lo && cp <= r[k].hi) return true;
  }
  return false;
}

constexpr Range kZeroWidth[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
    {0x200B, 0x200F}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
};
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},
    {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
    {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
    {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

std::size_t CharWidth(char32_t cp) {
  if (InRanges(cp, kZeroWidth, std::size(kZeroWidth))) return 0;
  if (InRanges(cp, kWide, std::size(kWide))) return 2;
  return 1;
}

// The display token at s[i]: a "\xNN" or "\\" escape or one character.
std::size_t Token(std::string_view s, std::size_t i, std::size_t& width) {
  if (s[i] == '\\') {
    std::size_t len = (i + 1 < s.size() && s[i + 1] == 'x') ? 4 : 2;
    len = std::min(len, s.size() - i);
    width = len;
    return len;
  }
  char32_t cp = 0;
  std::size_t len = DecodeUtf8(s, i, cp);
  if (len == 0) {
    width = 1;
    return 1;
  }
  width = CharWidth(cp);
  return len;
}

std::string Format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

std::size_t DisplayWidth(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t cw = 0;
    i += Token(s, i, cw);
    w += cw;
  }
  return w;
}

std::string TruncateDisplay(std::string_view s, std::size_t cols) {
  if (DisplayWidth(s) <= cols) return std::string(s);
  if (cols == 0) return "";
  std::string out;
  std::size_t w = 0, cw = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len = Token(s, i, cw);
    if (w + cw > cols - 1) break;
    out.append(s.substr(i, len));
    w += cw;
    i += len;
  }
  return out + "\u2026";
}

std::string TruncateDisplayLeft(std::string_view s, std::size_t cols) {
  if (DisplayWidth(s) <= cols) return std::string(s);
  if (cols == 0) return "";
  // The tokens' starts and widths, then as many of the last ones as fit.
  std::vector<std::pair<std::size_t, std::size_t>> tokens;
  std::size_t cw = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len = Token(s, i, cw);
    tokens.emplace_back(i, cw);
    i += len;
  }
  std::size_t w = 0, start = s.size();
  for (auto it = tokens.rbegin(); it != tokens.rend(); ++it) {
    if (w + it->second > cols - 1) break;
    w += it->second;
    start = it->first;
  }
  return "\u2026" + std::string(s.substr(start));
}

std::string LocalTime(std::time_t t, const char* fmt) {
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return "?";
  char buf[128];
  std::size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}

std::string HumanBytes(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes) / 1024.0;
  std::size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(kUnits)) v /= 1024.0, ++u;
  return Format("%.1f ", v) + kUnits[u];
}

std::string HumanDuration(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  char buf[64];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(seconds));
  } else if (seconds < 3600) {
    std::snprintf(buf, sizeof buf, "%lld min", static_cast<long long>(seconds / 60));
  } else if (seconds < 48 * 3600) {
    std::snprintf(buf, sizeof buf, "%lld h %02lld min", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld d %02lld h", static_cast<long long>(seconds / 86400),
                  static_cast<long long>(seconds % 86400 / 3600));
  }
  return buf;
}

std::string Percent(std::uint64_t part, std::uint64_t whole) {
  if (whole == 0) return "0.0 %";
  return Format("%.1f %%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string FormatShortChange(std::uint64_t total, std::uint64_t previous) {
  if (previous == 0) return total == 0 ? "-" : "new";
  const double pct = 100.0 * (static_cast<double>(total) - static_cast<double>(previous)) /
                     static_cast<double>(previous);
  return Format("%+.1f %%", pct);
}

std::string FormatChange(std::uint64_t total, std::uint64_t previous) {
  if (previous == 0) return "no attempts in the previous window";
  if (total == previous) return "unchanged";
  bool up = total > previous;
  std::uint64_t diff = up ? total - previous : previous - total;
  double pct = 100.0 * static_cast<double>(diff) / static_cast<double>(previous);
  std::string sign = up ? "+" : "-";
  return sign + std::to_string(diff) + " (" + sign + Format("%.1f %%", pct) + ")";
}

namespace {

// Local midnight starting the day of `t`, `days` days later (DST-aware).
std::time_t LocalMidnight(std::time_t t, int days = 0) {
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return t;
  tm.tm_mday += days;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return std::mktime(&tm);
}

// Local 00:00 of the first of the month of `t`, `months` months later.
std::time_t LocalMonthStart(std::time_t t, int months = 0) {
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return t;
  tm.tm_mon += months;
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return std::mktime(&tm);
}

// "HH:MM-HH:MM" of [lo, hi) inside one local day, the end of the day as "24:00".
std::string ClockRange(std::time_t lo, std::time_t hi) {
  std::string end = hi == LocalMidnight(lo, 1) ? "24:00" : LocalTime(hi, "%H:%M");
  return LocalTime(lo, "%H:%M") + "-" + end;
}

}  // namespace

std::string WindowRangeText(const ReportWindow& prev, std::time_t now) {
  if (prev.since >= prev.until) return "in the previous window";
  std::time_t day = LocalMidnight(prev.since), next = LocalMidnight(prev.since, 1);
  if (prev.until <= next) {
    std::time_t today = LocalMidnight(now);
    std::string when = day == today                     ? "today"
                       : LocalMidnight(day, 1) == today ? "yesterday"
                                                        : "on " + LocalTime(day, "%Y-%m-%d");
    if (prev.since == day && prev.until == next) return when;
    return when + " " + ClockRange(prev.since, prev.until);
  }
  return "in " + LocalTime(prev.since, "%Y-%m-%d %H:%M") + " .. " +
         LocalTime(prev.until, "%Y-%m-%d %H:%M");
}

std::string ChangeText(const ReportData& data) {
  std::string range = WindowRangeText(data.previous_window, data.generated);
  if (data.previous_total == 0) return "no attempts " + range;
  return FormatChange(data.total, data.previous_total) + " vs " +
         std::to_string(data.previous_total) + " " + range;
}

std::string AsnLabel(std::string_view asn) {
  if (asn.empty()) return "(unknown)";
  bool digits = std::all_of(asn.begin(), asn.end(), [](char c) { return c >= '0' && c <= '9'; });
  return digits ? "AS" + std::string(asn) : std::string(asn);
}

Chart BuildChart(const ReportData& data) {
  Chart chart;
  chart.unit = data.bucket_seconds >= 86400 ? "day" : "hour";
  const auto& b = data.buckets;
  // The model's buckets are hourly only up to kMaxHourBuckets (lib/report.h);
  // a hand-made model with more is shown per day all the same.
  if (chart.unit == "hour" && b.size() > kMaxHourBuckets) chart.unit = "day";
  if (chart.unit == "day") {
    // Sum per local day (the model's day buckets already are; this merges hours).
    std::map<std::string, std::size_t> index;
    for (const Bucket& k : b) {
      std::string day = LocalTime(k.start, "%Y-%m-%d");
      auto [it, fresh] = index.try_emplace(day, chart.rows.size());
      if (fresh) chart.rows.push_back({day, k.start, 0, ""});
      chart.rows[it->second].count += k.count;
    }
    if (chart.rows.size() > 62) {
      std::vector<ChartRow> days = std::move(chart.rows);
      chart.rows.clear();
      index.clear();
      chart.unit = "month";
      for (const ChartRow& d : days) {
        std::string month = d.label.substr(0, 7);
        auto [it, fresh] = index.try_emplace(month, chart.rows.size());
        if (fresh) chart.rows.push_back({month, d.start, 0, ""});
        chart.rows[it->second].count += d.count;
      }
    }
  } else {
    bool multi_day = !b.empty() && LocalTime(b.front().start, "%Y-%m-%d") !=
                                       LocalTime(b.back().start, "%Y-%m-%d");
    const char* fmt = multi_day ? "%m-%d %H:00" : "%H:00";
    std::map<std::string, int> seen;
    for (const Bucket& k : b) {
      chart.rows.push_back({LocalTime(k.start, fmt), k.start, k.count, ""});
      ++seen[chart.rows.back().label];
    }
    for (ChartRow& r : chart.rows) {
      if (seen[r.label] > 1) r.label += LocalTime(r.start, " %Z");
    }
  }
  // Rows only partly inside the window (in practice the first and the last).
  const std::time_t since = data.window.since, until = data.window.until;
  for (ChartRow& r : chart.rows) {
    std::time_t ps = r.start, pe = r.start + 3600;
    if (chart.unit == "day") ps = LocalMidnight(r.start), pe = LocalMidnight(r.start, 1);
    if (chart.unit == "month") ps = LocalMonthStart(r.start), pe = LocalMonthStart(r.start, 1);
    std::time_t lo = std::max(ps, since), hi = std::min(pe, until);
    if ((lo == ps && hi == pe) || lo >= hi) continue;
    r.partial = chart.unit == "month"
                    ? LocalTime(lo, "%m-%d %H:%M") + " .. " + LocalTime(hi, "%m-%d %H:%M")
                    : ClockRange(lo, hi);
  }
  for (std::size_t i = 0; i < chart.rows.size(); ++i) {
    if (chart.rows[i].count > chart.peak) chart.peak = chart.rows[i].count, chart.peak_row = i;
  }
  return chart;
}

std::string LastRunText(const ReportData& data) {
  if (!data.last_extraction) return "unknown";
  std::string s = LocalTime(*data.last_extraction, "%Y-%m-%d %H:%M %Z");
  if (*data.last_extraction < data.generated) {
    s += " (" + HumanDuration(data.generated - *data.last_extraction) + " ago)";
  }
  return s;
}

std::string OutagesUnknownReason(const ReportData& data) {
  if (data.outages) return "";
  return data.oplog_path.empty() ? "no op log" : "op log unreadable";
}

std::int64_t StaleExtractionLimit(std::string_view schedule) {
  static constexpr std::string_view kMonotonic[] = {"OnActiveSec", "OnBootSec", "OnStartupSec",
                                                    "OnUnitActiveSec", "OnUnitInactiveSec"};
  std::int64_t longest = 0;
  std::size_t pos = 0;
  while (pos < schedule.size()) {
    std::size_t end = schedule.find(", ", pos);
    std::string_view item = schedule.substr(pos, end == std::string_view::npos ? end : end - pos);
    pos = end == std::string_view::npos ? schedule.size() : end + 2;
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return kStaleExtractionOther;
    std::string_view key = item.substr(0, eq);
    std::string_view value = item.substr(eq + 1);
    if (key == "OnCalendar") {
      // Every N minutes ("*:0/10", "*:00/15:00") or "hourly"/"minutely"; any
      // other calendar counts as daily.
      std::int64_t every = value == "hourly" ? 3600 : value == "minutely" ? 60 : 0;
      std::size_t slash = value.find('/');
      if (every == 0 && value.starts_with("*:") && slash != std::string_view::npos &&
          ParseNumber<std::int64_t>(value.substr(2, slash - 2))) {
        std::string_view step = value.substr(slash + 1);
        if (step.size() > 3 && step.substr(step.size() - 3) == ":00") step.remove_suffix(3);
        every = 60 * ParseNumberIn<std::int64_t>(step, 1, 59).value_or(0);
      }
      if (every == 0) return kStaleExtractionOther;
      longest = std::max(longest, every);
      continue;
    }
    if (std::find(std::begin(kMonotonic), std::end(kMonotonic), key) == std::end(kMonotonic)) {
      return kStaleExtractionOther;
    }
    std::optional<std::int64_t> s = ParseTimeSpan(value);
    if (!s) return kStaleExtractionOther;
    longest = std::max(longest, *s);
  }
  if (longest == 0) return kStaleExtractionOther;
  return std::max(kStaleExtraction, 3 * longest);
}

std::string NoUserText(const ReportData& data) {
  if (data.no_user == 0 || !data.dataset_error.empty()) return "";
  return std::to_string(data.no_user) + (data.no_user == 1 ? " attempt" : " attempts") +
         " without a user name";
}

std::vector<std::string> HealthWarnings(const ReportData& data) {
  std::vector<std::string> w;
  if (!data.dataset_error.empty()) {
    w.push_back("the dataset " + data.dataset_path + " is " + data.dataset_error +
                ": no failures could be counted (has an extraction run yet? is working_dir "
                "right?)");
  }
  if (data.outages && *data.outages > 0) {
    w.push_back(std::to_string(*data.outages) + " SASL backend outage" +
                (*data.outages == 1 ? "" : "s") +
                " in this window: Postfix lost its connection to the authentication server, "
                "so legitimate users may have been refused too");
  }
  if (data.oplog_path.empty()) {
    // mls-report --csv alone: no op log was consulted, nothing to warn about.
  } else if (!data.last_extraction && !data.outages) {
    w.push_back("the op log " + data.oplog_path +
                " could not be read: the last extraction run and the outages are unknown");
  } else if (!data.last_extraction) {
    w.push_back("no committed extraction run found in the op log: the dataset may be stale");
  } else if (data.generated - *data.last_extraction > StaleExtractionLimit(data.schedule)) {
    w.push_back("the last extraction run committed " +
                HumanDuration(data.generated - *data.last_extraction) + " ago (" +
                LocalTime(*data.last_extraction, "%Y-%m-%d %H:%M %Z") +
                "): the figures may be incomplete");
  }
  if (data.skipped_rows > 0) {
    w.push_back(std::to_string(data.skipped_rows) + " dataset row" +
                (data.skipped_rows == 1 ? "" : "s") + " could not be read and " +
                (data.skipped_rows == 1 ? "was" : "were") + " left out");
  }
  return w;
}

std::string LoginsTitle(const LoginsAfterFailures& l) {
  return "LOGINS AFTER FAILURES (" + std::to_string(l.high) + " high, " + std::to_string(l.low) +
         " low; failures looked for in the " + std::to_string(l.lookback_days) +
         " days before each login)";
}

std::vector<std::string> LoginCaseLines(const LoginCase& c) {
  std::vector<std::string> lines;
  std::string where = c.ip;
  if (!c.country.empty()) where += " " + DisplayText(c.country);
  if (!c.asn.empty()) where += " " + AsnLabel(c.asn);
  lines.push_back(std::string(c.high ? "HIGH" : "low") + " " +
                  LocalTime(c.first_login, "%Y-%m-%d %H:%M") + " " + DisplayText(c.user) +
                  " logged in from " + where +
                  (c.logins > 1 ? " (" + std::to_string(c.logins) + " logins)" : ""));
  if (c.address) {
    std::string tried;
    for (const std::string& u : c.users_tried)
      tried += (tried.empty() ? "" : ", ") + DisplayText(u);
    if (c.users_tried_count > c.users_tried.size())
      tried += " and " + std::to_string(c.users_tried_count - c.users_tried.size()) + " more";
    lines.push_back("after " + std::to_string(c.failures_before) + " failed " +
                    (c.failures_before == 1 ? "login" : "logins") + " from that address (" +
                    LocalTime(c.first_failure, "%Y-%m-%d %H:%M") +
                    (c.failures_before < 2 ? std::string()
                     : LocalTime(c.first_failure, "%F") == LocalTime(c.last_failure, "%F")
                         ? " to " + LocalTime(c.last_failure, "%H:%M")
                         : " to " + LocalTime(c.last_failure, "%Y-%m-%d %H:%M")) +
                    ")" + (tried.empty() ? std::string() : ", trying " + tried));
  }
  if (c.account) {
    std::string fresh = "a new address";
    if (c.new_asn) fresh += ", a new AS";
    if (c.new_country) fresh += ", a new country";
    lines.push_back("the account had " + std::to_string(c.account_failures) +
                    " failed logins from " + std::to_string(c.account_addresses) + " address" +
                    (c.account_addresses == 1 ? "" : "es") + " before: " + fresh +
                    " for it (possible account takeover)");
  }
  return lines;
}

std::string LowLoginsLine(const LoginsAfterFailures& l) {
  if (l.low == 0) return "";
  return std::to_string(l.low) + (l.low == 1 ? " login" : " logins") +
         " after one or two failures for the same user from the same address (a mistyped "
         "password; --format json or logins lists them)";
}

}  // namespace mls
