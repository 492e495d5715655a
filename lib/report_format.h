#pragma once
// Pieces the human-readable report formats (report_text.cpp, report_html.cpp)
// share, so that the text and HTML forms say the same thing: display widths,
// truncation, local times, sizes, durations, the change against the previous
// window, the chart's rows and the header's health warnings.

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report.h"
#include "utf8.h"

namespace mls {

// Terminal columns of `s`, valid UTF-8 without control characters (what
// DisplayText returns): East Asian wide characters and most emoji count 2,
// combining marks and zero-width characters 0, everything else 1.
std::size_t DisplayWidth(std::string_view s);

// `s` (DisplayText output) cut to at most `cols` columns, ending in "…" when
// anything was cut. Never cuts inside a character or a "\xNN" / "\\" escape.
std::string TruncateDisplay(std::string_view s, std::size_t cols);

// The same cut from the left, starting with "…": for host and AS names, whose
// end (the domain) says the most: "…mail.example.com".
std::string TruncateDisplayLeft(std::string_view s, std::size_t cols);

// strftime(fmt) of `t` in local time (TZ).
std::string LocalTime(std::time_t t, const char* fmt);

// 1536 -> "1.5 KiB"; below 1024: "512 B".
std::string HumanBytes(std::uint64_t bytes);

// Seconds -> "45 s", "12 min", "3 h 05 min", "24 h 30 min" (minutes kept below
// 48 h), "2 d 04 h" (negative -> as 0).
std::string HumanDuration(std::int64_t seconds);

// `part` of `whole` as "17.3 %" ("0.0 %" when whole is 0).
std::string Percent(std::uint64_t part, std::uint64_t whole);

// The change of `total` against `previous`: "+345 (+17.3 %)", "-12 (-5.0 %)",
// "unchanged", or "no attempts in the previous window" when previous is 0.
std::string FormatChange(std::uint64_t total, std::uint64_t previous);
// The same in a table's cell: "+17.3 %", "-5.0 %", "+0.0 %"; "new" when previous
// is 0 (and total is not), "-" when both are.
std::string FormatShortChange(std::uint64_t total, std::uint64_t previous);

// Which window `prev` is, said from its bounds (not its name) relative to the
// local day of `now`: "yesterday" / "on 2026-11-23" for a whole local day,
// "yesterday 00:00-18:00" / "on 2026-11-23 06:00-24:00" within one local day,
// "in 2026-11-17 18:00 .. 2026-11-24 18:00" otherwise; "in the previous
// window" when `prev` is empty (since >= until).
std::string WindowRangeText(const ReportWindow& prev, std::time_t now);

// The change against the previous window with that window named:
// "+37 (+246.7 %) vs 15 yesterday 00:00-18:00", "unchanged vs 15 on 2026-11-23",
// "no attempts yesterday 00:00-18:00".
std::string ChangeText(const ReportData& data);

// "3 attempts without a user name" ("1 attempt ..."); "" when there are none or
// the counts are unknown (dataset_error).
std::string NoUserText(const ReportData& data);

// "AS15169" for a decimal ASN, the key itself otherwise, "(unknown)" if empty.
std::string AsnLabel(std::string_view asn);

// One row of the attempts chart. The model's buckets are shown one per row,
// labelled "HH:00" (with the date, "MM-DD HH:00", when the window spans several
// local days; with the zone abbreviation when an hour repeats on the day clocks
// go back); more than 48 hourly buckets are summed per local day and more than
// 62 days per month, labelled "YYYY-MM-DD" / "YYYY-MM".
// A row whose hour/day/month is only partly inside the window (the first and
// last ones) has `partial` set to the part inside it: "18:00-24:00" for a day
// or an hour, "11-05 18:00 .. 11-28 14:00" for a month; "" for a whole one.
struct ChartRow {
  std::string label;
  std::time_t start = 0;
  std::uint64_t count = 0;
  std::string partial;
};
struct Chart {
  std::string unit;  // "hour", "day" or "month"
  std::vector<ChartRow> rows;
  std::uint64_t peak = 0;    // largest count
  std::size_t peak_row = 0;  // first row with it
};
Chart BuildChart(const ReportData& data);

// The last committed extraction run for the header: "2026-11-28 15:10 CET (20 min
// ago)", without the age when it is not before `generated` (a report for a past
// --now), "unknown" when there is none.
std::string LastRunText(const ReportData& data);

// Why the outage count is unknown: "no op log" when none was consulted
// (oplog_path empty), "op log unreadable" when it could not be read; "" when known.
std::string OutagesUnknownReason(const ReportData& data);

// How old the last extraction run may be before the report calls it stale,
// from the extraction schedule (ReportData::schedule, ExtractionSchedule's
// "Key=value, ..." form): when it holds only monotonic triggers (OnBootSec=,
// OnUnitActiveSec=, ...) with systemd time spans ("10min", "1h 30min", "90")
// and calendars of a fixed minute step ("OnCalendar=*:0/10", "hourly"),
// max(kStaleExtraction, 3 x the longest of them); otherwise (another
// OnCalendar=, unknown, unparsable) kStaleExtractionOther, enough for a daily
// schedule.
// (ParseTimeSpan: lib/local_time.h.)
inline constexpr std::int64_t kStaleExtraction = 2 * 3600;
inline constexpr std::int64_t kStaleExtractionOther = 26 * 3600;
std::int64_t StaleExtractionLimit(std::string_view schedule);

// Health warnings for the top of the report, most serious first: a missing or
// unreadable dataset (dataset_error), SASL backend
// outages, an unreadable op log (no outage count, no last run), no or a stale
// (older than StaleExtractionLimit(schedule) before `generated`) extraction
// run, unreadable dataset rows. Without an op log to consult (oplog_path
// empty) nothing is said about extraction runs.
std::vector<std::string> HealthWarnings(const ReportData& data);

// "Logins after failures", in the words both forms show (attacker text through
// DisplayText): the section's title, a case's lines (the first names it), and
// the line the low cases are collapsed into ("" when there are none).
std::string LoginsTitle(const LoginsAfterFailures& logins);
std::vector<std::string> LoginCaseLines(const LoginCase& c);
std::string LowLoginsLine(const LoginsAfterFailures& logins);

}  // namespace mls
