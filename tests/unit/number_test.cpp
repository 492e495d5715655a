#include "number.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace mls {
namespace {

TEST(ParseNumber, TheWholeStringOrNothing) {
  EXPECT_EQ(42u, ParseNumber<std::uint64_t>("42"));
  EXPECT_EQ(0u, ParseNumber<std::uint64_t>("0"));
  EXPECT_EQ(std::nullopt, ParseNumber<std::uint64_t>(""));
  EXPECT_EQ(std::nullopt, ParseNumber<std::uint64_t>("42 "));
  EXPECT_EQ(std::nullopt, ParseNumber<std::uint64_t>(" 42"));
  EXPECT_EQ(std::nullopt, ParseNumber<std::uint64_t>("4x"));
  EXPECT_EQ(std::nullopt, ParseNumber<std::uint64_t>("+1"));
  EXPECT_EQ(std::nullopt, ParseNumber<std::uint64_t>("-1"));
  EXPECT_EQ(-1, ParseNumber<int>("-1"));
  EXPECT_EQ(0xffu, ParseNumber<unsigned>("ff", 16));
}

TEST(ParseNumber, OverflowIsNotANumber) {
  EXPECT_EQ(UINT64_MAX, ParseNumber<std::uint64_t>("18446744073709551615"));
  EXPECT_EQ(std::nullopt, ParseNumber<std::uint64_t>("18446744073709551616"));
  EXPECT_EQ(std::nullopt, ParseNumber<std::int32_t>("2147483648"));
  EXPECT_EQ(std::nullopt, ParseNumber<std::uint8_t>("256"));
}

TEST(ParseNumber, InARange) {
  EXPECT_EQ(1, ParseNumberIn<int>("1", 1, 65535));
  EXPECT_EQ(65535, ParseNumberIn<int>("65535", 1, 65535));
  EXPECT_EQ(std::nullopt, ParseNumberIn<int>("0", 1, 65535));
  EXPECT_EQ(std::nullopt, ParseNumberIn<int>("65536", 1, 65535));
  EXPECT_EQ(std::nullopt, ParseNumberIn<int>("", 1, 65535));
}

TEST(CountOf, TheNounAgreesWithTheCount) {
  EXPECT_EQ("0 rows", CountOf(0, "row", "rows"));
  EXPECT_EQ("1 row", CountOf(1, "row", "rows"));
  EXPECT_EQ("2 rows", CountOf(2, "row", "rows"));
}

}  // namespace
}  // namespace mls
