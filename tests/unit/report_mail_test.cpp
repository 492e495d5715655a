#include "report_mail.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "tz_scope.h"

namespace mls {
namespace {

ReportMailSettings Settings() {
  ReportMailSettings s;
  s.email = "root@localhost";
  s.subject_prefix = "[maillogsentinel]";
  s.sendmail = "/usr/sbin/sendmail";
  s.config_path = "/etc/maillogsentinel.conf";
  return s;
}

// 2026-11-28 14:05:00 in Europe/Paris (13:05:00Z).
constexpr std::time_t kNow = 1795871100;

ReportData Data(const char* window) {
  ReportData d;
  d.version = "0.1.0";
  d.server_name = "mx1.example.org";
  d.generated = kNow;
  d.total = 42;
  d.window = NamedWindow(window, kNow).value();
  return d;
}

TEST(ReportMail, AddressesFromConfigOrTo) {
  ReportMailSettings s = Settings();
  ReportAddresses a = ResolveReportAddresses(s, "mx1.example.org");
  EXPECT_EQ(std::nullopt, a.error);
  EXPECT_EQ("maillogsentinel@mx1.example.org", a.from);
  EXPECT_EQ(std::vector<std::string>{"root@localhost"}, a.to);

  s.to = "ops@example.org, sec@example.org";
  s.sender = "reports@example.org";
  a = ResolveReportAddresses(s, "mx1.example.org");
  EXPECT_EQ(std::nullopt, a.error);
  EXPECT_EQ("reports@example.org", a.from);
  EXPECT_EQ((std::vector<std::string>{"ops@example.org", "sec@example.org"}), a.to);
}

TEST(ReportMail, NoRecipientIsExitOne) {
  ReportMailSettings s = Settings();
  s.email = "  ";
  ReportAddresses a = ResolveReportAddresses(s, "mx1");
  EXPECT_EQ("no recipient: set [report] email in /etc/maillogsentinel.conf or use --to",
            a.error.value_or(""));
  EXPECT_EQ(1, a.exit_status);
}

TEST(ReportMail, BadAddressesAreConfigOrUsageErrors) {
  ReportMailSettings s = Settings();
  s.email = "root localhost";
  ReportAddresses a = ResolveReportAddresses(s, "mx1");
  EXPECT_EQ(
      "/etc/maillogsentinel.conf: [report] email: bad address 'root localhost': space outside "
      "quotes",
      a.error.value_or(""));
  EXPECT_EQ(2, a.exit_status);

  s.to = "x@y\r\nBcc: evil@y";
  a = ResolveReportAddresses(s, "mx1");
  EXPECT_EQ("--to: bad address 'x@y\\x0D\\x0ABcc: evil@y': control character",
            a.error.value_or(""));
  EXPECT_EQ(2, a.exit_status);

  s = Settings();
  s.sender = "me@x\nBcc: evil@y";
  a = ResolveReportAddresses(s, "mx1");
  EXPECT_EQ(
      "/etc/maillogsentinel.conf: [report] sender: bad address 'me@x\\x0ABcc: evil@y': control "
      "character",
      a.error.value_or(""));
  EXPECT_EQ(2, a.exit_status);

  s.sender = "a@x, b@y";
  a = ResolveReportAddresses(s, "mx1");
  EXPECT_EQ("/etc/maillogsentinel.conf: [report] sender: one address expected, got 2",
            a.error.value_or(""));
}

TEST(ReportMail, DefaultSender) {
  EXPECT_EQ("maillogsentinel@mx1.example.org", DefaultSender("mx1.example.org"));
  // No domain: no From (sendmail fills it in from the envelope sender).
  EXPECT_EQ("", DefaultSender("vm"));
  EXPECT_EQ("", DefaultSender("localhost"));
  EXPECT_EQ("", DefaultSender(""));
  EXPECT_EQ("", DefaultSender("bad host.example"));
  EXPECT_EQ("", DefaultSender("example.org."));
}

TEST(ReportMail, SubjectAndAttachmentName) {
  TzScope tz("Europe/Paris");
  ReportData d = Data("today");
  EXPECT_EQ("[maillogsentinel] mx1.example.org: 42 SASL failures today (2026-11-28)",
            ReportSubject("[maillogsentinel]", d));
  d.total = 1;
  EXPECT_EQ("mx1.example.org: 1 SASL failure today (2026-11-28)", ReportSubject("", d));
  d.dataset_error = "missing (No such file or directory)";  // never "0 SASL failures"
  EXPECT_EQ("mx1.example.org: dataset missing, SASL failures unknown today (2026-11-28)",
            ReportSubject("", d));
  d.dataset_error = "unreadable (Permission denied)";
  EXPECT_EQ("[m] mx1.example.org: dataset unreadable, SASL failures unknown today (2026-11-28)",
            ReportSubject("[m]", d));
  d.dataset_error.clear();
  EXPECT_EQ("maillogsentinel-mx1.example.org-2026-11-28", ReportAttachmentName(d));
  d = Data("yesterday");
  EXPECT_EQ("yesterday (2026-11-27)", WindowPhrase(d.window));
  EXPECT_EQ("maillogsentinel-mx1.example.org-2026-11-27", ReportAttachmentName(d));
  EXPECT_EQ("in the last 24 hours (to 2026-11-28 14:05)", WindowPhrase(Data("24h").window));
  // 24h and 7d are named after the day they end (now), not the day they start.
  EXPECT_EQ("maillogsentinel-mx1.example.org-2026-11-28", ReportAttachmentName(Data("24h")));
  EXPECT_EQ("maillogsentinel-mx1.example.org-2026-11-28", ReportAttachmentName(Data("7d")));
  d = Data("24h");
  d.window.until = kNow - 14 * 3600 - 10 * 60;  // 2026-11-27 23:55
  EXPECT_EQ("maillogsentinel-mx1.example.org-2026-11-27", ReportAttachmentName(d));
  EXPECT_EQ("in the last 7 days (to 2026-11-28 14:05)", WindowPhrase(Data("7d").window));
  EXPECT_EQ("in the last 10 minutes (to 2026-11-28 14:05)", WindowPhrase(Data("10m").window));
  EXPECT_EQ("in the last 36 hours (to 2026-11-28 14:05)", WindowPhrase(Data("36h").window));
  EXPECT_EQ("in the last 1 minute (to 2026-11-28 14:05)", WindowPhrase(Data("60s").window));
  EXPECT_EQ("in the last 90 seconds (to 2026-11-28 14:05)", WindowPhrase(Data("90s").window));
  EXPECT_EQ("maillogsentinel-mx1.example.org-2026-11-28", ReportAttachmentName(Data("36h")));
  ReportWindow custom{"custom", kNow - 86400, kNow};
  EXPECT_EQ("from 2026-11-27 14:05 to 2026-11-28 14:05", WindowPhrase(custom));
}

class ReportMailSend : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/report_mail_test.XXXXXX";
    ASSERT_NE(nullptr, ::mkdtemp(tmpl));
    dir_ = tmpl;
  }
  void TearDown() override { ASSERT_EQ(0, std::system(("rm -rf '" + dir_ + "'").c_str())); }
  std::string Script(const std::string& body) {
    std::string path = dir_ + "/sendmail";
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0755);
    return path;
  }
  std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  int Rows(const std::string& csv) {
    std::string error;
    int fd = OpenScratchFile({dir_}, error);
    EXPECT_GE(fd, 0) << error;
    EXPECT_EQ(static_cast<ssize_t>(csv.size()), ::write(fd, csv.data(), csv.size()));
    return fd;
  }
  std::string dir_;
};

TEST_F(ReportMailSend, HandsTheMessageToSendmail) {
  TzScope tz("Europe/Paris");
  ReportMailSettings s = Settings();
  s.sendmail = Script("cat > \"$(dirname \"$0\")/msg\"");
  ReportAddresses a = ResolveReportAddresses(s, "mx1.example.org");
  int fd = Rows("server;date\nmx1;x\n");
  ReportMailResult r =
      SendReportMail(s, a, Data("today"), "Total: 42\n", "<p>Total: 42</p>\n", fd, 1);
  ::close(fd);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_EQ(AttachmentMode::kCsv, r.mime.attachment);
  EXPECT_EQ("report for root@localhost handed to " + s.sendmail + " (1 row attached)", r.summary);
  std::string msg = Read(dir_ + "/msg");
  EXPECT_EQ(0u, msg.find("From: maillogsentinel@mx1.example.org\nTo: root@localhost\n"
                         "Subject: [maillogsentinel] mx1.example.org: 42 SASL failures today\n"
                         " (2026-11-28)\nDate: Sat, 28 Nov 2026 14:05:00 +0100\n"
                         "Message-ID: <20261128130500."))
      << msg;
  EXPECT_NE(std::string::npos, msg.find("@mx1.example.org>\n"));
  EXPECT_NE(std::string::npos, msg.find("X-Mailer: maillogsentinel 0.1.0\n"));
  EXPECT_NE(std::string::npos,
            msg.find("filename=\"maillogsentinel-mx1.example.org-2026-11-28.csv\""));
  EXPECT_NE(std::string::npos, msg.find("\nc2VydmVyO2RhdGUKbXgxO3gK\n"));  // base64 of the rows
}

TEST_F(ReportMailSend, EnvelopeSenderIsTheFromAddress) {
  ReportMailSettings s = Settings();
  s.sendmail = Script(
      "printf '%s\\n' \"$@\" > \"$(dirname \"$0\")/args\"; "
      "cat > \"$(dirname \"$0\")/msg\"");
  s.sender = "reports@example.org";
  ReportAddresses a = ResolveReportAddresses(s, "vm");
  EXPECT_EQ(std::nullopt, SendReportMail(s, a, Data("today"), "t\n", "h\n", -1, 0).error);
  EXPECT_EQ("-t\n-oi\n-f\nreports@example.org\n", Read(dir_ + "/args"));
  EXPECT_EQ(0u, Read(dir_ + "/msg").find("From: reports@example.org\n"));

  s.sender = "";
  a = ResolveReportAddresses(s, "mx1.example.org");
  EXPECT_EQ(std::nullopt, SendReportMail(s, a, Data("today"), "t\n", "h\n", -1, 0).error);
  EXPECT_EQ("-t\n-oi\n-f\nmaillogsentinel@mx1.example.org\n", Read(dir_ + "/args"));

  // A host name without a domain: neither From nor -f, sendmail decides.
  a = ResolveReportAddresses(s, "vm");
  EXPECT_EQ(std::nullopt, a.error);
  EXPECT_EQ("", a.from);
  EXPECT_EQ(std::nullopt, SendReportMail(s, a, Data("today"), "t\n", "h\n", -1, 0).error);
  EXPECT_EQ("-t\n-oi\n", Read(dir_ + "/args"));
  std::string msg = Read(dir_ + "/msg");
  EXPECT_EQ(0u, msg.find("To: root@localhost\n")) << msg;
  EXPECT_EQ(std::string::npos, msg.find("\nFrom:"));
}

TEST_F(ReportMailSend, SendmailStderrLinesAreLabelled) {
  ReportMailSettings s = Settings();
  s.sendmail =
      Script("cat >/dev/null; echo 'postdrop: warning: unable to look up public/pickup' >&2");
  std::vector<std::string> lines;
  s.on_sendmail_line = [&](std::string_view l) { lines.emplace_back(l); };
  ReportAddresses a = ResolveReportAddresses(s, "mx1");
  EXPECT_EQ(std::nullopt, SendReportMail(s, a, Data("today"), "t\n", "h\n", -1, 0).error);
  EXPECT_EQ(
      std::vector<std::string>{"sendmail: postdrop: warning: unable to look up public/pickup"},
      lines);
}

TEST_F(ReportMailSend, HangingSendmailTimesOut) {
  ReportMailSettings s = Settings();
  s.sendmail = Script("cat >/dev/null; sleep 30");
  s.timeout_seconds = 1;
  ReportAddresses a = ResolveReportAddresses(s, "mx1");
  ReportMailResult r = SendReportMail(s, a, Data("today"), "t\n", "h\n", -1, 0);
  EXPECT_EQ(s.sendmail + " did not finish within 1 s (stopped with SIGTERM)", r.error.value_or(""));
  EXPECT_EQ("", r.summary);
}

TEST_F(ReportMailSend, SendmailFailureIsTheError) {
  ReportMailSettings s = Settings();
  s.sendmail = Script("cat >/dev/null; exit 75");
  ReportAddresses a = ResolveReportAddresses(s, "mx1");
  ReportMailResult r = SendReportMail(s, a, Data("today"), "t\n", "h\n", -1, 0);
  EXPECT_EQ(s.sendmail + " -t -oi failed: exit status 75 (temporary failure)",
            r.error.value_or(""));
  EXPECT_EQ("", r.summary);
}

TEST_F(ReportMailSend, DryRunWritesToTheGivenFdAndRunsNothing) {
  ReportMailSettings s = Settings();
  s.sendmail = Script("touch \"$(dirname \"$0\")/ran\"");
  s.dry_run = true;
  ReportAddresses a = ResolveReportAddresses(s, "mx1");
  std::string error;
  int out = OpenScratchFile({dir_}, error);
  ReportMailResult r = SendReportMail(s, a, Data("today"), "Total\n", "<p>Total</p>\n", -1, 0, out);
  EXPECT_EQ(std::nullopt, r.error);
  std::string msg(4096, '\0');
  msg.resize(
      static_cast<std::size_t>(std::max<ssize_t>(0, ::pread(out, msg.data(), msg.size(), 0))));
  ::close(out);
  EXPECT_EQ(0u, msg.find("To: root@localhost\n"));  // "mx1": no domain, no From
  EXPECT_NE(std::string::npos, msg.find("\nTotal\n"));
  EXPECT_NE(0, ::access((dir_ + "/ran").c_str(), F_OK));
}

TEST(ReportMailScratch, FirstUsableDirectory) {
  std::string error;
  int fd = OpenScratchFile({"/nonexistent/dir", "/tmp"}, error);
  EXPECT_GE(fd, 0) << error;
  ::close(fd);
  fd = OpenScratchFile({"/nonexistent/dir"}, error);
  EXPECT_EQ(-1, fd);
  EXPECT_EQ("temporary file in /nonexistent/dir: No such file or directory", error);
}

}  // namespace
}  // namespace mls
