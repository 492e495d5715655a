#pragma once
// "Logins after failures" (mls-report(1) LOGINS AFTER FAILURES): which
// successful logins of the window followed failures — the guess that worked.
//
// For a pair (address, user) of the logins dataset, its first login in the
// window at t, with L the lookback ([logins] lookback_days):
//   address  the address failed (for any user) in [t - L, t] (the login's own
//            second included: stamps are whole seconds): "failed, then got
//            in". High when it failed kAddressHighFailures times or more, or
//            tried a user other than the one it got in as; low otherwise (a user
//            who mistyped a password once or twice, then got it right).
//   account  the user was a target in [t - L, t] (kTargetFailures failures or
//            more, or from kTargetAddresses addresses or more: brute force or
//            spraying) and the address had not logged in as that user in
//            [t - L, t): a possible account takeover. Always high.
// A pair that is both is one case. Later logins of the pair in the window add
// to its count only. The failures come from the failures' dataset, fed row by
// row by the report's one pass over it (AddFailure); only the rows of the
// addresses and users of the window's logins are kept.

#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace mls {

inline constexpr std::uint64_t kAddressHighFailures = 3;
inline constexpr std::uint64_t kTargetFailures = 10;
inline constexpr std::uint64_t kTargetAddresses = 3;
inline constexpr std::size_t kMaxUsersTriedListed = 20;

struct LoginCase {
  bool high = false;
  bool address = false;  // failed from this address before the login
  bool account = false;  // a targeted account, from an address new to it
  std::string ip, user, hostname, country, asn, as_org;  // of the first login
  std::time_t first_login = 0;
  std::uint64_t logins = 0;  // the pair's logins in the window
  // The address's failures in [first_login - lookback, first_login].
  std::uint64_t failures_before = 0;
  std::time_t first_failure = 0, last_failure = 0;  // 0: none
  std::uint64_t users_tried_count = 0;              // distinct user names among them
  std::vector<std::string> users_tried;             // sorted, at most kMaxUsersTriedListed
  // The account's failures in that lookback, and from how many addresses.
  std::uint64_t account_failures = 0;
  std::uint64_t account_addresses = 0;
  // The account had not logged in from this AS / country in the lookback
  // (only when the login's AS / country is known).
  bool new_address = false;  // the account had not logged in from this address
  bool new_asn = false, new_country = false;
  bool operator==(const LoginCase&) const = default;
};

// A case's kinds ("address", "account") and what was new to the account
// ("address", "asn", "country"), in that order: the words JSON and --format
// logins use.
std::vector<std::string> LoginCaseKinds(const LoginCase& c);
std::vector<std::string> LoginCaseNew(const LoginCase& c);

struct LoginsAfterFailures {
  bool tracked = false;  // the logins dataset exists (and was read)
  std::string path;      // the logins dataset
  std::int64_t lookback_days = 30;
  std::uint64_t high = 0, low = 0;
  std::vector<LoginCase> cases;  // high first, then by first login, address, user
  bool operator==(const LoginsAfterFailures&) const = default;
};

class LoginSignal {
 public:
  LoginSignal(std::time_t since, std::time_t until, std::int64_t lookback_days);

  // Reads the logins dataset. A missing file is no error (tracked stays false);
  // unreadable rows are counted in `skipped`. Errors: "PATH: ..." (unreadable
  // file, foreign header).
  std::optional<std::string> ReadLogins(const std::string& path, std::uint64_t& skipped);

  // Whether a failure at `t` may matter (inside the lookback of some login).
  bool Wants(std::time_t t) const { return !pairs_.empty() && t >= from_ && t < until_; }
  // One failure row: its canonical address and user name.
  void AddFailure(std::time_t t, std::string_view ip, std::string_view user);

  LoginsAfterFailures Finish() const;

 private:
  struct Pair {
    std::time_t first = 0;
    std::uint64_t count = 0;
    std::string hostname, country, asn, as_org;
  };
  struct Seen {  // a login of a user before the end of the window
    std::time_t t;
    std::string ip, asn, country;
  };
  std::time_t since_, until_, from_;
  std::int64_t lookback_;
  LoginsAfterFailures out_;
  std::map<std::pair<std::string, std::string>, Pair> pairs_;  // (ip, user)
  std::unordered_map<std::string, std::vector<Seen>> user_logins_;
  std::unordered_set<std::string> pair_ips_, pair_users_;  // of the window's logins
  std::unordered_map<std::string, std::vector<std::pair<std::time_t, std::string>>>
      by_ip_;  // ip -> (t, user)
  std::unordered_map<std::string, std::vector<std::pair<std::time_t, std::string>>>
      by_user_;  // user -> (t, ip)
};

}  // namespace mls
