#pragma once
// One extraction at a time: an flock(2) on state_dir/lock.
// The locked fd is deliberately inherited across exec (no FD_CLOEXEC) and is
// moved to fd >= kLockFdMin, out of the way of the fds the runner wires up, so
// every stage holds the lock too: a new run cannot start while an orphan writes.

#include <optional>
#include <string>

namespace mls {

inline constexpr int kLockFdMin = 10;

class FileLock {
 public:
  enum class Status { kLocked, kBusy, kError };

  FileLock() = default;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() { Release(); }

  // Opens `path` (created 0640 if absent; opened read-only when it is not
  // writable; a symlink is refused, so a planted link cannot redirect it) and
  // takes an exclusive lock, waiting in flock(2) itself (woken the moment the
  // holder unlocks; the timeout checked every `poll_ms`, by a SIGALRM timer
  // aimed at this thread) until `timeout_seconds` have passed (0 = one try). kBusy: someone else holds
  // it. kError: `error()` says why ("PATH: Permission denied").
  Status Acquire(const std::string& path, double timeout_seconds, int poll_ms = 50);

  // Takes over `fd`, a descriptor inherited from the process that locked
  // `path` (the driver, for its stages): checks that it is open on `path` and
  // holds the lock. Release() then only closes it: the lock stays the owner's.
  // Never follows a symlink at `path`.
  Status Adopt(const std::string& path, int fd);

  // Unlocks and closes (idempotent).
  void Release();

  int fd() const { return fd_; }
  const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  bool adopted_ = false;
  std::string error_;
};

}  // namespace mls
