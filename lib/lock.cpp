#include "lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <ctime>

#include "clock.h"
#include "diag.h"

namespace mls {
namespace {

void Interrupt(int) {}

// Waits in flock(LOCK_EX) itself until the lock is granted or `seconds` have
// passed. A waiter blocked in the kernel is woken the moment the holder
// unlocks, so a writer that locks again right away (a bulk mls-store, batch
// after batch) cannot starve it the way polling with LOCK_NB could. The wait
// is cut by a timer that sends SIGALRM to this thread only, every
// `tick_ms` (so a signal that lands just before flock() costs one tick, not
// the rest of the wait). Returns 0, EWOULDBLOCK (timed out) or an errno.
template <typename TimePoint>
int FlockWithin(int fd, TimePoint deadline, int tick_ms) {
  struct sigaction sa {
  }, old_sa{};
  sa.sa_handler = Interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: flock() returns EINTR
  if (::sigaction(SIGALRM, &sa, &old_sa) != 0) return errno;
  sigset_t alrm, old_mask;
  sigemptyset(&alrm);
  sigaddset(&alrm, SIGALRM);
  ::pthread_sigmask(SIG_UNBLOCK, &alrm, &old_mask);
  struct sigevent sev {};
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = SIGALRM;
  sev._sigev_un._tid = ::gettid();  // sigev_notify_thread_id: not named by glibc 2.36
  timer_t timer;
  int rc = 0;
  if (::timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0) {
    rc = errno;
  } else {
    long tick_ns = static_cast<long>(tick_ms) * 1000000L;
    struct itimerspec its {};
    its.it_value = {tick_ns / 1000000000L, tick_ns % 1000000000L};
    its.it_interval = its.it_value;
    ::timer_settime(timer, 0, &its, nullptr);
    for (;;) {
      if (::flock(fd, LOCK_EX) == 0) {
        rc = 0;
        break;
      }
      if (errno != EINTR) {
        rc = errno;
        break;
      }
      if (MonotonicClock::now() >= deadline) {
        rc = EWOULDBLOCK;
        break;
      }
    }
    ::timer_delete(timer);
  }
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGALRM, &old_sa, nullptr);
  return rc;
}

// Whether `fd` is open on the file at `path` itself (not through a symlink).
bool OpenOn(int fd, const std::string& path) {
  struct stat by_fd {
  }, by_path{};
  return ::fstat(fd, &by_fd) == 0 && ::lstat(path.c_str(), &by_path) == 0 &&
         by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino;
}

}  // namespace

FileLock::Status FileLock::Acquire(const std::string& path, double timeout_seconds, int poll_ms) {
  Release();
  constexpr int kFlags = O_CLOEXEC | O_NOCTTY | O_NOFOLLOW;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | kFlags, 0640);
  if (fd < 0 && errno == EACCES) fd = ::open(path.c_str(), O_RDONLY | kFlags);
  if (fd < 0) {
    error_ = errno == ELOOP ? path + ": is a symbolic link; refusing to use it as a lock"
                            : ErrnoMessage(path, errno);
    return Status::kError;
  }
  // F_DUPFD (not F_DUPFD_CLOEXEC): the copy is inherited by the stages.
  int high = ::fcntl(fd, F_DUPFD, kLockFdMin);
  int saved = errno;
  ::close(fd);
  if (high < 0) {
    error_ = ErrnoMessage(path, saved);
    return Status::kError;
  }
  const auto deadline = MonotonicClock::now() +
                        std::chrono::duration<double>(timeout_seconds > 0 ? timeout_seconds : 0);
  for (;;) {
    int rc = ::flock(high, LOCK_EX | LOCK_NB) == 0 ? 0 : errno;
    if (rc == EWOULDBLOCK && MonotonicClock::now() < deadline) {
      rc = FlockWithin(high, deadline, poll_ms);
    }
    if (rc == 0) {
      // Still the file at `path`? (Removed or replaced while we waited: its
      // lock would exclude nobody. Start again on the new one.)
      if (OpenOn(high, path)) {
        fd_ = high;
        return Status::kLocked;
      }
      ::close(high);
      double left = std::chrono::duration<double>(deadline - MonotonicClock::now()).count();
      return Acquire(path, left, poll_ms);
    }
    if (rc != EWOULDBLOCK && rc != EINTR) {
      error_ = ErrnoMessage(path, rc);
      ::close(high);
      return Status::kError;
    }
    if (MonotonicClock::now() >= deadline) break;
  }
  ::close(high);
  error_ = "another run holds " + path;
  return Status::kBusy;
}

FileLock::Status FileLock::Adopt(const std::string& path, int fd) {
  Release();
  if (::fcntl(fd, F_GETFD) < 0) {
    error_ = "descriptor " + std::to_string(fd) + " for " + path + ": " +
             ErrnoMessage("", errno).substr(2);
    return Status::kError;
  }
  if (!OpenOn(fd, path)) {
    error_ = "descriptor " + std::to_string(fd) + " is not open on " + path;
    return Status::kError;
  }
  // Same open file description as the owner's: succeeds only if it holds the lock.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    error_ = errno == EWOULDBLOCK
                 ? "descriptor " + std::to_string(fd) + " does not hold the lock on " + path
                 : ErrnoMessage(path, errno);
    return Status::kError;
  }
  fd_ = fd;
  adopted_ = true;
  return Status::kLocked;
}

void FileLock::Release() {
  if (fd_ >= 0) {
    if (!adopted_) ::flock(fd_, LOCK_UN);
    ::close(fd_);
    fd_ = -1;
  }
  adopted_ = false;
}

}  // namespace mls
