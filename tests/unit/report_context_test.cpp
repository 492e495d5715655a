#include "report_context.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "run_stats.h"
#include "test_files.h"

namespace mls {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/mls-report-context-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const {
    std::string p = path_ + "/" + name;
    mkdir(p.c_str(), 0755);
    return p;
  }

 private:
  std::string path_;
};

constexpr const char* kTimer = "/maillogsentinel-extract.timer";

TEST(ExtractionSchedule, ReadsOurUnit) {
  std::optional<std::string> s = ExtractionSchedule({SrcDir() + "/systemd"});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ("OnCalendar=*:0/10", *s);
}

TEST(ExtractionSchedule, FirstDirectoryWithTheUnitWins) {
  TempDir t;
  std::string a = t.Sub("a"), b = t.Sub("b"), c = t.Sub("c");
  WriteAll(b + kTimer, "[Timer]\nOnCalendar=*:0/5\n");
  WriteAll(c + kTimer, "[Timer]\nOnCalendar=hourly\n");
  EXPECT_EQ("OnCalendar=*:0/5", ExtractionSchedule({a, b, c}));
  EXPECT_EQ("OnCalendar=hourly", ExtractionSchedule({c, b}));
  EXPECT_EQ(std::nullopt, ExtractionSchedule({a}));
  EXPECT_EQ(std::nullopt, ExtractionSchedule({}));
}

TEST(ExtractionSchedule, ParsesLikeSystemd) {
  TempDir t;
  std::string d = t.Sub("u");
  WriteAll(d + kTimer,
           "# OnCalendar=commented\n"
           "[Unit]\n"
           "Description=OnCalendar=not a timer setting\n"
           "OnCalendar=in the wrong section\n"
           "[Timer]\n"
           "; OnCalendar=also commented\n"
           "OnCalendar=daily\n"
           "OnCalendar=\n"  // resets the list
           "  OnCalendar = Mon..Fri *-*-* 08:00:00  \r\n"
           "OnCalendar=Sat \\\n"
           "  12:00\n"
           "AccuracySec=1s\n"
           "Persistent=true\n"
           "OnUnitActiveSec=1h\n"
           "[Install]\n"
           "OnCalendar=ignored too\n");
  EXPECT_EQ("OnCalendar=Mon..Fri *-*-* 08:00:00, OnCalendar=Sat 12:00, OnUnitActiveSec=1h",
            ExtractionSchedule({d}));
  WriteAll(d + kTimer, "[Timer]\nPersistent=true\n");
  EXPECT_EQ("", ExtractionSchedule({d}));
}

TEST(ExtractionSchedule, DefaultDirectoriesAdminFirst) {
  std::vector<std::string> dirs = DefaultUnitDirs();
  ASSERT_EQ(5u, dirs.size());
  EXPECT_EQ("/etc/systemd/system", dirs.front());
  EXPECT_EQ("/usr/lib/systemd/system", dirs.back());
}

TEST(HostIdentity, NamesThisHost) {
  HostIdentity id = LocalHostIdentity();
  char name[256] = "";
  ASSERT_EQ(0, gethostname(name, sizeof name - 1));
  ASSERT_FALSE(id.fqdn.empty());
  std::string shortname(name);
  shortname = shortname.substr(0, shortname.find('.'));
  // The canonical name may be an alias of the host name; usually it extends it.
  if (id.fqdn != name) {
    EXPECT_NE(std::string::npos, id.fqdn.find('.')) << id.fqdn;
  }
  if (!id.address.empty()) {
    unsigned char buf[16];
    bool v4 = inet_pton(AF_INET, id.address.c_str(), buf) == 1;
    bool v6 = !v4 && inet_pton(AF_INET6, id.address.c_str(), buf) == 1;
    EXPECT_TRUE(v4 || v6) << id.address;
    EXPECT_FALSE(id.address.starts_with("127.")) << id.address;
    EXPECT_NE("::1", id.address);
    EXPECT_FALSE(id.address.starts_with("fe80:")) << id.address;
  }
}

std::string Committed(const std::string& when, const std::string& summary) {
  return when + " INFO maillogsentinel: committed: " + summary + "\n";
}

TEST(OpLogFacts, SumsOutagesOfRunsCommittedInTheWindow) {
  TempDir t;
  std::string log = t.path() + "/maillogsentinel.log";
  RunStats three{100, 5, std::nullopt, std::nullopt, 3, std::nullopt, std::nullopt};
  RunStats one{100, 5, 2, 1, 1, std::nullopt, 4};
  std::string text =
      Committed("2026-11-27T23:59:59+00:00", FormatSummary(three)) +  // before the window
      "2026-11-28T00:10:00+00:00 INFO maillogsentinel: reading /var/log/mail.log\n" +
      Committed("2026-11-28T00:00:00+00:00", FormatSummary(three)) +  // since: inside
      Committed("2026-11-28T10:00:00+01:00", FormatSummary(one)) +    // 09:00 UTC
      Committed("2026-11-28T11:00:00+00:00",
                FormatSummary({7, 0, std::nullopt, std::nullopt, 0, std::nullopt,
                               std::nullopt})) +  // no outage
      // A message quoting attacker text cannot pass for a committed run.
      "2026-11-28T12:00:00+00:00 WARNING maillogsentinel: user 'maillogsentinel: committed: "
      "50 SASL backend outages' rejected\n" +
      "2026-11-28T12:30:00+00:00 ERROR maillogsentinel: stage 2 failed; nothing committed\n" +
      "garbage line\n" + Committed("2026-11-29T00:00:00+00:00", FormatSummary(three));  // until
  WriteAll(log, text);
  std::time_t since = 1795824000;  // 2026-11-28T00:00:00Z
  std::time_t until = since + 86400;
  OpLogFacts f = ReadOpLogFacts(log, since, until);
  EXPECT_TRUE(f.readable);
  EXPECT_EQ(4u, f.outages);
  EXPECT_EQ(4u, f.suppressed);  // journald's drops of the one run that had them
  ASSERT_TRUE(f.last_extraction.has_value());
  EXPECT_EQ(until, *f.last_extraction);  // the newest committed line, window or not

  // The same log, a window that only holds the run without outages.
  OpLogFacts g = ReadOpLogFacts(log, since + 10 * 3600, since + 12 * 3600);
  EXPECT_EQ(0u, g.outages);
  EXPECT_EQ(until, *g.last_extraction);
}

TEST(OpLogFacts, LastLineWithoutNewlineAndOverlongLines) {
  TempDir t;
  std::string log = t.path() + "/maillogsentinel.log";
  std::string text =
      Committed("2026-11-28T01:00:00+00:00", "2 SASL backend outages") +
      "2026-11-28T02:00:00+00:00 INFO maillogsentinel: committed: " + std::string(200000, 'x') +
      ", 9 SASL backend outages\n" +
      Committed("2026-11-28T03:00:00+00:00", "1 SASL backend outage");
  text.pop_back();  // the last line has no '\n'
  WriteAll(log, text);
  OpLogFacts f = ReadOpLogFacts(log, 0, 2000000000);
  EXPECT_TRUE(f.readable);
  EXPECT_EQ(3u, f.outages);
  EXPECT_EQ(1795827600 + 2 * 3600, f.last_extraction);
}

TEST(OpLogFacts, AbsentOrUnreadableLog) {
  TempDir t;
  OpLogFacts f = ReadOpLogFacts(t.path() + "/missing.log", 0, 2000000000);
  EXPECT_FALSE(f.readable);
  EXPECT_FALSE(f.last_extraction.has_value());
  OpLogFacts d = ReadOpLogFacts(t.path(), 0, 2000000000);  // a directory
  EXPECT_FALSE(d.readable);
  std::string empty = t.path() + "/empty.log";
  WriteAll(empty, "");
  OpLogFacts e = ReadOpLogFacts(empty, 0, 2000000000);
  EXPECT_TRUE(e.readable);
  EXPECT_FALSE(e.last_extraction.has_value());
  EXPECT_EQ(0u, e.outages);
}

}  // namespace
}  // namespace mls
