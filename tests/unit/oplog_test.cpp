#include "oplog.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mls {
namespace {

TEST(OpLog, ParsesLevelsCaseInsensitively) {
  EXPECT_EQ(LogLevel::kDebug, ParseLogLevel("DEBUG"));
  EXPECT_EQ(LogLevel::kWarning, ParseLogLevel("warning"));
  EXPECT_EQ(LogLevel::kCritical, ParseLogLevel("Critical"));
  EXPECT_EQ(std::nullopt, ParseLogLevel("WARN"));
  EXPECT_EQ(std::nullopt, ParseLogLevel(""));
  EXPECT_EQ("ERROR", LogLevelName(LogLevel::kError));
}

TEST(OpLog, FormatsTimestampsWithNumericOffsets) {
  std::tm t{};
  t.tm_year = 126, t.tm_mon = 10, t.tm_mday = 28, t.tm_hour = 12, t.tm_min = 0, t.tm_sec = 5;
  EXPECT_EQ("2026-11-28T12:00:05+00:00", FormatTimestamp(t));
  t.tm_gmtoff = 3600 + 30 * 60;
  EXPECT_EQ("2026-11-28T12:00:05+01:30", FormatTimestamp(t));
  t.tm_gmtoff = -5 * 3600;
  EXPECT_EQ("2026-11-28T12:00:05-05:00", FormatTimestamp(t));
}

TEST(OpLog, FormatsOneLinePerMessageAndNeutralisesControls) {
  EXPECT_EQ("2026-11-28T12:00:00+00:00 INFO maillogsentinel: run started\n",
            FormatLogLine("2026-11-28T12:00:00+00:00", LogLevel::kInfo, "maillogsentinel",
                          "run started"));
  EXPECT_EQ("T WARNING mls-parse: user \\x1B[31mred\\x1B[0m\\x0AT CRITICAL x: forged \\\\x0a\n",
            FormatLogLine("T", LogLevel::kWarning, "mls-parse",
                          "user \x1b[31mred\x1b[0m\nT CRITICAL x: forged \\x0a"));
  // The one rule (DisplayText): TAB and DEL shown, valid UTF-8 kept, bytes
  // that are not UTF-8 and bidi overrides shown.
  EXPECT_EQ("tab\\x09shown \\x7F \xc3\xa9 \\xFF \\xE2\\x80\\xAE",
            SanitizeForLog("tab\tshown \x7f \xc3\xa9 \xff \xe2\x80\xae"));
}

TEST(OpLog, AppendsAtOrAboveItsLevelToA0640File) {
  char tmpl[] = "/tmp/mls-oplog-test.XXXXXX";
  ASSERT_NE(nullptr, ::mkdtemp(tmpl));
  std::string path = std::string(tmpl) + "/maillogsentinel.log";
  setenv("TZ", "UTC", 1);
  tzset();
  {
    std::ofstream(path) << "earlier line\n";
    ::chmod(path.c_str(), 0640);
    OpLog log;
    ASSERT_EQ(std::nullopt,
              log.Open(path, LogLevel::kWarning, [] { return std::time_t{1795867200}; }));
    EXPECT_FALSE(log.Enabled(LogLevel::kInfo));
    EXPECT_TRUE(log.Enabled(LogLevel::kError));
    log.Log(LogLevel::kInfo, "maillogsentinel", "not shown");
    log.Log(LogLevel::kWarning, "mls-tail", "shown");
    log.Log(LogLevel::kCritical, "maillogsentinel", "also");
    EXPECT_EQ(std::nullopt, log.write_error());
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(
      "earlier line\n"
      "2026-11-28T12:00:00+00:00 WARNING mls-tail: shown\n"
      "2026-11-28T12:00:00+00:00 CRITICAL maillogsentinel: also\n",
      ss.str());
  std::string fresh = std::string(tmpl) + "/new.log";
  OpLog log;
  mode_t old_umask = ::umask(077);
  ASSERT_EQ(std::nullopt, log.Open(fresh, LogLevel::kInfo, nullptr));
  ::umask(old_umask);
  struct stat st;
  ASSERT_EQ(0, ::stat(fresh.c_str(), &st));
  EXPECT_EQ(0640u, st.st_mode & 07777);
  ::unlink(path.c_str());
  ::unlink(fresh.c_str());
  ::rmdir(tmpl);
}

TEST(OpLog, OpenErrorNamesThePath) {
  OpLog log;
  EXPECT_EQ("/nonexistent/dir/x.log: No such file or directory",
            log.Open("/nonexistent/dir/x.log", LogLevel::kInfo, nullptr).value_or(""));
  EXPECT_FALSE(log.is_open());
  log.Log(LogLevel::kCritical, "x", "dropped silently");
}

TEST(OpLog, NeverWritesThroughASymlink) {
  char tmpl[] = "/tmp/mls-oplog-link.XXXXXX";
  ASSERT_NE(nullptr, ::mkdtemp(tmpl));
  std::string dir = tmpl;
  ASSERT_EQ(0, ::symlink((dir + "/target").c_str(), (dir + "/op.log").c_str()));
  OpLog log;
  EXPECT_EQ(dir + "/op.log: is a symbolic link; refusing to write through it",
            log.Open(dir + "/op.log", LogLevel::kInfo, nullptr).value_or(""));
  EXPECT_NE(0, ::access((dir + "/target").c_str(), F_OK));
  ::unlink((dir + "/op.log").c_str());
  ::rmdir(dir.c_str());
}

TEST(OpLogTime, ParsesOffsetsFractionsAndZ) {
  std::size_t len = 0;
  EXPECT_EQ(1795867200, ParseOpLogTime("2026-11-28T12:00:00+00:00 INFO x", len));
  EXPECT_EQ(25u, len);
  EXPECT_EQ(1795867200 - 3600, ParseOpLogTime("2026-11-28T12:00:00+01:00", len));
  EXPECT_EQ(1795867200 + 5400, ParseOpLogTime("2026-11-28T12:00:00-01:30", len));
  EXPECT_EQ(1795867200, ParseOpLogTime("2026-11-28T12:00:00Z", len));
  EXPECT_EQ(20u, len);
  EXPECT_EQ(1795867200, ParseOpLogTime("2026-11-28T12:00:00.123456+00:00", len));
  EXPECT_EQ(32u, len);
  EXPECT_EQ(0, ParseOpLogTime("1970-01-01T00:00:00Z", len));
  EXPECT_EQ(951782400, ParseOpLogTime("2000-02-29T00:00:00Z", len));  // leap day
  for (const char* bad : {"", "2026-11-28", "2026-11-28T12:00:00", "2026-11-28T12:00:00+0100",
                          "2026-13-28T12:00:00Z", "2026-11-28T24:00:00Z", "2026/11/28T12:00:00Z",
                          "2026-11-28 12:00:00Z", "2026-11-28T12:0a:00Z", "x026-11-28T12:00:00Z"}) {
    EXPECT_EQ(std::nullopt, ParseOpLogTime(bad, len)) << bad;
  }
}

}  // namespace
}  // namespace mls
