#include "report.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "dataset.h"
#include "local_time.h"
#include "report_format.h"
#include "report_render.h"
#include "syslog_time.h"
#include "test_files.h"
#include "tz_scope.h"

namespace mls {
namespace {

std::time_t At(const char* iso) {
  std::optional<std::time_t> t = ParseIso8601Instant(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(0);
}

// One dataset row as mls-store writes it.
struct Ev {
  std::string time, ip, user;
  std::string country = "FR", status = "OK", host = "host.example", asn = "64500",
              aso = "Example Org";
};
std::string Row(const Ev& e) {
  std::vector<std::string> f = {
      e.time,          "mx1",          e.ip,   e.user,   "LOGIN",   "unknown", "",
      "postfix/smtpd", "UGFzc3dvcmQ6", e.host, e.status, e.country, e.asn,     e.aso};
  std::string out;
  CsvAppendEvent(f, out);
  return out;
}

std::string Header() { return std::string(kCsvHeader) + "\n"; }

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mls-report-test.XXXXXX";
    ASSERT_NE(nullptr, ::mkdtemp(tmpl));
    dir_ = tmpl;
    csv_ = dir_ + "/d.csv";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ReportBuild Build(const std::string& text, const ReportWindow& w, std::size_t top = 10,
                    std::uint64_t threshold = 0) {
    WriteAll(csv_, text);
    ReportOptions o;
    o.window = w;
    o.top = top;
    o.threshold = threshold;
    return BuildReport(csv_, o);
  }

  static ReportWindow Window(const char* since, const char* until) {
    return {"custom", At(since), At(until)};
  }

  TzScope tz_{"Europe/Paris"};
  std::string dir_, csv_;
};

// ---- windows ---------------------------------------------------------------

TEST_F(ReportTest, TodayStartsAtLocalMidnight) {
  std::time_t now = At("2026-11-25T15:30:00+01:00");
  std::optional<ReportWindow> w = NamedWindow("today", now);
  ASSERT_TRUE(w);
  EXPECT_EQ("today", w->name);
  EXPECT_EQ(At("2026-11-25T00:00:00+01:00"), w->since);
  EXPECT_EQ(now, w->until);
}

TEST_F(ReportTest, AnySpanIsAWindowBackFromNow) {
  std::time_t now = At("2026-11-25T15:30:00+01:00");
  for (auto [name, seconds] : {std::pair<const char*, std::time_t>{"10m", 600},
                               {"1h", 3600},
                               {"36h", 36 * 3600},
                               {"1h 30min", 5400}}) {
    std::optional<ReportWindow> w = NamedWindow(name, now);
    ASSERT_TRUE(w) << name;
    EXPECT_EQ(name, w->name);
    EXPECT_EQ(now - seconds, w->since) << name;
    EXPECT_EQ(now, w->until);
    EXPECT_EQ(now - 2 * seconds, PreviousWindow(*w).since);  // the same length before
  }
  for (const char* bad : {"week", "", "-5m", "custom"}) EXPECT_FALSE(NamedWindow(bad, now)) << bad;
}

TEST_F(ReportTest, YesterdayIsTheWholePreviousLocalDay) {
  std::optional<ReportWindow> w = NamedWindow("yesterday", At("2026-11-25T00:30:00+01:00"));
  ASSERT_TRUE(w);
  EXPECT_EQ(At("2026-11-24T00:00:00+01:00"), w->since);
  EXPECT_EQ(At("2026-11-25T00:00:00+01:00"), w->until);
}

TEST_F(ReportTest, AtMidnightTodayIsEmptyAndYesterdayIsComplete) {
  std::time_t midnight = At("2026-11-25T00:00:00+01:00");
  ReportWindow today = *NamedWindow("today", midnight);
  EXPECT_EQ(midnight, today.since);
  EXPECT_EQ(midnight, today.until);
  ReportWindow yesterday = *NamedWindow("yesterday", midnight);
  EXPECT_EQ(At("2026-11-24T00:00:00+01:00"), yesterday.since);
  EXPECT_EQ(midnight, yesterday.until);
  // One second before midnight, "today" is still the 24th.
  EXPECT_EQ(At("2026-11-24T00:00:00+01:00"), NamedWindow("today", midnight - 1)->since);
}

TEST_F(ReportTest, RollingWindowsAndUnknownNames) {
  std::time_t now = At("2026-11-25T15:30:00+01:00");
  EXPECT_EQ(now - 86400, NamedWindow("24h", now)->since);
  EXPECT_EQ(now - 7 * 86400, NamedWindow("7d", now)->since);
  EXPECT_EQ(now, NamedWindow("7d", now)->until);
  EXPECT_FALSE(NamedWindow("week", now));
  EXPECT_FALSE(NamedWindow("", now));
  EXPECT_FALSE(NamedWindow("Today", now));
}

TEST_F(ReportTest, SpringForwardDayHas23Hours) {
  // 2026-03-29: 02:00 CET -> 03:00 CEST.
  ReportWindow w = *NamedWindow("today", At("2026-03-29T23:30:00+02:00"));
  EXPECT_EQ(At("2026-03-29T00:00:00+01:00"), w.since);
  ReportBuild b = Build("", w);
  ASSERT_EQ(23u, b.data.buckets.size());
  EXPECT_EQ(3600u, b.data.bucket_seconds);
  EXPECT_EQ(At("2026-03-29T01:00:00+01:00"), b.data.buckets[1].start);
  EXPECT_EQ(At("2026-03-29T03:00:00+02:00"), b.data.buckets[2].start);
  EXPECT_EQ(At("2026-03-29T23:00:00+02:00"), b.data.buckets.back().start);
  // Yesterday seen from the next day: the same 23 hours.
  ReportWindow y = *NamedWindow("yesterday", At("2026-03-30T08:00:00+02:00"));
  EXPECT_EQ(23 * 3600, y.until - y.since);
  EXPECT_EQ(23u, Build("", y).data.buckets.size());
}

TEST_F(ReportTest, FallBackDayHas25Hours) {
  // 2026-10-25: 03:00 CEST -> 02:00 CET; the hour 02:00 happens twice.
  ReportWindow w = *NamedWindow("today", At("2026-10-25T23:59:59+01:00"));
  EXPECT_EQ(At("2026-10-25T00:00:00+02:00"), w.since);
  ReportBuild b = Build("", w);
  ASSERT_EQ(25u, b.data.buckets.size());
  EXPECT_EQ(At("2026-10-25T02:00:00+02:00"), b.data.buckets[2].start);
  EXPECT_EQ(At("2026-10-25T02:00:00+01:00"), b.data.buckets[3].start);
  for (std::size_t i = 1; i < b.data.buckets.size(); ++i)
    EXPECT_EQ(3600, b.data.buckets[i].start - b.data.buckets[i - 1].start);
  ReportWindow y = *NamedWindow("yesterday", At("2026-10-26T00:00:00+01:00"));
  EXPECT_EQ(25 * 3600, y.until - y.since);
  EXPECT_EQ(25u, Build("", y).data.buckets.size());
}

TEST_F(ReportTest, RowsInTheRepeatedHourLandInTheirOwnBucket) {
  ReportWindow w = *NamedWindow("today", At("2026-10-25T12:00:00+01:00"));
  std::string text = Header() + Row({"2026-10-25T02:10:00+02:00", "127.0.0.1", "a"}) +
                     Row({"2026-10-25T02:20:00+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-10-25T02:30:00+01:00", "127.0.0.1", "a"});
  ReportBuild b = Build(text, w);
  ASSERT_EQ(13u, b.data.buckets.size());  // 00 01 02 02 03 .. 11
  EXPECT_EQ(1u, b.data.buckets[2].count);
  EXPECT_EQ(2u, b.data.buckets[3].count);
  EXPECT_EQ(3u, b.data.total);
}

TEST_F(ReportTest, BucketsAreAlignedToLocalHours) {
  ReportWindow w = *NamedWindow("24h", At("2026-11-25T10:30:00+01:00"));
  std::string text = Header() + Row({"2026-11-24T10:29:59+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-24T10:30:00+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-24T10:59:59+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-25T10:29:59+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-25T10:30:00+01:00", "127.0.0.1", "a"});
  ReportBuild b = Build(text, w);
  ASSERT_EQ(25u, b.data.buckets.size());
  EXPECT_EQ(At("2026-11-24T10:00:00+01:00"), b.data.buckets.front().start);
  EXPECT_EQ(At("2026-11-25T10:00:00+01:00"), b.data.buckets.back().start);
  EXPECT_EQ(2u, b.data.buckets.front().count);
  EXPECT_EQ(1u, b.data.buckets.back().count);
  EXPECT_EQ(3u, b.data.total);
  EXPECT_EQ(1u, b.data.previous_total);  // 10:29:59 the day before
}

TEST_F(ReportTest, WindowsOfMoreThan48HoursHaveLocalDayBuckets) {
  ReportWindow w = Window("2026-10-20T00:00:00+02:00", "2026-10-30T00:00:00+01:00");
  std::string text = Header() + Row({"2026-10-25T23:30:00+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-10-26T00:00:00+01:00", "127.0.0.1", "a"});
  ReportBuild b = Build(text, w);
  EXPECT_EQ(86400u, b.data.bucket_seconds);
  ASSERT_EQ(10u, b.data.buckets.size());
  EXPECT_EQ(At("2026-10-25T00:00:00+02:00"), b.data.buckets[5].start);
  EXPECT_EQ(At("2026-10-26T00:00:00+01:00"), b.data.buckets[6].start);
  EXPECT_EQ(1u, b.data.buckets[5].count);
  EXPECT_EQ(1u, b.data.buckets[6].count);
  // 7d is daily, as its text and HTML charts show it: 8 local days, the first
  // and the last partial.
  ReportWindow week = *NamedWindow("7d", At("2026-11-25T10:00:00+01:00"));
  ReportBuild h = Build("", week);
  EXPECT_EQ(86400u, h.data.bucket_seconds);
  ASSERT_EQ(8u, h.data.buckets.size());
  EXPECT_EQ(At("2026-11-18T00:00:00+01:00"), h.data.buckets[0].start);
  EXPECT_EQ(8u, BuildChart(h.data).rows.size());
  EXPECT_EQ("day", BuildChart(h.data).unit);
  // Up to 48 hourly buckets stay hourly (a 48-hour window on the hour), one
  // more is daily.
  ReportWindow two = Window("2026-11-23T10:00:00+01:00", "2026-11-25T10:00:00+01:00");
  h = Build("", two);
  EXPECT_EQ(3600u, h.data.bucket_seconds);
  EXPECT_EQ(48u, h.data.buckets.size());
  EXPECT_EQ("hour", BuildChart(h.data).unit);
  two.until += 1;
  EXPECT_EQ(86400u, Build("", two).data.bucket_seconds);
}

TEST_F(ReportTest, PreviousWindowHasTheSameLength) {
  ReportWindow p = PreviousWindow(Window("2026-11-25T00:00:00+01:00", "2026-11-25T10:00:00+01:00"));
  EXPECT_EQ("previous", p.name);
  EXPECT_EQ(At("2026-11-24T14:00:00+01:00"), p.since);
  EXPECT_EQ(At("2026-11-25T00:00:00+01:00"), p.until);
}

TEST_F(ReportTest, FormatLocalIsoUsesTheLocalOffset) {
  EXPECT_EQ("2026-11-25T21:18:08+01:00", FormatLocalIso(At("2026-11-25T20:18:08Z")));
  EXPECT_EQ("2026-07-01T02:00:00+02:00", FormatLocalIso(At("2026-07-01T00:00:00Z")));
  TzScope ny("America/New_York");
  EXPECT_EQ("2026-11-25T15:18:08-05:00", FormatLocalIso(At("2026-11-25T20:18:08Z")));
}

// ---- aggregates ------------------------------------------------------------

TEST_F(ReportTest, CountsTopListsAndTies) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string text = Header();
  // 127.0.0.1: admin x3, root x1   (4 rows, 2 users)
  // 127.0.0.2: admin x2            (2 rows)
  // ::1:       test x1, admin x1   (2 rows, 2 users)
  // 127.0.0.3: Zed x1              (1 row)
  text += Row({"2026-11-25T01:00:00+01:00", "127.0.0.1", "admin", "CN", "NXDOMAIN", "", "4134",
               "Chinanet"});
  text += Row({"2026-11-25T01:10:00+01:00", "127.0.0.1", "admin", "CN", "NXDOMAIN", "", "4134",
               "Chinanet"});
  text += Row(
      {"2026-11-25T03:00:00+01:00", "127.0.0.1", "root", "CN", "TIMEOUT", "", "4134", "Chinanet"});
  text += Row({"2026-11-25T23:59:59+01:00", "127.0.0.1", "admin", "HK", "OK", "late.example",
               "4134", "Chinanet"});
  text += Row({"2026-11-25T04:00:00+01:00", "127.0.0.2", "admin", "FR", "OK", "a.example", "3215",
               "Orange"});
  text += Row({"2026-11-25T04:30:00+01:00", "127.0.0.2", "admin", "FR", "OK", "a.example", "3215",
               "Orange"});
  text += Row({"2026-11-25T05:00:00+01:00", "::1", "test", "", "", "", "", ""});
  text += Row({"2026-11-25T05:00:00+01:00", "::1", "admin", "", "", "", "", ""});
  text +=
      Row({"2026-11-25T06:00:00+01:00", "127.0.0.3", "Zed", "DE", "SERVFAIL", "", "3320", "DTAG"});
  // Outside the window on both sides.
  text += Row({"2026-11-24T23:59:59+01:00", "127.0.0.9", "admin"});
  text += Row({"2026-11-26T00:00:00+01:00", "127.0.0.9", "admin"});

  ReportBuild b = Build(text, w, 3);
  ASSERT_FALSE(b.error) << *b.error;
  const ReportData& d = b.data;
  EXPECT_EQ(9u, d.total);
  EXPECT_EQ(4u, d.distinct_ips);
  EXPECT_EQ(4u, d.distinct_users);  // admin root test Zed

  ASSERT_EQ(3u, d.top_auth.size());
  EXPECT_EQ((AuthCount{"admin", "127.0.0.1", "late.example", "HK", 3}), d.top_auth[0]);
  EXPECT_EQ((AuthCount{"admin", "127.0.0.2", "a.example", "FR", 2}), d.top_auth[1]);
  // Ties at 1, by user then IP, bytewise: "Zed" < "admin" < "root" < "test".
  EXPECT_EQ("Zed", d.top_auth[2].user);

  ASSERT_EQ(3u, d.top_users.size());
  EXPECT_EQ((KeyCount{"admin", 6}), d.top_users[0]);
  EXPECT_EQ((KeyCount{"Zed", 1}), d.top_users[1]);
  EXPECT_EQ((KeyCount{"root", 1}), d.top_users[2]);

  ASSERT_EQ(3u, d.top_ips.size());
  EXPECT_EQ("127.0.0.1", d.top_ips[0].ip);
  EXPECT_EQ(4u, d.top_ips[0].count);
  EXPECT_EQ(2u, d.top_ips[0].distinct_users);
  EXPECT_EQ("late.example", d.top_ips[0].hostname);  // from the latest row
  EXPECT_EQ("HK", d.top_ips[0].country);
  EXPECT_EQ("4134", d.top_ips[0].asn);
  EXPECT_EQ("Chinanet", d.top_ips[0].as_org);
  EXPECT_EQ(At("2026-11-25T01:00:00+01:00"), d.top_ips[0].first);
  EXPECT_EQ(At("2026-11-25T23:59:59+01:00"), d.top_ips[0].last);
  EXPECT_EQ("127.0.0.2", d.top_ips[1].ip);  // 2, before ::1 (2) bytewise
  EXPECT_EQ("::1", d.top_ips[2].ip);

  ASSERT_EQ(3u, d.top_countries.size());
  EXPECT_EQ((KeyCount{"CN", 3}), d.top_countries[0]);
  EXPECT_EQ((KeyCount{"", 2}), d.top_countries[1]);  // unknown, before "FR"
  EXPECT_EQ((KeyCount{"FR", 2}), d.top_countries[2]);
  EXPECT_EQ((KeyCount{"4134", 4}), d.top_asns[0]);
  EXPECT_EQ((KeyCount{"Chinanet", 4}), d.top_as_orgs[0]);

  EXPECT_EQ(3u, d.rdns_ok);
  std::vector<KeyCount> rdns = {{"", 2}, {"NXDOMAIN", 2}, {"SERVFAIL", 1}, {"TIMEOUT", 1}};
  EXPECT_EQ(rdns, d.rdns_failures);

  ASSERT_EQ(2u, d.brute_force.size());
  EXPECT_EQ("127.0.0.1", d.brute_force[0].ip);  // 2 users, 4 attempts
  EXPECT_EQ("::1", d.brute_force[1].ip);        // 2 users, 2 attempts
  ASSERT_EQ(1u, d.spraying.size());
  EXPECT_EQ((UserSpread{"admin", 6, 3}), d.spraying[0]);

  ASSERT_EQ(24u, d.buckets.size());
  EXPECT_EQ(2u, d.buckets[1].count);
  EXPECT_EQ(1u, d.buckets[3].count);
  EXPECT_EQ(2u, d.buckets[5].count);
  EXPECT_EQ(1u, d.buckets[23].count);
  std::uint64_t sum = 0;
  for (const Bucket& k : d.buckets) sum += k.count;
  EXPECT_EQ(d.total, sum);

  EXPECT_EQ(11u, d.dataset_rows);
  EXPECT_EQ(text.size(), d.dataset_bytes);
  EXPECT_EQ(At("2026-11-24T23:59:59+01:00"), d.dataset_first);
  EXPECT_EQ(At("2026-11-26T00:00:00+01:00"), d.dataset_last);
  EXPECT_EQ(1u, d.previous_total);
  EXPECT_EQ(0u, d.skipped_rows);
  EXPECT_TRUE(b.warnings.empty());
}

TEST_F(ReportTest, NewIpsAreThoseWithNoEarlierRowAnywhereInTheFile) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string text = Header() + Row({"2026-11-20T10:00:00+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-25T11:00:00+01:00", "127.0.0.2", "a"}) +
                     Row({"2026-11-25T11:30:00+01:00", "127.0.0.2", "b"}) +
                     Row({"2026-11-25T12:00:00+01:00", "127.0.0.3", "a"}) +
                     Row({"2026-11-25T13:00:00+01:00", "::1", "a"}) +
                     // Written late (a carried-over row), but dated before the window.
                     Row({"2026-11-01T10:00:00+01:00", "127.0.0.3", "a"}) +
                     // After the window: does not make ::1 old.
                     Row({"2026-11-27T10:00:00+01:00", "::1", "a"}) +
                     // Before the window, an IP that is not in it.
                     Row({"2026-11-21T10:00:00+01:00", "127.0.0.4", "a"});
  ReportBuild b = Build(text, w);
  ASSERT_FALSE(b.error);
  EXPECT_EQ(2u, b.data.new_ip_count);
  ASSERT_EQ(2u, b.data.new_ips.size());
  EXPECT_EQ("127.0.0.2", b.data.new_ips[0].ip);
  EXPECT_EQ(2u, b.data.new_ips[0].count);
  EXPECT_EQ(2u, b.data.new_ips[0].distinct_users);
  EXPECT_EQ("::1", b.data.new_ips[1].ip);

  // With nothing dated before the window every IP is new.
  ReportBuild all = Build(text, Window("2026-10-01T00:00:00+01:00", "2026-12-01T00:00:00+01:00"));
  EXPECT_EQ(5u, all.data.new_ip_count);
  // top limits the list, not the count.
  ReportBuild top1 = Build(text, w, 1);
  EXPECT_EQ(2u, top1.data.new_ip_count);
  EXPECT_EQ(1u, top1.data.new_ips.size());
}

TEST_F(ReportTest, PreviousWindowCount) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-25T12:00:00+01:00");
  std::string text = Header() + Row({"2026-11-24T11:59:59+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-24T12:00:00+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-24T23:59:59+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-25T00:00:00+01:00", "127.0.0.1", "a"});
  ReportBuild b = Build(text, w);
  EXPECT_EQ(2u, b.data.previous_total);
  EXPECT_EQ(1u, b.data.total);
  EXPECT_EQ(At("2026-11-24T12:00:00+01:00"), b.data.previous_window.since);
  EXPECT_EQ(w.since, b.data.previous_window.until);
  EXPECT_EQ(0u, b.data.new_ip_count);
}

TEST_F(ReportTest, ThresholdIpsListsEveryIpAtOrAboveTheThreshold) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string text = Header();
  for (int i = 0; i < 3; ++i) text += Row({"2026-11-25T10:00:00+01:00", "127.0.0.5", "a"});
  for (int i = 0; i < 3; ++i) text += Row({"2026-11-25T10:00:00+01:00", "127.0.0.10", "a"});
  for (int i = 0; i < 2; ++i) text += Row({"2026-11-25T10:00:00+01:00", "::1", "a"});
  text += Row({"2026-11-25T10:00:00+01:00", "127.0.0.7", "a"});
  ReportBuild b = Build(text, w, 1, 2);
  std::vector<KeyCount> want = {{"127.0.0.10", 3}, {"127.0.0.5", 3}, {"::1", 2}};
  EXPECT_EQ(want, b.data.threshold_ips);
  EXPECT_EQ(2u, b.data.threshold);
  EXPECT_TRUE(Build(text, w, 1, 0).data.threshold_ips.empty());
  EXPECT_EQ(4u, Build(text, w, 1, 1).data.threshold_ips.size());
}

// ---- the file --------------------------------------------------------------

TEST_F(ReportTest, QuotedCellsWithSeparatorsNewlinesAndNeutralisedCells) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string text = Header() + Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "a;b"}) +
                     Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "line1\nline2"}) +
                     Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "=cmd|' /C calc'!A0"}) +
                     Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "say \"hi\""}) +
                     Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "'quoted"}) +
                     "mx1;2026-11-25T10:00:00+01:00;127.0.0.1\n";  // line 8: bad
  ASSERT_NE(std::string::npos, text.find(";'=cmd")) << "the writer neutralised it";
  ReportBuild b = Build(text, w);
  ASSERT_FALSE(b.error);
  EXPECT_EQ(5u, b.data.total);
  std::vector<std::string> users;
  for (const KeyCount& k : b.data.top_users) users.push_back(k.key);
  std::sort(users.begin(), users.end());
  std::vector<std::string> want = {"'quoted", "=cmd|' /C calc'!A0", "a;b", "line1\nline2",
                                   "say \"hi\""};
  EXPECT_EQ(want, users);
  ASSERT_EQ(1u, b.warnings.size());
  EXPECT_EQ(csv_ + ": line 8: expected 14 fields, got 3; row skipped", b.warnings[0]);
  EXPECT_EQ(1u, b.data.skipped_rows);
}

TEST_F(ReportTest, BadRowsAreSkippedCountedAndNamed) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string good = Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "a"});
  std::string bad_date = Row({"2026-13-25T10:00:00+01:00", "127.0.0.1", "a"});
  std::string no_zone = Row({"2026-11-25T10:00:00", "127.0.0.1", "a"});
  std::string text = Header() + good + bad_date + "a;b\n" + good + no_zone + "\n" + good;
  ReportBuild b = Build(text, w);
  ASSERT_FALSE(b.error);
  EXPECT_EQ(3u, b.data.total);
  EXPECT_EQ(3u, b.data.dataset_rows);
  EXPECT_EQ(4u, b.data.skipped_rows);
  ASSERT_EQ(4u, b.warnings.size());
  EXPECT_EQ(csv_ + ": line 3: date is neither ISO 8601 nor DD/MM/YYYY HH:MM; row skipped",
            b.warnings[0]);
  EXPECT_EQ(csv_ + ": line 4: expected 14 fields, got 2; row skipped", b.warnings[1]);
  EXPECT_EQ(csv_ + ": line 6: date is neither ISO 8601 nor DD/MM/YYYY HH:MM; row skipped",
            b.warnings[2]);
  EXPECT_EQ(csv_ + ": line 7: expected 14 fields, got 1; row skipped", b.warnings[3]);
}

TEST_F(ReportTest, WarningsAreCapped) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string text = Header();
  for (int i = 0; i < 50; ++i) text += "junk\n";
  ReportBuild b = Build(text, w);
  EXPECT_EQ(50u, b.data.skipped_rows);
  ASSERT_EQ(21u, b.warnings.size());
  EXPECT_EQ(csv_ + ": line 21: expected 14 fields, got 1; row skipped", b.warnings[19]);
  EXPECT_EQ(csv_ + ": 30 more rows skipped", b.warnings[20]);
}

TEST_F(ReportTest, AnIncompleteLastLineIsIgnored) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string good = Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "a"});
  std::string partial = good.substr(0, good.size() - 5);
  ReportBuild b = Build(Header() + good + partial, w);
  EXPECT_EQ(1u, b.data.total);
  EXPECT_EQ(0u, b.data.skipped_rows);
  // Also when it stops inside a quoted cell.
  std::string quoted = Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "x;y"});
  b = Build(Header() + good + quoted.substr(0, quoted.find("x;") + 2), w);
  EXPECT_EQ(1u, b.data.total);
  EXPECT_EQ(0u, b.data.skipped_rows);
  // A complete row without its LF is still "in progress".
  b = Build(Header() + good + good.substr(0, good.size() - 1), w);
  EXPECT_EQ(1u, b.data.total);
}

TEST_F(ReportTest, AStrayQuoteCostsOneLineNotTheRestOfTheFile) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string good = Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "a"});
  std::string text = Header() + good + "mx1;\"2026-11-25T10:00:00+01:00;127.0.0.1\n" + good + good;
  ReportBuild b = Build(text, w);
  EXPECT_EQ(3u, b.data.total);
  EXPECT_EQ(1u, b.data.skipped_rows);
  ASSERT_EQ(1u, b.warnings.size());
  EXPECT_EQ(csv_ + ": line 3: unterminated quoted field; row skipped", b.warnings[0]);
}

TEST_F(ReportTest, CrLfLineEnds) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string row =
      Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "a", "FR", "OK", "h", "1", "Org"});
  row.insert(row.size() - 1, "\r");
  ReportBuild b = Build(std::string(kCsvHeader) + "\r\n" + row, w);
  ASSERT_FALSE(b.error) << *b.error;
  EXPECT_EQ(1u, b.data.total);
  EXPECT_EQ("Org", b.data.top_as_orgs[0].key);
}

TEST_F(ReportTest, LegacyDatasetWithNullsAndLocalDates) {
  ReportWindow w = Window("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00");
  std::string text = std::string(kLegacyCsvHeader) + "\n" +
                     "mx1;25/10/2026 01:30;127.0.0.1;admin;null;null;N/A;null;null\n"
                     "mx1;25/10/2026 23:59;127.0.0.1;root;h.example;OK;FR;3215;Orange\n"
                     "mx1;26/10/2026 00:00;127.0.0.2;admin;null;null;null;null;null\n"
                     "mx1;24/10/2026 23:59;127.0.0.1;admin;null;null;null;null;null\n"
                     "mx1;2026-10-25T12:00:00+01:00;127.0.0.3;x;;;;;\n"
                     "mx1;25/10/2026;127.0.0.1;admin;null;null;null;null;null\n";
  ReportBuild b = Build(text, w);
  ASSERT_FALSE(b.error) << *b.error;
  const ReportData& d = b.data;
  EXPECT_EQ(3u, d.total);
  EXPECT_EQ(5u, d.dataset_rows);
  EXPECT_EQ(1u, d.skipped_rows);
  EXPECT_EQ(At("2026-10-24T23:59:00+02:00"), d.dataset_first);
  EXPECT_EQ(At("2026-10-26T00:00:00+01:00"), d.dataset_last);
  ASSERT_EQ(25u, d.buckets.size());
  EXPECT_EQ(1u, d.buckets[1].count);
  EXPECT_EQ(1u, d.buckets[24].count);
  std::vector<KeyCount> countries = {{"", 2}, {"FR", 1}};
  EXPECT_EQ(countries, d.top_countries);
  std::vector<KeyCount> rdns = {{"", 2}};
  EXPECT_EQ(rdns, d.rdns_failures);
  EXPECT_EQ(1u, d.rdns_ok);
  EXPECT_EQ(1u, d.previous_total);
  EXPECT_EQ(1u, d.new_ip_count);  // 127.0.0.3; 127.0.0.1 was seen on the 24th
}

TEST_F(ReportTest, LegacyDatesInOurFormat) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string text = Header() + "mx1;25/11/2026 10:05;127.0.0.1;bob;null;N/A;null;null;null;;;;;\n";
  ReportBuild b = Build(text, w);
  ASSERT_FALSE(b.error);
  EXPECT_EQ(1u, b.data.total);
  EXPECT_EQ(At("2026-11-25T10:05:00+01:00"), b.data.top_ips[0].first);
  EXPECT_EQ("null", b.data.top_ips[0].hostname);  // our header: cells are data
}

TEST_F(ReportTest, RowsFdGetsTheWindowsRowsAsADataset) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string in1 = Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "=x;y"});
  std::string out1 = Row({"2026-11-24T10:00:00+01:00", "127.0.0.1", "a"});
  std::string text = Header() + out1 + in1 +
                     "mx1;25/11/2026 11:00;127.0.0.2;bob;null;N/A;null;null;null;;;;;\n" + out1;
  WriteAll(csv_, text);
  std::string rows_path = dir_ + "/rows.csv";
  int fd = ::open(rows_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ReportOptions o;
  o.window = w;
  o.rows_fd = fd;
  ReportBuild b = BuildReport(csv_, o);
  ::close(fd);
  ASSERT_FALSE(b.error);
  EXPECT_EQ(2u, b.rows_written);
  // The legacy date is rewritten; in our file its null/N/A cells are data, kept.
  std::string legacy = "mx1;2026-11-25T11:00:00+01:00;127.0.0.2;bob;null;N/A;null;null;null;;;;;\n";
  EXPECT_EQ(Header() + in1 + legacy, ReadAll(rows_path));

  // An empty window still gets the header; a write error is fatal.
  o.window = Window("2027-01-01T00:00:00Z", "2027-01-02T00:00:00Z");
  fd = ::open(rows_path.c_str(), O_WRONLY | O_TRUNC);
  o.rows_fd = fd;
  b = BuildReport(csv_, o);
  ::close(fd);
  EXPECT_EQ(Header(), ReadAll(rows_path));
  fd = ::open(rows_path.c_str(), O_RDONLY);
  o.rows_fd = fd;
  b = BuildReport(csv_, o);
  ::close(fd);
  ASSERT_TRUE(b.error);
  EXPECT_NE(std::string::npos, b.error->find("writing the window's rows: Bad file descriptor"))
      << *b.error;
}

TEST_F(ReportTest, AMissingUserNameIsNotAUserName) {
  // Empty user cells count in the totals and are counted apart (no_user), never
  // as a user name: not in top_users, top_auth, spraying or distinct users.
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string text = Header();
  for (const char* ip : {"127.0.0.1", "127.0.0.2", "127.0.0.3"})
    text += Row({"2026-11-25T10:00:00+01:00", ip, ""});
  text += Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "alice"});
  text += Row({"2026-11-25T11:00:00+01:00", "127.0.0.1", "bob"});
  ReportBuild b = Build(text, w);
  ASSERT_FALSE(b.error);
  const ReportData& d = b.data;
  EXPECT_EQ(5u, d.total);
  EXPECT_EQ(3u, d.no_user);
  EXPECT_EQ(2u, d.distinct_users);
  EXPECT_EQ((std::vector<KeyCount>{{"alice", 1}, {"bob", 1}}), d.top_users);
  for (const AuthCount& a : d.top_auth) EXPECT_NE("", a.user);
  EXPECT_EQ(2u, d.top_auth.size());
  EXPECT_TRUE(d.spraying.empty());      // "" from three IPs is no spraying
  ASSERT_EQ(1u, d.brute_force.size());  // 127.0.0.1: alice and bob, not ""
  EXPECT_EQ("127.0.0.1", d.brute_force[0].ip);
  EXPECT_EQ(2u, d.brute_force[0].distinct_users);
  EXPECT_EQ(3u, d.brute_force[0].count);
}

TEST_F(ReportTest, TheFleetOnlyWithSeveralServers) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string one = Header() + Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "a"}) +
                    Row({"2026-11-25T11:00:00+01:00", "127.0.0.2", "b"});
  ReportBuild b = Build(one, w);
  EXPECT_TRUE(b.data.servers.empty());
  EXPECT_EQ(std::string::npos, RenderText(b.data).find("SERVERS"));
  EXPECT_EQ(std::string::npos, RenderJson(b.data).find("\"servers\""));
  EXPECT_EQ(std::string::npos, RenderJson(b.data).find("\"shared_ips\""));
  EXPECT_EQ(std::string::npos, RenderHtml(b.data).find("Servers"));
  auto on = [](const std::string& server, std::string row) {
    return row.replace(0, 3, server);
  };
  // mx9 only in the previous window; 127.0.0.1 and user b on mx1 and mx2.
  std::string fleet = Header() + on("mx9", Row({"2026-11-24T10:00:00+01:00", "127.0.0.1", "a"})) +
                      one.substr(Header().size()) +
                      on("mx2", Row({"2026-11-25T12:00:00+01:00", "127.0.0.3", "c"})) +
                      on("mx2", Row({"2026-11-25T13:00:00+01:00", "127.0.0.1", "b"}));
  b = Build(fleet, w);
  EXPECT_EQ((std::vector<ServerTrend>{{"mx1", 2, 0, 2}, {"mx2", 2, 0, 2}, {"mx9", 0, 1, 0}}),
            b.data.servers);
  EXPECT_EQ(1u, b.data.previous_total);
  EXPECT_EQ(1u, b.data.shared_ip_count);
  EXPECT_EQ((std::vector<SharedIp>{{"127.0.0.1", "FR", "64500", "Example Org", 2, 2, 2}}),
            b.data.shared_ips);
  EXPECT_EQ(1u, b.data.shared_user_count);
  EXPECT_EQ((std::vector<SharedUser>{{"b", 2, 2, 2}}), b.data.shared_users);
  std::string text = RenderText(b.data);
  EXPECT_NE(std::string::npos, text.find("SERVERS (3)\n"
                                         "  COUNT   SHARE  IPS  PREVIOUS    CHANGE  SERVER\n"
                                         "      2  50.0 %    2         0       new  mx1\n"
                                         "      2  50.0 %    2         0       new  mx2\n"
                                         "      0   0.0 %    0         1  -100.0 %  mx9\n"))
      << text;
  EXPECT_NE(std::string::npos, text.find("mx9")) << text;
  EXPECT_NE(std::string::npos, text.find("ADDRESSES ON SEVERAL SERVERS (1)")) << text;
  EXPECT_NE(std::string::npos, text.find("USER NAMES TRIED ON SEVERAL SERVERS (1)")) << text;
  const std::string json = RenderJson(b.data);
  EXPECT_NE(std::string::npos,
            json.find("\n  \"servers\": [\n"
                      "    {\"server\": \"mx1\", \"count\": 2, \"previous\": 0, \"distinct_ips\": 2},\n"))
      << json;
  EXPECT_NE(std::string::npos, json.find("\"ip\": \"127.0.0.1\", \"servers\": 2")) << json;
  EXPECT_NE(std::string::npos, json.find("\"user\": \"b\", \"servers\": 2")) << json;
  const std::string html = RenderHtml(b.data);
  EXPECT_NE(std::string::npos, html.find("id=\"servers\"")) << html;
  EXPECT_NE(std::string::npos, html.find("id=\"shared-ips\"")) << html;
  EXPECT_NE(std::string::npos, html.find("id=\"shared-users\"")) << html;

  // --server narrows everything to those servers' rows, as if the dataset
  // held no other: 127.0.0.1 is new on mx2 (seen before on mx9 only); a
  // name no row has is warned about.
  WriteAll(csv_, fleet);
  ReportOptions o;
  o.window = w;
  o.servers = {"mx2", "mx7"};
  b = BuildReport(csv_, o);
  EXPECT_EQ(2u, b.data.total);
  EXPECT_EQ(2u, b.data.dataset_rows);
  EXPECT_EQ(0u, b.data.previous_total);
  EXPECT_TRUE(b.data.servers.empty());  // one server left
  EXPECT_EQ(2u, b.data.new_ip_count);
  EXPECT_EQ((std::vector<std::string>{UnknownServerWarning("mx7")}), b.warnings);
  o.servers = {"mx1", "mx9"};
  b = BuildReport(csv_, o);
  EXPECT_EQ(2u, b.data.total);
  EXPECT_EQ(1u, b.data.previous_total);
  EXPECT_EQ(1u, b.data.new_ip_count);  // 127.0.0.2; 127.0.0.1 was seen on mx9
  EXPECT_TRUE(b.warnings.empty());
}

TEST_F(ReportTest, MissingEmptyForeignAndUnreadableFiles) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  ReportOptions o;
  o.window = w;
  ReportBuild missing = BuildReport(dir_ + "/none.csv", o);
  EXPECT_FALSE(missing.error);
  EXPECT_TRUE(missing.missing);
  EXPECT_EQ("missing (No such file or directory)", missing.data.dataset_error);
  EXPECT_EQ(0u, missing.data.dataset_rows);
  EXPECT_EQ(24u, missing.data.buckets.size());

  ReportBuild empty = Build("", w);
  EXPECT_FALSE(empty.error);
  EXPECT_FALSE(empty.missing);
  EXPECT_EQ("", empty.data.dataset_error);
  ReportBuild header_only = Build(Header(), w);
  EXPECT_FALSE(header_only.error);
  EXPECT_EQ(0u, header_only.data.total);

  ReportBuild foreign = Build("date,ip,user\n2026-11-25,127.0.0.1,a\n", w);
  ASSERT_TRUE(foreign.error);
  EXPECT_EQ(csv_ + ": line 1: not a maillogsentinel dataset (unexpected header)", *foreign.error);
  const char kElf[] =
      "\x7f"
      "ELF\0\1\2\"\n";
  ReportBuild binary = Build(std::string(kElf, sizeof kElf - 1), w);
  ASSERT_TRUE(binary.error);

  ReportBuild dir = BuildReport(dir_, o);
  ASSERT_TRUE(dir.error);
  EXPECT_EQ(dir_ + ": not a regular file (the dataset must be a regular file)", *dir.error);
  EXPECT_TRUE(dir.not_regular);
  // A pipe is refused at once (it could not be read twice), not waited on.
  ASSERT_EQ(0, ::mkfifo((dir_ + "/fifo").c_str(), 0600));
  ReportBuild fifo = BuildReport(dir_ + "/fifo", o);
  ASSERT_TRUE(fifo.error);
  EXPECT_TRUE(fifo.not_regular);
  EXPECT_NE(std::string::npos, fifo.error->find("/fifo: not a regular file")) << *fifo.error;

  if (::geteuid() != 0) {
    WriteAll(csv_, Header());
    ::chmod(csv_.c_str(), 0);
    ReportBuild denied = BuildReport(csv_, o);
    EXPECT_FALSE(denied.error);  // reported, saying so
    EXPECT_FALSE(denied.missing);
    EXPECT_EQ("unreadable (Permission denied)", denied.data.dataset_error);
  }
}

TEST_F(ReportTest, ManyRowsAcrossReadBlocks) {
  // Rows straddle the 1 MiB read blocks; quoted rows among them.
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string text = Header();
  std::uint64_t in = 0;
  for (int i = 0; i < 40000; ++i) {
    bool inside = i % 3 == 0;
    std::string user = i % 7 == 0 ? "u;" + std::to_string(i % 50) : "u" + std::to_string(i % 50);
    text += Row({inside ? "2026-11-25T10:00:00+01:00" : "2026-11-20T10:00:00+01:00",
                 "127.0." + std::to_string(i % 200 / 100) + "." + std::to_string(i % 100), user});
    in += inside;
  }
  ASSERT_GT(text.size(), std::size_t{3} << 20);
  ReportBuild b = Build(text, w, 100);
  ASSERT_FALSE(b.error);
  EXPECT_EQ(in, b.data.total);
  EXPECT_EQ(40000u, b.data.dataset_rows);
  EXPECT_EQ(0u, b.data.skipped_rows);
  EXPECT_EQ(200u, b.data.distinct_ips);
  EXPECT_EQ(0u, b.data.new_ip_count);
}

TEST_F(ReportTest, SeededGarbageNeverBreaksTheInvariants) {
  // Valid rows cut, spliced and salted with quotes, separators and line ends.
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::mt19937 rng(2026);
  const std::string pieces[] = {"\"", ";", "\n", "\r\n", "\"\"", "'=", "\xff", "25/11/2026 10:00"};
  for (int round = 0; round < 200; ++round) {
    std::string text = Header();
    int rows = static_cast<int>(rng() % 30);
    for (int i = 0; i < rows; ++i) {
      std::string r =
          Row({"2026-11-25T1" + std::to_string(rng() % 10) + ":00:00+01:00",
               "127.0.0." + std::to_string(rng() % 5), "u" + std::to_string(rng() % 3)});
      if (rng() % 4 == 0) r.insert(rng() % r.size(), pieces[rng() % std::size(pieces)]);
      if (rng() % 8 == 0) r.erase(rng() % r.size(), rng() % 20);
      text += r;
    }
    ReportBuild b = Build(text, w, 3, 1);
    ASSERT_FALSE(b.error) << text;
    std::uint64_t sum = 0;
    for (const Bucket& k : b.data.buckets) sum += k.count;
    EXPECT_EQ(b.data.total, sum) << text;
    EXPECT_LE(b.data.total, b.data.dataset_rows);
    EXPECT_LE(b.data.dataset_rows + b.data.skipped_rows,
              static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n')));
    EXPECT_LE(b.data.distinct_ips, 5u + b.data.total);
    std::uint64_t by_ip = 0;
    for (const KeyCount& k : b.data.threshold_ips) {
      by_ip += k.count;
      unsigned char a[16];
      EXPECT_TRUE(::inet_pton(AF_INET, k.key.c_str(), a) == 1 ||
                  ::inet_pton(AF_INET6, k.key.c_str(), a) == 1)
          << k.key;
    }
    EXPECT_LE(by_ip, b.data.total);  // cells that are not addresses are left out
    EXPECT_LE(b.data.new_ip_count, b.data.distinct_ips);
  }
}

// ---- review fixes ------------------------------------------------------------

TEST_F(ReportTest, WindowsBefore1970OrLongerThan100YearsAreRefused) {
  EXPECT_FALSE(CheckWindow(Window("1970-01-01T00:00:00Z", "2069-12-31T00:00:00Z")));
  EXPECT_EQ("the window starts before 1970-01-01T00:00Z",
            CheckWindow(Window("1969-12-31T23:59:59Z", "2026-11-25T00:00:00Z")).value_or(""));
  EXPECT_EQ("the window is longer than 100 years",
            CheckWindow({"custom", 0, kMaxWindowSeconds + 1}).value_or(""));
  EXPECT_FALSE(CheckWindow({"custom", 0, kMaxWindowSeconds}));
  ReportOptions o;
  o.window = {"custom", -9999999999999, At("2026-11-26T00:00:00Z")};
  ReportBuild b = BuildReport(dir_ + "/none.csv", o);
  ASSERT_TRUE(b.error);
  EXPECT_TRUE(b.data.buckets.empty());
  // The longest window allowed: one bucket per local day, no more.
  WriteAll(csv_, Header() + Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "a"}));
  o.window = {"custom", 0, kMaxWindowSeconds};
  b = BuildReport(csv_, o);
  ASSERT_FALSE(b.error);
  EXPECT_EQ(86400u, b.data.bucket_seconds);
  EXPECT_LE(b.data.buckets.size(), 36526u);
  EXPECT_GE(b.data.buckets.size(), 36525u);
  EXPECT_EQ(1u, b.data.total);
}

TEST_F(ReportTest, ABrokenQuoteSpanningLinesCostsOneLine) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string good = Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "a"});
  std::string quoted = Row({"2026-11-25T11:00:00+01:00", "127.0.0.2", "x;y"});
  // Line 3 opens a quote that the quoted row on line 6 seems to close.
  std::string text = Header() + good +
                     "mx1;2026-11-25T00:00:01+01:00;127.0.0.1;\"broken;;NXDOMAIN\n" + good + good +
                     quoted + good;
  ReportBuild b = Build(text, w);
  ASSERT_FALSE(b.error);
  EXPECT_EQ(5u, b.data.total);
  EXPECT_EQ(1u, b.data.skipped_rows);
  ASSERT_EQ(1u, b.warnings.size());
  EXPECT_EQ(csv_ +
                ": line 3: unbalanced quote: a record over lines 3-6 would have 15 fields, "
                "not 14; reading on at line 4; row skipped",
            b.warnings[0]);
  // Rows before the window behind a broken quote still count as seen.
  std::string old = Row({"2026-11-24T10:00:00+01:00", "127.0.0.2", "b"});
  b = Build(Header() + "mx1;2026-11-24T00:00:01+01:00;127.0.0.1;\"broken\n" + old + quoted, w);
  EXPECT_EQ(1u, b.data.total);
  EXPECT_EQ(1u, b.data.skipped_rows);
  EXPECT_EQ(1u, b.data.previous_total);
  EXPECT_EQ(0u, b.data.new_ip_count);
}

TEST_F(ReportTest, IpsAreCanonicalBeforeCounting) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  std::string text = Header() + Row({"2026-11-24T10:00:00+01:00", "::ffff:127.0.0.3", "a"}) +
                     Row({"2026-11-25T10:00:00+01:00", "::ffff:127.0.0.9", "a"}) +
                     Row({"2026-11-25T10:00:00+01:00", "127.0.0.9", "b"}) +
                     Row({"2026-11-25T10:00:00+01:00", "0:0:0:0:0:0:0:1", "a"}) +
                     Row({"2026-11-25T10:00:00+01:00", "::1", "a"}) +
                     Row({"2026-11-25T10:00:00+01:00", "::FFFF:7F00:3", "a"}) +
                     Row({"2026-11-25T10:00:00+01:00", "not-an-ip", "a"}) +
                     Row({"2026-11-25T10:00:00+01:00", "not-an-ip", "a"}) +
                     Row({"2026-11-25T10:00:00+01:00", "127.000.0.1", "a"});
  ReportBuild b = Build(text, w, 10, 1);
  ASSERT_FALSE(b.error);
  std::vector<KeyCount> want = {{"127.0.0.9", 2}, {"::1", 2}, {"127.0.0.3", 1}};
  EXPECT_EQ(want, b.data.threshold_ips);  // never "not-an-ip" nor "127.000.0.1"
  EXPECT_EQ(5u, b.data.distinct_ips);
  EXPECT_EQ(2u, b.data.top_ips[0].distinct_users);  // 127.0.0.9: a and b
  bool kept = false;
  for (const IpCount& ip : b.data.top_ips) kept |= ip.ip == "not-an-ip" && ip.count == 2;
  EXPECT_TRUE(kept);
  EXPECT_EQ(4u, b.data.new_ip_count);  // 127.0.0.3 was seen before as ::ffff:127.0.0.3
}

TEST_F(ReportTest, PreviousWindowOfTodayIsTheSameClockIntervalYesterday) {
  ReportWindow today = *NamedWindow("today", At("2026-11-25T18:00:00+01:00"));
  ReportWindow p = PreviousWindow(today);
  EXPECT_EQ("previous", p.name);
  EXPECT_EQ(At("2026-11-24T00:00:00+01:00"), p.since);
  EXPECT_EQ(At("2026-11-24T18:00:00+01:00"), p.until);
  std::string text = Header() + Row({"2026-11-23T23:59:59+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-24T00:00:00+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-24T17:59:59+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-24T18:00:00+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-24T23:00:00+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-11-25T10:00:00+01:00", "127.0.0.1", "a"});
  ReportBuild b = Build(text, today);
  EXPECT_EQ(2u, b.data.previous_total);
  EXPECT_EQ(p.since, b.data.previous_window.since);
  EXPECT_EQ(p.until, b.data.previous_window.until);
  // The day after the DST days: the clock interval, not the length.
  p = PreviousWindow(*NamedWindow("today", At("2026-03-30T12:00:00+02:00")));
  EXPECT_EQ(At("2026-03-29T00:00:00+01:00"), p.since);
  EXPECT_EQ(At("2026-03-29T12:00:00+02:00"), p.until);
  p = PreviousWindow(*NamedWindow("today", At("2026-10-26T12:00:00+01:00")));
  EXPECT_EQ(At("2026-10-25T00:00:00+02:00"), p.since);
  EXPECT_EQ(At("2026-10-25T12:00:00+01:00"), p.until);
  // At midnight both are empty.
  p = PreviousWindow(*NamedWindow("today", At("2026-11-25T00:00:00+01:00")));
  EXPECT_EQ(At("2026-11-24T00:00:00+01:00"), p.since);
  EXPECT_EQ(p.since, p.until);
}

TEST_F(ReportTest, PreviousWindowOfYesterdayIsTheDayBefore) {
  ReportWindow p = PreviousWindow(*NamedWindow("yesterday", At("2026-03-31T08:00:00+02:00")));
  EXPECT_EQ(At("2026-03-29T00:00:00+01:00"), p.since);
  EXPECT_EQ(At("2026-03-30T00:00:00+02:00"), p.until);
  p = PreviousWindow(*NamedWindow("yesterday", At("2026-03-30T08:00:00+02:00")));
  EXPECT_EQ(At("2026-03-28T00:00:00+01:00"), p.since);
  EXPECT_EQ(At("2026-03-29T00:00:00+01:00"), p.until);
  // 24h and 7d: the same length just before.
  ReportWindow d = *NamedWindow("24h", At("2026-11-25T18:00:00+01:00"));
  p = PreviousWindow(d);
  EXPECT_EQ(d.since - 86400, p.since);
  EXPECT_EQ(d.since, p.until);
}

TEST_F(ReportTest, ImpossibleDatesAreSkipped) {
  ReportWindow w = Window("2026-01-01T00:00:00+01:00", "2029-01-01T00:00:00+01:00");
  std::string text = Header() + Row({"2026-02-31T10:00:00+01:00", "127.0.0.1", "a"}) +
                     Row({"2027-02-29T10:00:00+01:00", "127.0.0.1", "a"}) +
                     Row({"2026-04-31T10:00:00+01:00", "127.0.0.1", "a"}) +
                     Row({"2028-02-29T10:00:00+01:00", "127.0.0.1", "a"}) +
                     "mx1;31/02/2026 10:00;127.0.0.1;a;;;;;;;;;;\n"
                     "mx1;29/02/2028 10:00;127.0.0.1;a;;;;;;;;;;\n";
  ReportBuild b = Build(text, w);
  EXPECT_EQ(2u, b.data.total);
  EXPECT_EQ(4u, b.data.skipped_rows);
  ASSERT_EQ(4u, b.warnings.size());
  EXPECT_EQ(csv_ + ": line 2: date is neither ISO 8601 nor DD/MM/YYYY HH:MM; row skipped",
            b.warnings[0]);
  EXPECT_NE(std::string::npos, b.warnings[3].find(": line 6: date"));
  b = Build(std::string(kLegacyCsvHeader) + "\nmx1;31/02/2026 10:00;127.0.0.1;a;;;;;\n", w);
  EXPECT_EQ(0u, b.data.total);
  EXPECT_EQ(1u, b.data.skipped_rows);
}

TEST_F(ReportTest, LocalTimesOutsideOneInstantFollowOneRule) {
  // Spring forward: 02:30 does not exist -> 03:30+02:00, for --since and rows alike.
  EXPECT_EQ(At("2026-03-29T03:30:00+02:00"), ParseReportTime("2026-03-29T02:30"));
  EXPECT_EQ(At("2026-03-29T03:30:00+02:00"), ParseReportTime("2026-03-29 02:30:00"));
  // Fall back: 02:30 happens twice -> the first, +02:00.
  EXPECT_EQ(At("2026-10-25T02:30:00+02:00"), ParseReportTime("2026-10-25T02:30"));
  // Ordinary times, offsets, epoch seconds, dates.
  EXPECT_EQ(At("2026-11-25T08:00:00+01:00"), ParseReportTime("2026-11-25T08:00"));
  EXPECT_EQ(At("2026-11-25T00:00:00+01:00"), ParseReportTime("2026-11-25"));
  EXPECT_EQ(At("2026-07-01T08:00:00+02:00"), ParseReportTime("2026-07-01T08:00"));
  EXPECT_EQ(At("2026-10-25T02:30:00+01:00"), ParseReportTime("2026-10-25T02:30+01:00"));
  EXPECT_EQ(std::time_t{1764054000}, ParseReportTime("@1764054000"));
  EXPECT_FALSE(ParseReportTime("2026-02-31T10:00"));
  EXPECT_FALSE(ParseReportTime("2026-11-25T08:00ZZ"));
  EXPECT_FALSE(ParseReportTime(""));
  std::string text = std::string(kLegacyCsvHeader) + "\n" +
                     "mx1;29/03/2026 02:30;127.0.0.1;a;;;;;\n"
                     "mx1;25/10/2026 02:30;127.0.0.2;a;;;;;\n";
  ReportBuild b = Build(text, Window("2026-03-29T03:30:00+02:00", "2026-03-29T03:31:00+02:00"));
  EXPECT_EQ(1u, b.data.total);
  b = Build(text, Window("2026-10-25T02:30:00+02:00", "2026-10-25T02:31:00+02:00"));
  EXPECT_EQ(1u, b.data.total);
  b = Build(text, Window("2026-10-25T02:30:00+01:00", "2026-10-25T02:31:00+01:00"));
  EXPECT_EQ(0u, b.data.total);
}

TEST_F(ReportTest, LegacyNullCellsFollowTheFilesHeader) {
  ReportWindow w = Window("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00");
  // A legacy file: every row cleaned, whatever its date format.
  std::string text = std::string(kLegacyCsvHeader) + "\n" +
                     "mx1;2026-11-25T10:00:00+01:00;127.0.0.1;a;null;null;N/A;null;null\n"
                     "mx1;25/11/2026 10:00;127.0.0.1;a;null;null;N/A;null;null\n";
  ReportBuild b = Build(text, w);
  ASSERT_EQ(1u, b.data.top_countries.size());
  EXPECT_EQ(KeyCount({"", 2}), b.data.top_countries[0]);
  EXPECT_EQ("", b.data.top_ips[0].hostname);
  // Our file: cells are data, "null" included, whatever the date format.
  text = Header() + "mx1;25/11/2026 10:00;127.0.0.1;null;;;N/A;;;;;;;\n";
  b = Build(text, w);
  ASSERT_EQ(1u, b.data.top_users.size());
  EXPECT_EQ("null", b.data.top_users[0].key);
  EXPECT_EQ("N/A", b.data.top_countries[0].key);
}

}  // namespace
}  // namespace mls
