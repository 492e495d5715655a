#include "report_context.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>

#include "oplog.h"
#include "run_stats.h"

namespace mls {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// A usable address to name this host by: not loopback, not link-local.
bool Usable(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    std::uint32_t a = ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr);
    return (a >> 24) != 127 && (a >> 16) != 0xA9FE && a != 0;
  }
  if (sa->sa_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
    return !IN6_IS_ADDR_LOOPBACK(&a) && !IN6_IS_ADDR_LINKLOCAL(&a) &&
           !IN6_IS_ADDR_UNSPECIFIED(&a) && !IN6_IS_ADDR_V4MAPPED(&a);
  }
  return false;
}

std::string AddressText(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = "";
  const void* src =
      sa->sa_family == AF_INET
          ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr)
          : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr);
  if (inet_ntop(sa->sa_family, src, buf, sizeof buf) == nullptr) return "";
  return buf;
}

}  // namespace

HostIdentity LocalHostIdentity() {
  HostIdentity id;
  char name[256] = "";
  if (gethostname(name, sizeof name - 1) == 0) id.fqdn = name;
  if (!id.fqdn.empty() && id.fqdn.find('.') == std::string::npos) {
    // The canonical name, as /etc/hosts (or the resolver) gives it.
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = AI_CANONNAME;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(id.fqdn.c_str(), nullptr, &hints, &res) == 0) {
      if (res != nullptr && res->ai_canonname != nullptr && *res->ai_canonname != '\0') {
        id.fqdn = res->ai_canonname;
      }
      freeaddrinfo(res);
    }
  }
  ifaddrs* ifs = nullptr;
  if (getifaddrs(&ifs) == 0) {
    for (int family : {AF_INET, AF_INET6}) {
      for (ifaddrs* i = ifs; i != nullptr && id.address.empty(); i = i->ifa_next) {
        if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != family) continue;
        if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
        if (Usable(i->ifa_addr)) id.address = AddressText(i->ifa_addr);
      }
    }
    freeifaddrs(ifs);
  }
  return id;
}

std::optional<std::string> ExtractionSchedule(const std::vector<std::string>& unit_dirs) {
  static constexpr std::string_view kTriggers[] = {"OnActiveSec",       "OnBootSec",
                                                   "OnStartupSec",      "OnUnitActiveSec",
                                                   "OnUnitInactiveSec", "OnCalendar"};
  for (const std::string& dir : unit_dirs) {
    std::ifstream in(dir + "/maillogsentinel-extract.timer");
    if (!in) continue;
    std::vector<std::string> found;
    std::string raw, line;
    bool in_timer = false;
    while (std::getline(in, raw)) {
      // A trailing backslash continues the line.
      std::string_view part = Trim(raw);
      if (!part.empty() && part.back() == '\\') {
        line += std::string(Trim(part.substr(0, part.size() - 1))) + " ";
        continue;
      }
      line += std::string(part);
      std::string_view l = Trim(line);
      if (l.empty() || l.front() == '#' || l.front() == ';') {
        line.clear();
        continue;
      }
      if (l.front() == '[') {
        in_timer = l == "[Timer]";
      } else if (in_timer) {
        std::size_t eq = l.find('=');
        if (eq != std::string_view::npos) {
          std::string_view key = Trim(l.substr(0, eq)), value = Trim(l.substr(eq + 1));
          for (std::string_view t : kTriggers) {
            if (key != t) continue;
            if (value.empty()) {
              found.clear();  // systemd: an empty assignment resets the list
            } else {
              found.push_back(std::string(key) + "=" + std::string(value));
            }
          }
        }
      }
      line.clear();
    }
    std::string joined;
    for (const std::string& f : found) joined += (joined.empty() ? "" : ", ") + f;
    return joined;
  }
  return std::nullopt;
}

std::vector<std::string> DefaultUnitDirs() {
  return {"/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
          "/lib/systemd/system", "/usr/lib/systemd/system"};
}

OpLogFacts ReadOpLogFacts(const std::string& path, std::time_t since, std::time_t until) {
  OpLogFacts facts;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return facts;
  constexpr std::string_view kTag = "maillogsentinel: ";
  constexpr std::size_t kMaxLine = 64 * 1024;  // longer lines are not ours: skipped
  auto handle = [&](std::string_view l) {
    std::size_t len = 0;
    std::optional<std::time_t> t = ParseOpLogTime(l, len);
    if (!t || len >= l.size() || l[len] != ' ') return;
    std::string_view rest = l.substr(len + 1);
    std::size_t sp = rest.find(' ');  // the level
    if (sp == std::string_view::npos) return;
    rest.remove_prefix(sp + 1);
    if (!rest.starts_with(kTag)) return;
    rest.remove_prefix(kTag.size());
    if (!rest.starts_with(kCommittedPrefix)) return;
    rest.remove_prefix(kCommittedPrefix.size());
    if (!facts.last_extraction || *t > *facts.last_extraction) facts.last_extraction = t;
    if (*t >= since && *t < until) {
      facts.outages += ParseSummaryOutages(rest);
      facts.suppressed += ParseSummarySuppressed(rest);
    }
  };
  std::string buf;
  bool overlong = false;
  char block[64 * 1024];
  bool failed = false;
  for (;;) {
    ssize_t n = read(fd, block, sizeof block);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      failed = true;
      break;
    }
    if (n == 0) break;
    std::string_view chunk(block, static_cast<std::size_t>(n));
    while (!chunk.empty()) {
      std::size_t nl = chunk.find('\n');
      std::string_view piece = chunk.substr(0, nl);
      if (!overlong) {
        if (buf.size() + piece.size() > kMaxLine) {
          overlong = true;
          buf.clear();
        } else {
          buf.append(piece);
        }
      }
      if (nl == std::string_view::npos) break;
      if (!overlong) handle(buf);
      buf.clear();
      overlong = false;
      chunk.remove_prefix(nl + 1);
    }
  }
  close(fd);
  if (!overlong && !buf.empty()) handle(buf);  // a last line without '\n'
  facts.readable = !failed;
  if (failed) facts = OpLogFacts{};
  return facts;
}

}  // namespace mls
