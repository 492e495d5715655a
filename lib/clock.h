#pragma once
// The one monotonic clock (for timeouts, pacing and durations; never for dates).

#include <chrono>
#include <cstdint>

namespace mls {

using MonotonicClock = std::chrono::steady_clock;

// Milliseconds on MonotonicClock since an arbitrary start.
inline std::uint64_t MonotonicMs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        MonotonicClock::now().time_since_epoch())
                                        .count());
}

}  // namespace mls
