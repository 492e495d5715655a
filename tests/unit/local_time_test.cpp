#include "local_time.h"

#include <gtest/gtest.h>

#include <string_view>

namespace mls {
namespace {

TEST(TimeSpan, ParsesSystemdSpans) {
  EXPECT_EQ(600, ParseTimeSpan("10min"));
  EXPECT_EQ(3600, ParseTimeSpan("1h"));
  EXPECT_EQ(5400, ParseTimeSpan("1h 30min"));
  EXPECT_EQ(5400, ParseTimeSpan("1.5h"));
  EXPECT_EQ(90, ParseTimeSpan("90"));
  EXPECT_EQ(120, ParseTimeSpan("2 min"));
  EXPECT_EQ(86400, ParseTimeSpan("1d"));
  EXPECT_EQ(604800, ParseTimeSpan("1w"));
  for (std::string_view bad : {"", "min", "10 parsecs", "-5min", "0", "1h;", "1e9h"}) {
    EXPECT_FALSE(ParseTimeSpan(bad)) << bad;
  }
}

}  // namespace
}  // namespace mls
