#include "subprocess.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace mls {
namespace {

int WaitExit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The child starts with no blocked and no ignored signal, whatever we block or
// ignore (the driver blocks signals around fork; mls-report ignores SIGPIPE).
TEST(Spawn, ChildGetsDefaultSignalsAndAnEmptyMask) {
  std::string out = ::testing::TempDir() + "/mls-spawn-signals";
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGTERM);
  ASSERT_EQ(0, ::sigprocmask(SIG_BLOCK, &block, &old));
  auto old_pipe = std::signal(SIGPIPE, SIG_IGN);
  auto old_int = std::signal(SIGINT, SIG_IGN);
  SpawnResult r =
      Spawn({"/bin/sh", "-c", "grep -E '^(SigBlk|SigIgn)' /proc/self/status > '" + out + "'"},
            nullptr, false);
  std::signal(SIGPIPE, old_pipe);
  std::signal(SIGINT, old_int);
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  ASSERT_EQ(0, r.error);
  ASSERT_GT(r.pid, 0);
  EXPECT_EQ(0, WaitExit(r.pid));
  // Signals 1..31 (bits 0..30); glibc reserves 32 and 33 for itself.
  std::istringstream in(Slurp(out));
  std::string blk_name, blk, ign_name, ign;
  in >> blk_name >> blk >> ign_name >> ign;
  ASSERT_EQ("SigBlk:", blk_name);
  ASSERT_EQ("SigIgn:", ign_name);
  EXPECT_EQ(0u, std::stoull(blk, nullptr, 16) & 0x7fffffffu) << blk;
  EXPECT_EQ(0u, std::stoull(ign, nullptr, 16) & 0x7fffffffu) << ign;
  std::remove(out.c_str());
}

TEST(Spawn, OwnProcessGroupAndPathSearch) {
  std::string out = ::testing::TempDir() + "/mls-spawn-pgrp";
  // "sh" has no '/': found in PATH. Field 5 of /proc/self/stat is the process group.
  SpawnResult r =
      Spawn({"sh", "-c", "echo $$ $(cut -d' ' -f5 /proc/$$/stat) > '" + out + "'"}, nullptr, true);
  ASSERT_EQ(0, r.error);
  EXPECT_EQ(0, WaitExit(r.pid));
  std::istringstream in(Slurp(out));
  long pid = 0, pgrp = 0;
  in >> pid >> pgrp;
  EXPECT_EQ(r.pid, pid);
  EXPECT_EQ(pid, pgrp);
  EXPECT_NE(::getpgrp(), pgrp);
  std::remove(out.c_str());
}

TEST(Spawn, MissingProgramIsAnErrnoValue) {
  SpawnResult r = Spawn({"/nonexistent/mls-no-such-program"}, nullptr, false);
  EXPECT_EQ(ENOENT, r.error);
  EXPECT_EQ(-1, r.pid);
  EXPECT_EQ(EINVAL, Spawn({}, nullptr, false).error);
}

TEST(Subprocess, RunCaptured) {
  std::string out;
  EXPECT_EQ(0, RunCaptured({"sh", "-c", "echo out; echo err >&2"}, out));
  EXPECT_EQ("out\nerr", out);
  EXPECT_EQ(3, RunCaptured({"sh", "-c", "exit 3"}, out));
  EXPECT_EQ(-1, RunCaptured({"/nonexistent/program"}, out));
  EXPECT_NE(std::string::npos, out.find("/nonexistent/program")) << out;
}

}  // namespace
}  // namespace mls
