#include "lock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <csignal>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

namespace mls {
namespace {

class LockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mls-lock-test.XXXXXX";
    ASSERT_NE(nullptr, ::mkdtemp(tmpl));
    dir_ = tmpl;
    path_ = dir_ + "/lock";
  }
  void TearDown() override {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  std::string dir_, path_;
};

TEST_F(LockTest, CreatesTheFileAndLocksIt) {
  FileLock lock;
  ASSERT_EQ(FileLock::Status::kLocked, lock.Acquire(path_, 0));
  struct stat st;
  ASSERT_EQ(0, ::stat(path_.c_str(), &st));
  EXPECT_EQ(0u, st.st_mode & 0137);  // at most 0640
  // A second open file description cannot take it.
  int other = ::open(path_.c_str(), O_RDONLY);
  ASSERT_GE(other, 0);
  EXPECT_EQ(-1, ::flock(other, LOCK_EX | LOCK_NB));
  lock.Release();
  EXPECT_EQ(0, ::flock(other, LOCK_EX | LOCK_NB));
  ::close(other);
}

TEST_F(LockTest, FdIsHighAndInheritedAcrossExec) {
  FileLock lock;
  ASSERT_EQ(FileLock::Status::kLocked, lock.Acquire(path_, 0));
  EXPECT_GE(lock.fd(), kLockFdMin);
  EXPECT_EQ(0, ::fcntl(lock.fd(), F_GETFD) & FD_CLOEXEC);
}

TEST_F(LockTest, BusyAfterTimeoutWhenHeldElsewhere) {
  int other = ::open(path_.c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(other, 0);
  ASSERT_EQ(0, ::flock(other, LOCK_EX));
  FileLock lock;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(FileLock::Status::kBusy, lock.Acquire(path_, 0.2, 20));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(190));
  EXPECT_LT(waited, std::chrono::seconds(2));
  EXPECT_EQ("another run holds " + path_, lock.error());
  EXPECT_EQ(-1, lock.fd());
  ::close(other);
}

TEST_F(LockTest, WaitsForTheHolderToFinish) {
  int other = ::open(path_.c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_EQ(0, ::flock(other, LOCK_EX));
  pid_t child = ::fork();
  if (child == 0) {
    ::usleep(100000);
    ::_exit(0);  // closes its copy; the parent closes its own below
  }
  ::close(other);  // now only the child holds the description
  FileLock lock;
  EXPECT_EQ(FileLock::Status::kLocked, lock.Acquire(path_, 5, 10));
  int status;
  ::waitpid(child, &status, 0);
}

// A waiter waits inside flock(2), where the holder's unlock wakes it at once,
// rather than sleeping between tries (a writer that locks again right away,
// a bulk mls-store batch after batch, could starve a poller). Seen from
// outside: the waiting process sits in the flock system call (73 on x86-64).
TEST_F(LockTest, AWaiterWaitsInFlockAndGetsTheLockWhenReleased) {
#if defined(__x86_64__)
  int other = ::open(path_.c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_EQ(0, ::flock(other, LOCK_EX));
  pid_t child = ::fork();
  if (child == 0) {
    ::close(other);  // the parent's lock, not ours to keep
    FileLock lock;
    ::_exit(lock.Acquire(path_, 10, 50) == FileLock::Status::kLocked ? 0 : 1);
  }
  ::usleep(150000);
  int in_flock = 0;
  for (int i = 0; i < 10; ++i) {
    std::ifstream in("/proc/" + std::to_string(child) + "/syscall");
    std::string nr;
    in >> nr;
    if (nr == "73") ++in_flock;
    ::usleep(7000);
  }
  EXPECT_GE(in_flock, 6) << "the waiter should be blocked in flock(2)";
  auto released = std::chrono::steady_clock::now();
  ::close(other);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_LT(std::chrono::steady_clock::now() - released, std::chrono::seconds(2));
#else
  GTEST_SKIP() << "the flock syscall number is x86-64's";
#endif
}

// The timer that bounds the wait leaves nothing behind: SIGALRM's disposition
// and this thread's signal mask are as they were.
TEST_F(LockTest, AWaitLeavesTheSignalStateAsItWas) {
  int other = ::open(path_.c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_EQ(0, ::flock(other, LOCK_EX));
  struct sigaction before {};
  ::sigaction(SIGALRM, nullptr, &before);
  sigset_t mask_before, mask_after;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &mask_before);
  FileLock lock;
  EXPECT_EQ(FileLock::Status::kBusy, lock.Acquire(path_, 0.15, 20));
  struct sigaction after {};
  ::sigaction(SIGALRM, nullptr, &after);
  ::pthread_sigmask(SIG_SETMASK, nullptr, &mask_after);
  EXPECT_EQ(before.sa_handler, after.sa_handler);
  EXPECT_EQ(sigismember(&mask_before, SIGALRM), sigismember(&mask_after, SIGALRM));
  ::close(other);
}

TEST_F(LockTest, ErrorNamesThePath) {
  FileLock lock;
  EXPECT_EQ(FileLock::Status::kError, lock.Acquire(dir_ + "/missing/lock", 0));
  EXPECT_EQ(dir_ + "/missing/lock: No such file or directory", lock.error());
}

}  // namespace
}  // namespace mls
