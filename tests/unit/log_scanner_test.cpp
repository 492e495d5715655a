#include "log_scanner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "syslog_time.h"
#include "tz_scope.h"

namespace mls {
namespace {

const std::string kEvent =
    "Nov 25 20:18:08 vm postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN "
    "authentication failed: UGFzc3dvcmQ6, sasl_username=bob\n";
const std::string kEventTsv =
    "2026-11-25T20:18:08+00:00\tvm\t192.0.2.1\tbob\tLOGIN\tunknown\t\tpostfix/"
    "smtpd\tUGFzc3dvcmQ6\n";
const std::string kOutage =
    "Nov 25 20:18:09 vm postfix/smtpd[1]: warning: unknown[192.0.2.2]: SASL LOGIN "
    "authentication failed: Connection lost to authentication server\n";
const std::string kNoise = "Nov 25 20:18:07 vm postfix/smtpd[1]: connect from unknown[192.0.2.1]\n";

struct Result {
  std::string out;
  ScanStats stats;
  std::vector<std::string> warnings;
};

ScanOptions Options(std::size_t max_line = kDefaultMaxLineLength) {
  ScanOptions o;
  o.reference_time = *ParseIso8601Instant("2026-11-26T12:00:00Z");
  o.max_line_length = max_line;
  return o;
}

// Feeds `input` in pieces of `chunk` bytes (0: all at once).
Result Scan(const std::string& input, const ScanOptions& options, std::size_t chunk = 0,
            bool portable = false) {
  TzScope tz;
  Result r;
  LogScanner s(options, [&](std::string_view w) { r.warnings.emplace_back(w); });
  s.SetPortableScan(portable);
  s.BeginInput("in.log");
  if (chunk == 0) chunk = input.size() + 1;
  for (std::size_t i = 0; i < input.size(); i += chunk) {
    s.Feed(std::string_view(input).substr(i, chunk), r.out);
  }
  s.EndInput(r.out);
  s.WarnSummary();
  r.stats = s.stats();
  return r;
}

TEST(LogScanner, FormatsStats) {
  ScanStats s{1, 2, 3, 4, 5, 6, std::nullopt};
  EXPECT_EQ("lines=1 events=2 outages=3 aborted=4 overlong=5 bad_time=6", FormatScanStats(s));
  s.logins = 7;  // only with --logins
  EXPECT_EQ("lines=1 events=2 outages=3 aborted=4 overlong=5 bad_time=6 logins=7",
            FormatScanStats(s));
}

TEST(LogScanner, CountsLinesWithAndWithoutFinalNewline) {
  EXPECT_EQ(0u, Scan("", Options()).stats.lines);
  EXPECT_EQ(1u, Scan("\n", Options()).stats.lines);
  EXPECT_EQ(1u, Scan("x", Options()).stats.lines);
  EXPECT_EQ(2u, Scan("x\ny", Options()).stats.lines);
  EXPECT_EQ(3u, Scan("\n\n\n", Options()).stats.lines);
  std::string many;
  for (int i = 0; i < 1000; ++i) many += (i % 7 == 0 ? kEvent : kNoise);
  const Result r = Scan(many, Options());
  EXPECT_EQ(1000u, r.stats.lines);
  EXPECT_EQ(143u, r.stats.events);
}

TEST(LogScanner, EmitsEventsAndCountsOutages) {
  const Result r = Scan(kNoise + kEvent + kOutage + kNoise, Options());
  EXPECT_EQ(kEventTsv, r.out);
  EXPECT_EQ("lines=4 events=1 outages=1 aborted=0 overlong=0 bad_time=0", FormatScanStats(r.stats));
  ASSERT_EQ(2u, r.warnings.size());
  EXPECT_EQ(
      "in.log: Nov 25 20:18:09 (line 3, byte 201): SASL backend outage (Connection lost to "
      "authentication server), not an event",
      r.warnings[0]);
  EXPECT_EQ(
      "1 line(s) report 'Connection lost to authentication server': the SASL backend was "
      "unreachable (not counted as attacks)",
      r.warnings[1]);
}

TEST(LogScanner, OutageWarningsAreLimited) {
  std::string input;
  for (int i = 0; i < 25; ++i) input += kOutage;
  const Result r = Scan(input, Options());
  EXPECT_EQ(25u, r.stats.outages);
  ASSERT_EQ(11u, r.warnings.size());
  EXPECT_EQ(0u, r.warnings[9].find("in.log: Nov 25 20:18:09 (line 10, byte 1269): SASL backend"));
  EXPECT_NE(std::string::npos, r.warnings[9].find("further outages are only counted"));
  EXPECT_EQ(0u, r.warnings[10].find("25 line(s)"));
}

TEST(LogScanner, AbortedLinesAreCountedAndOptionallyEmitted) {
  const std::string aborted =
      "Nov 25 20:18:10 vm postfix/smtpd[1]: warning: localhost[127.0.0.1]: SASL LOGIN "
      "authentication aborted\n";
  Result r = Scan(aborted + kEvent, Options());
  EXPECT_EQ(kEventTsv, r.out);
  EXPECT_EQ("lines=2 events=1 outages=0 aborted=1 overlong=0 bad_time=0", FormatScanStats(r.stats));
  ScanOptions with = Options();
  with.include_aborted = true;
  r = Scan(aborted, with);
  EXPECT_EQ(
      "2026-11-25T20:18:10+00:00\tvm\t127.0.0.1\t\tLOGIN\tlocalhost\t\tpostfix/smtpd\t"
      "authentication aborted\n",
      r.out);
  EXPECT_EQ("lines=1 events=1 outages=0 aborted=1 overlong=0 bad_time=0", FormatScanStats(r.stats));
}

// kEvent with another header time.
std::string EventAt(std::string_view stamp) {
  return std::string(stamp) + kEvent.substr(kEvent.find(" vm "));
}

TEST(LogScanner, EventsWithAnImpossibleTimeAreCountedAndWarnedAbout) {
  const Result r = Scan(EventAt("Dec 32 10:00:00") + kEvent + EventAt("Nov 25 25:00:00") +
                            EventAt("2026-02-29T10:00:00.25+01:00") + kNoise +
                            "Nov 31 10:00:00 vm postfix/smtpd[1]: connect from x[192.0.2.1]\n",
                        Options());
  EXPECT_EQ(kEventTsv, r.out);
  EXPECT_EQ("lines=6 events=1 outages=0 aborted=0 overlong=0 bad_time=3", FormatScanStats(r.stats));
  ASSERT_EQ(4u, r.warnings.size());
  EXPECT_EQ("in.log: Dec 32 10:00:00 (line 1, byte 0): skipped an event whose time does not exist",
            r.warnings[0]);
  EXPECT_EQ(
      "in.log: Nov 25 25:00:00 (line 3, byte 264): skipped an event whose time does not "
      "exist",
      r.warnings[1]);
  EXPECT_EQ(
      "in.log: 2026-02-29T10:00:00.25+01:00 (line 4, byte 396): skipped an event whose time "
      "does not exist",
      r.warnings[2]);
  EXPECT_EQ("3 event(s) skipped: their time stamp names no real date or time (bad_time)",
            r.warnings[3]);
}

TEST(LogScanner, ImpossibleTimeWarningsAreLimited) {
  std::string input;
  for (int i = 0; i < 25; ++i) input += EventAt("Feb 30 10:00:00");
  const Result r = Scan(input, Options());
  EXPECT_EQ(25u, r.stats.bad_time);
  ASSERT_EQ(11u, r.warnings.size());
  EXPECT_EQ(0u, r.warnings[9].find("in.log: Feb 30 10:00:00 (line 10, byte 1188): "));
  EXPECT_NE(std::string::npos, r.warnings[9].find("; further ones are only counted"));
  EXPECT_EQ(0u, r.warnings[10].find("25 event(s) skipped"));
}

TEST(LogScanner, ImpossibleTimesOfOutagesAndAbortedLines) {
  // Neither prints a time unless aborted lines are events: only then is the
  // time missed.
  const std::string outage = "Nov 25 20:60:00" + kOutage.substr(kOutage.find(" vm "));
  const std::string aborted =
      "Nov 25 20:60:00 vm postfix/smtpd[1]: warning: localhost[127.0.0.1]: SASL LOGIN "
      "authentication aborted\n";
  Result r = Scan(outage + aborted, Options());
  EXPECT_EQ("lines=2 events=0 outages=1 aborted=1 overlong=0 bad_time=0", FormatScanStats(r.stats));
  ScanOptions with = Options();
  with.include_aborted = true;
  r = Scan(aborted, with);
  EXPECT_EQ("", r.out);
  EXPECT_EQ("lines=1 events=0 outages=0 aborted=1 overlong=0 bad_time=1", FormatScanStats(r.stats));
}

TEST(LogScanner, RepeatedHourIsOneStreamAcrossInputs) {
  // mail.log.1 ends in the first occurrence, mail.log starts in the second.
  TzScope tz("Europe/Paris");
  LogScanner s(Options(), [](std::string_view) {});
  std::string out;
  s.BeginInput("mail.log.1");
  s.Feed(EventAt("Oct 25 02:50:00") + kNoise, out);
  s.EndInput(out);
  s.BeginInput("mail.log");
  s.Feed(EventAt("Oct 25 02:10:00") + EventAt("Oct 25 03:10:00"), out);
  s.EndInput(out);
  EXPECT_EQ("2026-10-25T02:50:00+02:00\n2026-10-25T02:10:00+01:00\n2026-10-25T03:10:00+01:00\n",
            [&] {
              std::string times;
              for (std::size_t at = 0; at < out.size(); at = out.find('\n', at) + 1) {
                times += out.substr(at, kIsoTimeLength) + "\n";
              }
              return times;
            }());
}

TEST(LogScanner, SkipsOverlongLinesWithAWarning) {
  const std::string longer = std::string(150, 'x') + "\n";
  const Result r = Scan(kEvent + longer + kEvent, Options(100));
  // kEvent itself is longer than 100 bytes too.
  EXPECT_EQ("", r.out);
  EXPECT_EQ("lines=3 events=0 outages=0 aborted=0 overlong=3 bad_time=0", FormatScanStats(r.stats));
  // Named by the stamp when the line starts with one, else by line and byte alone.
  const std::vector<std::string> want = {
      "in.log: Nov 25 20:18:08 (line 1, byte 0): skipped a line of 131 bytes (longer than 100)",
      "in.log: line 2 (byte 132): skipped a line of 150 bytes (longer than 100)",
      "in.log: Nov 25 20:18:08 (line 3, byte 283): skipped a line of 131 bytes (longer than 100)"};
  EXPECT_EQ(want, r.warnings);
}

TEST(LogScanner, ALineOfExactlyTheMaximumIsKept) {
  const std::size_t len = kEvent.size() - 1;  // without '\n'
  Result r = Scan(kEvent + kEvent, Options(len));
  EXPECT_EQ(kEventTsv + kEventTsv, r.out);
  EXPECT_EQ(0u, r.stats.overlong);
  r = Scan(kEvent + kEvent, Options(len - 1));
  EXPECT_EQ("", r.out);
  EXPECT_EQ(2u, r.stats.overlong);
}

TEST(LogScanner, OverlongLinesSpanningManyReads) {
  // 3 MB of one line, fed in odd pieces, between two events; also at EOF.
  const std::string huge(3 * 1024 * 1024, 'a');
  for (std::size_t chunk : {std::size_t{0}, std::size_t{4093}, std::size_t{65536 + 7}}) {
    // The second one starts with a stamp, kept when its start was dropped.
    Result r = Scan(kEvent + huge + "\n" + kEvent + "Nov 25 20:18:10 vm " + huge, Options(), chunk);
    EXPECT_EQ(kEventTsv + kEventTsv, r.out) << chunk;
    EXPECT_EQ("lines=4 events=2 outages=0 aborted=0 overlong=2 bad_time=0",
              FormatScanStats(r.stats));
    ASSERT_EQ(2u, r.warnings.size());
    EXPECT_EQ("in.log: line 2 (byte 132): skipped a line of 3145728 bytes (longer than 65536)",
              r.warnings[0]);
    EXPECT_EQ(
        "in.log: Nov 25 20:18:10 (line 4, byte 3145993): skipped a line of 3145747 bytes "
        "(longer than 65536)",
        r.warnings[1]);
  }
}

TEST(LogScanner, LineWhere) {
  EXPECT_EQ("mail.log: Nov 25 20:18:09 (line 3, byte 201)",
            LineWhere("mail.log", "Nov 25 20:18:09", 3, 201));
  EXPECT_EQ("standard input: line 1 (byte 0)", LineWhere("standard input", "", 1, 0));
  // Line number unknown (a located line): only the offset.
  EXPECT_EQ("/l/mail.log: Nov 25 20:18:09 (byte 201)",
            LineWhere("/l/mail.log", "Nov 25 20:18:09", 0, 201));
  EXPECT_EQ("/l/mail.log: byte 7", LineWhere("/l/mail.log", "", 0, 7));
  EXPECT_EQ("Nov 25 20:18:09", LeadingStamp("Nov 25 20:18:09 vm x"));
  EXPECT_EQ("Dec 32 10:00:00", LeadingStamp("Dec 32 10:00:00 vm x"));
  EXPECT_EQ("2026-02-28T10:00:00+01:00", LeadingStamp("2026-02-28T10:00:00+01:00 vm x"));
  EXPECT_EQ("", LeadingStamp("aaaa"));
  EXPECT_EQ("", LeadingStamp(""));
}

TEST(LogScanner, OverlongLineContainingTheNeedle) {
  const std::string padded = kEvent.substr(0, kEvent.size() - 1) + std::string(200, 'z') + "\n";
  const Result r = Scan(padded + kEvent, Options(150));
  EXPECT_EQ(kEventTsv, r.out);  // the padded copy is skipped, the plain one is not
  EXPECT_EQ("lines=2 events=1 outages=0 aborted=0 overlong=1 bad_time=0", FormatScanStats(r.stats));
}

TEST(LogScanner, NeedleAtEveryOffsetAndChunkBoundary) {
  // Moves the event line across the 64-byte SIMD chunks and the buffer ends.
  for (std::size_t pad = 0; pad < 140; ++pad) {
    const std::string input = std::string(pad, 'p') + "\n" + kEvent + kNoise;
    for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{64}}) {
      for (bool portable : {false, true}) {
        const Result r = Scan(input, Options(), chunk, portable);
        ASSERT_EQ(kEventTsv, r.out)
            << "pad " << pad << " chunk " << chunk << " portable " << portable;
        ASSERT_EQ(3u, r.stats.lines);
      }
    }
  }
}

TEST(LogScanner, SimdAndPortableScansAgreeOnRandomInput) {
  // Random lines built from pieces of real ones, plus random bytes and the
  // needle in odd places.
  std::mt19937 rng(12345);
  const std::vector<std::string> pieces = {
      kEvent,
      kOutage,
      kNoise,
      ": SASL ",
      "\n",
      "S",
      "L",
      "SASL",
      "\r\n",
      std::string(1, '\0'),
      "Nov 25 20:18:08 vm postfix/smtpd[1]: warning: unknown[192.0.2.9]:25: SASL ",
      "PLAIN authentication failed: ",
      ", sasl_username=",
      "x",
      std::string(70, 'y'),
      "\xff\xfe"};
  for (int round = 0; round < 200; ++round) {
    std::string input;
    const int n = static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) input += pieces[rng() % pieces.size()];
    ScanOptions options = Options(64 + rng() % 300);
    const Result simd = Scan(input, options, 0, false);
    const Result portable = Scan(input, options, 0, true);
    const Result pieces_simd = Scan(input, options, 1 + rng() % 97, false);
    ASSERT_EQ(portable.out, simd.out) << "round " << round;
    ASSERT_EQ(FormatScanStats(portable.stats), FormatScanStats(simd.stats)) << "round " << round;
    ASSERT_EQ(portable.warnings, simd.warnings) << "round " << round;
    ASSERT_EQ(simd.out, pieces_simd.out) << "round " << round;
    ASSERT_EQ(simd.warnings, pieces_simd.warnings) << "round " << round;
    ASSERT_EQ(FormatScanStats(simd.stats), FormatScanStats(pieces_simd.stats));
  }
}

TEST(LogScanner, LineNumbersRestartPerInput) {
  TzScope tz;
  std::vector<std::string> warnings;
  LogScanner s(Options(), [&](std::string_view w) { warnings.emplace_back(w); });
  std::string out;
  s.BeginInput("a.log");
  s.Feed(kNoise + kOutage, out);
  s.EndInput(out);
  s.BeginInput("b.log");
  s.Feed(kOutage, out);
  s.EndInput(out);
  ASSERT_EQ(2u, warnings.size());
  EXPECT_EQ(0u, warnings[0].find("a.log: Nov 25 20:18:09 (line 2, byte 69): "));
  EXPECT_EQ(0u, warnings[1].find("b.log: Nov 25 20:18:09 (line 1, byte 0): "));
  EXPECT_EQ(3u, s.stats().lines);
}

TEST(LogScanner, ALocatorNamesTheFileAndOffsetALineCameFrom) {
  TzScope tz;
  std::vector<std::string> warnings;
  LogScanner s(Options(), [&](std::string_view w) { warnings.emplace_back(w); });
  InputMap map;
  // The stream: kNoise + kOutage from mail.log.1 at 1000, then kOutage from
  // mail.log at 0; one byte past the map's end is not located.
  std::uint64_t second = kNoise.size() + kOutage.size();
  map.Feed("0\t1000\t/l/mail.log.1\n" + std::to_string(second) + "\t0\t/l/mail.log\n");
  s.SetLocator([&](std::uint64_t off) { return map.Locate(off); });
  std::string out;
  s.BeginInput("standard input");
  s.Feed(kNoise + kOutage + kOutage, out);
  s.EndInput(out);
  ASSERT_EQ(2u, warnings.size());
  EXPECT_EQ(0u, warnings[0].find("/l/mail.log.1: Nov 25 20:18:09 (byte " +
                                 std::to_string(1000 + kNoise.size()) + "): SASL backend outage"))
      << warnings[0];
  EXPECT_EQ(0u, warnings[1].find("/l/mail.log: Nov 25 20:18:09 (byte 0): ")) << warnings[1];
  // Without a record for the offset: the input's name, line and offset.
  warnings.clear();
  InputMap empty;
  s.SetLocator([&](std::uint64_t off) { return empty.Locate(off); });
  s.BeginInput("standard input");
  s.Feed(kOutage, out);
  s.EndInput(out);
  ASSERT_EQ(1u, warnings.size());
  EXPECT_EQ(0u, warnings[0].find("standard input: Nov 25 20:18:09 (line 1, byte 0): "));
}

TEST(LogScanner, PartialLastLineOfOneInputDoesNotJoinTheNext) {
  TzScope tz;
  LogScanner s(Options(), [](std::string_view) {});
  std::string out;
  s.BeginInput("a.log");
  s.Feed(kEvent.substr(0, 40), out);
  s.EndInput(out);
  s.BeginInput("b.log");
  s.Feed(kEvent.substr(40), out);
  s.EndInput(out);
  EXPECT_EQ("", out);
  EXPECT_EQ(2u, s.stats().lines);
}

// ScanFd against real descriptors.
class ScanFdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/mls-scanner-test.XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(dir));
    dir_ = dir;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string Write(const std::string& name, const std::string& data) {
    const std::string path = dir_ + "/" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(data.data(), 1, data.size(), f);
    std::fclose(f);
    return path;
  }
  std::string Read(const std::string& path) {
    std::string data;
    FILE* f = std::fopen(path.c_str(), "rb");
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
    std::fclose(f);
    return data;
  }
  std::string dir_;
};

TEST_F(ScanFdTest, ReadsAFileAndWritesEvents) {
  TzScope tz;
  std::string input;
  for (int i = 0; i < 5000; ++i) input += (i % 10 == 0 ? kEvent : kNoise);
  const std::string in = Write("in.log", input);
  const std::string out_path = dir_ + "/out.tsv";
  const int in_fd = open(in.c_str(), O_RDONLY);
  const int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  LogScanner s(Options(), [](std::string_view) {});
  EXPECT_EQ(std::nullopt, ScanFd(in_fd, "in.log", s, out_fd));
  close(in_fd);
  close(out_fd);
  std::string expected;
  for (int i = 0; i < 500; ++i) expected += kEventTsv;
  EXPECT_EQ(expected, Read(out_path));
  EXPECT_EQ(5000u, s.stats().lines);
}

TEST_F(ScanFdTest, ReportsReadErrorsWithTheName) {
  const int dir_fd = open(dir_.c_str(), O_RDONLY | O_DIRECTORY);
  LogScanner s(Options(), [](std::string_view) {});
  const auto error = ScanFd(dir_fd, "somedir", s, 1);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ("somedir: read error: Is a directory", error->message);
  EXPECT_FALSE(error->output);
  close(dir_fd);
}

TEST_F(ScanFdTest, ReportsWriteErrors) {
  const std::string in = Write("in.log", kEvent);
  const int in_fd = open(in.c_str(), O_RDONLY);
  const int out_fd = open(in.c_str(), O_RDONLY);  // not writable
  LogScanner s(Options(), [](std::string_view) {});
  const auto error = ScanFd(in_fd, "in.log", s, out_fd);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ("write error: Bad file descriptor", error->message);
  EXPECT_TRUE(error->output);
  close(in_fd);
  close(out_fd);
}

TEST_F(ScanFdTest, WritesEachBlockAsSoonAsItIsRead) {
  // A pipe in, a pipe out: the event must come out before the input ends.
  TzScope tz;
  int in[2], out[2];
  ASSERT_EQ(0, pipe(in));
  ASSERT_EQ(0, pipe(out));
  ASSERT_EQ(static_cast<ssize_t>(kEvent.size()), write(in[1], kEvent.data(), kEvent.size()));
  LogScanner s(Options(), [](std::string_view) {});
  std::optional<std::string> error;
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(in[1]);
    close(out[0]);
    _exit(ScanFd(in[0], "pipe", s, out[1]) ? 1 : 0);
  }
  close(in[0]);
  close(out[1]);
  std::string got(kEventTsv.size(), '\0');
  std::size_t have = 0;
  while (have < got.size()) {
    const ssize_t n = read(out[0], got.data() + have, got.size() - have);
    ASSERT_GT(n, 0);
    have += static_cast<std::size_t>(n);
  }
  EXPECT_EQ(kEventTsv, got);  // while the writer still holds the input open
  close(in[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_EQ(0, status);
  close(out[0]);
}

}  // namespace
}  // namespace mls
