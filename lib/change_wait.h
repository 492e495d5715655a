#pragma once
// Waiting for a change in some directories, or a timeout: inotify(7) where it
// works, a plain sleep of the whole timeout where it does not (no inotify on
// the filesystem, the watch limit reached). Used by mls-tail --follow.

#include <csignal>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log_source.h"  // Fd

namespace mls {

enum class WaitResult { kChanged, kTimeout, kStopped };

class ChangeWaiter {
 public:
  // `relevant`: whether a change to the entry with this name counts (empty:
  // every change counts); others are drained without waking the caller.
  // `now_ms`: a monotonic clock, so that changes that do not count do not
  // stretch the timeout (empty: they restart it).
  explicit ChangeWaiter(std::function<bool(std::string_view)> relevant = {},
                        std::function<std::uint64_t()> now_ms = {});

  // Watches `dirs` (entries created, written, closed after writing, renamed in
  // or out, deleted, their attributes changed). On failure returns the reason
  // and the waiter falls back to sleeping the whole timeout; an earlier watch
  // is dropped either way.
  std::optional<std::string> Watch(const std::vector<std::string>& dirs);
  bool watching() const { return fd_.get() >= 0; }

  // Waits until a relevant change (kChanged), `timeout_ms` (kTimeout), or
  // *stop is set (kStopped). `stop_signals`: the signals whose handlers set
  // *stop; they are blocked while *stop is checked and let through only inside
  // the wait itself (ppoll), so that one arriving just before it still ends it
  // at once. A change that happened before the call counts, whether or not it
  // was seen by a caller.
  WaitResult Wait(int timeout_ms, const volatile std::sig_atomic_t* stop = nullptr,
                  const sigset_t* stop_signals = nullptr);

 private:
  // Reads the pending events; true when one of them counts.
  bool Drain();

  std::function<bool(std::string_view)> relevant_;
  std::function<std::uint64_t()> now_ms_;
  Fd fd_;
};

}  // namespace mls
