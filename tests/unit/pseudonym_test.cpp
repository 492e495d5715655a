#include "pseudonym.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "ip.h"
#include "test_files.h"

namespace mls {
namespace {

PseudonymKey Key(std::uint8_t seed) {
  PseudonymKey k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed + i * 7);
  return k;
}

std::string V4(std::uint32_t v) {
  return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." +
         std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
}

// Bits in common at the start of two addresses of one family.
int CommonPrefix(const IpAddress& a, const IpAddress& b) {
  const int bytes = a.family == AF_INET ? 4 : 16;
  int n = 0;
  for (int i = 0; i < bytes; ++i) {
    std::uint8_t x = a.bytes[i] ^ b.bytes[i];
    if (x == 0) {
      n += 8;
      continue;
    }
    while (!(x & 0x80)) {
      ++n;
      x = static_cast<std::uint8_t>(x << 1);
    }
    return n;
  }
  return n;
}

TEST(Pseudonyms, SameKeySameOutputOtherKeyOther) {
  Pseudonyms a(Key(1), false), b(Key(1), false), c(Key(2), false);
  EXPECT_EQ(*a.Ip("192.0.2.7"), *b.Ip("192.0.2.7"));
  EXPECT_NE(*a.Ip("192.0.2.7"), *c.Ip("192.0.2.7"));
  EXPECT_EQ(a.User("alice"), b.User("alice"));
  EXPECT_NE(a.User("alice"), c.User("alice"));
  EXPECT_EQ(a.Domain("Mail.Example.ORG"), b.Domain("mail.example.org"));
  EXPECT_NE(a.Domain("mail.example.org"), c.Domain("mail.example.org"));
  EXPECT_TRUE(a.User("alice").starts_with("user-"));
  EXPECT_TRUE(a.Domain("example.org").starts_with("example-"));
  EXPECT_TRUE(a.Domain("example.org").ends_with(".invalid"));
  EXPECT_TRUE(a.Other("secret").starts_with("redacted-"));
  EXPECT_EQ(a.Email("bob", "Example.org"),
            std::string(a.User("bob")) + "@" + std::string(a.Domain("example.org")));
}

TEST(Pseudonyms, FamiliesStayAndMappedStaysMapped) {
  for (bool prefix : {false, true}) {
    Pseudonyms p(Key(3), prefix);
    auto v4 = p.Ip("198.51.100.23");
    ASSERT_TRUE(v4);
    EXPECT_TRUE(ParseIp(*v4, AF_INET)) << *v4;
    auto v6 = p.Ip("2001:db8::1");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(ParseIp(*v6, AF_INET6)) << *v6;
    EXPECT_FALSE(std::string(*v6).starts_with("::ffff:"));
    auto mapped = p.Ip("::ffff:198.51.100.23");
    ASSERT_TRUE(mapped);
    EXPECT_EQ(*mapped, "::ffff:" + std::string(*p.Ip("198.51.100.23")));
    EXPECT_FALSE(p.Ip("not-an-address"));
    EXPECT_FALSE(p.Ip("1.2.3"));
  }
}

TEST(Pseudonyms, PrefixPreservingKeepsExactlyTheCommonPrefix) {
  Pseudonyms p(Key(4), true);
  std::mt19937_64 rng(11);
  for (int i = 0; i < 2000; ++i) {
    IpAddress a, b;
    const bool six = i % 2;
    a.family = b.family = six ? AF_INET6 : AF_INET;
    const int bytes = six ? 16 : 4;
    for (int k = 0; k < bytes; ++k) a.bytes[k] = b.bytes[k] = static_cast<std::uint8_t>(rng());
    // b shares a random-length prefix with a, then differs.
    const int keep = static_cast<int>(rng() % (bytes * 8));
    b.bytes[keep / 8] ^= static_cast<std::uint8_t>(0x80 >> (keep % 8));
    for (int bit = keep + 1; bit < bytes * 8; ++bit)
      if (rng() & 1) b.bytes[bit / 8] ^= static_cast<std::uint8_t>(0x80 >> (bit % 8));
    ASSERT_EQ(CommonPrefix(a, b), keep);
    EXPECT_EQ(CommonPrefix(p.Address(a), p.Address(b)), keep) << "pair " << i;
  }
}

TEST(Pseudonyms, DefaultModeDoesNotKeepPrefixes) {
  Pseudonyms p(Key(5), false);
  int kept = 0;
  for (std::uint32_t i = 1; i < 200; ++i) {
    auto a = ParseIp(*p.Ip(V4(0xC0000200u + i)));
    auto b = ParseIp(*p.Ip(V4(0xC0000200u + i + 1)));
    if (CommonPrefix(*a, *b) >= 24) ++kept;
  }
  EXPECT_LT(kept, 10);  // a /24's neighbours scatter
}

TEST(Pseudonyms, UniqueAcross100000DistinctInputs) {
  for (bool prefix : {false, true}) {
    Pseudonyms p(Key(6), prefix);
    std::set<std::string> ips, users, domains, v6;
    std::mt19937 rng(5);
    std::set<std::uint32_t> seen;
    while (seen.size() < 100000) seen.insert(rng());
    for (std::uint32_t v : seen) ips.insert(std::string(*p.Ip(V4(v))));
    EXPECT_EQ(ips.size(), 100000u);
    for (int i = 0; i < (prefix ? 20000 : 100000); ++i) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "2001:db8:%x::%x", i & 0xffff, i >> 16);
      v6.insert(std::string(*p.Ip(buf)));
    }
    EXPECT_EQ(v6.size(), prefix ? 20000u : 100000u);
    if (prefix) continue;
    for (int i = 0; i < 100000; ++i) {
      users.insert(std::string(p.User("u" + std::to_string(i))));
      domains.insert(std::string(p.Domain("host" + std::to_string(i) + ".example.org")));
    }
    EXPECT_EQ(users.size(), 100000u);
    EXPECT_EQ(domains.size(), 100000u);
  }
}

TEST(Pseudonyms, MapListsEveryValueSorted) {
  Pseudonyms p(Key(7), false);
  p.Ip("192.0.2.1");
  p.Ip("::ffff:192.0.2.1");  // the same address: one entry
  p.User("a\tb");
  p.Domain("example.org");
  p.Other("x");
  const std::string map = p.Map();
  EXPECT_EQ(p.size(), 5u);  // 192.0.2.1 and ::ffff:192.0.2.1 are two texts of two addresses
  EXPECT_NE(map.find("ip\t192.0.2.1\t" + std::string(*p.Ip("192.0.2.1")) + "\n"), std::string::npos)
      << map;
  EXPECT_NE(map.find("user\ta\\tb\t"), std::string::npos) << map;
  EXPECT_NE(map.find("domain\texample.org\texample-"), std::string::npos);
  EXPECT_NE(map.find("other\tx\tredacted-"), std::string::npos);
}

TEST(Pseudonyms, KeyFiles) {
  ScratchDir dir;
  PseudonymKey k1, k2;
  WriteAll(dir.path() + "/short", "0123456789");
  auto err = LoadPseudonymKey(dir.path() + "/short", k1);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("at least 16 bytes"), std::string::npos) << *err;
  WriteAll(dir.path() + "/k", "0123456789abcdef0123");
  ASSERT_FALSE(LoadPseudonymKey(dir.path() + "/k", k1));
  ASSERT_FALSE(LoadPseudonymKey(dir.path() + "/k", k2));
  EXPECT_EQ(k1, k2);
  EXPECT_TRUE(LoadPseudonymKey(dir.path() + "/missing", k1));
  EXPECT_NE(RandomPseudonymKey(), RandomPseudonymKey());
}

}  // namespace
}  // namespace mls
