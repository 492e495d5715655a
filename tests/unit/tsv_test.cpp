#include "tsv.h"

#include <gtest/gtest.h>

namespace mls {
namespace {

TEST(Tsv, EscapesExactlyFourCharacters) {
  std::string out;
  TsvEscapeTo(std::string_view("a\\b\tc\nd\re=f\x01", 12), out);
  EXPECT_EQ(std::string("a\\\\b\\tc\\nd\\re=f\x01", 16), out);
}

TEST(Tsv, RoundTripsHostileFields) {
  std::vector<std::string> in = {"", "tab\there", "nl\nx", "back\\slash\\t",
                                 std::string("nul\0byte", 8), "\xff\xfe", "=cmd|"};
  std::string line;
  TsvAppendRecord(in, line);
  ASSERT_EQ('\n', line.back());
  line.pop_back();
  EXPECT_EQ(std::string::npos, line.find('\n'));
  std::vector<std::string> out;
  EXPECT_EQ(std::nullopt, TsvDecodeRecord(line, out));
  EXPECT_EQ(in, out);
}

TEST(Tsv, EmptyLineIsOneEmptyField) {
  std::vector<std::string> out;
  EXPECT_EQ(std::nullopt, TsvDecodeRecord("", out));
  EXPECT_EQ(std::vector<std::string>{""}, out);
}

TEST(Tsv, RejectsDanglingBackslash) {
  std::vector<std::string> out;
  EXPECT_EQ("dangling backslash in field 2", TsvDecodeRecord("a\tb\\", out).value());
}

TEST(Tsv, RejectsUnknownEscape) {
  std::vector<std::string> out;
  EXPECT_EQ("bad escape '\\x' in field 1", TsvDecodeRecord("a\\x", out).value());
}

TEST(Tsv, RejectsRawCarriageReturn) {
  std::vector<std::string> out;
  EXPECT_EQ("raw carriage return in field 3", TsvDecodeRecord("a\tb\tc\r", out).value());
}

}  // namespace
}  // namespace mls

namespace mls {
namespace {

TEST(Tsv, ReusedFieldVectorIsOverwritten) {
  std::vector<std::string> out = {"old1", "old2", "old3", "old4"};
  EXPECT_EQ(std::nullopt, TsvDecodeRecord("a\\\\\tb", out));
  EXPECT_EQ((std::vector<std::string>{"a\\", "b"}), out);
  EXPECT_EQ(std::nullopt, TsvDecodeRecord("x\ty\tz", out));
  EXPECT_EQ((std::vector<std::string>{"x", "y", "z"}), out);
}

TEST(Tsv, EscapesEveryByteValueLosslessly) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  std::string line;
  TsvEscapeTo(all, line);
  std::vector<std::string> out;
  EXPECT_EQ(std::nullopt, TsvDecodeRecord(line, out));
  ASSERT_EQ(1u, out.size());
  EXPECT_EQ(all, out[0]);
}

}  // namespace
}  // namespace mls
