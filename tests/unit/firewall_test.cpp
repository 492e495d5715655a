#include "firewall.h"

#include <gtest/gtest.h>

namespace mls {
namespace {

TEST(IpNet, ParsesContainsAndFormats) {
  auto n = ParseIpNet("192.0.2.77/24");
  ASSERT_TRUE(n);
  EXPECT_EQ(FormatIpNet(*n), "192.0.2.0/24");
  EXPECT_TRUE(NetContains(*n, *ParseIp("192.0.2.200")));
  EXPECT_TRUE(NetContains(*n, *ParseIp("::ffff:192.0.2.1")));  // mapped as IPv4
  EXPECT_FALSE(NetContains(*n, *ParseIp("192.0.3.1")));
  EXPECT_FALSE(NetContains(*n, *ParseIp("2001:db8::1")));
  EXPECT_EQ(FormatIpNet(*ParseIpNet("2001:db8:1:2:3::9/64")), "2001:db8:1:2::/64");
  EXPECT_EQ(FormatIpNet(*ParseIpNet("10.1.2.3")), "10.1.2.3/32");
  EXPECT_EQ(FormatIpNet(*ParseIpNet("0.0.0.0/0")), "0.0.0.0/0");
  for (const char* bad : {"", "/24", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/", "192.0.2.0/2x",
                          "host.example/24", "fe80::1%eth0", "192.0.2.0/24/1", "1.2.3.4; flush"})
    EXPECT_FALSE(ParseIpNet(bad)) << bad;
}

TEST(Allowlist, ContainsOverlapsAndTheLocalHost) {
  Allowlist a;
  ASSERT_FALSE(AddToAllowlist("192.0.2.0/24, 2001:db8::/32  10.9.8.7", a));
  EXPECT_TRUE(a.Contains("192.0.2.9"));
  EXPECT_TRUE(a.Contains("2001:db8:ffff::1"));
  EXPECT_TRUE(a.Contains("10.9.8.7"));
  EXPECT_FALSE(a.Contains("10.9.8.8"));
  EXPECT_FALSE(a.Contains("not an address"));
  EXPECT_TRUE(a.Overlaps(*ParseIpNet("10.9.8.0/24")));     // holds an allowed address
  EXPECT_TRUE(a.Overlaps(*ParseIpNet("192.0.2.128/25")));  // inside an allowed network
  EXPECT_FALSE(a.Overlaps(*ParseIpNet("198.51.100.0/24")));
  auto err = AddToAllowlist("192.0.2.0/24, example.org", a);
  ASSERT_TRUE(err);
  EXPECT_EQ(*err, "'example.org' is not an address or a network (192.0.2.0/24, 2001:db8::/32)");
  Allowlist local;
  local.AddLocal();
  EXPECT_TRUE(local.Contains("127.0.0.1"));
  EXPECT_TRUE(local.Contains("127.3.4.5"));
  EXPECT_TRUE(local.Contains("::1"));
  EXPECT_FALSE(local.Contains("198.51.100.1"));
}

TEST(RenderNft, ABatchThatBansRefreshesAndNeverCarriesAnythingButAddresses) {
  Allowlist allow;
  AddToAllowlist("198.51.100.0/24", allow);
  NftOptions o;
  o.ban_seconds = 600;
  const std::string out =
      RenderNft({"203.0.113.5", "2001:db8::5", "198.51.100.7", "::ffff:203.0.113.6", "203.0.113.5",
                 "host.example", "1.2.3.4; flush ruleset", "fe80::1%eth0", ""},
                o, allow);
  EXPECT_EQ(out,
            "# maillogsentinel: 2 IPv4 and 1 IPv6 bans for 600s (mls-report --format nft | nft -f "
            "-)\n"
            "add table inet maillogsentinel\n"
            "add set inet maillogsentinel ban4 { type ipv4_addr; flags interval,timeout; }\n"
            "add set inet maillogsentinel ban6 { type ipv6_addr; flags interval,timeout; }\n"
            "add chain inet maillogsentinel input { type filter hook input priority filter - 5; "
            "policy accept; }\n"
            "flush chain inet maillogsentinel input\n"
            "add rule inet maillogsentinel input ip saddr @ban4 drop\n"
            "add rule inet maillogsentinel input ip6 saddr @ban6 drop\n"
            "add element inet maillogsentinel ban4 { 203.0.113.5 timeout 600s, 203.0.113.6 "
            "timeout 600s }\n"
            "delete element inet maillogsentinel ban4 { 203.0.113.5, 203.0.113.6 }\n"
            "add element inet maillogsentinel ban4 { 203.0.113.5 timeout 600s, 203.0.113.6 "
            "timeout 600s }\n"
            "add element inet maillogsentinel ban6 { 2001:db8::5 timeout 600s }\n"
            "delete element inet maillogsentinel ban6 { 2001:db8::5 }\n"
            "add element inet maillogsentinel ban6 { 2001:db8::5 timeout 600s }\n");
  // Nothing to ban: the table, sets and rules still, no elements.
  const std::string empty = RenderNft({}, o, allow);
  EXPECT_EQ(empty.find("element"), std::string::npos);
  EXPECT_NE(empty.find("add rule"), std::string::npos);
}

TEST(RenderNft, RangesMergeAndStayClearOfTheAllowlist) {
  Allowlist allow;
  AddToAllowlist("192.0.2.10", allow);
  NftOptions o;
  o.ranges = true;
  o.table = "t1";
  const std::string out =
      RenderNft({"203.0.113.5", "203.0.113.99", "192.0.2.11", "2001:db8:0:1::5", "2001:db8:0:1::6"},
                o, allow);
  EXPECT_NE(out.find("add element inet t1 ban4 { 192.0.2.11 timeout 3600s, 203.0.113.0/24 "
                     "timeout 3600s }"),
            std::string::npos)
      << out;  // 192.0.2.0/24 holds an allowed address: the address alone
  EXPECT_NE(out.find("add element inet t1 ban6 { 2001:db8:0:1::/64 timeout 3600s }"),
            std::string::npos)
      << out;
  EXPECT_TRUE(ValidNftName("maillogsentinel"));
  EXPECT_FALSE(ValidNftName("x y"));
  EXPECT_FALSE(ValidNftName("1t"));
  EXPECT_FALSE(ValidNftName(""));
}

TEST(ParseBanList, AddressesOnlyOneALineInCanonicalFormElseNothing) {
  std::vector<std::string> ips;
  EXPECT_EQ(std::nullopt, ParseBanList("", ips));
  EXPECT_TRUE(ips.empty());
  EXPECT_EQ(std::nullopt, ParseBanList("203.0.113.5\n2001:DB8:0::5\n::ffff:192.0.2.1", ips));
  EXPECT_EQ((std::vector<std::string>{"203.0.113.5", "2001:db8::5", "192.0.2.1"}), ips);
  const std::pair<const char*, const char*> bad[] = {
      {"203.0.113.5\n\n", "line 2: '' is not an address"},
      {"203.0.113.0/24\n", "line 1: '203.0.113.0/24' is not an address"},
      {"host.example\n", "line 1: 'host.example' is not an address"},
      {"1.2.3.4; flush ruleset\n", "line 1: '1.2.3.4; flush ruleset' is not an address"},
      {"fe80::1%eth0\n", "line 1: 'fe80::1%eth0' is not an address"},
      {" 203.0.113.5\n", "line 1: ' 203.0.113.5' is not an address"},
      {"203.0.113.5\r\n", "line 1: '203.0.113.5\\x0D' is not an address"},
      {"1.2.3.4\n\x1b[2J\n", "line 2: '\\x1B[2J' is not an address"},
  };
  for (const auto& [text, message] : bad) {
    ips = {"kept?"};
    std::optional<std::string> err = ParseBanList(text, ips);
    ASSERT_TRUE(err) << text;
    EXPECT_EQ(message, *err);
    EXPECT_TRUE(ips.empty()) << text;
  }
  // A long line is cut in the message.
  std::optional<std::string> err = ParseBanList(std::string(500, 'a'), ips);
  ASSERT_TRUE(err);
  EXPECT_EQ("line 1: '" + std::string(80, 'a') + "...' is not an address", *err);
}

}  // namespace
}  // namespace mls
