#include "dns_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace mls {
namespace {

const DnsAnswer kMail{RdnsStatus::kOk, "mail.example.com"};
const DnsAnswer kNx{RdnsStatus::kNxdomain, ""};

TEST(RdnsStatus, NamesRoundTrip) {
  for (const char* n : {"OK", "NXDOMAIN", "SERVFAIL", "TIMEOUT", "REFUSED", "NODATA", "ERROR",
                        "DISABLED"})
    EXPECT_EQ(n, RdnsStatusName(*ParseRdnsStatus(n)));
  EXPECT_EQ(std::nullopt, ParseRdnsStatus("ok"));
  EXPECT_EQ(std::nullopt, ParseRdnsStatus(""));
}

TEST(DnsCache, HitAndMiss) {
  DnsCache c(10, 100);
  EXPECT_EQ(nullptr, c.Get("192.0.2.1", 1000));
  c.Put("192.0.2.1", kMail, 1000);
  ASSERT_NE(nullptr, c.Get("192.0.2.1", 1000));
  EXPECT_EQ(kMail, *c.Get("192.0.2.1", 1099));
  c.Put("192.0.2.1", kNx, 1050);  // replaced
  EXPECT_EQ(kNx, *c.Get("192.0.2.1", 1051));
  EXPECT_EQ(1u, c.size());
}

TEST(DnsCache, LruBound) {
  DnsCache c(3, 100);
  c.Put("192.0.2.1", kMail, 0);
  c.Put("192.0.2.2", kNx, 0);
  c.Put("192.0.2.3", kNx, 0);
  ASSERT_NE(nullptr, c.Get("192.0.2.1", 1));  // now the most recently used
  c.Put("192.0.2.4", kNx, 1);                 // evicts .2, the least recently used
  EXPECT_EQ(3u, c.size());
  EXPECT_EQ(nullptr, c.Get("192.0.2.2", 1));
  EXPECT_NE(nullptr, c.Get("192.0.2.1", 1));
  EXPECT_NE(nullptr, c.Get("192.0.2.3", 1));
  EXPECT_NE(nullptr, c.Get("192.0.2.4", 1));
  for (int i = 0; i < 1000; ++i) c.Put("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), kNx, 2);
  EXPECT_EQ(3u, c.size());
}

TEST(DnsCache, ZeroCapacityStoresNothing) {
  DnsCache c(0, 100);
  c.Put("192.0.2.1", kMail, 0);
  EXPECT_EQ(0u, c.size());
  EXPECT_EQ(nullptr, c.Get("192.0.2.1", 0));
}

TEST(DnsCache, TtlExpiry) {
  DnsCache c(10, 100);
  c.Put("192.0.2.1", kMail, 1000);
  EXPECT_NE(nullptr, c.Get("192.0.2.1", 1099));
  EXPECT_EQ(nullptr, c.Get("192.0.2.1", 1100));
  EXPECT_EQ(0u, c.size());  // dropped
}

TEST(DnsCache, NegativeAnswers) {
  DnsCache c(100, 86400);
  const RdnsStatus full[] = {RdnsStatus::kOk, RdnsStatus::kNxdomain, RdnsStatus::kNodata};
  const RdnsStatus brief[] = {RdnsStatus::kServfail, RdnsStatus::kRefused, RdnsStatus::kTimeout};
  for (RdnsStatus s : full) EXPECT_EQ(86400, c.TtlFor(s));
  for (RdnsStatus s : brief) EXPECT_EQ(kDnsFailureTtlSeconds, c.TtlFor(s));
  EXPECT_EQ(0, c.TtlFor(RdnsStatus::kError));
  EXPECT_EQ(0, c.TtlFor(RdnsStatus::kDisabled));

  c.Put("192.0.2.99", kNx, 0);
  c.Put("203.0.113.5", {RdnsStatus::kServfail, ""}, 0);
  c.Put("233.252.0.1", {RdnsStatus::kTimeout, ""}, 0);
  c.Put("192.0.2.7", {RdnsStatus::kError, ""}, 0);
  c.Put("192.0.2.8", {RdnsStatus::kDisabled, ""}, 0);
  EXPECT_EQ(3u, c.size());
  EXPECT_EQ(kNx, *c.Get("192.0.2.99", 86399));
  EXPECT_EQ(nullptr, c.Get("203.0.113.5", kDnsFailureTtlSeconds));
  EXPECT_NE(nullptr, c.Get("233.252.0.1", kDnsFailureTtlSeconds - 1));

  DnsCache short_ttl(10, 60);  // a TTL below the failure cap wins
  EXPECT_EQ(60, short_ttl.TtlFor(RdnsStatus::kTimeout));
}

TEST(DnsCache, PersistenceRoundTripWithHostileNames) {
  const std::string names[] = {
      "tab\there.example.com", "new\nline", "back\\slash\\t", "cr\r", "=cmd|' /C calc'!A0",
      std::string("nul\0byte", 8), "\xff\xfe.\x01", std::string(253, 'x'), ""};
  DnsCache c(100, 1000);
  int i = 0;
  for (const std::string& n : names)
    c.Put("192.0.2." + std::to_string(++i), DnsAnswer{RdnsStatus::kOk, n}, 0);
  c.Put("2001:db8::99", kNx, 0);
  c.Put("203.0.113.5", {RdnsStatus::kRefused, ""}, 0);
  std::string text = c.Serialize(10);

  // One record per line: the hostile names cannot forge lines or fields.
  EXPECT_EQ(0u, text.find("mls-enrich dns-cache v1\n"));
  EXPECT_EQ(1 + 9 + 2, std::count(text.begin(), text.end(), '\n'));

  DnsCache d(100, 1000);
  ASSERT_EQ(std::nullopt, d.Load(text, 10));
  EXPECT_EQ(11u, d.size());
  i = 0;
  for (const std::string& n : names) {
    const DnsAnswer* a = d.Get("192.0.2." + std::to_string(++i), 10);
    ASSERT_NE(nullptr, a);
    EXPECT_EQ(n, a->name);
  }
  EXPECT_EQ(kNx, *d.Get("2001:db8::99", 999));
  EXPECT_EQ((DnsAnswer{RdnsStatus::kRefused, ""}), *d.Get("203.0.113.5", 299));
  EXPECT_EQ(nullptr, d.Get("203.0.113.5", 300));  // the expiry times survived
}

TEST(DnsCache, PersistenceKeepsLruOrder) {
  DnsCache c(3, 1000);
  c.Put("192.0.2.1", kNx, 0);
  c.Put("192.0.2.2", kNx, 0);
  c.Put("192.0.2.3", kNx, 0);
  c.Get("192.0.2.1", 0);  // order, least recent first: .2 .3 .1
  EXPECT_EQ(
      "mls-enrich dns-cache v1\n"
      "192.0.2.2\t1000\tNXDOMAIN\t\n"
      "192.0.2.3\t1000\tNXDOMAIN\t\n"
      "192.0.2.1\t1000\tNXDOMAIN\t\n",
      c.Serialize(0));
  DnsCache d(3, 1000);
  ASSERT_EQ(std::nullopt, d.Load(c.Serialize(0), 0));
  d.Put("192.0.2.4", kNx, 0);  // evicts .2
  EXPECT_EQ(nullptr, d.Get("192.0.2.2", 0));
  EXPECT_NE(nullptr, d.Get("192.0.2.3", 0));

  DnsCache small(2, 1000);  // a smaller cache keeps the most recent entries
  ASSERT_EQ(std::nullopt, small.Load(c.Serialize(0), 0));
  EXPECT_EQ(nullptr, small.Get("192.0.2.2", 0));
  EXPECT_NE(nullptr, small.Get("192.0.2.1", 0));
}

TEST(DnsCache, LoadDropsExpiredAndCapsExpiry) {
  DnsCache c(10, 100);
  ASSERT_EQ(std::nullopt, c.Load("mls-enrich dns-cache v1\n"
                                 "192.0.2.1\t500\tOK\told.example\n"
                                 "192.0.2.2\t999999\tOK\tfar.example\n"
                                 "192.0.2.3\t999999\tTIMEOUT\t\n",
                                 1000));
  EXPECT_EQ(2u, c.size());
  EXPECT_EQ(nullptr, c.Get("192.0.2.1", 1000));
  EXPECT_NE(nullptr, c.Get("192.0.2.2", 1099));
  EXPECT_EQ(nullptr, c.Get("192.0.2.2", 1100));  // at most now + ttl
  EXPECT_EQ(nullptr, c.Get("192.0.2.3", 1100));
  EXPECT_EQ(std::nullopt, c.Load("mls-enrich dns-cache v1\n", 0));
  EXPECT_EQ(0u, c.size());
}

TEST(DnsCache, CorruptFiles) {
  const std::string magic = "mls-enrich dns-cache v1\n";
  const std::string good = "192.0.2.1\t2000\tOK\tmail.example.com\n";
  struct Case {
    std::string text;
    std::string error;
  } cases[] = {
      {"", "1: empty file"},
      {"mls-enrich dns-cache v2\n", "1: not a dns-cache v1 file"},
      {"mls-enrich dns-cache v1", "1: incomplete last line"},
      {magic + good + "192.0.2.2\t2000\tOK\n", "3: expected 4 fields, got 3"},
      {magic + good + "192.0.2.2\t2000\tOK\tx\ty\n", "3: expected 4 fields, got 5"},
      {magic + "192.0.2.2\t2000\tOK\tbad\\x\n", "2: bad escape '\\x' in field 4"},
      {magic + "host\t2000\tOK\tx\n", "2: bad address 'host'"},
      {magic + "192.0.2.2\t20x0\tOK\tx\n", "2: bad expiry time"},
      {magic + "192.0.2.2\t\tOK\tx\n", "2: bad expiry time"},
      {magic + "192.0.2.2\t2000\tok\tx\n", "2: bad status"},
      {magic + "192.0.2.2\t2000\tERROR\t\n", "2: bad status"},
      {magic + "192.0.2.2\t2000\tNXDOMAIN\tx\n", "2: a name with status NXDOMAIN"},
      {magic + good + "192.0.2.2\t2000\tOK\tx", "3: incomplete last line"},
  };
  for (const Case& c : cases) {
    DnsCache cache(10, 1000);
    cache.Put("198.51.100.7", kMail, 1000);
    auto err = cache.Load(c.text, 1000);
    ASSERT_TRUE(err.has_value()) << c.text;
    EXPECT_EQ(c.error, *err) << c.text;
    EXPECT_EQ(0u, cache.size()) << "a corrupt file leaves the cache empty";
  }
}

}  // namespace
}  // namespace mls
