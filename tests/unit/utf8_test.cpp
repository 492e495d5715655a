#include "utf8.h"

#include <gtest/gtest.h>

namespace mls {
namespace {

TEST(Utf8, DecodesOneToFourBytes) {
  char32_t cp = 0;
  EXPECT_EQ(1u, DecodeUtf8("a", 0, cp));
  EXPECT_EQ(U'a', cp);
  EXPECT_EQ(2u, DecodeUtf8("x\xC3\xA9", 1, cp));
  EXPECT_EQ(U'\u00E9', cp);
  EXPECT_EQ(3u, DecodeUtf8("\xE2\x80\xAE", 0, cp));
  EXPECT_EQ(U'\u202E', cp);
  EXPECT_EQ(4u, DecodeUtf8("\xF4\x8F\xBF\xBF", 0, cp));
  EXPECT_EQ(U'\U0010FFFF', cp);
}

TEST(Utf8, RejectsWhatIsNotUtf8) {
  for (std::string_view bad : {
           std::string_view("\x80", 1),              // stray continuation byte
           std::string_view("\xC0\xAF", 2),          // overlong '/'
           std::string_view("\xC1\xBF", 2),          // overlong
           std::string_view("\xE0\x80\xAF", 3),      // overlong, 3 bytes
           std::string_view("\xF0\x80\x80\xAF", 4),  // overlong, 4 bytes
           std::string_view("\xED\xA0\x80", 3),      // surrogate U+D800
           std::string_view("\xF4\x90\x80\x80", 4),  // above U+10FFFF
           std::string_view("\xF5\x80\x80\x80", 4),  // never a lead byte
           std::string_view("\xE2\x80", 2),          // truncated at the end
           std::string_view("\xE2\x41\x41", 3),      // not a continuation
           std::string_view("\xF8\x88\x80\x80\x80", 5),  // 5-byte form
           std::string_view("\xFF", 1),              // never in UTF-8
       }) {
    EXPECT_EQ(0u, Utf8Length(bad, 0)) << testing::PrintToString(std::string(bad));
  }
}

}  // namespace
}  // namespace mls
