#pragma once
// mls-tail's engine: finds LOGFILE and its rotated siblings, plans what to read
// from the saved position (rotation.h), copies the complete lines to the output
// with large buffers, and commits the new position (tail_state.h). Optionally
// keeps following the log across rotations, like tail -F.

#include <csignal>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mls {

struct TailOptions {
  std::string log_path;
  std::string state_path;                 // empty: no saved position, print all history
  std::string pending_path;               // non-empty: commit here instead of state_path
  std::vector<std::string> rotated_dirs;  // more places for rotated siblings (olddir)
  bool follow = false;
  bool from_end = false;  // no saved position yet: start at the end of LOGFILE's last
                          // complete line instead of printing all history
  int poll_ms = 250;
  int out_fd = 1;
  int progress_fd = -1;                              // "progress DONE TOTAL\n" lines, -1 for none
  int map_fd = -1;  // where the output comes from (lib/input_map.h), -1 for none
  std::function<std::uint64_t()> now_ms;             // a monotonic clock, for progress pacing
  const volatile std::sig_atomic_t* stop = nullptr;  // set by SIGTERM/SIGINT (follow)
};

// Runs mls-tail; prints diagnostics with Warn() and returns the exit status.
int RunTail(const TailOptions& options);

}  // namespace mls
