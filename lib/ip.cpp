#include "ip.h"

#include <algorithm>
#include <cstring>

namespace mls {
namespace {

unsigned Digit(char c) { return static_cast<unsigned>(static_cast<unsigned char>(c) - '0'); }

// Whether s is an IPv4 address in canonical dotted-quad form (checked without a
// copy; unrolled: it runs on every address mls-parse reads).
bool IsCanonicalIpv4(std::string_view s) {
  if (s.size() < 7 || s.size() > 15) return false;
  const char* p = s.data();
  const char* const end = p + s.size();
  for (int part = 0;; ++part) {
    unsigned v = Digit(*p++);
    if (v > 9) return false;
    if (p < end && Digit(*p) <= 9) {
      if (v == 0) return false;  // a leading zero
      v = v * 10 + Digit(*p++);
      if (p < end && Digit(*p) <= 9) {
        v = v * 10 + Digit(*p++);
        if (v > 255) return false;
      }
    }
    if (part == 3) return p == end;
    if (p + 1 >= end || *p != '.') return false;  // a dot, then at least a digit
    ++p;
  }
}

// inet_ntop for IPv4, without its sprintf.
void FormatIpv4(const unsigned char* b, char* out) {
  for (int i = 0; i < 4; ++i) {
    const unsigned v = b[i];
    if (v >= 100) *out++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *out++ = static_cast<char>('0' + v / 10 % 10);
    *out++ = static_cast<char>('0' + v % 10);
    *out++ = i < 3 ? '.' : '\0';
  }
}

// inet_ntop for IPv6, without the sprintf it calls for each group (the same
// text: hex without leading zeros, the first longest run of two or more zero
// groups as "::", and ::a.b.c.d / ::ffff:0:a.b.c.d forms as glibc writes them;
// tests/unit/ip_test.cpp compares the two on every zero pattern).
void FormatIpv6(const unsigned char* b, char* out) {
  unsigned words[8];
  for (int i = 0; i < 8; ++i) words[i] = (unsigned{b[2 * i]} << 8) | b[2 * i + 1];
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (words[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && words[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best = -1;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) {
    if (best >= 0 && i >= best && i < best + best_len) {
      if (i == best) *out++ = ':';
      continue;
    }
    if (i != 0) *out++ = ':';
    if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
      FormatIpv4(b + 12, out);
      return;
    }
    const unsigned w = words[i];
    if (w >= 0x1000) *out++ = kHex[w >> 12];
    if (w >= 0x100) *out++ = kHex[(w >> 8) & 15];
    if (w >= 0x10) *out++ = kHex[(w >> 4) & 15];
    *out++ = kHex[w & 15];
  }
  if (best >= 0 && best + best_len == 8) *out++ = ':';
  *out = '\0';
}

constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

std::optional<IpAddress> ParseIp(std::string_view text, int family) {
  // Every valid form is shorter than INET6_ADDRSTRLEN (::ffff:a.b.c.d included).
  char buf[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  a.family = family;
  if (::inet_pton(family, buf, a.bytes) != 1) return std::nullopt;
  return a;
}

std::optional<IpAddress> ParseIp(std::string_view text) {
  if (text.find(':') == std::string_view::npos) return ParseIp(text, AF_INET);
  return ParseIp(text, AF_INET6);
}

bool IsIpAddress(std::string_view text) { return ParseIp(text).has_value(); }

IpNet NetOf(const IpAddress& address, int prefix) {
  IpNet n{Unmapped(address), prefix};
  const int bits = n.addr.family == AF_INET ? 32 : 128;
  if (n.prefix < 0) n.prefix = 0;
  if (n.prefix > bits) n.prefix = bits;
  for (int i = n.prefix; i < bits; ++i)
    n.addr.bytes[i / 8] = static_cast<unsigned char>(n.addr.bytes[i / 8] & ~(0x80 >> (i % 8)));
  return n;
}

std::optional<IpNet> ParseIpNet(std::string_view text) {
  const std::size_t slash = text.find('/');
  std::optional<IpAddress> a = ParseIp(text.substr(0, slash));
  if (!a) return std::nullopt;
  IpAddress u = Unmapped(*a);
  const int bits = u.family == AF_INET ? 32 : 128;
  int prefix = bits;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3) return std::nullopt;
    prefix = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return std::nullopt;
      prefix = prefix * 10 + (c - '0');
    }
    if (prefix > bits) return std::nullopt;
  }
  return NetOf(u, prefix);
}

bool NetContains(const IpNet& net, const IpAddress& address) {
  const IpAddress a = Unmapped(address);
  if (a.family != net.addr.family) return false;
  const IpNet n = NetOf(a, net.prefix);
  return std::equal(n.addr.bytes, n.addr.bytes + (a.family == AF_INET ? 4 : 16), net.addr.bytes);
}

std::string FormatIpNet(const IpNet& net) {
  char text[kIpTextSize];
  FormatIp(net.addr, text);
  return std::string(text) + "/" + std::to_string(net.prefix);
}

std::optional<std::string> ParseIpNetList(std::string_view text, std::vector<IpNet>& nets) {
  std::vector<IpNet> out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = text.find_first_of(", \t", i);
    if (end == std::string_view::npos) end = text.size();
    if (end > i) {
      std::string_view item = text.substr(i, end - i);
      std::optional<IpNet> net = ParseIpNet(item);
      if (!net)
        return "'" + std::string(item) +
               "' is not an address or a network (192.0.2.0/24, 2001:db8::/32)";
      out.push_back(*net);
    }
    i = end + 1;
  }
  nets.insert(nets.end(), out.begin(), out.end());
  return std::nullopt;
}

IpAddress Unmapped(const IpAddress& a) {
  if (a.family != AF_INET6 || std::memcmp(a.bytes, kMapped, sizeof kMapped) != 0) return a;
  IpAddress v4;
  v4.family = AF_INET;
  std::memcpy(v4.bytes, a.bytes + 12, 4);
  return v4;
}

void FormatIp(const IpAddress& a, char* out) {
  if (a.family == AF_INET) {
    FormatIpv4(a.bytes, out);
  } else {
    FormatIpv6(a.bytes, out);
  }
}

bool CanonicalIp(std::string_view text, char* out) {
  if (IsCanonicalIpv4(text)) {  // the usual case, already its own canonical text
    std::memcpy(out, text.data(), text.size());
    out[text.size()] = '\0';
    return true;
  }
  std::optional<IpAddress> a = ParseIp(text);
  if (!a) return false;
  FormatIp(Unmapped(*a), out);
  return true;
}

bool IpCanonicaliser::Canon(std::string_view cell, std::string_view& out) {
  out = cell;
  if (IsCanonicalIpv4(cell)) return true;
  if (!CanonicalIp(cell, out_)) return false;
  out = out_;
  return true;
}

}  // namespace mls
