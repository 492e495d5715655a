#include "lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "diag.h"

namespace mls {

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
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration<double>(timeout_seconds > 0 ? timeout_seconds : 0);
  for (;;) {
    if (::flock(high, LOCK_EX | LOCK_NB) == 0) {
      fd_ = high;
      return Status::kLocked;
    }
    if (errno != EWOULDBLOCK && errno != EINTR) {
      error_ = ErrnoMessage(path, errno);
      ::close(high);
      return Status::kError;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  ::close(high);
  error_ = "another run holds " + path;
  return Status::kBusy;
}

FileLock::Status FileLock::Adopt(const std::string& path, int fd) {
  Release();
  struct stat by_fd {}, by_path {};
  if (::fstat(fd, &by_fd) != 0) {
    error_ = "descriptor " + std::to_string(fd) + " for " + path + ": " + ErrnoMessage("", errno).substr(2);
    return Status::kError;
  }
  if (::lstat(path.c_str(), &by_path) != 0 || by_fd.st_dev != by_path.st_dev ||
      by_fd.st_ino != by_path.st_ino) {
    error_ = "descriptor " + std::to_string(fd) + " is not open on " + path;
    return Status::kError;
  }
  // Same open file description as the owner's: succeeds only if it holds the lock.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    error_ = errno == EWOULDBLOCK ? "descriptor " + std::to_string(fd) + " does not hold the lock on " + path
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
