#include "text_safety.h"

#include <gtest/gtest.h>

namespace mls {
namespace {

TEST(TextSafety, HiddenControls) {
  for (char32_t cp : {U'\u0080', U'\u009B', U'\u009F', U'\u061C', U'\u200E', U'\u200F',
                      U'\u2028', U'\u2029', U'\u202A', U'\u202E', U'\u2066', U'\u2069'}) {
    EXPECT_TRUE(IsHiddenControl(cp)) << static_cast<unsigned>(cp);
  }
  for (char32_t cp : {U'a', U'\u007F', U'\u00A0', U'\u00E9', U'\u200D', U'\u2027', U'\u202F',
                      U'\u2065', U'\u206A', U'\U0001F600'}) {
    EXPECT_FALSE(IsHiddenControl(cp)) << static_cast<unsigned>(cp);
  }
}

}  // namespace
}  // namespace mls
