#pragma once
// Test helper: sets TZ for the lifetime of the object, then restores it.

#include <cstdlib>
#include <ctime>
#include <string>

namespace mls {

class TzScope {
 public:
  explicit TzScope(const char* tz = "UTC") {
    if (const char* old = std::getenv("TZ")) old_ = old, had_ = true;
    setenv("TZ", tz, 1);
    tzset();
  }
  ~TzScope() {
    if (had_) {
      setenv("TZ", old_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  TzScope(const TzScope&) = delete;
  TzScope& operator=(const TzScope&) = delete;

 private:
  std::string old_;
  bool had_ = false;
};

}  // namespace mls
