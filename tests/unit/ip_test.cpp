#include "ip.h"

#include <gtest/gtest.h>

#include <initializer_list>

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
  for (std::string_view ip : {"192.0.2.1", "0.0.0.0", "255.255.255.255", "::", "::1",
                              "2001:db8::1", "::ffff:192.0.2.1", "2001:DB8::A"})
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
  for (std::string_view ip : {"192.0.2.1", "2001:DB8:0::1", "::ffff:192.0.2.7", "::192.0.2.7",
                              "10.0.0.255"})
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
