#include "gzip.h"

#include <gtest/gtest.h>

#include <random>

#include "test_gunzip.h"

namespace mls {
namespace {

TEST(Gzip, PartsRoundTrip) {
  std::string big;
  std::mt19937 rng(7);
  for (int i = 0; i < 300000; ++i) big += static_cast<char>('a' + rng() % 7);
  for (std::initializer_list<std::string_view> parts :
       {std::initializer_list<std::string_view>{}, {""}, {"header\n", "rows\n"}, {big, big}}) {
    std::string gz, want;
    for (std::string_view p : parts) want += p;
    ASSERT_EQ(std::nullopt, GzipParts(parts, gz, "x.csv"));
    EXPECT_EQ(want, Gunzip(gz));
  }
}

TEST(Gzip, TheNameGoesIntoTheHeader) {
  std::string gz;
  ASSERT_EQ(std::nullopt, GzipParts({"a"}, gz, "rows.csv"));
  ASSERT_GT(gz.size(), 10u);
  EXPECT_EQ('\x1f', gz[0]);
  EXPECT_EQ('\x8b', gz[1]);
  EXPECT_NE(std::string::npos, gz.find(std::string("rows.csv\0", 9)));
}

TEST(Gzip, AFailingSinkStopsTheStream) {
  GzipEncoder gz;
  std::string data(1 << 20, 'x');
  auto refuse = [](std::string_view) { return false; };
  EXPECT_EQ("gzip: write", gz.Add(data, true, refuse));
}

}  // namespace
}  // namespace mls
