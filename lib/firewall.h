#pragma once
// The firewall feed (mls-report --format nft, mls-report(1) FIREWALL): the
// allowlist no ban may touch, and the nftables batch that bans addresses for a
// while, refreshing the timeout of those already banned.
//
// The batch, for `nft -f -` (one atomic transaction):
//   add table inet TABLE
//   add set inet TABLE ban4 { type ipv4_addr; flags interval,timeout; }   (ban6 likewise)
//   add chain inet TABLE input { type filter hook input priority filter - 5; policy accept; }
//   flush chain inet TABLE input
//   add rule inet TABLE input ip saddr @ban4 drop                          (ip6 ... @ban6)
//   add element ...    { A timeout Ns, ... }   the elements exist afterwards
//   delete element ... { A, ... }              and go
//   add element ...    { A timeout Ns, ... }   to come back with a fresh timeout
// Re-running it changes nothing but the timeouts; elements expire by
// themselves. Only addresses validated by ParseIp and printed in canonical form
// reach it: never a host name, a zone id or anything else from the dataset.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ip.h"

namespace mls {

class Allowlist {
 public:
  void Add(const IpNet& net) { nets_.push_back(net); }
  // Loopback (127.0.0.0/8, ::1) and the addresses of this host's interfaces.
  void AddLocal();
  bool Contains(const IpAddress& a) const;
  bool Contains(std::string_view ip_text) const;  // false for what is no address
  bool Overlaps(const IpNet& net) const;          // a network with an allowed address in it
  const std::vector<IpNet>& nets() const { return nets_; }

 private:
  std::vector<IpNet> nets_;
};

// "192.0.2.0/24, 2001:db8::/32 10.0.0.1" (',' or spaces between) into `list`;
// the error names the first bad entry.
std::optional<std::string> AddToAllowlist(std::string_view text, Allowlist& list);

struct NftOptions {
  std::string table = "maillogsentinel";
  std::int64_t ban_seconds = 3600;
  // Ban the /24 (IPv4) or /64 (IPv6) of each address instead of the address,
  // unless that network holds an allowed address; overlaps merged.
  bool ranges = false;
};

// The batch banning `ips` (text; what is not an address or is allowed is left out).
std::string RenderNft(const std::vector<std::string>& ips, const NftOptions& options,
                      const Allowlist& allow);

// The addresses of a ban list (mls-report --ban-list; what --format ips prints):
// one address per line, each line ended by '\n' (a last line without it counts
// too). Anything else on a line (a network, a host name, a space, a zone id, an
// empty line) is an error naming the line and showing it by DisplayText, and
// `ips` is then left empty: a list with one bad line bans nothing.
std::optional<std::string> ParseBanList(std::string_view text, std::vector<std::string>& ips);

// A table name nft takes as is: letters, digits, '_', at most 32, not starting with a digit.
bool ValidNftName(std::string_view name);

}  // namespace mls
