#include "firewall.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "text_safety.h"

namespace mls {

void Allowlist::AddLocal() {
  for (const char* n : {"127.0.0.0/8", "::1"}) Add(*ParseIpNet(n));
  struct ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return;
  for (struct ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    IpAddress a;
    if (i->ifa_addr->sa_family == AF_INET) {
      a.family = AF_INET;
      std::memcpy(a.bytes, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      a.family = AF_INET6;
      std::memcpy(a.bytes, &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    Add(NetOf(a, a.family == AF_INET ? 32 : 128));
  }
  ::freeifaddrs(list);
}

bool Allowlist::Contains(const IpAddress& a) const {
  return std::any_of(nets_.begin(), nets_.end(), [&](const IpNet& n) { return NetContains(n, a); });
}

bool Allowlist::Contains(std::string_view ip_text) const {
  std::optional<IpAddress> a = ParseIp(ip_text);
  return a && Contains(*a);
}

bool Allowlist::Overlaps(const IpNet& net) const {
  return std::any_of(nets_.begin(), nets_.end(), [&](const IpNet& n) {
    if (n.addr.family != net.addr.family) return false;
    // Two networks overlap when the shorter prefix contains the other's address.
    return n.prefix <= net.prefix ? NetContains(n, net.addr) : NetContains(net, n.addr);
  });
}

std::optional<std::string> AddToAllowlist(std::string_view text, Allowlist& list) {
  std::vector<IpNet> nets;
  if (auto err = ParseIpNetList(text, nets)) return err;
  for (const IpNet& n : nets) list.Add(n);
  return std::nullopt;
}

std::optional<std::string> ParseBanList(std::string_view text, std::vector<std::string>& ips) {
  std::vector<std::string> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    std::optional<IpAddress> a = ParseIp(line);
    if (!a) {
      ips.clear();
      constexpr std::size_t kShown = 80;
      return "line " + std::to_string(line_no) + ": '" + DisplayText(line.substr(0, kShown)) +
             (line.size() > kShown ? "..." : "") + "' is not an address";
    }
    char canonical[kIpTextSize];
    FormatIp(Unmapped(*a), canonical);
    out.emplace_back(canonical);
  }
  ips = std::move(out);
  return std::nullopt;
}

bool ValidNftName(std::string_view name) {
  if (name.empty() || name.size() > 32 || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string RenderNft(const std::vector<std::string>& ips, const NftOptions& o,
                      const Allowlist& allow) {
  // The elements, by family, each once; with ranges, a network's own
  // addresses are not listed again.
  std::set<std::string> elements[2];
  std::vector<IpNet> nets;
  for (const std::string& text : ips) {
    std::optional<IpAddress> parsed = ParseIp(text);
    if (!parsed || allow.Contains(*parsed)) continue;
    const IpAddress a = Unmapped(*parsed);
    const int bits = a.family == AF_INET ? 32 : 128;
    IpNet net = NetOf(a, bits);
    if (o.ranges) {
      IpNet range = NetOf(a, a.family == AF_INET ? 24 : 64);
      if (!allow.Overlaps(range)) net = range;
    }
    nets.push_back(net);
  }
  for (const IpNet& n : nets) {
    const bool covered = std::any_of(nets.begin(), nets.end(), [&](const IpNet& m) {
      return m.prefix < n.prefix && NetContains(m, n.addr);
    });
    if (covered) continue;
    const int bits = n.addr.family == AF_INET ? 32 : 128;
    char text[kIpTextSize];
    FormatIp(n.addr, text);
    elements[n.addr.family == AF_INET ? 0 : 1].insert(n.prefix == bits ? std::string(text)
                                                                       : FormatIpNet(n));
  }
  const std::string t = "inet " + o.table;
  const std::string timeout = " timeout " + std::to_string(o.ban_seconds) + "s";
  std::string out = "# maillogsentinel: " + std::to_string(elements[0].size()) + " IPv4 and " +
                    std::to_string(elements[1].size()) + " IPv6 bans for " +
                    std::to_string(o.ban_seconds) + "s (mls-report --format nft | nft -f -)\n";
  out += "add table " + t + "\n";
  out += "add set " + t + " ban4 { type ipv4_addr; flags interval,timeout; }\n";
  out += "add set " + t + " ban6 { type ipv6_addr; flags interval,timeout; }\n";
  out +=
      "add chain " + t + " input { type filter hook input priority filter - 5; policy accept; }\n";
  out += "flush chain " + t + " input\n";
  out += "add rule " + t + " input ip saddr @ban4 drop\n";
  out += "add rule " + t + " input ip6 saddr @ban6 drop\n";
  const char* sets[2] = {"ban4", "ban6"};
  for (int f = 0; f < 2; ++f) {
    if (elements[f].empty()) continue;
    std::string with, without;
    for (const std::string& e : elements[f]) {
      with += (with.empty() ? "" : ", ") + e + timeout;
      without += (without.empty() ? "" : ", ") + e;
    }
    const std::string set = t + " " + sets[f];
    out += "add element " + set + " { " + with + " }\n";
    out += "delete element " + set + " { " + without + " }\n";
    out += "add element " + set + " { " + with + " }\n";
  }
  return out;
}

}  // namespace mls
