#pragma once
// IP addresses in text: parsing and validation (inet_pton(3)'s forms, nothing
// else: no zone ids, brackets, spaces or NULs), the reduction of an
// IPv4-mapped IPv6 address (::ffff:a.b.c.d) to its IPv4 address, and the
// canonical text every stage writes and compares: IPv4 in dotted-quad form,
// IPv6 in inet_ntop(3) form. mls-parse writes canonical text; mls-report
// canonicalises the dataset's cells again (older rows, hand edits).

#include <arpa/inet.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mls {

// Room for the canonical text of any address, with its NUL.
inline constexpr std::size_t kIpTextSize = INET6_ADDRSTRLEN;

struct IpAddress {
  int family = AF_INET;          // AF_INET or AF_INET6
  unsigned char bytes[16] = {};  // network order; 4 used for AF_INET
};

// An address in text form, or nullopt. IPv4-mapped IPv6 stays IPv6 (see Unmapped).
std::optional<IpAddress> ParseIp(std::string_view text);
// The same, only for the given family (AF_INET or AF_INET6).
std::optional<IpAddress> ParseIp(std::string_view text, int family);
bool IsIpAddress(std::string_view text);

// ::ffff:a.b.c.d as a.b.c.d; anything else as it is.
IpAddress Unmapped(const IpAddress& a);

// Canonical text of `a` into `out` (kIpTextSize bytes, NUL-terminated).
void FormatIp(const IpAddress& a, char* out);

// A network: an address and a prefix length (0..32 or 0..128), host bits zero.
struct IpNet {
  IpAddress addr;
  int prefix = 0;
};
// "192.0.2.0/24", "2001:db8::/32", or a bare address (/32, /128); host bits set
// are cleared ("192.0.2.7/24" is 192.0.2.0/24). nullopt for anything else.
std::optional<IpNet> ParseIpNet(std::string_view text);
// The network of `a` with `prefix` bits (an IPv4-mapped address as IPv4).
IpNet NetOf(const IpAddress& a, int prefix);
// Whether `a` (an IPv4-mapped address as IPv4) is in `net`.
bool NetContains(const IpNet& net, const IpAddress& a);
// "192.0.2.0/24" (always with the prefix).
std::string FormatIpNet(const IpNet& net);
// "192.0.2.0/24, 2001:db8::/32 10.0.0.1" (',' or spaces between) appended to
// `nets`; the error names the first bad entry (then nothing is appended).
std::optional<std::string> ParseIpNetList(std::string_view text, std::vector<IpNet>& nets);

// Validates `text` and writes the canonical text of its address (IPv4-mapped
// reduced to IPv4) to `out` (kIpTextSize bytes). False if it is no address.
bool CanonicalIp(std::string_view text, char* out);

// CanonicalIp for a stream of cells, without a copy for the common case (a
// canonical dotted quad): `out` is a view of the cell itself or of this
// object's buffer (valid until the next call). False when the cell is not an
// address: `out` is then the cell as is.
class IpCanonicaliser {
 public:
  bool Canon(std::string_view cell, std::string_view& out);

 private:
  char out_[kIpTextSize] = {};
};

}  // namespace mls
