// ChangeWaiter against a real directory: inotify, the name filter, the
// fallback to sleeping, the stop flag and its signals.
#include "change_wait.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "clock.h"
#include "test_files.h"

namespace mls {
namespace {

constexpr int kLong = 60000;  // a timeout no test should reach

bool IsLog(std::string_view name) { return name.starts_with("mail.log"); }

class ChangeWaitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    log_ = dir_.path() + "/mail.log";
    WriteAll(log_, "one\n");
  }
  // Waits with `timeout_ms`; `elapsed_ms` says how long it took.
  WaitResult TimedWait(ChangeWaiter& w, int timeout_ms, std::uint64_t& elapsed_ms,
                       const volatile std::sig_atomic_t* stop = nullptr,
                       const sigset_t* signals = nullptr) {
    std::uint64_t start = MonotonicMs();
    WaitResult r = w.Wait(timeout_ms, stop, signals);
    elapsed_ms = MonotonicMs() - start;
    return r;
  }
  // Wait(50) returns kTimeout, after the whole 50 ms.
  void ExpectSleeps(ChangeWaiter& w) {
    std::uint64_t ms = 0;
    EXPECT_EQ(WaitResult::kTimeout, TimedWait(w, 50, ms));
    EXPECT_GE(ms, 45u);
  }
  ScratchDir dir_{"mls-change-wait"};
  std::string log_;
};

TEST_F(ChangeWaitTest, WithoutAWatchSleepsTheTimeout) {
  ChangeWaiter w;
  EXPECT_FALSE(w.watching());
  ExpectSleeps(w);
}

TEST_F(ChangeWaitTest, AMissingDirectoryIsAnErrorAndFallsBack) {
  ChangeWaiter w(IsLog, MonotonicMs);
  auto err = w.Watch({dir_.path(), dir_.path() + "/absent"});
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(std::string::npos, err->find("/absent: inotify_add_watch")) << *err;
  EXPECT_FALSE(w.watching());
  WriteAll(log_, "two\n");  // not seen: sleeping the whole timeout
  ExpectSleeps(w);
}

TEST_F(ChangeWaitTest, QuietDirectoryTimesOut) {
  ChangeWaiter w(IsLog, MonotonicMs);
  ASSERT_EQ(std::nullopt, w.Watch({dir_.path()}));
  EXPECT_TRUE(w.watching());
  ExpectSleeps(w);
}

TEST_F(ChangeWaitTest, AChangeBeforeTheWaitCountsOnce) {
  ChangeWaiter w(IsLog, MonotonicMs);
  ASSERT_EQ(std::nullopt, w.Watch({dir_.path()}));
  WriteAll(log_, "two\n");
  std::uint64_t ms = 0;
  EXPECT_EQ(WaitResult::kChanged, TimedWait(w, kLong, ms));
  EXPECT_EQ(WaitResult::kTimeout, TimedWait(w, 20, ms));  // drained
}

TEST_F(ChangeWaitTest, EveryKindOfChangeWakes) {
  ChangeWaiter w(IsLog, MonotonicMs);
  ASSERT_EQ(std::nullopt, w.Watch({dir_.path()}));
  const std::string rotated = log_ + ".1";
  const std::vector<std::pair<const char*, std::function<void()>>> changes = {
      {"append", [&] { std::ofstream(log_, std::ios::app) << "more\n"; }},
      {"rename out", [&] { ASSERT_EQ(0, std::rename(log_.c_str(), rotated.c_str())); }},
      {"create", [&] { WriteAll(log_, ""); }},
      {"chmod", [&] { ASSERT_EQ(0, ::chmod(rotated.c_str(), 0600)); }},
      {"delete", [&] { ASSERT_EQ(0, ::unlink(rotated.c_str())); }},
      {"truncate", [&] { ASSERT_EQ(0, ::truncate(log_.c_str(), 0)); }},
  };
  for (const auto& [what, change] : changes) {
    std::thread t([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      change();
    });
    std::uint64_t ms = 0;
    EXPECT_EQ(WaitResult::kChanged, TimedWait(w, kLong, ms)) << what;
    EXPECT_LT(ms, 5000u) << what;
    t.join();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    (void)w.Wait(0);  // the rest of this change's events
  }
}

TEST_F(ChangeWaitTest, MovedInFromAnotherWatchedDirectory) {
  ScratchDir other("mls-change-wait-old");
  WriteAll(other.path() + "/mail.log.2.gz", "x");
  ChangeWaiter w(IsLog, MonotonicMs);
  ASSERT_EQ(std::nullopt, w.Watch({dir_.path(), other.path()}));
  ASSERT_EQ(0, std::rename(log_.c_str(), (other.path() + "/mail.log.1").c_str()));
  EXPECT_EQ(WaitResult::kChanged, w.Wait(kLong));
}

TEST_F(ChangeWaitTest, OtherNamesDoNotWakeNorStretchTheTimeout) {
  ChangeWaiter w(IsLog, MonotonicMs);
  ASSERT_EQ(std::nullopt, w.Watch({dir_.path()}));
  const std::string other = dir_.path() + "/state";
  std::thread t([&] {
    for (int i = 0; i < 30; ++i) {
      WriteAll(other, std::to_string(i));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  std::uint64_t ms = 0;
  EXPECT_EQ(WaitResult::kTimeout, TimedWait(w, 150, ms));
  EXPECT_GE(ms, 145u);
  EXPECT_LT(ms, 1000u);
  t.join();
}

TEST_F(ChangeWaitTest, WithoutAFilterEveryNameCounts) {
  ChangeWaiter w;
  ASSERT_EQ(std::nullopt, w.Watch({dir_.path()}));
  WriteAll(dir_.path() + "/state", "x");
  EXPECT_EQ(WaitResult::kChanged, w.Wait(kLong));
}

volatile std::sig_atomic_t g_stop = 0;
void OnStop(int) { g_stop = 1; }

TEST_F(ChangeWaitTest, TheStopFlagEndsTheWaitAtOnce) {
  struct sigaction sa = {}, old = {};
  sa.sa_handler = OnStop;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGUSR1);
  for (bool watching : {true, false}) {
    g_stop = 0;
    ChangeWaiter w(IsLog, MonotonicMs);
    if (watching) {
      ASSERT_EQ(std::nullopt, w.Watch({dir_.path()}));
    }
    pthread_t self = pthread_self();
    std::thread t([self] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      pthread_kill(self, SIGUSR1);
    });
    std::uint64_t ms = 0;
    EXPECT_EQ(WaitResult::kStopped, TimedWait(w, kLong, ms, &g_stop, &signals)) << watching;
    EXPECT_LT(ms, 5000u);
    t.join();
    // Already set: no wait at all; the signals' mask is as it was.
    EXPECT_EQ(WaitResult::kStopped, TimedWait(w, kLong, ms, &g_stop, &signals));
    sigset_t now;
    ASSERT_EQ(0, sigprocmask(SIG_BLOCK, nullptr, &now));
    EXPECT_FALSE(sigismember(&now, SIGUSR1));
  }
  g_stop = 0;
  sigaction(SIGUSR1, &old, nullptr);
}

}  // namespace
}  // namespace mls
