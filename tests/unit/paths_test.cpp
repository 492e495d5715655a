#include "paths.h"

#include <gtest/gtest.h>

namespace mls {
namespace {

TEST(DirName, OfPaths) {
  EXPECT_EQ(".", DirName("state"));
  EXPECT_EQ("/", DirName("/state"));
  EXPECT_EQ("/var/lib/mls", DirName("/var/lib/mls/state"));
  EXPECT_EQ("a", DirName("a/b"));
}

TEST(IsWithin, ByName) {
  EXPECT_TRUE(IsWithin("/var/lib/mls", "/var/lib/mls"));
  EXPECT_TRUE(IsWithin("/var/lib/mls/", "/var/lib/mls"));
  EXPECT_TRUE(IsWithin("/var/lib/mls/state", "/var/lib/mls/"));
  EXPECT_TRUE(IsWithin("/anything", "/"));
  EXPECT_FALSE(IsWithin("/var/lib/mlsx", "/var/lib/mls"));
  EXPECT_FALSE(IsWithin("/var/lib", "/var/lib/mls"));
  EXPECT_FALSE(IsWithin("/root", ""));
}

}  // namespace
}  // namespace mls
