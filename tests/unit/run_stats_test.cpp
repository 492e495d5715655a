#include "run_stats.h"

#include <gtest/gtest.h>

namespace mls {
namespace {

TEST(RunStats, ParsesTheStagesStatsLines) {
  RunStats s;
  EXPECT_TRUE(ParseStatsLine(
      "mls-parse", "mls-parse: lines=300000 events=2345 outages=1 aborted=0 overlong=0", s));
  EXPECT_TRUE(
      ParseStatsLine("mls-store", "mls-store: appended 2345 events to /srv/my dir/x.csv", s));
  EXPECT_EQ(300000u, s.lines);
  EXPECT_EQ(2345u, s.events);
  EXPECT_FALSE(ParseStatsLine("mls-parse", "mls-parse: line 12: overlong line skipped", s));
  EXPECT_FALSE(ParseStatsLine("mls-tail", "mls-store: appended 9 events to CSV", s));
  EXPECT_FALSE(ParseStatsLine("mls-store", "mls-store: appended 9x events to CSV", s));
  EXPECT_FALSE(ParseStatsLine("mls-store", "mls-store: appended 9 rows to CSV", s));
  EXPECT_EQ(2345u, s.events);
}

TEST(RunStats, ParsesEnrichStats) {
  RunStats s;
  EXPECT_TRUE(ParseStatsLine("mls-enrich",
                             "mls-enrich: records=9 queries=5 cache_hits=4 ok=3 nxdomain=1 "
                             "servfail=0 timeout=1 refused=0 nodata=0 error=0",
                             s));
  EXPECT_EQ(5u, s.dns_queries);
  EXPECT_EQ(4u, s.dns_cache_hits);
  ASSERT_TRUE(s.dns_by_status);
  EXPECT_EQ((std::array<std::uint64_t, 7>{3, 1, 0, 1, 0, 0, 0}), *s.dns_by_status);
  RunStats older;  // an mls-enrich without the per-status counts
  EXPECT_TRUE(ParseStatsLine("mls-enrich", "mls-enrich: records=9 queries=5 cache_hits=4", older));
  EXPECT_FALSE(older.dns_by_status);
  EXPECT_FALSE(ParseStatsLine("mls-enrich", "mls-enrich: records=9 queries=x cache_hits=4", s));
  EXPECT_FALSE(ParseStatsLine("mls-enrich", "mls-enrich: line 3: expected 9 fields, got 2", s));
  EXPECT_FALSE(ParseStatsLine("mls-store", "mls-enrich: records=9 queries=5 cache_hits=4", s));
  EXPECT_EQ("7 events stored, 5 reverse DNS queries, 4 cache hits",
            FormatSummary({std::nullopt, 7, 5, 4, std::nullopt, std::nullopt, std::nullopt}));
  // DNS disabled (nothing asked, nothing cached): the summary is as before.
  EXPECT_EQ("10 new lines read, 7 events stored",
            FormatSummary({10, 7, 0, 0, 0, std::nullopt, std::nullopt}));
}

TEST(RunStats, SummaryLeavesOutUnknownCounts) {
  EXPECT_EQ("300000 new lines read, 2345 events stored",
            FormatSummary({300000, 2345, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                           std::nullopt}));
  EXPECT_EQ("7 events stored", FormatSummary({std::nullopt, 7, std::nullopt, std::nullopt,
                                              std::nullopt, std::nullopt, std::nullopt}));
  EXPECT_EQ("done", FormatSummary({}));
}

TEST(RunStats, ParsesTheOutageCount) {
  RunStats s;
  EXPECT_TRUE(ParseStatsLine("mls-parse",
                             "mls-parse: lines=10 events=4 outages=3 aborted=0 overlong=0", s));
  EXPECT_EQ(3u, s.outages);
  RunStats none;
  EXPECT_TRUE(ParseStatsLine("mls-parse", "mls-parse: lines=10 events=4", none));
  EXPECT_FALSE(none.outages.has_value());
  RunStats bad;
  EXPECT_TRUE(ParseStatsLine("mls-parse", "mls-parse: lines=10 outages=3x aborted=0", bad));
  EXPECT_FALSE(bad.outages.has_value());
}

TEST(RunStats, ParsesAndSummarisesTheBadTimeCount) {
  RunStats s{10, 7, 0, 0, 0, std::nullopt, std::nullopt};
  EXPECT_TRUE(ParseStatsLine(
      "mls-parse", "mls-parse: lines=10 events=4 outages=2 aborted=0 overlong=0 bad_time=3", s));
  EXPECT_EQ(3u, s.bad_time);
  EXPECT_EQ(2u, s.outages);
  s.events = 4;
  EXPECT_EQ(
      "10 new lines read, 4 events stored, 2 SASL backend outages, "
      "3 events with an impossible time skipped",
      FormatSummary(s));
  EXPECT_EQ(2u, ParseSummaryOutages(FormatSummary(s)));
  s.bad_time = 1;
  EXPECT_EQ(
      "10 new lines read, 4 events stored, 2 SASL backend outages, "
      "1 event with an impossible time skipped",
      FormatSummary(s));
  s.bad_time = 0;
  EXPECT_EQ("10 new lines read, 4 events stored, 2 SASL backend outages", FormatSummary(s));
  // An older mls-parse does not print the counter: unknown, not zero.
  RunStats old;
  EXPECT_TRUE(ParseStatsLine("mls-parse", "mls-parse: lines=10 events=4 outages=0", old));
  EXPECT_FALSE(old.bad_time.has_value());
}

TEST(RunStats, SummaryNamesOutages) {
  RunStats s{10, 7, 0, 0, 0, std::nullopt, std::nullopt};
  EXPECT_EQ("10 new lines read, 7 events stored", FormatSummary(s));
  s.outages = 1;
  EXPECT_EQ("10 new lines read, 7 events stored, 1 SASL backend outage", FormatSummary(s));
  s.outages = 3;
  s.dns_queries = 5;
  s.dns_cache_hits = 4;
  EXPECT_EQ(
      "10 new lines read, 7 events stored, 5 reverse DNS queries, 4 cache hits, "
      "3 SASL backend outages",
      FormatSummary(s));
  RunStats only;
  only.outages = 2;
  EXPECT_EQ("2 SASL backend outages", FormatSummary(only));
}

TEST(RunStats, OutagesRoundTripThroughTheSummary) {
  for (std::uint64_t n : {0ull, 1ull, 2ull, 17ull, 18446744073709551615ull}) {
    for (bool dns : {false, true}) {
      for (bool lines : {false, true}) {
        RunStats s;
        if (lines) s.lines = 300000, s.events = 2345;
        if (dns) s.dns_queries = 120, s.dns_cache_hits = 80;
        s.outages = n;
        std::string summary = FormatSummary(s);
        EXPECT_EQ(n, ParseSummaryOutages(summary)) << summary;
      }
    }
  }
  // Summaries from before outages were counted, and near misses.
  EXPECT_EQ(0u, ParseSummaryOutages("300000 new lines read, 2345 events stored"));
  EXPECT_EQ(0u, ParseSummaryOutages("done"));
  EXPECT_EQ(0u, ParseSummaryOutages(""));
  EXPECT_EQ(0u, ParseSummaryOutages("x3 SASL backend outages"));
  EXPECT_EQ(0u, ParseSummaryOutages("5 events stored, SASL backend outages"));
  EXPECT_EQ(0u, ParseSummaryOutages("3 SASL backend outagesque"));
  EXPECT_EQ(0u, ParseSummaryOutages("99999999999999999999 SASL backend outages"));
  EXPECT_EQ(4u, ParseSummaryOutages("4 SASL backend outages, and later text"));
}

TEST(RunStats, JournaldDropsFromMlsTailThroughTheSummary) {
  RunStats s;
  EXPECT_TRUE(ParseStatsLine("mls-tail", "mls-tail: entries=90 printed=40 suppressed=1234", s));
  EXPECT_EQ(1234u, s.suppressed);
  EXPECT_FALSE(ParseStatsLine("mls-parse", "mls-tail: entries=90 printed=40 suppressed=1", s));
  s.outages = 2;
  EXPECT_EQ("2 SASL backend outages, 1234 Postfix messages dropped by journald", FormatSummary(s));
  EXPECT_EQ(1234u, ParseSummarySuppressed(FormatSummary(s)));
  EXPECT_EQ(2u, ParseSummaryOutages(FormatSummary(s)));
  s.suppressed = 1;
  EXPECT_EQ("2 SASL backend outages, 1 Postfix message dropped by journald", FormatSummary(s));
  EXPECT_EQ(1u, ParseSummarySuppressed(FormatSummary(s)));
  s.suppressed = 0;
  EXPECT_EQ("2 SASL backend outages", FormatSummary(s));
  EXPECT_EQ(0u, ParseSummarySuppressed(FormatSummary(s)));
  EXPECT_EQ(0u, ParseSummarySuppressed("user said 5 Postfix messages dropped by journald"));
  EXPECT_EQ(0u, ParseSummarySuppressed("5 Postfix messages dropped by journaldx"));
}

TEST(RunStats, ClassifiesStageLines) {
  RunStats stats;
  EXPECT_EQ(StageLineKind::kStats,
            ClassifyStageLine("mls-parse", "mls-parse: lines=3 events=1 outages=1", stats));
  EXPECT_EQ(3u, stats.lines.value_or(0));
  // mls-parse's per-line notices, as it words them (lib/log_scanner.cpp).
  EXPECT_EQ(StageLineKind::kDetail,
            ClassifyStageLine("mls-parse",
                              "mls-parse: standard input: Nov 28 11:58:40 (line 9, byte 812): SASL "
                              "backend outage (Connection lost to authentication server), not an "
                              "event",
                              stats));
  EXPECT_EQ(StageLineKind::kDetail,
            ClassifyStageLine("mls-parse",
                              "mls-parse: standard input: Nov 28 11:58:40 (line 9, byte 812): SASL "
                              "backend outage (Connection lost to authentication server), not an "
                              "event; further outages are only counted",
                              stats));
  EXPECT_EQ(StageLineKind::kDetail,
            ClassifyStageLine("mls-parse",
                              "mls-parse: standard input: Dec 32 10:00:00 (line 4, byte 300): "
                              "skipped an event whose time does not exist",
                              stats));
  EXPECT_EQ(StageLineKind::kDetail,
            ClassifyStageLine("mls-parse",
                              "mls-parse: standard input: Feb 30 10:00:00 (line 40, byte 3000): "
                              "skipped an event whose time does not exist; further ones are only "
                              "counted",
                              stats));
  // The summaries of those are warnings, as is anything else.
  EXPECT_EQ(StageLineKind::kWarning,
            ClassifyStageLine("mls-parse",
                              "mls-parse: 3 line(s) report 'Connection lost to authentication "
                              "server': the SASL backend was unreachable (not counted as attacks)",
                              stats));
  EXPECT_EQ(StageLineKind::kWarning,
            ClassifyStageLine("mls-store", "mls-store: /x.csv: No space left on device", stats));
  // Another stage's line of the same words is not mls-parse's notice.
  EXPECT_EQ(StageLineKind::kWarning,
            ClassifyStageLine("mls-enrich",
                              "mls-enrich: x:1: SASL backend outage (Connection lost to "
                              "authentication server), not an event",
                              stats));
}

}  // namespace
}  // namespace mls
