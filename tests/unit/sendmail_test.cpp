#include "sendmail.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace mls {
namespace {

// A scratch directory with small shell scripts standing in for sendmail.
class Sendmail : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sendmail_test.XXXXXX";
    ASSERT_NE(nullptr, ::mkdtemp(tmpl));
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(0, std::system(cmd.c_str()));
  }
  std::string Script(const std::string& name, const std::string& body, mode_t mode = 0755) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), mode);
    return path;
  }
  std::string Read(const std::string& name) {
    std::ifstream in(dir_ + "/" + name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static MessageWriter Text(std::string text) {
    return [text](Sink& sink) -> std::optional<std::string> {
      sink.Write(text);
      return std::nullopt;
    };
  }
  std::string dir_;
};

TEST_F(Sendmail, ExitZeroGetsTheWholeMessageAndTheFlags) {
  std::string p = Script("ok",
                         "printf '%s\\n' \"$@\" > \"$(dirname \"$0\")/args\"; "
                         "cat > \"$(dirname \"$0\")/stdin\"");
  std::string message;
  for (int i = 0; i < 20000; ++i) message += "line " + std::to_string(i) + "\n";  // > pipe buffer
  SendmailResult r = RunSendmail(p, Text(message));
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(WIFEXITED(r.wait_status) && WEXITSTATUS(r.wait_status) == 0);
  EXPECT_EQ("-t\n-oi\n", Read("args"));
  EXPECT_TRUE(message == Read("stdin"));
}

TEST_F(Sendmail, TemporaryFailureIsNamed) {
  std::string p = Script("tempfail", "cat >/dev/null; exit 75");
  SendmailResult r = RunSendmail(p, Text("Subject: x\n\nbody\n"));
  EXPECT_EQ(p + " -t -oi failed: exit status 75 (temporary failure)", r.error.value_or(""));
}

TEST_F(Sendmail, OtherExitCodes) {
  std::string p = Script("nouser", "cat >/dev/null; exit 67");
  EXPECT_EQ(p + " -t -oi failed: exit status 67 (addressee unknown)",
            RunSendmail(p, Text("x\n")).error.value_or(""));
  p = Script("one", "cat >/dev/null; exit 1");
  EXPECT_EQ(p + " -t -oi failed: exit status 1", RunSendmail(p, Text("x\n")).error.value_or(""));
}

TEST_F(Sendmail, KilledBySignal) {
  std::string p = Script("killed", "cat >/dev/null; kill -KILL $$");
  SendmailResult r = RunSendmail(p, Text("x\n"));
  EXPECT_EQ(p + " -t -oi failed: killed by signal 9 (Killed)", r.error.value_or(""));
}

TEST_F(Sendmail, NotExecutableOrMissing) {
  std::string p = Script("noexec", "exit 0", 0644);
  EXPECT_EQ("cannot run " + p + ": Permission denied",
            RunSendmail(p, Text("x\n")).error.value_or(""));
  std::string missing = dir_ + "/nonexistent";
  SendmailResult r = RunSendmail(missing, Text("x\n"));
  EXPECT_EQ("cannot run " + missing + ": No such file or directory", r.error.value_or(""));
  EXPECT_FALSE(r.started);
  EXPECT_EQ("no sendmail program configured", RunSendmail("", Text("x\n")).error.value_or(""));
}

TEST_F(Sendmail, ProgramThatDoesNotReadEverythingIsAnError) {
  std::string p = Script("lazy", "exit 0");
  SendmailResult r = RunSendmail(p, Text("Subject: x\n\nbody\n"), {dir_});
  EXPECT_EQ(p + " -t -oi exited without reading the whole message (0 of 17 bytes)",
            r.error.value_or(""));
  p = Script("partial", "head -c 10 >/dev/null; exit 0");
  r = RunSendmail(p, Text(std::string(1 << 20, 'x')), {dir_});
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(0u, r.error->find(p + " -t -oi exited without reading the whole message ("))
      << *r.error;
  EXPECT_NE(std::string::npos, r.error->find(" of 1048576 bytes)")) << *r.error;
  // A failing exit is the better reason.
  p = Script("lazyfail", "exit 75");
  r = RunSendmail(p, Text(std::string(1 << 20, 'x')), {dir_});
  EXPECT_EQ(p + " -t -oi failed: exit status 75 (temporary failure)", r.error.value_or(""));
}

TEST_F(Sendmail, IncompleteMessageNeverStartsTheProgram) {
  std::string p = Script("submit", "touch \"$(dirname \"$0\")/ran\"; cat >/dev/null");
  SendmailResult r = RunSendmail(p,
                                 [](Sink& sink) -> std::optional<std::string> {
                                   sink.Write("From: a@b\n");
                                   return "read attachment: Input/output error";
                                 },
                                 {dir_});
  EXPECT_EQ("message not handed to " + p + ": read attachment: Input/output error",
            r.error.value_or(""));
  EXPECT_FALSE(r.started);
  EXPECT_NE(0, ::access((dir_ + "/ran").c_str(), F_OK));
  r = RunSendmail(p, Text("x\n"), {dir_ + "/missing"});
  EXPECT_EQ("message not handed to " + p + ": temporary file in " + dir_ +
                "/missing: No such file or directory",
            r.error.value_or(""));
  EXPECT_NE(0, ::access((dir_ + "/ran").c_str(), F_OK));
}

TEST_F(Sendmail, KillingUsWhileItRunsLeavesItAWholeMessage) {
  // The program outlives its parent: it still reads the complete file.
  std::string p = Script("slow",
                         "d=$(dirname \"$0\"); touch \"$d/started\"; sleep 0.2; "
                         "cat > \"$d/stdin.tmp\"; mv \"$d/stdin.tmp\" \"$d/stdin\"");
  std::string message(300000, 'm');
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(5);
    RunSendmail(p, Text(message), {dir_});
    ::_exit(0);
  }
  for (int i = 0; i < 200 && ::access((dir_ + "/started").c_str(), F_OK) != 0; ++i) {
    ::usleep(25000);
  }
  ::kill(child, SIGKILL);  // while the program sleeps before reading
  ::waitpid(child, nullptr, 0);
  std::string got;
  for (int i = 0; i < 200 && got.empty(); ++i) {
    ::usleep(50000);
    got = Read("stdin");
  }
  EXPECT_EQ(message.size(), got.size());
}

TEST_F(Sendmail, ChildGetsDefaultSignalsEvenIfTheCallerIgnoresThem) {
  std::string p = Script("sig", "cat >/dev/null; kill -TERM $$; exit 3");
  auto old = std::signal(SIGTERM, SIG_IGN);
  SendmailResult r = RunSendmail(p, Text("x\n"));
  std::signal(SIGTERM, old);
  EXPECT_EQ(p + " -t -oi failed: killed by signal 15 (Terminated)", r.error.value_or(""));
}

TEST_F(Sendmail, ProgramNameWithoutSlashIsSearchedInPath) {
  Script("fake-sendmail-mls", "cat > \"$(dirname \"$0\")/stdin\"");
  std::string old = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", (dir_ + ":" + old).c_str(), 1);
  SendmailResult r = RunSendmail("fake-sendmail-mls", Text("hello\n"));
  ::setenv("PATH", old.c_str(), 1);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_EQ("hello\n", Read("stdin"));
}

TEST_F(Sendmail, WholeMimeMessageThroughAFakeSendmail) {
  std::string p = Script("ok", "cat > \"$(dirname \"$0\")/stdin\"");
  MailMessage m;
  m.from = "maillogsentinel@localhost";
  m.to = {"root@localhost"};
  m.subject = "report";
  m.text = "Total: 1\n";
  m.html = "<p>Total: 1</p>\n";
  StringSink expected;
  m.message_id = "<fixed@localhost>";
  SendmailResult r = RunSendmail(p, [&](Sink& sink) { return WriteMimeMessage(m, sink).error; });
  EXPECT_EQ(std::nullopt, r.error);
  std::string got = Read("stdin");
  EXPECT_EQ(0u, got.find("From: maillogsentinel@localhost\nTo: root@localhost\nSubject: report\n"));
  EXPECT_NE(std::string::npos, got.find("Message-ID: <fixed@localhost>\n"));
  EXPECT_NE(std::string::npos, got.find("\nTotal: 1\n"));
}

TEST_F(Sendmail, EnvelopeSenderIsPassedWithDashF) {
  std::string p = Script("ok",
                         "printf '%s\\n' \"$@\" > \"$(dirname \"$0\")/args\"; cat >/dev/null");
  SendmailOptions o;
  o.envelope_sender = "reports@mx1.example.org";
  EXPECT_EQ(std::nullopt, RunSendmail(p, Text("x\n"), o).error);
  EXPECT_EQ("-t\n-oi\n-f\nreports@mx1.example.org\n", Read("args"));
  o.envelope_sender.clear();
  EXPECT_EQ(std::nullopt, RunSendmail(p, Text("x\n"), o).error);
  EXPECT_EQ("-t\n-oi\n", Read("args"));
}

TEST_F(Sendmail, HangingProgramIsStoppedAfterTheTimeout) {
  // It and its child (sleep) are stopped: the group gets SIGTERM.
  std::string p = Script("hang", "cat >/dev/null; sleep 30; exit 0");
  SendmailOptions o;
  o.timeout_ms = 300;
  o.scratch_dirs = {dir_};
  auto t0 = std::chrono::steady_clock::now();
  SendmailResult r = RunSendmail(p, Text("x\n"), o);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(p + " did not finish within 300 ms (stopped with SIGTERM)", r.error.value_or(""));
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(WIFSIGNALED(r.wait_status) && WTERMSIG(r.wait_status) == SIGTERM);
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_GE(took, std::chrono::milliseconds(300));
}

TEST_F(Sendmail, ProgramIgnoringSigtermIsKilled) {
  std::string p = Script("stubborn", "trap '' TERM; cat >/dev/null; while :; do sleep 0.05; done");
  SendmailOptions o;
  o.timeout_ms = 200;
  o.kill_grace_ms = 300;
  std::vector<std::string> lines;
  o.on_stderr_line = [&](std::string_view l) { lines.emplace_back(l); };  // pipe: must not block
  auto t0 = std::chrono::steady_clock::now();
  SendmailResult r = RunSendmail(p, Text("x\n"), o);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(p + " did not finish within 200 ms (killed with SIGKILL: SIGTERM did not stop it "
                "within 300 ms)",
            r.error.value_or(""));
  EXPECT_TRUE(WIFSIGNALED(r.wait_status) && WTERMSIG(r.wait_status) == SIGKILL);
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_GE(took, std::chrono::milliseconds(500));
}

TEST_F(Sendmail, NoTimeoutWithZero) {
  std::string p = Script("slowok", "cat >/dev/null; sleep 0.3");
  SendmailOptions o;
  o.timeout_ms = 0;
  EXPECT_EQ(std::nullopt, RunSendmail(p, Text("x\n"), o).error);
  o.timeout_ms = 5000;
  EXPECT_EQ(std::nullopt, RunSendmail(p, Text("x\n"), o).error);
}

TEST_F(Sendmail, StderrLinesGoToTheCallback) {
  std::string p = Script("chatty",
                         "cat >/dev/null; echo 'postdrop: warning: one' >&2; "
                         "printf 'two\\nthree' >&2; exit 75");
  SendmailOptions o;
  std::vector<std::string> lines;
  o.on_stderr_line = [&](std::string_view l) { lines.emplace_back(l); };
  SendmailResult r = RunSendmail(p, Text("x\n"), o);
  EXPECT_EQ(p + " -t -oi failed: exit status 75 (temporary failure)", r.error.value_or(""));
  EXPECT_EQ((std::vector<std::string>{"postdrop: warning: one", "two", "three"}), lines);
}

TEST_F(Sendmail, StderrHeldOpenByAGrandchildDoesNotBlock) {
  std::string p = Script("daemonizes", "cat >/dev/null; echo hi >&2; (sleep 3 &) ; exit 0");
  SendmailOptions o;
  std::vector<std::string> lines;
  o.on_stderr_line = [&](std::string_view l) { lines.emplace_back(l); };
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(std::nullopt, RunSendmail(p, Text("x\n"), o).error);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(std::vector<std::string>{"hi"}, lines);
}

TEST(SendmailStatus, Durations) {
  EXPECT_EQ("300 s", DescribeDuration(300000));
  EXPECT_EQ("1.5 s", DescribeDuration(1500));
  EXPECT_EQ("200 ms", DescribeDuration(200));
}

TEST(SendmailStatus, Descriptions) {
  EXPECT_EQ("temporary failure", SysexitsMeaning(75));
  EXPECT_EQ("addressee unknown", SysexitsMeaning(67));
  EXPECT_EQ("command line usage error", SysexitsMeaning(64));
  EXPECT_EQ("configuration error", SysexitsMeaning(78));
  EXPECT_EQ("", SysexitsMeaning(1));
  EXPECT_EQ("", SysexitsMeaning(79));
  EXPECT_EQ("exit status 69 (service unavailable)", DescribeSendmailStatus(69 << 8));
  EXPECT_EQ("exit status 2", DescribeSendmailStatus(2 << 8));
  EXPECT_EQ("killed by signal 6 (Aborted)", DescribeSendmailStatus(6));
}

}  // namespace
}  // namespace mls
