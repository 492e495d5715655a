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

}  // namespace
}  // namespace mls
