#include "change_wait.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>

#include "fd_io.h"

namespace mls {
namespace {

constexpr std::uint32_t kMask = IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                IN_CLOSE_WRITE | IN_ATTRIB | IN_ONLYDIR;

// Blocks `signals` (if any) for its lifetime; `old` is the mask to wait with.
class BlockSignals {
 public:
  explicit BlockSignals(const sigset_t* signals) : active_(signals != nullptr) {
    if (active_) active_ = ::sigprocmask(SIG_BLOCK, signals, &old_) == 0;
  }
  ~BlockSignals() {
    if (active_) ::sigprocmask(SIG_SETMASK, &old_, nullptr);
  }
  BlockSignals(const BlockSignals&) = delete;
  BlockSignals& operator=(const BlockSignals&) = delete;
  const sigset_t* old() const { return active_ ? &old_ : nullptr; }

 private:
  bool active_;
  sigset_t old_;
};

}  // namespace

ChangeWaiter::ChangeWaiter(std::function<bool(std::string_view)> relevant,
                           std::function<std::uint64_t()> now_ms)
    : relevant_(std::move(relevant)), now_ms_(std::move(now_ms)) {}

std::optional<std::string> ChangeWaiter::Watch(const std::vector<std::string>& dirs) {
  fd_ = Fd();
  Fd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd) return ErrnoMessage("inotify_init1", errno);
  for (const std::string& dir : dirs) {
    if (::inotify_add_watch(fd.get(), dir.c_str(), kMask) < 0) {
      return ErrnoMessage(dir + ": inotify_add_watch", errno);
    }
  }
  fd_ = std::move(fd);
  return std::nullopt;
}

bool ChangeWaiter::Drain() {
  alignas(struct inotify_event) char buf[16 * (sizeof(struct inotify_event) + NAME_MAX + 1)];
  bool counts = false;
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: drained
    for (ssize_t at = 0; at < n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(buf + at);
      at += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
      // An overflow, or an event of a directory itself (deleted, moved,
      // unmounted: its watch is gone) may hide anything.
      if (ev->len == 0 || (ev->mask & IN_Q_OVERFLOW) || !relevant_ ||
          relevant_(std::string_view(ev->name))) {
        counts = true;
      }
    }
  }
  return counts;
}

WaitResult ChangeWaiter::Wait(int timeout_ms, const volatile std::sig_atomic_t* stop,
                              const sigset_t* stop_signals) {
  BlockSignals blocked(stop_signals);
  const std::uint64_t start = now_ms_ ? now_ms_() : 0;
  int left = timeout_ms;
  for (;;) {
    if (stop && *stop) return WaitResult::kStopped;
    if (watching() && Drain()) return WaitResult::kChanged;
    struct pollfd p = {fd_.get(), POLLIN, 0};
    struct timespec ts = {left / 1000, static_cast<long>(left % 1000) * 1000000L};
    int r = ::ppoll(watching() ? &p : nullptr, watching() ? 1 : 0, &ts, blocked.old());
    if (r < 0 && errno != EINTR) {
      fd_ = Fd();  // a broken inotify descriptor: sleep the timeout from now on
      continue;
    }
    if (r == 0) return WaitResult::kTimeout;
    if (r < 0) {
      if (stop && *stop) return WaitResult::kStopped;
    } else if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
      fd_ = Fd();
      return WaitResult::kChanged;
    }
    // Another signal, or changes that did not count: wait for the rest.
    if (now_ms_) {
      std::uint64_t spent = now_ms_() - start;
      if (spent >= static_cast<std::uint64_t>(timeout_ms)) {
        return watching() && Drain() ? WaitResult::kChanged : WaitResult::kTimeout;
      }
      left = timeout_ms - static_cast<int>(spent);
    }
  }
}

}  // namespace mls
