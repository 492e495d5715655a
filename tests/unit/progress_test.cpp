#include "progress.h"

#include <gtest/gtest.h>

namespace mls {
namespace {

TEST(Progress, ParsesTheStagesStatsLines) {
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

TEST(Progress, ParsesEnrichStats) {
  RunStats s;
  EXPECT_TRUE(ParseStatsLine("mls-enrich",
                             "mls-enrich: records=9 queries=5 cache_hits=4 ok=3 nxdomain=1 "
                             "servfail=0 timeout=1 refused=0 nodata=0 error=0",
                             s));
  EXPECT_EQ(5u, s.dns_queries);
  EXPECT_EQ(4u, s.dns_cache_hits);
  EXPECT_FALSE(ParseStatsLine("mls-enrich", "mls-enrich: records=9 queries=x cache_hits=4", s));
  EXPECT_FALSE(ParseStatsLine("mls-enrich", "mls-enrich: line 3: expected 9 fields, got 2", s));
  EXPECT_FALSE(ParseStatsLine("mls-store", "mls-enrich: records=9 queries=5 cache_hits=4", s));
  EXPECT_EQ("7 events stored, 5 reverse DNS queries, 4 cache hits",
            FormatSummary({std::nullopt, 7, 5, 4}));
  // DNS disabled (nothing asked, nothing cached): the summary is as before.
  EXPECT_EQ("10 new lines read, 7 events stored", FormatSummary({10, 7, 0, 0}));
}

TEST(Progress, SummaryLeavesOutUnknownCounts) {
  EXPECT_EQ("300000 new lines read, 2345 events stored", FormatSummary({300000, 2345, std::nullopt, std::nullopt}));
  EXPECT_EQ("7 events stored", FormatSummary({std::nullopt, 7, std::nullopt, std::nullopt}));
  EXPECT_EQ("done", FormatSummary({}));
}

TEST(Progress, RendersABar) {
  EXPECT_EQ("[#####-----]  50%  1.0 of 2.0 MiB", RenderBar(1048576, 2097152, 10));
  EXPECT_EQ("[----------]   0%  0.0 of 2.0 MiB", RenderBar(0, 2097152, 10));
  EXPECT_EQ("[##########] 100%  0.0 of 0.0 MiB", RenderBar(0, 0, 10));
  EXPECT_EQ("[##########] 100%  2.0 of 2.0 MiB", RenderBar(9999999, 2097152, 10));
}

TEST(Progress, PlainOutputIsLinesWithoutControlCharacters) {
  std::string out;
  ProgressDisplay d(false, [&](std::string_view s) { out += s; });
  d.Start("reading /var/log/mail.log");
  d.Update(10, 100, 0);
  d.Update(30, 100, 1);
  d.Update(40, 100, 2);
  d.Update(99, 100, 3);
  d.Update(100, 100, 4);
  d.Finish("10 new lines read, 1 events stored");
  EXPECT_EQ(
      "maillogsentinel: reading /var/log/mail.log\n"
      "maillogsentinel: 25% (30 of 100 bytes)\n"
      "maillogsentinel: 75% (99 of 100 bytes)\n"
      "maillogsentinel: 10 new lines read, 1 events stored\n",
      out);
}

TEST(Progress, TerminalBarIsRedrawnInPlaceAndCleared) {
  std::string out;
  ProgressDisplay d(true, [&](std::string_view s) { out += s; });
  d.Update(0, 100, 0);
  d.Update(50, 100, 50);  // too soon: skipped
  d.Update(50, 100, 150);
  d.Update(100, 100, 160);  // the end is always drawn
  d.Finish("done");
  std::string bar0 = RenderBar(0, 100, 30), bar50 = RenderBar(50, 100, 30),
              bar100 = RenderBar(100, 100, 30);
  EXPECT_EQ("\r" + bar0 + "\r" + bar50 + "\r" + bar100 + "\r" + std::string(bar100.size(), ' ') +
                "\rmaillogsentinel: done\n",
            out);
  EXPECT_EQ(std::string::npos, out.find('\x1b'));
}

}  // namespace
}  // namespace mls
