#include "metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "test_files.h"

namespace mls {
namespace {

RunStats Stats(std::uint64_t lines, std::uint64_t events) {
  RunStats s;
  s.lines = lines;
  s.events = events;
  s.outages = 2;
  s.suppressed = 1;
  s.dns_queries = 5;
  s.dns_cache_hits = 4;
  s.dns_by_status = std::array<std::uint64_t, 7>{3, 1, 0, 1, 0, 0, 2};
  return s;
}

RunOutcome Committed(std::uint64_t lines, std::uint64_t events, std::time_t now) {
  RunOutcome r;
  r.committed = true;
  r.stats = Stats(lines, events);
  r.duration_seconds = 1.25;
  r.now = now;
  return r;
}

RunOutcome Failed(std::time_t now) {
  RunOutcome r;
  r.failed = true;
  r.stats = Stats(100, 10);  // a rolled-back run's counts are not added
  r.duration_seconds = 0.5;
  r.now = now;
  return r;
}

TEST(Metrics, RendersEveryMetricWithHelpAndType) {
  Metrics m = AddRun(Metrics{}, Committed(300, 7, 1767225600));
  const std::string text = RenderMetrics(m);
  const std::string expected =
      "# HELP maillogsentinel_lines_read_total Mail log lines (or journal entries) read by "
      "committed extraction runs.\n"
      "# TYPE maillogsentinel_lines_read_total counter\n"
      "maillogsentinel_lines_read_total 300\n"
      "# HELP maillogsentinel_events_stored_total SASL authentication failures appended to the "
      "dataset by committed runs.\n"
      "# TYPE maillogsentinel_events_stored_total counter\n"
      "maillogsentinel_events_stored_total 7\n";
  EXPECT_EQ(expected, text.substr(0, expected.size()));
  for (const char* line : {
           "maillogsentinel_sasl_backend_outages_total 2\n",
           "maillogsentinel_journal_suppressed_total 1\n",
           "# TYPE maillogsentinel_dns_lookups_total counter\n",
           "maillogsentinel_dns_lookups_total{status=\"ok\"} 3\n",
           "maillogsentinel_dns_lookups_total{status=\"nxdomain\"} 1\n",
           "maillogsentinel_dns_lookups_total{status=\"servfail\"} 0\n",
           "maillogsentinel_dns_lookups_total{status=\"timeout\"} 1\n",
           "maillogsentinel_dns_lookups_total{status=\"refused\"} 0\n",
           "maillogsentinel_dns_lookups_total{status=\"nodata\"} 0\n",
           "maillogsentinel_dns_lookups_total{status=\"error\"} 2\n",
           "maillogsentinel_dns_cache_hits_total 4\n",
           "maillogsentinel_runs_total{result=\"committed\"} 1\n",
           "maillogsentinel_runs_total{result=\"failed\"} 0\n",
           "# TYPE maillogsentinel_last_run_duration_seconds gauge\n",
           "maillogsentinel_last_run_duration_seconds 1.250\n",
           "maillogsentinel_last_success_timestamp_seconds 1767225600\n",
           "maillogsentinel_last_run_failed 0\n",
       }) {
    EXPECT_NE(std::string::npos, text.find(line)) << line;
  }
  EXPECT_TRUE(text.ends_with("maillogsentinel_last_run_failed 0\n"));
}

TEST(Metrics, RoundTrip) {
  Metrics m = AddRun(AddRun(Metrics{}, Committed(300, 7, 1000)), Failed(2000));
  MetricsParseResult r = ParseMetrics(RenderMetrics(m));
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(m, r.metrics);
  MetricsParseResult zero = ParseMetrics(RenderMetrics(Metrics{}));
  ASSERT_FALSE(zero.error);
  EXPECT_EQ(Metrics{}, zero.metrics);
}

TEST(Metrics, CountersAccumulateOverCommittedRuns) {
  Metrics m = AddRun(Metrics{}, Committed(300, 7, 1000));
  m = ParseMetrics(RenderMetrics(m)).metrics;  // as the next run reads it back
  m = AddRun(m, Committed(50, 3, 1600));
  EXPECT_EQ(350u, m.lines_read);
  EXPECT_EQ(10u, m.events_stored);
  EXPECT_EQ(4u, m.sasl_backend_outages);
  EXPECT_EQ(2u, m.journal_suppressed);
  EXPECT_EQ(8u, m.dns_cache_hits);
  EXPECT_EQ((std::array<std::uint64_t, 7>{6, 2, 0, 2, 0, 0, 4}), m.dns_lookups);
  EXPECT_EQ(2u, m.runs_committed);
  EXPECT_EQ(0u, m.runs_failed);
  EXPECT_EQ(1600, m.last_success_timestamp_seconds);
  EXPECT_FALSE(m.last_run_failed);
  // Counts the stages did not report (DNS off: no per-status line) add nothing.
  RunOutcome bare;
  bare.committed = true;
  bare.now = 1700;
  Metrics n = AddRun(m, bare);
  EXPECT_EQ(350u, n.lines_read);
  EXPECT_EQ(m.dns_lookups, n.dns_lookups);
  EXPECT_EQ(3u, n.runs_committed);
}

TEST(Metrics, AFailedRunKeepsLastSuccessAndItsCountsAreNotAdded) {
  Metrics m = AddRun(Metrics{}, Committed(300, 7, 1000));
  Metrics f = AddRun(m, Failed(5000));
  EXPECT_EQ(1000, f.last_success_timestamp_seconds);
  EXPECT_TRUE(f.last_run_failed);
  EXPECT_EQ(1u, f.runs_failed);
  EXPECT_EQ(1u, f.runs_committed);
  EXPECT_EQ(300u, f.lines_read);
  EXPECT_EQ(7u, f.events_stored);
  EXPECT_DOUBLE_EQ(0.5, f.last_run_duration_seconds);
  // The next committed run clears the flag.
  Metrics ok = AddRun(f, Committed(1, 0, 6000));
  EXPECT_FALSE(ok.last_run_failed);
  EXPECT_EQ(6000, ok.last_success_timestamp_seconds);
  // Committed, then failed afterwards (retention): both.
  RunOutcome both = Committed(1, 1, 7000);
  both.failed = true;
  Metrics b = AddRun(ok, both);
  EXPECT_TRUE(b.last_run_failed);
  EXPECT_EQ(7000, b.last_success_timestamp_seconds);
  EXPECT_EQ(3u, b.runs_committed);
}

TEST(Metrics, EscapesLabelValues) {
  EXPECT_EQ("plain", EscapeLabelValue("plain"));
  EXPECT_EQ(R"(a\\b\"c\nd)", EscapeLabelValue("a\\b\"c\nd"));
}

TEST(Metrics, UnescapesLabelValuesBeforeMatching) {
  // A label value is unescaped first: an escape the format does not have is
  // an error, an escaped quote a value we never write (named escaped).
  std::string text = RenderMetrics(Metrics{});
  std::string ok = text;
  ok.replace(ok.find("{status=\"ok\"} 0"), 15, "{status=\"\\x\"} 0");
  EXPECT_TRUE(ParseMetrics(ok).error);
  std::string quote = text;
  quote.replace(quote.find("{status=\"ok\"} 0"), 15, "{status=\"o\\\"k\"} 0");
  ASSERT_TRUE(ParseMetrics(quote).error);
  EXPECT_NE(std::string::npos, ParseMetrics(quote).error->find("o\\\"k"));
}

TEST(Metrics, RejectsWhatItDidNotWrite) {
  const std::string good = RenderMetrics(AddRun(Metrics{}, Committed(3, 1, 1000)));
  auto replaced = [&good](std::string_view from, std::string_view to) {
    std::string t = good;
    std::size_t at = t.find(from);
    EXPECT_NE(std::string::npos, at) << from;
    t.replace(at, from.size(), to);
    return t;
  };
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"garbage\n", "line 1: "},
      {"garbage", "cut short"},
      {"\x01\x02\xff\n", "line 1: "},
      {good.substr(0, good.size() - 1), "cut short"},
      {replaced("lines_read_total 3", "lines_read_total -3"), "bad value"},
      {replaced("lines_read_total 3", "lines_read_total 3.5"), "bad value"},
      {replaced("lines_read_total 3", "lines_read_total 3 1234"), "not a sample"},
      {replaced("lines_read_total 3", "lines_read_total  3"), "not a sample"},
      {replaced("last_run_failed 0", "last_run_failed 2"), "bad value"},
      {replaced("last_run_duration_seconds 1.250", "last_run_duration_seconds NaN"), "bad value"},
      {replaced("status=\"ok\"", "status=\"maybe\""), "not one of our series"},
      {replaced("status=\"ok\"", "state=\"ok\""), "not one of our series"},
      {replaced("lines_read_total counter", "lines_read_total gauge"), "expected counter"},
      {good + "maillogsentinel_lines_read_total 3\n", "a sample without"},
      {good + "# HELP other_metric x\n", "not one of our metrics"},
      {good + "# a comment\n", "comment"},
      {replaced("maillogsentinel_events_stored_total 1\n",
                "maillogsentinel_events_stored_total 1\nmaillogsentinel_events_stored_total 1\n"),
       "a second sample"},
      {replaced("# HELP maillogsentinel_lines_read_total", "# HELP maillogsentinel_other_total"),
       "not one of our metrics"},
      {replaced("# TYPE maillogsentinel_lines_read_total counter\n", ""), "without its # HELP"},
  };
  for (const auto& [text, what] : bad) {
    MetricsParseResult r = ParseMetrics(text);
    ASSERT_TRUE(r.error) << text;
    EXPECT_NE(std::string::npos, r.error->find(what)) << *r.error;
    EXPECT_EQ(Metrics{}, r.metrics) << "a garbled file starts at 0";
  }
  // A series missing (an older version's file) stays 0; the rest is read.
  MetricsParseResult older = ParseMetrics(replaced("maillogsentinel_dns_cache_hits_total 4\n", ""));
  ASSERT_FALSE(older.error) << *older.error;
  EXPECT_EQ(0u, older.metrics.dns_cache_hits);
  EXPECT_EQ(3u, older.metrics.lines_read);
  EXPECT_FALSE(ParseMetrics("").error);
}

class MetricsFile : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  ScratchDir dir_{"mls-metrics"};
  const std::string path_ = dir_.path() + "/maillogsentinel.prom";
};

TEST_F(MetricsFile, MissingStartsAtZeroGarbledIsAnErrorAtZero) {
  MetricsParseResult missing = ReadMetricsFile(path_);
  EXPECT_FALSE(missing.error);
  EXPECT_EQ(Metrics{}, missing.metrics);
  std::ofstream(path_) << "maillogsentinel_lines_read_total 12\n";
  MetricsParseResult garbled = ReadMetricsFile(path_);
  ASSERT_TRUE(garbled.error);
  EXPECT_TRUE(garbled.error->starts_with(path_ + ": line 1: ")) << *garbled.error;
  EXPECT_EQ(Metrics{}, garbled.metrics);
}

TEST_F(MetricsFile, WritesAtomicallyMode0644AndReadsBack) {
  ::umask(077);
  Metrics m = AddRun(Metrics{}, Committed(9, 2, 1234));
  ASSERT_FALSE(WriteMetricsFile(path_, m));
  struct stat st;
  ASSERT_EQ(0, ::stat(path_.c_str(), &st));
  EXPECT_EQ(0644u, st.st_mode & 07777);
  MetricsParseResult r = ReadMetricsFile(path_);
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(m, r.metrics);
  ::umask(022);
  // A directory that does not exist: the error names the path.
  auto err = WriteMetricsFile(dir_.path() + "/no/such.prom", m);
  ASSERT_TRUE(err);
  EXPECT_NE(std::string::npos, err->find(dir_.path() + "/no/"));
}

}  // namespace
}  // namespace mls
