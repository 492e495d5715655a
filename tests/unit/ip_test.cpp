#include "ip.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <random>

namespace mls {
namespace {

std::string Canon(std::string_view addr) {
  char out[kIpTextSize];
  return CanonicalIp(addr, out) ? std::string(out) : "<invalid>";
}

std::string ViaCanonicaliser(std::string_view cell) {
  IpCanonicaliser c;
  std::string_view out;
  return c.Canon(cell, out) ? std::string(out) : "<invalid>";
}

const std::initializer_list<std::string_view> kInvalid = {
    "",
    "unknown",
    "300.1.2.3",
    "1.2.3",
    "1.2.3.4.5",
    "01.2.3.4",
    " 1.2.3.4",
    "1.2.3.4 ",
    "2001:db8::1::2",
    "2001:db8:::1",
    "fe80::1%eth0",
    "[::1]",
    "::ffff:300.1.2.3",
    "example.org",
    ":",
    "0x7f.0.0.1",
    std::string_view("1.2.3.4\0", 8),
    "1234:1234:1234:1234:1234:1234:1234:1234:1234",
    "2001:0db8:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001"};

TEST(Ip, CanonicalText) {
  EXPECT_EQ("192.0.2.1", Canon("192.0.2.1"));
  EXPECT_EQ("0.0.0.0", Canon("0.0.0.0"));
  EXPECT_EQ("255.255.255.255", Canon("255.255.255.255"));
  EXPECT_EQ("2001:db8::1", Canon("2001:DB8:0::1"));
  EXPECT_EQ("::1", Canon("0:0:0:0:0:0:0:1"));
  EXPECT_EQ("::", Canon("::"));
  EXPECT_EQ("192.0.2.7", Canon("::ffff:192.0.2.7"));
  EXPECT_EQ("192.0.2.7", Canon("::ffff:c000:207"));
  EXPECT_EQ("::192.0.2.7", Canon("::192.0.2.7"));  // IPv4-compatible is not mapped
  for (std::string_view bad : kInvalid) EXPECT_EQ("<invalid>", Canon(bad)) << bad;
}

TEST(Ip, ValidationAgreesWithCanonicalisation) {
  for (std::string_view ip : {"192.0.2.1", "0.0.0.0", "255.255.255.255", "::", "::1", "2001:db8::1",
                              "::ffff:192.0.2.1", "2001:DB8::A"})
    EXPECT_TRUE(IsIpAddress(ip)) << ip;
  for (std::string_view bad : kInvalid) EXPECT_FALSE(IsIpAddress(bad)) << bad;
  // Only the view is parsed, not what follows it.
  std::string s = "192.0.2.1999";
  EXPECT_TRUE(IsIpAddress(std::string_view(s).substr(0, 9)));
  EXPECT_EQ("192.0.2.1", Canon(std::string_view(s).substr(0, 9)));
}

TEST(Ip, FamilyAndMappedReduction) {
  std::optional<IpAddress> a = ParseIp("::ffff:192.0.2.7");
  ASSERT_TRUE(a);
  EXPECT_EQ(AF_INET6, a->family);
  IpAddress v4 = Unmapped(*a);
  EXPECT_EQ(AF_INET, v4.family);
  EXPECT_EQ(192, v4.bytes[0]);
  EXPECT_EQ(7, v4.bytes[3]);
  EXPECT_TRUE(ParseIp("192.0.2.7", AF_INET));
  EXPECT_FALSE(ParseIp("192.0.2.7", AF_INET6));
  EXPECT_FALSE(ParseIp("::1", AF_INET));
  IpAddress six = *ParseIp("2001:db8::1");
  EXPECT_EQ(AF_INET6, Unmapped(six).family);
}

TEST(Ip, CanonicaliserMatchesCanonicalIp) {
  for (std::string_view ip :
       {"192.0.2.1", "2001:DB8:0::1", "::ffff:192.0.2.7", "::192.0.2.7", "10.0.0.255"})
    EXPECT_EQ(Canon(ip), ViaCanonicaliser(ip)) << ip;
  for (std::string_view bad : kInvalid) EXPECT_EQ("<invalid>", ViaCanonicaliser(bad)) << bad;
  IpCanonicaliser c;
  std::string_view out;
  const std::string cell = "10.1.2.3";
  ASSERT_TRUE(c.Canon(cell, out));
  EXPECT_EQ(cell.data(), out.data());  // the common case: no copy
  EXPECT_FALSE(c.Canon("unknown", out));
  EXPECT_EQ("unknown", out);  // not an address: the cell as it is
}

}  // namespace
}  // namespace mls

namespace mls {
namespace {

// FormatIp writes IPv6 without inet_ntop: the same text on every pattern of
// zero groups (which decides "::" and the dotted forms), with group values of
// each width and 0xffff in every place, and on random addresses.
TEST(Ip, Ipv6TextIsInetNtops) {
  auto check = [](const unsigned(&words)[8]) {
    IpAddress a;
    a.family = AF_INET6;
    for (int i = 0; i < 8; ++i) {
      a.bytes[2 * i] = static_cast<unsigned char>(words[i] >> 8);
      a.bytes[2 * i + 1] = static_cast<unsigned char>(words[i]);
    }
    char ours[kIpTextSize];
    char libc[kIpTextSize];
    FormatIp(a, ours);
    ASSERT_NE(inet_ntop(AF_INET6, a.bytes, libc, sizeof libc), nullptr);
    EXPECT_STREQ(libc, ours);
  };
  const unsigned values[] = {1, 0xf, 0x10, 0xff, 0x100, 0xfff, 0x1000, 0xffff, 0xab0c};
  std::mt19937 rng(7);
  for (unsigned mask = 0; mask < 256; ++mask) {
    for (unsigned v : values) {
      for (int ffff_at = -1; ffff_at < 8; ++ffff_at) {
        unsigned w[8];
        for (int i = 0; i < 8; ++i) w[i] = (mask >> i) & 1 ? 0 : (i == ffff_at ? 0xffff : v);
        check(w);
      }
    }
    for (int n = 0; n < 20; ++n) {
      unsigned w[8];
      for (int i = 0; i < 8; ++i) w[i] = (mask >> i) & 1 ? 0 : 1 + rng() % 0xffff;
      check(w);
    }
  }
}

// The dotted-quad fast path agrees with inet_pton and inet_ntop on strings
// of digits and dots of every length around an address's (leading zeros, 256,
// five parts, empty parts, a dot at either end).
TEST(Ip, DottedQuadFastPathIsInetPtons) {
  std::mt19937 rng(11);
  const char alphabet[] = "0123456789.";
  int valid = 0;
  for (int n = 0; n < 200000; ++n) {
    std::string text;  // 3 to 5 parts of 0 to 4 digits
    const unsigned parts = 3 + rng() % 3;
    for (unsigned part = 0; part < parts; ++part) {
      if (part > 0) text.push_back('.');
      const unsigned digits = rng() % 5;
      for (unsigned d = 0; d < digits; ++d) text.push_back(alphabet[rng() % 10]);
    }
    if (rng() % 50 == 0) text.push_back(alphabet[rng() % 11]);
    unsigned char bytes[4];
    std::string expected = "<invalid>";
    char libc[INET_ADDRSTRLEN];
    if (inet_pton(AF_INET, text.c_str(), bytes) == 1 &&
        inet_ntop(AF_INET, bytes, libc, sizeof libc) != nullptr) {
      expected = libc;
      ++valid;
    }
    EXPECT_EQ(expected, Canon(text)) << text;
    std::string_view view;
    IpCanonicaliser c;
    if (c.Canon(text, view) && view.data() == text.data()) {
      EXPECT_EQ(text, expected) << "taken as canonical: " << text;
    }
  }
  EXPECT_GT(valid, 1000);  // the strings do reach the addresses (about 1%)
}

}  // namespace
}  // namespace mls
