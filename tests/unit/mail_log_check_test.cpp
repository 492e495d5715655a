#include "mail_log_check.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "test_files.h"

namespace mls {
namespace {

namespace fs = std::filesystem;

class MailLogCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mls-maillog-XXXXXX";
    ASSERT_NE(nullptr, ::mkdtemp(tmpl));
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::optional<MailLogProblem> Check(const std::string& path,
                                      const std::vector<std::string>& rotated = {}) {
    return CheckMailLog(path, rotated, "/etc/m.conf:3");
  }
  std::string dir_;
};

TEST_F(MailLogCheck, AReadableFileIsFine) {
  WriteAll(dir_ + "/mail.log", "x\n");
  EXPECT_EQ(std::nullopt, Check(dir_ + "/mail.log"));
}

TEST_F(MailLogCheck, AMissingLogWithRotatedSiblingsIsFine) {
  WriteAll(dir_ + "/mail.log.1", "x\n");
  EXPECT_EQ(std::nullopt, Check(dir_ + "/mail.log"));
  // In logrotate's olddir too.
  fs::create_directory(dir_ + "/old");
  fs::rename(dir_ + "/mail.log.1", dir_ + "/old/mail.log.1");
  EXPECT_EQ(std::nullopt, Check(dir_ + "/mail.log", {dir_ + "/old"}));
}

TEST_F(MailLogCheck, AMissingLogAloneIsARuntimeError) {
  auto p = Check(dir_ + "/mail.log");
  ASSERT_TRUE(p);
  EXPECT_EQ(1, p->status);
  EXPECT_EQ("/etc/m.conf:3: mail_log " + dir_ +
                "/mail.log: No such file or directory (nor any rotated file of it)",
            p->message);
}

TEST_F(MailLogCheck, ADirectoryIsAConfigError) {
  auto p = Check(dir_);
  ASSERT_TRUE(p);
  EXPECT_EQ(2, p->status);
  EXPECT_EQ("/etc/m.conf:3: mail_log " + dir_ +
                ": is a directory; mail_log names the log file (e.g. /var/log/mail.log)",
            p->message);
}

TEST_F(MailLogCheck, QuotesAndTrailingCommentsAreLiteral) {
  WriteAll(dir_ + "/mail.log", "x\n");
  auto p = Check("\"" + dir_ + "/mail.log\"");
  ASSERT_TRUE(p);
  EXPECT_EQ(2, p->status);
  EXPECT_EQ("/etc/m.conf:3: mail_log \"" + dir_ +
                "/mail.log\": the quotes are part of the value (values are literal, there are "
                "no quotes in this file); write mail_log = " +
                dir_ + "/mail.log",
            p->message);
  p = Check(dir_ + "/mail.log   # Debian's");
  ASSERT_TRUE(p);
  EXPECT_EQ(2, p->status);
  EXPECT_EQ("/etc/m.conf:3: mail_log " + dir_ +
                "/mail.log   # Debian's: a comment after a value is part of the value (values "
                "are literal; a comment is a line of its own); write mail_log = " +
                dir_ + "/mail.log",
            p->message);
  // A file that really has such a name is used as named.
  WriteAll(dir_ + "/'odd'", "x\n");
  EXPECT_EQ(std::nullopt, Check(dir_ + "/'odd'"));
  WriteAll(dir_ + "/a #1", "x\n");
  EXPECT_EQ(std::nullopt, Check(dir_ + "/a #1"));
}

TEST_F(MailLogCheck, AnUnreadableLogNamesTheGroupToJoin) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads everything";
  WriteAll(dir_ + "/mail.log", "x\n");
  ::chmod((dir_ + "/mail.log").c_str(), 0);
  auto p = Check(dir_ + "/mail.log");
  ASSERT_TRUE(p);
  EXPECT_EQ(1, p->status);
  EXPECT_EQ(0u, p->message.find("/etc/m.conf:3: mail_log " + dir_ + "/mail.log: Permission denied; "))
      << p->message;
  EXPECT_NE(std::string::npos, p->message.find("group adm")) << p->message;
}

}  // namespace
}  // namespace mls
