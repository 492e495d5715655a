#pragma once
// Reverse-DNS answers (lib/event.h's rdns and rdns_status columns), and the LRU
// cache of them with a TTL, persisted between runs as a small versioned TSV
// file (format in mls-enrich(1)). Pure: `now` (Unix seconds) is a parameter.

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mls {

enum class RdnsStatus { kOk, kNxdomain, kServfail, kTimeout, kRefused, kNodata, kError, kDisabled };

std::string_view RdnsStatusName(RdnsStatus s);  // "OK", "NXDOMAIN", ...
std::optional<RdnsStatus> ParseRdnsStatus(std::string_view name);

struct DnsAnswer {
  RdnsStatus status = RdnsStatus::kError;
  std::string name;  // PTR target when kOk, else empty
  bool operator==(const DnsAnswer&) const = default;
};

// Failures that may be transient (SERVFAIL, REFUSED, TIMEOUT) are kept at most
// this long; ERROR and DISABLED are never cached.
inline constexpr std::int64_t kDnsFailureTtlSeconds = 300;

class DnsCache {
 public:
  DnsCache(std::size_t capacity, std::int64_t ttl_seconds)
      : capacity_(capacity), ttl_(ttl_seconds) {}

  // The fresh answer for `ip` (marked most recently used), or nullptr.
  // An expired entry is dropped.
  const DnsAnswer* Get(const std::string& ip, std::int64_t now);

  // Stores `answer` for `ip` with the TTL its status deserves, evicting the
  // least recently used entry when full.
  void Put(const std::string& ip, const DnsAnswer& answer, std::int64_t now);

  std::size_t size() const { return map_.size(); }
  std::size_t capacity() const { return capacity_; }

  // The file: "mls-enrich dns-cache v1\n", then one line per unexpired entry,
  // least recently used first: ip TAB expires(Unix s) TAB status TAB name.
  std::string Serialize(std::int64_t now) const;

  // Replaces the contents with `text` (entries past their expiry dropped).
  // On a corrupt file the cache is left empty and "LINE: problem" returned.
  std::optional<std::string> Load(std::string_view text, std::int64_t now);

  std::int64_t TtlFor(RdnsStatus s) const;

 private:
  struct Entry {
    std::string ip;
    DnsAnswer answer;
    std::int64_t expires;
  };
  void Insert(const std::string& ip, const DnsAnswer& answer, std::int64_t expires);

  std::size_t capacity_;
  std::int64_t ttl_;
  std::list<Entry> lru_;  // front = most recently used
  std::unordered_map<std::string, std::list<Entry>::iterator> map_;
};

}  // namespace mls
