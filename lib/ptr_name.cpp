#include "ptr_name.h"

#include <cstdint>

#include "ip.h"

namespace mls {

std::optional<std::string> ReverseName(std::string_view ip) {
  std::optional<IpAddress> addr = ParseIp(ip);
  if (!addr) return std::nullopt;
  const unsigned char* a = addr->bytes;
  std::string out;
  if (addr->family == AF_INET) {
    for (int i = 3; i >= 0; --i) {
      out += std::to_string(a[i]);
      out += '.';
    }
    out += "in-addr.arpa";
    return out;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(72);
  for (int i = 15; i >= 0; --i) {
    out += kHex[a[i] & 0xf];
    out += '.';
    out += kHex[a[i] >> 4];
    out += '.';
  }
  out += "ip6.arpa";
  return out;
}

namespace {

class Reader {
 public:
  Reader(const unsigned char* msg, std::size_t len) : msg_(msg), len_(len) {}

  bool U16(std::size_t& pos, std::uint16_t& v) const {
    if (pos + 2 > len_) return false;
    v = static_cast<std::uint16_t>(msg_[pos] << 8 | msg_[pos + 1]);
    pos += 2;
    return true;
  }

  // Moves `pos` past the name that starts there (labels, maybe ending in a pointer).
  bool SkipName(std::size_t& pos) const {
    for (;;) {
      if (pos >= len_) return false;
      unsigned char c = msg_[pos];
      if ((c & 0xc0) == 0xc0) {
        pos += 2;
        return pos <= len_;
      }
      if (c & 0xc0) return false;  // extended/reserved label types
      pos += 1u + c;
      if (c == 0) return true;
    }
  }

  // Decodes the name at `pos` (following compression pointers) into `out`.
  bool Name(std::size_t pos, std::string& out) const {
    std::size_t wire = 0;  // RFC 1035: at most 255 octets including length bytes
    int jumps = 0;
    out.clear();
    for (;;) {
      if (pos >= len_) return false;
      unsigned char c = msg_[pos];
      if ((c & 0xc0) == 0xc0) {
        if (pos + 1 >= len_ || ++jumps > 127) return false;
        pos = static_cast<std::size_t>((c & 0x3f) << 8 | msg_[pos + 1]);
        continue;
      }
      if (c & 0xc0) return false;
      wire += 1u + c;
      if (wire > 255) return false;
      if (c == 0) return true;
      if (pos + 1 + c > len_) return false;
      if (!out.empty() || wire > 1u + c) out += '.';
      out.append(reinterpret_cast<const char*>(msg_ + pos + 1), c);
      pos += 1u + c;
    }
  }

 private:
  const unsigned char* msg_;
  std::size_t len_;
};

}  // namespace

PtrAnswer ParsePtrAnswer(const unsigned char* msg, std::size_t len) {
  constexpr std::uint16_t kTypePtr = 12, kClassIn = 1;
  PtrAnswer bad;
  Reader r(msg, len);
  std::size_t pos = 4;
  std::uint16_t qd = 0, an = 0;
  if (!r.U16(pos, qd) || !r.U16(pos, an)) return bad;
  pos = 12;
  for (std::uint16_t i = 0; i < qd; ++i) {
    if (!r.SkipName(pos)) return bad;
    pos += 4;
    if (pos > len) return bad;
  }
  for (std::uint16_t i = 0; i < an; ++i) {
    std::uint16_t type = 0, klass = 0, rdlen = 0, ttl_hi = 0, ttl_lo = 0;
    if (!r.SkipName(pos) || !r.U16(pos, type) || !r.U16(pos, klass) || !r.U16(pos, ttl_hi) ||
        !r.U16(pos, ttl_lo) || !r.U16(pos, rdlen) || pos + rdlen > len)
      return bad;
    if (type == kTypePtr && klass == kClassIn) {
      PtrAnswer a;
      if (!r.Name(pos, a.name)) return bad;
      a.kind = PtrAnswer::kName;
      return a;
    }
    pos += rdlen;
  }
  PtrAnswer none;
  none.kind = PtrAnswer::kNoPtr;
  return none;
}

}  // namespace mls
