#include "lock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
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

TEST_F(LockTest, ErrorNamesThePath) {
  FileLock lock;
  EXPECT_EQ(FileLock::Status::kError, lock.Acquire(dir_ + "/missing/lock", 0));
  EXPECT_EQ(dir_ + "/missing/lock: No such file or directory", lock.error());
}

}  // namespace
}  // namespace mls
