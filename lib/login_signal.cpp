#include "login_signal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "dataset.h"
#include "diag.h"

namespace mls {

std::vector<std::string> LoginCaseKinds(const LoginCase& c) {
  std::vector<std::string> v;
  if (c.address) v.push_back("address");
  if (c.account) v.push_back("account");
  return v;
}

std::vector<std::string> LoginCaseNew(const LoginCase& c) {
  std::vector<std::string> v;
  if (c.new_address) v.push_back("address");
  if (c.new_asn) v.push_back("asn");
  if (c.new_country) v.push_back("country");
  return v;
}

LoginSignal::LoginSignal(std::time_t since, std::time_t until, std::int64_t lookback_days)
    : since_(since),
      until_(until),
      from_(since - static_cast<std::time_t>(lookback_days) * 86400),
      lookback_(lookback_days * 86400) {
  out_.lookback_days = lookback_days;
}

std::optional<std::string> LoginSignal::ReadLogins(const std::string& path,
                                                   std::uint64_t& skipped) {
  out_.path = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    return ErrnoMessage(path, errno);
  }
  DatasetScanner scan(fd);
  std::optional<std::string> err;
  if (scan.ReadHeader(DatasetKind::kLogins)) {
    DatasetRecord rec;
    DatasetCells cells;
    while (scan.Next(rec)) {
      if (rec.error) {
        ++skipped;
        continue;
      }
      const std::time_t t = rec.time;
      if (t < from_ || t >= until_) continue;
      scan.Split(rec, cells);
      const std::string ip(cells.c[kDIp]), user(cells.c[kDUser]);
      user_logins_[user].push_back(
          Seen{t, ip, std::string(cells.c[kDAsn]), std::string(cells.c[kDCountry])});
      if (t < since_) continue;
      pair_ips_.insert(ip);
      pair_users_.insert(user);
      Pair& p = pairs_[{ip, user}];
      if (p.count++ == 0 || t < p.first) {
        p.first = t;
        p.hostname = cells.c[kDRdns];
        p.country = cells.c[kDCountry];
        p.asn = cells.c[kDAsn];
        p.as_org = cells.c[kDAsOrg];
      }
    }
  }
  if (scan.error()) err = path + ": " + *scan.error();
  ::close(fd);
  out_.tracked = !err;
  return err;
}

void LoginSignal::AddFailure(std::time_t t, std::string_view ip, std::string_view user) {
  // Only the addresses and users of the window's logins matter.
  std::string ip_key(ip), user_key(user);
  const bool by_ip = pair_ips_.count(ip_key) > 0;
  if (!user.empty() && pair_users_.count(user_key) > 0) by_user_[user_key].emplace_back(t, ip_key);
  if (by_ip) by_ip_[ip_key].emplace_back(t, std::move(user_key));
}

LoginsAfterFailures LoginSignal::Finish() const {
  LoginsAfterFailures out = out_;
  static const std::vector<std::pair<std::time_t, std::string>> kNone;
  auto rows = [](const auto& map, const std::string& key) -> const auto& {
    auto it = map.find(key);
    return it == map.end() ? kNone : it->second;
  };
  for (const auto& [key, p] : pairs_) {
    const auto& [ip, user] = key;
    const std::time_t t0 = p.first, lo = p.first - lookback_;
    LoginCase c;
    // The address's failures before the login.
    std::set<std::string> tried;
    // Failures up to the login's second included: stamps are whole seconds,
    // and a failure logged in the login's second came before it.
    for (const auto& [t, u] : rows(by_ip_, ip)) {
      if (t < lo || t > t0) continue;
      ++c.failures_before;
      if (c.first_failure == 0 || t < c.first_failure) c.first_failure = t;
      c.last_failure = std::max(c.last_failure, t);
      if (!u.empty()) tried.insert(u);
    }
    // The account's failures, and whether this address (AS, country) is new to it.
    std::set<std::string> attackers;
    for (const auto& [t, a] : rows(by_user_, user)) {
      if (t < lo || t > t0) continue;
      ++c.account_failures;
      attackers.insert(a);
    }
    c.account_addresses = attackers.size();
    bool used_address = false, used_asn = false, used_country = false;
    if (auto it = user_logins_.find(user); it != user_logins_.end()) {
      for (const Seen& s : it->second) {
        if (s.t < lo || s.t >= t0) continue;
        used_address = used_address || s.ip == ip;
        used_asn = used_asn || (!p.asn.empty() && s.asn == p.asn);
        used_country = used_country || (!p.country.empty() && s.country == p.country);
      }
    }
    c.address = c.failures_before > 0;
    const bool target =
        c.account_failures >= kTargetFailures || c.account_addresses >= kTargetAddresses;
    c.account = target && !used_address;
    if (!c.address && !c.account) continue;
    c.new_address = !used_address;
    c.new_asn = !p.asn.empty() && !used_asn;
    c.new_country = !p.country.empty() && !used_country;
    c.users_tried_count = tried.size();
    for (const std::string& u : tried) {
      if (c.users_tried.size() == kMaxUsersTriedListed) break;
      c.users_tried.push_back(u);
    }
    const bool other_user =
        std::any_of(tried.begin(), tried.end(),
                    // an init-capture: clang 14 (make fuzz) cannot capture a structured binding
                    [&login = user](const std::string& u) { return u != login; });
    c.high = c.account || c.failures_before >= kAddressHighFailures || other_user;
    c.ip = ip;
    c.user = user;
    c.hostname = p.hostname;
    c.country = p.country;
    c.asn = p.asn;
    c.as_org = p.as_org;
    c.first_login = t0;
    c.logins = p.count;
    ++(c.high ? out.high : out.low);
    out.cases.push_back(std::move(c));
  }
  std::sort(out.cases.begin(), out.cases.end(), [](const LoginCase& a, const LoginCase& b) {
    if (a.high != b.high) return a.high;
    if (a.first_login != b.first_login) return a.first_login < b.first_login;
    if (a.ip != b.ip) return a.ip < b.ip;
    return a.user < b.user;
  });
  return out;
}

}  // namespace mls
