// mls-parse against reference data kept outside the repository
// ($MLS_SRCDIR/../shared/testdata; skipped when absent) and against our own
// real Postfix captures in tests/data/postfix-real* (skipped when absent).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "event.h"
#include "tz_scope.h"
#include "log_scanner.h"
#include "postfix_parse.h"
#include "syslog_time.h"
#include "tsv.h"

namespace mls {
namespace {

namespace fs = std::filesystem;

std::string SourceDir() {
  const char* dir = std::getenv("MLS_SRCDIR");
  return dir != nullptr ? dir : "../..";
}

fs::path SharedData() { return fs::path(SourceDir()) / ".." / "shared" / "testdata"; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Parsed {
  std::vector<std::vector<std::string>> events;
  ScanStats stats;
  std::string tsv;
};

Parsed ParseText(const std::string& text, const std::string& reference = "2026-12-01T00:00:00Z") {
  TzScope tz;
  ScanOptions options;
  options.reference_time = *ParseIso8601Instant(reference);
  LogScanner scanner(options, [](std::string_view) {});
  Parsed p;
  scanner.BeginInput("test");
  scanner.Feed(text, p.tsv);
  scanner.EndInput(p.tsv);
  p.stats = scanner.stats();
  std::istringstream lines(p.tsv);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    EXPECT_EQ(std::nullopt, TsvDecodeRecord(line, fields));
    EXPECT_EQ(kEventColumns, fields.size());
    p.events.push_back(fields);
  }
  return p;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// peers/corpus.tsv: every "fail" row is exactly one event with that ip, user
// and method; every "ignore" row is no event; "ambiguous" rows follow our
// documented policy.
TEST(SharedCorpus, PeersCorpusRows) {
  const fs::path path = SharedData() / "peers" / "corpus.tsv";
  if (!fs::exists(path)) GTEST_SKIP() << path << " not present";
  std::istringstream in(ReadFile(path));
  std::string row;
  std::getline(in, row);  // header
  int fail = 0, ignore = 0, ambiguous = 0;
  while (std::getline(in, row)) {
    std::vector<std::string> col;
    std::size_t start = 0;
    for (int i = 0; i < 6; ++i) {
      const std::size_t tab = row.find('\t', start);
      ASSERT_NE(std::string::npos, tab) << row;
      col.push_back(row.substr(start, tab - start));
      start = tab + 1;
    }
    const std::string raw = row.substr(start);
    const std::string where = "corpus row " + col[0] + " (" + col[5] + ")";
    const Parsed p = ParseText(raw + "\n");
    if (col[1] == "fail") {
      ++fail;
      ASSERT_EQ(1u, p.events.size()) << where;
      char ip[INET6_ADDRSTRLEN];
      ASSERT_TRUE(CanonicalIp(col[2], ip)) << where;
      EXPECT_EQ(ip, p.events[0][kIp]) << where;
      EXPECT_EQ(col[3] == "(unavailable)" ? "" : col[3], p.events[0][kUser]) << where;
      EXPECT_EQ(Upper(col[4]), p.events[0][kMethod]) << where;
    } else if (col[1] == "ignore") {
      ++ignore;
      EXPECT_EQ(0u, p.events.size()) << where;
      EXPECT_EQ(0u, p.stats.outages + p.stats.aborted) << where;
    } else {
      ASSERT_EQ("ambiguous", col[1]) << where;
      ++ambiguous;
      HeaderTime t;
      if (ParseHeaderTime(raw, t) == 0) {
        EXPECT_EQ(0u, p.events.size()) << where << ": no syslog header, no event";
      } else if (raw.find("Connection lost to authentication server") != std::string::npos) {
        EXPECT_EQ(0u, p.events.size()) << where;
        EXPECT_EQ(1u, p.stats.outages) << where << ": a backend outage";
      } else {
        ASSERT_EQ(1u, p.events.size()) << where << ": a server-side reason is still an event";
        EXPECT_EQ(col[2], p.events[0][kIp]) << where;
      }
    }
  }
  EXPECT_EQ(91, fail + ignore + ambiguous);
  std::cout << "[ corpus   ] fail=" << fail << " ignore=" << ignore << " ambiguous=" << ambiguous
            << "\n";
}

// The older tool's sample: 139 events, the IP always the bracketed one.
TEST(SharedCorpus, UpstreamSample) {
  const fs::path path = SharedData() / "upstream" / "sample_sasl.log";
  if (!fs::exists(path)) GTEST_SKIP() << path << " not present";
  const std::string text = ReadFile(path);
  const Parsed p = ParseText(text);
  ASSERT_EQ(139u, p.events.size());
  EXPECT_EQ(139u, p.stats.lines);
  std::istringstream lines(text);
  std::string line;
  for (std::size_t i = 0; std::getline(lines, line); ++i) {
    const std::size_t close = line.find("]: SASL ");
    const std::size_t open = line.rfind('[', close);
    EXPECT_EQ(line.substr(open + 1, close - open - 1), p.events[i][kIp]) << line;
    EXPECT_EQ("LOGIN", p.events[i][kMethod]);
    EXPECT_EQ("(reason unavailable)", p.events[i][kReason]);
  }
  // The two lines whose client name holds another dotted quad.
  auto has = [&](std::string_view client, std::string_view ip) {
    return std::any_of(p.events.begin(), p.events.end(),
                       [&](const auto& e) { return e[kClient] == client && e[kIp] == ip; });
  };
  EXPECT_TRUE(has("165.199.148.122.sta.wbroadband.net.au", "122.148.199.165"));
  EXPECT_TRUE(has("063.40.246.220.static.netvigator.com", "220.246.40.63"));
}

const char kRealMaillogEvents[] =
    "2026-11-25T20:18:08+00:00\tvm\t127.0.0.2\tadmin@test.local\tLOGIN\tunknown\t\tpostfix/submission/smtpd\t(reason unavailable)\n"
    "2026-11-25T20:18:08+00:00\tvm\t127.0.0.3\tinfo@test.local\tPLAIN\tunknown\t\tpostfix/submission/smtpd\t(reason unavailable)\n"
    "2026-11-25T20:18:09+00:00\tvm\t127.0.0.3\tinfo@test.local\tLOGIN\tunknown\t\tpostfix/submission/smtpd\t(reason unavailable)\n"
    "2026-11-25T20:18:09+00:00\tvm\t127.0.0.4\talice@test.local\tLOGIN\tunknown\t\tpostfix/submission/smtpd\t(reason unavailable)\n"
    "2026-11-25T20:18:10+00:00\tvm\t::1\ttest\tPLAIN\tunknown\t\tpostfix/submission/smtpd\t(reason unavailable)\n"
    "2026-11-25T20:18:10+00:00\tvm\t127.0.0.1\tbob\tPLAIN\tlocalhost\t\tpostfix/smtpd\t(reason unavailable)\n"
    "2026-11-25T20:18:11+00:00\tvm\t127.0.0.1\t\tLOGIN\tlocalhost\t\tpostfix/smtpd\tInvalid base64 data in continued response\n"
    "2026-11-25T20:18:11+00:00\tvm\t127.0.0.1\t\tCRAM-MD5\tlocalhost\t\tpostfix/smtpd\tInvalid authentication mechanism\n"
    "2026-11-25T20:18:11+00:00\tvm\t127.0.0.1\tcarol@test.local\tLOGIN\tlocalhost\t\tpostfix/cyrus/smtpd\tauthentication failure\n"
    "2026-11-25T20:18:11+00:00\tvm\t127.0.0.1\tmallory@test.local\tPLAIN\tlocalhost\t\tpostfix/cyrus/smtpd\tauthentication failure\n";

// Postfix 3.7.11's maillog_file: 63 lines (2 '#' notes), 10 failures, 1 abort.
TEST(SharedCorpus, RealMaillogFile) {
  const fs::path path = SharedData() / "postfix" / "real-maillog_file.log";
  if (!fs::exists(path)) GTEST_SKIP() << path << " not present";
  const Parsed p = ParseText(ReadFile(path));
  EXPECT_EQ(kRealMaillogEvents, p.tsv);
  EXPECT_EQ("lines=63 events=10 outages=0 aborted=1 overlong=0 bad_time=0", FormatScanStats(p.stats));
}

// rsyslog RFC 3339 and traditional output of the same sessions: 20 lines, 2 + 2.
TEST(SharedCorpus, RealRsyslog) {
  const fs::path path = SharedData() / "postfix" / "real-rsyslog.log";
  if (!fs::exists(path)) GTEST_SKIP() << path << " not present";
  const Parsed p = ParseText(ReadFile(path));
  const std::string eve_submission =
      "2026-11-25T20:18:36+00:00\tvm\t127.0.0.5\teve@test.local\tLOGIN\tunknown\t\t"
      "postfix/submission/smtpd\t(reason unavailable)\n";
  const std::string eve_cyrus =
      "2026-11-25T20:18:36+00:00\tvm\t127.0.0.1\teve@test.local\tPLAIN\tlocalhost\t\t"
      "postfix/cyrus/smtpd\tauthentication failure\n";
  EXPECT_EQ(eve_submission + eve_cyrus + eve_submission + eve_cyrus, p.tsv);
  EXPECT_EQ("lines=20 events=4 outages=0 aborted=0 overlong=0 bad_time=0", FormatScanStats(p.stats));
}

// Our own capture (tests/data/postfix-real*.log, see tests/data/README.md):
// every event matches the hand-written NAME.expected (ip, user, method,
// service, port), and the counts are those the README states.
TEST(RealCapture, MatchesHandWrittenExpectations) {
  const fs::path dir = fs::path(SourceDir()) / "tests" / "data";
  int files = 0;
  if (fs::exists(dir)) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      const fs::path log = entry.path();
      if (!log.filename().string().starts_with("postfix-real") || log.extension() != ".log") {
        continue;
      }
      fs::path expected_path = log;
      expected_path.replace_extension(".expected");
      if (!fs::exists(expected_path)) continue;
      ++files;
      const Parsed p = ParseText(ReadFile(log), "2026-11-28T23:00:00Z");
      std::string got;
      for (const auto& e : p.events) {
        got += e[kIp] + "\t" + e[kUser] + "\t" + e[kMethod] + "\t" + e[kService] + "\t" +
               e[kPort] + "\n";
      }
      EXPECT_EQ(ReadFile(expected_path), got) << log;
      if (log.filename() == "postfix-real-maillog.log") {
        EXPECT_EQ("lines=153 events=29 outages=1 aborted=4 overlong=0 bad_time=0", FormatScanStats(p.stats));
        for (const auto& e : p.events) {
          EXPECT_EQ("vm", e[kServer]);
          EXPECT_TRUE(e[kTime].starts_with("2026-11-28T12:26:")) << e[kTime];
        }
      }
    }
  }
  if (files == 0) GTEST_SKIP() << "no tests/data/postfix-real*.log with an .expected file";
}

}  // namespace
}  // namespace mls
