#include "lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "diag.h"

namespace mls {

FileLock::Status FileLock::Acquire(const std::string& path, double timeout_seconds, int poll_ms) {
  Release();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
  if (fd < 0 && errno == EACCES) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    error_ = ErrnoMessage(path, errno);
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

void FileLock::Release() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace mls
