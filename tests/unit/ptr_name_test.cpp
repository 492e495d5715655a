#include "ptr_name.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns_resolver.h"

namespace mls {
namespace {

TEST(ReverseName, Ipv4) {
  EXPECT_EQ("5.113.0.203.in-addr.arpa", ReverseName("203.0.113.5"));
  EXPECT_EQ("0.0.0.0.in-addr.arpa", ReverseName("0.0.0.0"));
  EXPECT_EQ("255.255.255.255.in-addr.arpa", ReverseName("255.255.255.255"));
}

TEST(ReverseName, Ipv6Nibbles) {
  EXPECT_EQ("5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
            ReverseName("2001:db8::25"));
  EXPECT_EQ("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
            ReverseName("::1"));
}

TEST(ReverseName, RejectsNonAddresses) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4 ", " 1.2.3.4", "999.1.1.1", "fe80::1%eth0",
                          "example.com", "1.2.3.4\n", "::g", "1.2.3.4.5"})
    EXPECT_EQ(std::nullopt, ReverseName(bad)) << bad;
  EXPECT_EQ(std::nullopt, ReverseName(std::string(100, '1')));
}

// A DNS reply: header, the question for `qname`, then `answers` raw RRs.
class Packet {
 public:
  explicit Packet(int answers) {
    bytes_ = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, static_cast<unsigned char>(answers), 0, 0, 0, 0};
    Name({"1", "2", "0", "192", "in-addr", "arpa"});
    U16(12);
    U16(1);
  }
  Packet& Name(const std::vector<std::string>& labels) {
    for (const std::string& l : labels) {
      bytes_.push_back(static_cast<unsigned char>(l.size()));
      bytes_.insert(bytes_.end(), l.begin(), l.end());
    }
    bytes_.push_back(0);
    return *this;
  }
  Packet& Pointer(int offset) {
    bytes_.push_back(static_cast<unsigned char>(0xc0 | offset >> 8));
    bytes_.push_back(static_cast<unsigned char>(offset & 0xff));
    return *this;
  }
  Packet& U16(int v) {
    bytes_.push_back(static_cast<unsigned char>(v >> 8));
    bytes_.push_back(static_cast<unsigned char>(v & 0xff));
    return *this;
  }
  // Owner = the question name; rdata appended by the caller, length patched by End().
  Packet& Rr(int type) {
    Pointer(12).U16(type).U16(1).U16(0).U16(3600);
    rdlen_at_ = bytes_.size();
    return U16(0);
  }
  Packet& End() {
    std::size_t len = bytes_.size() - rdlen_at_ - 2;
    bytes_[rdlen_at_] = static_cast<unsigned char>(len >> 8);
    bytes_[rdlen_at_ + 1] = static_cast<unsigned char>(len & 0xff);
    return *this;
  }
  PtrAnswer Parse(std::size_t cut = 0) const {
    return ParsePtrAnswer(bytes_.data(), bytes_.size() - cut);
  }
  std::vector<unsigned char>& bytes() { return bytes_; }

 private:
  std::vector<unsigned char> bytes_;
  std::size_t rdlen_at_ = 0;
};

TEST(ParsePtrAnswer, PlainName) {
  Packet p(1);
  p.Rr(12).Name({"mail", "example", "com"}).End();
  PtrAnswer a = p.Parse();
  EXPECT_EQ(PtrAnswer::kName, a.kind);
  EXPECT_EQ("mail.example.com", a.name);  // no trailing dot
}

TEST(ParsePtrAnswer, FollowsCompressionPointers) {
  Packet p(1);
  p.Rr(12).U16(0x0468).U16(0x6f73).bytes().push_back('t');  // "\4host"
  p.Pointer(12 + 2 + 2 + 2).End();  // -> "192.in-addr.arpa" in the question
  PtrAnswer a = p.Parse();
  EXPECT_EQ(PtrAnswer::kName, a.kind);
  EXPECT_EQ("host.192.in-addr.arpa", a.name);
}

TEST(ParsePtrAnswer, SkipsCnameToThePtr) {
  Packet p(2);
  p.Rr(5).Name({"1", "0-63", "2", "0", "192", "in-addr", "arpa"}).End();
  p.Rr(12).Name({"delegated", "example", "net"}).End();
  EXPECT_EQ("delegated.example.net", p.Parse().name);
}

TEST(ParsePtrAnswer, HostileBytesAreKeptExactly) {
  std::string weird = std::string("a\tb\nc\\d.e\r=cmd", 15) + std::string(1, '\0') + "\xff\x01";
  Packet p(1);
  p.Rr(12).Name({weird, "example", "com"}).End();
  PtrAnswer a = p.Parse();
  ASSERT_EQ(PtrAnswer::kName, a.kind);
  EXPECT_EQ(weird + ".example.com", a.name);  // the '.' inside the label is not escaped
}

TEST(ParsePtrAnswer, LongestLegalName) {
  // 63+1 bytes x 3 + 61+1 + root = 255 wire octets, 253 characters.
  std::vector<std::string> labels = {std::string(63, 'a'), std::string(63, 'b'),
                                     std::string(63, 'c'), std::string(61, 'd')};
  Packet p(1);
  p.Rr(12).Name(labels).End();
  PtrAnswer a = p.Parse();
  ASSERT_EQ(PtrAnswer::kName, a.kind);
  EXPECT_EQ(253u, a.name.size());

  labels.back() += 'd';  // 256 octets: not a DNS name
  Packet q(1);
  q.Rr(12).Name(labels).End();
  EXPECT_EQ(PtrAnswer::kMalformed, q.Parse().kind);
}

TEST(ParsePtrAnswer, RootIsEmpty) {
  Packet p(1);
  p.Rr(12).Name({}).End();
  PtrAnswer a = p.Parse();
  EXPECT_EQ(PtrAnswer::kName, a.kind);
  EXPECT_EQ("", a.name);
}

TEST(ParsePtrAnswer, NoPtrRecord) {
  Packet p(1);
  p.Rr(16).bytes().insert(p.bytes().end(), {3, 'a', 'b', 'c'});
  p.End();
  EXPECT_EQ(PtrAnswer::kNoPtr, p.Parse().kind);
  EXPECT_EQ(PtrAnswer::kNoPtr, Packet(0).Parse().kind);
}

TEST(ParsePtrAnswer, Malformed) {
  Packet p(1);
  p.Rr(12).Name({"mail", "example", "com"}).End();
  for (std::size_t cut = 1; cut < p.bytes().size(); ++cut)
    EXPECT_EQ(PtrAnswer::kMalformed, p.Parse(cut).kind) << "cut " << cut;

  Packet loop(1);
  std::size_t here = loop.bytes().size() + 12;  // where the rdata starts
  loop.Rr(12).Pointer(static_cast<int>(here)).End();
  EXPECT_EQ(PtrAnswer::kMalformed, loop.Parse().kind);

  Packet reserved(1);
  reserved.Rr(12).bytes().push_back(0x40);  // extended label type
  reserved.End();
  EXPECT_EQ(PtrAnswer::kMalformed, reserved.Parse().kind);

  EXPECT_EQ(PtrAnswer::kMalformed, ParsePtrAnswer(nullptr, 0).kind);
}

TEST(NormalizeDnsServer, Forms) {
  std::string out, error;
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {{"127.0.0.1", "127.0.0.1:53"},
               {"127.0.0.1:5353", "127.0.0.1:5353"},
               {"::1", "[::1]:53"},
               {"[::1]", "[::1]:53"},
               {"[::1]:5353", "[::1]:5353"},
               {"2001:db8::53", "[2001:db8::53]:53"}};
  for (const Case& c : cases) {
    ASSERT_TRUE(NormalizeDnsServer(c.in, out, error)) << c.in << ": " << error;
    EXPECT_EQ(c.out, out);
  }
}

TEST(NormalizeDnsServer, Rejects) {
  std::string out, error;
  EXPECT_FALSE(NormalizeDnsServer("dns.example.com", out, error));
  EXPECT_EQ("'dns.example.com': not an IP address (HOST[:PORT], IPv6 as [ADDR]:PORT)", error);
  EXPECT_FALSE(NormalizeDnsServer("127.0.0.1:0", out, error));
  EXPECT_EQ("'127.0.0.1:0': bad port '0'", error);
  EXPECT_FALSE(NormalizeDnsServer("127.0.0.1:65536", out, error));
  EXPECT_FALSE(NormalizeDnsServer("127.0.0.1:", out, error));
  EXPECT_FALSE(NormalizeDnsServer("[::1", out, error));
  EXPECT_FALSE(NormalizeDnsServer("[::1]x", out, error));
  EXPECT_FALSE(NormalizeDnsServer("", out, error));
}

}  // namespace
}  // namespace mls
