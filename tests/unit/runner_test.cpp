#include "runner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>

namespace mls {
namespace {

Stage Sh(std::string name, std::string script, int progress_fd = -1) {
  Stage s{std::move(name), {"-c", std::move(script)}, "/bin/sh", progress_fd};
  return s;
}

struct Captured {
  std::vector<std::pair<std::size_t, std::string>> lines;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> progress;
  RunCallbacks callbacks() {
    return RunCallbacks{
        [this](std::size_t i, std::string_view l) { lines.emplace_back(i, std::string(l)); },
        [this](std::uint64_t d, std::uint64_t t) { progress.emplace_back(d, t); }};
  }
};

TEST(Runner, DataFlowsDownAndStderrComesBackPerStage) {
  std::vector<Stage> p = {Sh("head", "printf 'a\\nb\\nc\\n'; echo 'head: done' >&2"),
                          Sh("mid", "grep -v b"),
                          Sh("last", "wc -l | tr -d ' ' >&2; printf 'no newline' >&2")};
  Captured c;
  RunResult r = RunPipeline(p, c.callbacks());
  EXPECT_TRUE(r.AllSucceeded());
  EXPECT_EQ(std::nullopt, r.error);
  ASSERT_EQ(3u, r.stages.size());
  for (const StageOutcome& o : r.stages) EXPECT_EQ(0, o.wait_status);
  std::vector<std::pair<std::size_t, std::string>> want = {
      {0, "head: done"}, {2, "2"}, {2, "no newline"}};
  std::sort(c.lines.begin(), c.lines.end());
  EXPECT_EQ(want, c.lines);
  EXPECT_TRUE(FailureMessages(p, r).empty());
}

TEST(Runner, HeadGetsDevNullAndLastWritesToDevNull) {
  std::vector<Stage> p = {Sh("head", "wc -c >&2; echo out"), Sh("last", "cat")};
  Captured c;
  RunResult r = RunPipeline(p, c.callbacks());
  EXPECT_TRUE(r.AllSucceeded());
  ASSERT_EQ(1u, c.lines.size());
  EXPECT_EQ("0", c.lines[0].second);
}

TEST(Runner, ProgressLinesArriveOnTheirOwnFd) {
  std::vector<Stage> p = {
      Sh("head", "echo 'progress 5 10' >&3; echo 'garbage' >&3; echo 'progress 10 10' >&3", 3),
      Sh("last", "cat")};
  Captured c;
  RunResult r = RunPipeline(p, c.callbacks());
  EXPECT_TRUE(r.AllSucceeded());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> want = {{5, 10}, {10, 10}};
  EXPECT_EQ(want, c.progress);
  EXPECT_TRUE(c.lines.empty());
}

TEST(Runner, AMapFdConnectsAStageToTheNextAtTheSameNumber) {
  // The head writes its map to fd 4 (beside its progress on fd 3 and its
  // output); the next stage reads it from fd 4; the last one has no fd 4.
  Stage head = Sh("head", "echo 'progress 1 1' >&3; echo map-record >&4; echo data", 3);
  head.map_fd = 4;
  std::vector<Stage> p = {
      head, Sh("mid", "read d; read m <&4; echo \"$d/$m\" >&2; cat"),
      Sh("last", "test -e /proc/self/fd/4 && echo 'fd 4 leaked' >&2; cat >/dev/null")};
  Captured c;
  RunResult r = RunPipeline(p, c.callbacks());
  EXPECT_TRUE(r.AllSucceeded());
  std::vector<std::pair<std::size_t, std::string>> want = {{1, "data/map-record"}};
  EXPECT_EQ(want, c.lines);
  EXPECT_EQ((std::vector<std::pair<std::uint64_t, std::uint64_t>>{{1, 1}}), c.progress);
}

TEST(Runner, FailedStageStopsTheHeadAndIsNamed) {
  std::vector<Stage> p = {Sh("head", "exec sleep 30"), Sh("mid", "echo 'mid: broken' >&2; exit 3"),
                          Sh("last", "cat")};
  Captured c;
  auto start = std::chrono::steady_clock::now();
  RunResult r = RunPipeline(p, c.callbacks());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(r.AllSucceeded());
  EXPECT_TRUE(r.stages[0].stopped);
  EXPECT_TRUE(WIFSIGNALED(r.stages[0].wait_status));
  EXPECT_EQ(SIGTERM, WTERMSIG(r.stages[0].wait_status));
  EXPECT_EQ(0, r.stages[2].wait_status);
  EXPECT_EQ(std::vector<std::string>{"stage mid failed (exit status 3)"}, FailureMessages(p, r));
}

TEST(Runner, StagesIgnoringSigtermAreKilledAfterTheGrace) {
  std::vector<Stage> p = {Sh("head", "trap '' TERM; echo ready; while :; do sleep 0.05; done"),
                          Sh("last", "read ready; exit 1")};
  RunnerOptions o;
  o.failure_grace_ms = 200;
  Captured c;
  auto start = std::chrono::steady_clock::now();
  RunResult r = RunPipeline(p, c.callbacks(), o);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(WIFSIGNALED(r.stages[0].wait_status));
  EXPECT_EQ(SIGKILL, WTERMSIG(r.stages[0].wait_status));
  EXPECT_EQ(std::vector<std::string>{"stage last failed (exit status 1)"}, FailureMessages(p, r));
}

TEST(Runner, SigpipeAndOurOwnSignalsAreConsequences) {
  std::vector<Stage> p = {Sh("a", ""), Sh("b", ""), Sh("c", "")};
  RunResult r;
  r.stages.resize(3);
  r.stages[0].wait_status = SIGPIPE;  // killed by SIGPIPE
  r.stages[1].wait_status = SIGKILL;  // killed by someone else
  r.stages[2].wait_status = SIGTERM;
  r.stages[2].stopped = true;
  EXPECT_EQ(std::vector<std::string>{"stage b failed (killed by signal 9)"}, FailureMessages(p, r));
  r.stages[1].wait_status = 0;
  EXPECT_EQ((std::vector<std::string>{"stage a failed (killed by signal 13)",
                                      "stage c failed (killed by signal 15)"}),
            FailureMessages(p, r));
}

TEST(Runner, UnexecutableProgramExits127WithAMessage) {
  std::vector<Stage> p = {Stage{"ghost", {}, "/nonexistent/ghost", -1}, Sh("last", "cat")};
  Captured c;
  RunResult r = RunPipeline(p, c.callbacks());
  EXPECT_TRUE(WIFEXITED(r.stages[0].wait_status));
  EXPECT_EQ(127, WEXITSTATUS(r.stages[0].wait_status));
  ASSERT_EQ(1u, c.lines.size());
  EXPECT_NE(std::string::npos,
            c.lines[0].second.find("cannot execute /nonexistent/ghost: No such file or directory"));
}

TEST(Runner, DriverSigtermStopsOnlyTheHead) {
  // The middle stage signals the driver (this process), then keeps consuming:
  // the head must be stopped, the rest must finish on end-of-file.
  std::vector<Stage> p = {Sh("head", "echo line; exec sleep 30"),
                          Sh("mid", "read x; kill -TERM $PPID; cat; echo 'mid: eof' >&2")};
  Captured c;
  RunResult r = RunPipeline(p, c.callbacks());
  EXPECT_EQ(SIGTERM, r.interrupted_by);
  EXPECT_FALSE(r.AllSucceeded());
  EXPECT_TRUE(r.stages[0].stopped);
  EXPECT_FALSE(r.stages[1].stopped);
  EXPECT_EQ(0, r.stages[1].wait_status);
  ASSERT_EQ(1u, c.lines.size());
  EXPECT_EQ("mid: eof", c.lines[0].second);
  // The handler is gone afterwards.
  struct sigaction sa;
  ::sigaction(SIGTERM, nullptr, &sa);
  EXPECT_EQ(SIG_DFL, sa.sa_handler);
}

TEST(Runner, InheritableFdsReachTheStagesOthersDoNot) {
  int keep = ::open("/dev/null", O_RDONLY);
  int hide = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::string script = "test -e /proc/self/fd/" + std::to_string(keep) +
                       " || exit 1; test -e /proc/self/fd/" + std::to_string(hide) +
                       " && exit 2; exit 0";
  std::vector<Stage> p = {Sh("only", script)};
  RunResult r = RunPipeline(p, {});
  EXPECT_EQ(0, r.stages[0].wait_status);
  ::close(keep);
  ::close(hide);
}

TEST(Runner, StagesShareOneNewProcessGroup) {
  std::vector<Stage> p = {Sh("a", "ps -o pgid= -p $$ >&2"), Sh("b", "ps -o pgid= -p $$ >&2")};
  Captured c;
  RunResult r = RunPipeline(p, c.callbacks());
  ASSERT_TRUE(r.AllSucceeded());
  ASSERT_EQ(2u, c.lines.size());
  EXPECT_EQ(c.lines[0].second, c.lines[1].second);
  EXPECT_NE(std::to_string(::getpgrp()),
            c.lines[0].second.substr(c.lines[0].second.find_first_not_of(' ')));
}

TEST(Runner, ParsesProgressLines) {
  using P = std::pair<std::uint64_t, std::uint64_t>;
  EXPECT_EQ(P(1, 2), ParseProgressLine("progress 1 2"));
  EXPECT_EQ(std::nullopt, ParseProgressLine("progress 1"));
  EXPECT_EQ(std::nullopt, ParseProgressLine("progress 1 2x"));
  EXPECT_EQ(std::nullopt, ParseProgressLine("progress -1 2"));
  EXPECT_EQ(std::nullopt, ParseProgressLine("Progress 1 2"));
}

TEST(Runner, DescribesWaitStatuses) {
  EXPECT_EQ("exit status 0", DescribeWaitStatus(0));
  EXPECT_EQ("exit status 1", DescribeWaitStatus(1 << 8));
  EXPECT_EQ("killed by signal 9", DescribeWaitStatus(SIGKILL));
}

}  // namespace
}  // namespace mls
