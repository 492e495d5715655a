#include "report_format.h"

#include <gtest/gtest.h>

#include <set>

#include "local_time.h"
#include "report_render.h"
#include "report_sample.h"
#include "tz_scope.h"

namespace mls {
namespace {

TEST(ReportFormat, DisplayWidthCountsColumns) {
  EXPECT_EQ(0u, DisplayWidth(""));
  EXPECT_EQ(5u, DisplayWidth("admin"));
  EXPECT_EQ(4u, DisplayWidth("caf\xC3\xA9"));               // é: one column
  EXPECT_EQ(4u, DisplayWidth("cafe\xCC\x81"));              // e + combining acute
  EXPECT_EQ(4u, DisplayWidth("\xE6\x97\xA5\xE6\x9C\xAC"));  // 日本: wide
  EXPECT_EQ(2u, DisplayWidth("\xF0\x9F\x98\x80"));          // emoji
  EXPECT_EQ(8u, DisplayWidth("\\x0D\\x0A"));
  EXPECT_EQ(3u, DisplayWidth("\u2026ab"));
}

TEST(ReportFormat, TruncatesFromTheLeftKeepingTheDomain) {
  EXPECT_EQ("mail.example.com", TruncateDisplayLeft("mail.example.com", 16));
  EXPECT_EQ("\u2026mail.example.com",
            TruncateDisplayLeft("a-very-long-label.mail.example.com", 17));
  EXPECT_EQ("", TruncateDisplayLeft("admin", 0));
  EXPECT_EQ("\u2026", TruncateDisplayLeft("admin", 1));
  // Escapes and wide characters are never split.
  EXPECT_EQ("\u2026cd", TruncateDisplayLeft("ab\\x0Dcd", 5));
  EXPECT_EQ("\u2026\\x0Dcd", TruncateDisplayLeft("ab\\x0Dcd", 7));
  std::string jp = "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E";  // 6 columns
  EXPECT_EQ("\u2026\xE8\xAA\x9E", TruncateDisplayLeft(jp, 4));
  for (std::size_t cols = 1; cols < 12; ++cols) {
    std::string t = TruncateDisplayLeft("x\\x01\xE6\x97\xA5y\\\\z\xC3\xA9", cols);
    EXPECT_LE(DisplayWidth(t), cols) << t;
  }
}

TEST(ReportFormat, TruncatesWithAnEllipsisNeverInsideAnEscapeOrCharacter) {
  EXPECT_EQ("admin", TruncateDisplay("admin", 5));
  EXPECT_EQ("adm\u2026", TruncateDisplay("admin1", 4));
  EXPECT_EQ("", TruncateDisplay("admin", 0));
  EXPECT_EQ("\u2026", TruncateDisplay("admin", 1));
  // "ab\x0D..." cut to 5 columns: the escape does not fit whole, so it goes.
  EXPECT_EQ("ab\u2026", TruncateDisplay("ab\\x0Dcd", 5));
  EXPECT_EQ("ab\\x0D\u2026", TruncateDisplay("ab\\x0Dcd", 7));
  EXPECT_EQ("a\u2026", TruncateDisplay("a\\\\bc", 3));
  // Wide characters are never split; the result never exceeds the limit.
  std::string jp = "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E";  // 日本語, 6 columns
  EXPECT_EQ("\xE6\x97\xA5\u2026", TruncateDisplay(jp, 4));
  EXPECT_EQ(jp, TruncateDisplay(jp, 6));
  for (std::size_t cols = 1; cols < 12; ++cols) {
    std::string t = TruncateDisplay("x\\x01\xE6\x97\xA5y\\\\z\xC3\xA9", cols);
    EXPECT_LE(DisplayWidth(t), cols) << t;
  }
}

TEST(ReportFormat, HumanSizesAndDurations) {
  EXPECT_EQ("0 B", HumanBytes(0));
  EXPECT_EQ("1023 B", HumanBytes(1023));
  EXPECT_EQ("1.0 KiB", HumanBytes(1024));
  EXPECT_EQ("1.5 KiB", HumanBytes(1536));
  EXPECT_EQ("117.7 MiB", HumanBytes(123456789));
  EXPECT_EQ("2.0 GiB", HumanBytes(std::uint64_t{2} << 30));
  EXPECT_EQ("16.0 EiB", HumanBytes(UINT64_MAX));
  EXPECT_EQ("0 s", HumanDuration(-5));
  EXPECT_EQ("59 s", HumanDuration(59));
  EXPECT_EQ("1 min", HumanDuration(60));
  EXPECT_EQ("59 min", HumanDuration(3599));
  EXPECT_EQ("1 h 00 min", HumanDuration(3600));
  EXPECT_EQ("14 h 05 min", HumanDuration(14 * 3600 + 300));
  EXPECT_EQ("24 h 00 min", HumanDuration(86400));
  EXPECT_EQ("24 h 30 min", HumanDuration(86400 + 1800));  // "today" on the day clocks go back
  EXPECT_EQ("47 h 59 min", HumanDuration(48 * 3600 - 1));
  EXPECT_EQ("2 d 00 h", HumanDuration(48 * 3600));
  EXPECT_EQ("7 d 01 h", HumanDuration(7 * 86400 + 3600 + 59));
}

TEST(ReportFormat, ChangeAgainstThePreviousWindow) {
  EXPECT_EQ("+20 (+20.0 %)", FormatChange(120, 100));
  EXPECT_EQ("-20 (-20.0 %)", FormatChange(80, 100));
  EXPECT_EQ("-2 (-66.7 %)", FormatChange(1, 3));
  EXPECT_EQ("+2900 (+2900.0 %)", FormatChange(3000, 100));
  EXPECT_EQ("-100 (-100.0 %)", FormatChange(0, 100));
  EXPECT_EQ("unchanged", FormatChange(7, 7));
  EXPECT_EQ("no attempts in the previous window", FormatChange(5, 0));
  EXPECT_EQ("no attempts in the previous window", FormatChange(0, 0));
  EXPECT_EQ("+1 (+0.0 %)", FormatChange(UINT64_MAX, UINT64_MAX - 1));
  EXPECT_EQ("0.0 %", Percent(0, 0));
  EXPECT_EQ("33.3 %", Percent(1, 3));
  EXPECT_EQ("100.0 %", Percent(5, 5));
  EXPECT_EQ("AS4134", AsnLabel("4134"));
  EXPECT_EQ("AS4134", AsnLabel("AS4134"));
  EXPECT_EQ("(unknown)", AsnLabel(""));
}

TEST(ReportChart, HourlyLabelsAndPeak) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  Chart c = BuildChart(d);
  EXPECT_EQ("hour", c.unit);
  ASSERT_EQ(14u, c.rows.size());
  EXPECT_EQ("00:00", c.rows[0].label);
  EXPECT_EQ("13:00", c.rows[13].label);
  EXPECT_EQ(40u, c.peak);
  EXPECT_EQ(3u, c.peak_row);  // the first of the two 40s
  for (std::size_t i = 0; i < c.rows.size(); ++i) EXPECT_EQ(d.buckets[i].count, c.rows[i].count);
}

TEST(ReportChart, DayClocksGoBackHas25DistinctRows) {
  TzScope tz("Europe/Paris");
  ReportData d = EmptyReport();
  d.window = {"yesterday", kFallBack, kFallBack + 25 * 3600};
  d.buckets = HourBuckets(kFallBack, 25, {1, 2, 3, 4, 5});
  Chart c = BuildChart(d);
  ASSERT_EQ(25u, c.rows.size());
  std::set<std::string> labels;
  for (const ChartRow& r : c.rows) labels.insert(r.label);
  EXPECT_EQ(25u, labels.size());
  EXPECT_EQ("02:00 CEST", c.rows[2].label);
  EXPECT_EQ("02:00 CET", c.rows[3].label);
  EXPECT_EQ("03:00", c.rows[4].label);
  EXPECT_EQ("23:00", c.rows[24].label);
}

TEST(ReportChart, DayClocksGoForwardHas23Rows) {
  TzScope tz("Europe/Paris");
  ReportData d = EmptyReport();
  d.window = {"yesterday", kSpringFwd, kSpringFwd + 23 * 3600};
  d.buckets = HourBuckets(kSpringFwd, 23, {1});
  Chart c = BuildChart(d);
  ASSERT_EQ(23u, c.rows.size());
  EXPECT_EQ("01:00", c.rows[1].label);
  EXPECT_EQ("03:00", c.rows[2].label);
  EXPECT_EQ("23:00", c.rows[22].label);
}

TEST(ReportChart, WindowsAcrossMidnightShowTheDate) {
  TzScope tz("Europe/Paris");
  ReportData d = EmptyReport();
  d.window = {"24h", kNov28 + 12 * 3600, kNov28 + 36 * 3600};
  d.buckets = HourBuckets(d.window.since, 24, {1});
  Chart c = BuildChart(d);
  ASSERT_EQ(24u, c.rows.size());
  EXPECT_EQ("11-28 12:00", c.rows[0].label);
  EXPECT_EQ("11-29 11:00", c.rows[23].label);
}

TEST(ReportChart, LongWindowsAreSummedPerDayThenMonth) {
  TzScope tz("Europe/Paris");
  ReportData d = EmptyReport();
  // 7 days of hours (the model's buckets for "7d"): shown per local day.
  d.window = {"7d", kNov28 - 6 * 86400 + 3600, kNov28 + 86400 + 3600};
  d.buckets = HourBuckets(d.window.since, 7 * 24, {1, 2, 3});
  Chart c = BuildChart(d);
  EXPECT_EQ("day", c.unit);
  ASSERT_EQ(8u, c.rows.size());  // starts at 01:00, ends at 00:00 eight days later
  EXPECT_EQ("2026-11-22", c.rows[0].label);
  EXPECT_EQ("2026-11-29", c.rows[7].label);
  std::uint64_t sum = 0;
  for (const ChartRow& r : c.rows) sum += r.count;
  EXPECT_EQ(Sum(d.buckets), sum);
  EXPECT_EQ(7u * 6 + 1 + 2, c.rows[0].count);  // 23 hours of 1, 2, 3, 1, ...
  EXPECT_EQ(3u, c.rows[7].count);              // the 00:00 hour, the 168th
  // The first and last days are only partly inside the window.
  EXPECT_EQ("01:00-24:00", c.rows[0].partial);
  EXPECT_EQ("00:00-01:00", c.rows[7].partial);
  for (std::size_t i = 1; i < 7; ++i) EXPECT_EQ("", c.rows[i].partial) << i;

  // 100 day buckets: per month.
  d.bucket_seconds = 86400;
  d.buckets.clear();
  for (int k = 0; k < 100; ++k) d.buckets.push_back({kNov28 + k * 86400, 1});
  c = BuildChart(d);
  EXPECT_EQ("month", c.unit);
  ASSERT_EQ(5u, c.rows.size());
  EXPECT_EQ("2026-11", c.rows[0].label);
  EXPECT_EQ(3u, c.rows[0].count);
  EXPECT_EQ(31u, c.rows[1].count);
  EXPECT_EQ("2027-02", c.rows[3].label);
  EXPECT_EQ(28u, c.rows[3].count);
  EXPECT_EQ("2027-03", c.rows[4].label);
  EXPECT_EQ(7u, c.rows[4].count);
  EXPECT_EQ("11-22 01:00 .. 11-29 01:00", c.rows[0].partial);  // the window, not the buckets
  EXPECT_EQ("", c.rows[1].partial);  // December: after the window, not partial
}

TEST(ReportChart, PartialHoursAndDays) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();  // today 00:00 .. 14:00: all whole hours
  for (const ChartRow& r : BuildChart(d).rows) EXPECT_EQ("", r.partial) << r.label;
  d.window.since = kNov28 + 20 * 60;  // 00:20 .. 13:45
  d.window.until = kNov28 + 13 * 3600 + 45 * 60;
  Chart c = BuildChart(d);
  ASSERT_EQ(14u, c.rows.size());
  EXPECT_EQ("00:20-01:00", c.rows[0].partial);
  EXPECT_EQ("", c.rows[1].partial);
  EXPECT_EQ("13:00-13:45", c.rows[13].partial);
  // A 7d window at 18:00: the first day from 18:00, the last up to 18:00.
  d.window = {"7d", kNov28 - 7 * 86400 + 18 * 3600, kNov28 + 18 * 3600};
  d.buckets = HourBuckets(d.window.since, 7 * 24, {1});
  c = BuildChart(d);
  ASSERT_EQ(8u, c.rows.size());
  EXPECT_EQ("2026-11-21", c.rows[0].label);
  EXPECT_EQ("18:00-24:00", c.rows[0].partial);
  EXPECT_EQ("00:00-18:00", c.rows[7].partial);
  // A whole day of 25 hours is whole.
  d.window = {"yesterday", kFallBack, kFallBack + 25 * 3600};
  d.bucket_seconds = 86400;
  d.buckets = {{kFallBack, 25}};
  c = BuildChart(d);
  ASSERT_EQ(1u, c.rows.size());
  EXPECT_EQ("", c.rows[0].partial);
}

TEST(ReportChange, NamesThePreviousWindowFromItsBounds) {
  TzScope tz("Europe/Paris");
  const std::time_t now = kNov28 + 18 * 3600;  // 2026-11-28 18:00
  const std::time_t nov27 = kNov28 - 86400;
  EXPECT_EQ("yesterday 00:00-18:00", WindowRangeText({"previous", nov27, nov27 + 18 * 3600}, now));
  EXPECT_EQ("yesterday", WindowRangeText({"previous", nov27, kNov28}, now));
  EXPECT_EQ("yesterday 06:00-24:00", WindowRangeText({"previous", nov27 + 6 * 3600, kNov28}, now));
  EXPECT_EQ("on 2026-11-26", WindowRangeText({"previous", nov27 - 86400, nov27}, now));
  EXPECT_EQ("on 2026-11-26 10:00-11:30",
            WindowRangeText({"previous", nov27 - 14 * 3600, nov27 - 12 * 3600 - 1800}, now));
  EXPECT_EQ("today 08:00-12:00",
            WindowRangeText({"previous", kNov28 + 8 * 3600, kNov28 + 12 * 3600}, now));
  EXPECT_EQ("in 2026-11-20 18:00 .. 2026-11-27 18:00",
            WindowRangeText({"previous", now - 8 * 86400, now - 86400}, now));
  EXPECT_EQ("in 2026-11-27 12:00 .. 2026-11-28 12:00",
            WindowRangeText({"previous", now - 30 * 3600, now - 6 * 3600}, now));
  // A 25-hour local day is still a whole day.
  EXPECT_EQ("on 2026-10-25", WindowRangeText({"previous", kFallBack, kFallBack + 25 * 3600}, now));
  EXPECT_EQ("in the previous window", WindowRangeText({}, now));

  ReportData d = FullReport();
  d.generated = now;
  d.total = 37;
  d.previous_total = 15;
  d.previous_window = {"previous", nov27, nov27 + 18 * 3600};
  EXPECT_EQ("+22 (+146.7 %) vs 15 yesterday 00:00-18:00", ChangeText(d));
  d.total = 15;
  EXPECT_EQ("unchanged vs 15 yesterday 00:00-18:00", ChangeText(d));
  d.previous_total = 0;
  EXPECT_EQ("no attempts yesterday 00:00-18:00", ChangeText(d));
}

TEST(ReportWarnings, StaleLimitFollowsTheSchedule) {
  EXPECT_EQ(kStaleExtraction, StaleExtractionLimit("OnBootSec=2min, OnUnitActiveSec=10min"));
  EXPECT_EQ(3 * 3600, StaleExtractionLimit("OnBootSec=2min, OnUnitActiveSec=1h"));
  EXPECT_EQ(3 * 86400, StaleExtractionLimit("OnUnitActiveSec=1d"));
  EXPECT_EQ(kStaleExtractionOther, StaleExtractionLimit("OnCalendar=daily"));
  // The shipped extraction timer: every 10 minutes by the calendar.
  EXPECT_EQ(kStaleExtraction, StaleExtractionLimit("OnCalendar=*:0/10"));
  EXPECT_EQ(kStaleExtraction, StaleExtractionLimit("OnCalendar=*:00/15:00"));
  EXPECT_EQ(3 * 3600, StaleExtractionLimit("OnCalendar=hourly"));
  EXPECT_EQ(kStaleExtractionOther, StaleExtractionLimit("OnCalendar=*:0/0"));
  EXPECT_EQ(kStaleExtractionOther, StaleExtractionLimit("OnCalendar=Mon *:0/10"));
  EXPECT_EQ(kStaleExtractionOther, StaleExtractionLimit("OnCalendar=*-*-* 00:05:00"));
  EXPECT_EQ(kStaleExtractionOther, StaleExtractionLimit("OnBootSec=2min, OnCalendar=daily"));
  EXPECT_EQ(kStaleExtractionOther, StaleExtractionLimit("unknown"));
  EXPECT_EQ(kStaleExtractionOther, StaleExtractionLimit(""));
  EXPECT_EQ(kStaleExtractionOther, StaleExtractionLimit("OnUnitActiveSec=soon"));

  // The warning uses it: a run 5 h ago is stale every 10 minutes, not daily.
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  d.last_extraction = d.generated - 5 * 3600;
  ASSERT_EQ(1u, HealthWarnings(d).size());
  d.schedule = "OnCalendar=*-*-* 06:00:00";
  EXPECT_TRUE(HealthWarnings(d).empty());
  d.last_extraction = d.generated - kStaleExtractionOther - 60;
  ASSERT_EQ(1u, HealthWarnings(d).size());
  EXPECT_NE(std::string::npos, HealthWarnings(d)[0].find("26 h 01 min ago"));
}

TEST(ReportWarnings, OutagesStaleExtractionSkippedRows) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  EXPECT_TRUE(HealthWarnings(d).empty());
  d.outages = 1;
  auto w = HealthWarnings(d);
  ASSERT_EQ(1u, w.size());
  EXPECT_TRUE(w[0].starts_with("1 SASL backend outage in this window")) << w[0];
  d.outages = 3;
  d.last_extraction = d.generated - 3 * 3600;
  d.skipped_rows = 2;
  w = HealthWarnings(d);
  ASSERT_EQ(3u, w.size());
  EXPECT_TRUE(w[0].starts_with("3 SASL backend outages in this window")) << w[0];
  EXPECT_NE(std::string::npos, w[1].find("3 h 00 min ago")) << w[1];
  EXPECT_NE(std::string::npos, w[2].find("2 dataset rows")) << w[2];
  d.outages = std::nullopt;                            // unknown is not a warning by itself
  d.last_extraction = d.generated - kStaleExtraction;  // exactly at the limit: fine
  d.skipped_rows = 0;
  EXPECT_TRUE(HealthWarnings(d).empty());
  d.last_extraction = std::nullopt;  // and no outage count: the op log was not read
  w = HealthWarnings(d);
  ASSERT_EQ(1u, w.size());
  EXPECT_EQ(
      "the op log /var/lib/maillogsentinel/maillogsentinel.log could not be read: the last "
      "extraction run and the outages are unknown",
      w[0]);
  EXPECT_EQ("op log unreadable", OutagesUnknownReason(d));
  d.oplog_path.clear();  // none consulted (mls-report --csv): no warning about it
  EXPECT_TRUE(HealthWarnings(d).empty());
  EXPECT_EQ("no op log", OutagesUnknownReason(d));
  d.oplog_path = "/var/lib/maillogsentinel/maillogsentinel.log";
  d.outages = 0;  // read, but no run committed
  w = HealthWarnings(d);
  ASSERT_EQ(1u, w.size());
  EXPECT_NE(std::string::npos, w[0].find("no committed extraction run")) << w[0];
}

TEST(ReportHeader, LastRunTextHasAnAgeOnlyWhenBeforeTheReport) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  d.last_extraction = std::nullopt;
  EXPECT_EQ("unknown", LastRunText(d));
  d.last_extraction = d.generated - 1200;
  EXPECT_EQ(LocalTime(*d.last_extraction, "%Y-%m-%d %H:%M %Z") + " (20 min ago)", LastRunText(d));
  d.last_extraction = d.generated + 86400;  // a report for a past --now
  EXPECT_EQ(LocalTime(*d.last_extraction, "%Y-%m-%d %H:%M %Z"), LastRunText(d));
}

}  // namespace
}  // namespace mls
