#include "setup_wizard.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>

#include "config.h"

namespace mls {
namespace {

// A scripted operator: the answers in order; nullopt ends the input (EOF, Ctrl-C).
struct Script {
  std::deque<std::optional<std::string>> answers;
  std::vector<std::string> prompts;
  std::vector<bool> secret;
  std::string said;
  WizardIo Io() {
    WizardIo io;
    io.ask = [this](const std::string& prompt, bool s) -> std::optional<std::string> {
      prompts.push_back(prompt);
      secret.push_back(s);
      if (answers.empty()) return std::nullopt;
      auto a = answers.front();
      answers.pop_front();
      return a;
    };
    io.say = [this](const std::string& text) { said += text; };
    return io;
  }
};

WizardOptions Options(std::optional<std::string> current = std::nullopt) {
  WizardOptions o;
  o.current_text = std::move(current);
  o.current_name = "/etc/maillogsentinel.conf";
  o.exists = [](const std::string& p) {
    return p == "/var/log/mail.log" || p == "/usr/sbin/sendmail";
  };
  o.run = [](const std::vector<std::string>& argv, std::string& out) {
    if (argv.back() == "every tuesday") {
      out = "Failed to parse calendar specification 'every tuesday': Invalid argument\n";
      return 1;
    }
    return 0;
  };
  return o;
}

TEST(SetupWizard, FreshAnswersMakeAValidConfigWithWhatWasAsked) {
  Script s;
  // mail_log, working_dir, state_dir, log_level, email, sender, transport, sendmail, window,
  // dns.enabled, dns.servers, dns_cache.enabled, size, country, asn, sql dir, user, 2 schedules
  s.answers = {"",  // source: file
               "",
               "/srv/mls/",
               "",
               "info",
               "not an address",
               "postmaster@example.org",
               "-",
               "",
               "",
               "7d",
               "",
               "",
               "",
               "",
               "-",
               "-",
               "-",
               "mlsuser",
               "*:0/5",
               "",
               "yes"};
  WizardResult r = RunSetupWizard(Options(), s.Io());
  ASSERT_FALSE(r.error) << *r.error;
  ASSERT_TRUE(r.config_text) << s.said;
  EXPECT_TRUE(r.changed);
  EXPECT_NE(s.said.find("not taken: bad address 'not an address'"), std::string::npos) << s.said;
  ConfigResult c = ParseConfig(*r.config_text, "t");
  ASSERT_FALSE(c.error) << *c.error;
  EXPECT_EQ(c.config.working_dir, "/srv/mls");      // the trailing '/' dropped
  EXPECT_EQ(c.config.state_dir, "/srv/mls/state");  // follows the working directory
  EXPECT_EQ(c.config.log_level, "INFO");
  EXPECT_EQ(c.config.report_email, "postmaster@example.org");
  EXPECT_EQ(c.config.report_window, "7d");
  EXPECT_EQ(c.config.setup_user, "mlsuser");
  EXPECT_EQ(c.config.setup_extract_schedule, "*:0/5");
  EXPECT_TRUE(c.config.smtp_host.empty());
  EXPECT_EQ(r.config_text->find("sender"), std::string::npos);  // '-': left out
  EXPECT_NE(r.config_text->find("[report]\nemail = postmaster@example.org\n"), std::string::npos);
  EXPECT_EQ(r.transcript.back(), "applied");
}

TEST(SetupWizard, EveryRefusedAnswerIsAskedAgainWithTheReason) {
  Script s;
  s.answers = {"",  // source: file
               "relative/mail.log",
               "/var/log/mial.log",
               "/var/log/mail.log",  // typo, then fixed
               "/srv/with space",
               "",
               "",
               "LOUD",
               "",
               "a@b.example",
               "",
               "pigeon",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "bad user!",
               "",
               "every tuesday",
               "",
               "",
               "yes"};
  WizardResult r = RunSetupWizard(Options(), s.Io());
  ASSERT_TRUE(r.config_text) << s.said;
  for (const char* why : {"not taken: give an absolute path", "/var/log/mial.log does not exist",
                          "not taken: a path without spaces", "not taken: one of DEBUG, INFO",
                          "not taken: one of sendmail, smtp",
                          "systemd-analyze calendar refuses 'every tuesday' (Failed to parse"})
    EXPECT_NE(s.said.find(why), std::string::npos) << why << "\n" << s.said;
  ConfigResult c = ParseConfig(*r.config_text, "t");
  ASSERT_FALSE(c.error) << *c.error;
  EXPECT_EQ(c.config.mail_log, "/var/log/mail.log");
  EXPECT_EQ(c.config.setup_user, "maillogsentinel");
}

TEST(SetupWizard, AMissingFileIsTakenWhenGivenTwice) {
  Script s;
  s.answers = {"",  // source: file
               "/var/log/maillog",
               "",
               "",
               "",
               "",
               "a@b.example",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "yes"};
  WizardResult r = RunSetupWizard(Options(), s.Io());
  ASSERT_TRUE(r.config_text) << s.said;
  EXPECT_EQ(ParseConfig(*r.config_text, "t").config.mail_log, "/var/log/maillog");
  EXPECT_NE(s.prompts[2].find("[/var/log/maillog]"), std::string::npos) << s.prompts[2];
}

TEST(SetupWizard, SmtpWithAuthAsksThePasswordWithoutEchoAndNeverShowsIt) {
  Script s;
  s.answers = {"",  // source: file
               "",
               "",
               "",
               "",
               "ops@example.org",
               "",
               "smtp",
               "mail.example.org",
               "",
               "",
               "mls",
               "pa#ss word",
               "-",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "",
               "yes"};
  WizardResult r = RunSetupWizard(Options(), s.Io());
  ASSERT_TRUE(r.config_text) << s.said;
  ConfigResult c = ParseConfig(*r.config_text, "t");
  ASSERT_FALSE(c.error) << *c.error;
  EXPECT_EQ(c.config.smtp_host, "mail.example.org");
  EXPECT_EQ(c.config.smtp_tls, "starttls");
  EXPECT_EQ(c.config.smtp_user, "mls");
  EXPECT_EQ(c.config.smtp_password, "pa#ss word");
  bool secret_asked = false;
  for (std::size_t i = 0; i < s.prompts.size(); ++i)
    if (s.prompts[i].starts_with("SMTP AUTH password")) secret_asked = s.secret[i];
  EXPECT_TRUE(secret_asked);
  EXPECT_EQ(s.said.find("pa#ss"), std::string::npos) << s.said;
  for (const std::string& line : r.transcript) EXPECT_EQ(line.find("pa#ss"), std::string::npos);
}

TEST(SetupWizard, EnterEverywhereKeepsTheCurrentConfigByteForByte) {
  const std::string current =
      "# mine, by hand\n[paths]\nmail_log = /var/log/mail.log\n[report]\nemail = a@b.example\n"
      "top = 25\nsmtp_host = 127.0.0.1\nsmtp_user = u\nsmtp_password = old\n"
      "[setup]\nuser = mls\n";
  Script s;
  for (int i = 0; i < 40; ++i) s.answers.push_back("");
  s.answers.push_back("yes");
  WizardOptions o = Options(current);
  o.exists = [](const std::string&) { return true; };
  // Enter answers the confirmation too ("no"): collect the prompts first.
  WizardResult r = RunSetupWizard(o, s.Io());
  EXPECT_FALSE(r.config_text);  // Enter at the confirmation is "no"
  EXPECT_NE(s.said.find("The configuration is unchanged."), std::string::npos) << s.said;
  EXPECT_NE(s.prompts[1].find("[/var/log/mail.log]"), std::string::npos);
  bool keeps = false;
  for (const std::string& p : s.prompts)
    if (p.starts_with("SMTP AUTH password [Enter keeps the current one]")) keeps = true;
  EXPECT_TRUE(keeps);

  // And with "yes": the current text itself, with its comment and its top = 25.
  Script t;
  std::size_t questions = s.prompts.size() - 1;
  for (std::size_t i = 0; i < questions; ++i) t.answers.push_back("");
  t.answers.push_back("y");
  r = RunSetupWizard(o, t.Io());
  ASSERT_TRUE(r.config_text) << t.said;
  EXPECT_EQ(*r.config_text, current);
  EXPECT_FALSE(r.changed);
}

TEST(SetupWizard, ChangesAreListedAndAChoiceNotTakenDropsItsKeys) {
  const std::string current =
      "[report]\nemail = a@b.example\ntop = 25\nsmtp_host = 127.0.0.1\nsmtp_user = u\n"
      "smtp_password = old\n";
  Script s;
  // ... email: new; transport: sendmail
  s.answers = {"",  // source: file
               "", "", "", "", "c@d.example", "", "sendmail"};
  for (int i = 0; i < 30; ++i) s.answers.push_back("");
  WizardOptions o = Options(current);
  WizardResult r = RunSetupWizard(o, s.Io());
  EXPECT_FALSE(r.config_text);  // the last Enter said no
  EXPECT_NE(s.said.find("  ~ [report] email = c@d.example (was a@b.example)"), std::string::npos)
      << s.said;
  EXPECT_NE(s.said.find("  - [report] smtp_host (was 127.0.0.1)"), std::string::npos);
  EXPECT_NE(s.said.find("  - [report] smtp_password (was ********)"), std::string::npos);
  EXPECT_EQ(s.said.find("old"), std::string::npos);
  EXPECT_EQ(s.said.find("top ="), std::string::npos);  // kept, unchanged: not listed
  EXPECT_NE(s.said.find("nothing was changed"), std::string::npos);
}

TEST(SetupWizard, TheJournalAsSourceSkipsTheMailLog) {
  Script s;
  s.answers = {"journal", "", "", "", "a@b.example"};
  for (int i = 0; i < 30; ++i) s.answers.push_back("");
  WizardOptions o = Options();
  WizardResult r = RunSetupWizard(o, s.Io());
  EXPECT_FALSE(r.config_text);  // Enter at the end: no
  for (const std::string& p : s.prompts) EXPECT_FALSE(p.starts_with("Postfix's mail log")) << p;
  EXPECT_NE(s.said.find("+ [paths] source = journal"), std::string::npos) << s.said;
  EXPECT_EQ(s.said.find("mail_log"), std::string::npos) << s.said;
}

TEST(SetupWizard, EndOfInputMidwayGivesNothing) {
  Script s;
  s.answers = {"",  // source: file
               "", "", std::nullopt};
  WizardResult r = RunSetupWizard(Options(), s.Io());
  EXPECT_FALSE(r.config_text);
  EXPECT_FALSE(r.error);
  EXPECT_NE(s.said.find("stopped; nothing was changed"), std::string::npos);
}

TEST(SetupWizard, AnInvalidCurrentConfigIsNamedNotOverwritten) {
  Script s;
  WizardResult r = RunSetupWizard(Options("[report]\nemial = x\n"), s.Io());
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->find("/etc/maillogsentinel.conf:2: unknown key 'emial'"), std::string::npos)
      << *r.error;
  EXPECT_TRUE(s.prompts.empty());
}

TEST(WizardTerminal, ReadsLinesFromAPipeAndEndsAtEof) {
  int in[2], out[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::pipe(out), 0);
  ASSERT_EQ(::write(in[1], "first\nlast", 10), 10);
  ::close(in[1]);
  {
    WizardTerminal t(in[0], out[1]);
    WizardIo io = t.Io();
    EXPECT_EQ(io.ask("Q1: ", false), std::optional<std::string>("first"));
    EXPECT_EQ(io.ask("Q2: ", true), std::optional<std::string>("last"));  // no tty: just read
    EXPECT_EQ(io.ask("Q3: ", false), std::nullopt);
    EXPECT_FALSE(t.Interrupted());
  }
  ::close(out[1]);
  char buf[64];
  ssize_t n = ::read(out[0], buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "Q1: Q2: Q3: ");
  ::close(in[0]);
  ::close(out[0]);
}

}  // namespace
}  // namespace mls
