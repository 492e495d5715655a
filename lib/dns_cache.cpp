#include "dns_cache.h"

#include <algorithm>
#include <array>
#include <vector>

#include "event.h"
#include "number.h"
#include "ptr_name.h"
#include "tsv.h"

namespace mls {

namespace {
constexpr std::string_view kMagic = "mls-enrich dns-cache v1";
constexpr std::array<RdnsStatus, 8> kAll = {
    RdnsStatus::kOk,      RdnsStatus::kNxdomain, RdnsStatus::kServfail, RdnsStatus::kTimeout,
    RdnsStatus::kRefused, RdnsStatus::kNodata,   RdnsStatus::kError,    RdnsStatus::kDisabled};
}  // namespace

std::string_view RdnsStatusName(RdnsStatus s) { return kRdnsStatuses[static_cast<std::size_t>(s)]; }

std::optional<RdnsStatus> ParseRdnsStatus(std::string_view name) {
  for (RdnsStatus s : kAll)
    if (RdnsStatusName(s) == name) return s;
  return std::nullopt;
}

std::int64_t DnsCache::TtlFor(RdnsStatus s) const {
  switch (s) {
    case RdnsStatus::kOk:
    case RdnsStatus::kNxdomain:
    case RdnsStatus::kNodata:
      return ttl_;
    case RdnsStatus::kServfail:
    case RdnsStatus::kRefused:
    case RdnsStatus::kTimeout:
      return std::min(ttl_, kDnsFailureTtlSeconds);
    case RdnsStatus::kError:
    case RdnsStatus::kDisabled:
      break;
  }
  return 0;
}

const DnsAnswer* DnsCache::Get(const std::string& ip, std::int64_t now) {
  auto it = map_.find(ip);
  if (it == map_.end()) return nullptr;
  if (it->second->expires <= now) {
    lru_.erase(it->second);
    map_.erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return &it->second->answer;
}

void DnsCache::Insert(const std::string& ip, const DnsAnswer& answer, std::int64_t expires) {
  auto it = map_.find(ip);
  if (it != map_.end()) {
    it->second->answer = answer;
    it->second->expires = expires;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  if (capacity_ == 0) return;
  while (map_.size() >= capacity_) {
    map_.erase(lru_.back().ip);
    lru_.pop_back();
  }
  lru_.push_front(Entry{ip, answer, expires});
  map_.emplace(ip, lru_.begin());
}

void DnsCache::Put(const std::string& ip, const DnsAnswer& answer, std::int64_t now) {
  std::int64_t ttl = TtlFor(answer.status);
  if (ttl <= 0) return;
  Insert(ip, answer, now + ttl);
}

std::string DnsCache::Serialize(std::int64_t now) const {
  std::string out(kMagic);
  out += '\n';
  for (auto it = lru_.rbegin(); it != lru_.rend(); ++it) {
    if (it->expires <= now) continue;
    TsvEscapeTo(it->ip, out);
    out += '\t';
    out += std::to_string(it->expires);
    out += '\t';
    out += RdnsStatusName(it->answer.status);
    out += '\t';
    TsvEscapeTo(it->answer.name, out);
    out += '\n';
  }
  return out;
}

std::optional<std::string> DnsCache::Load(std::string_view text, std::int64_t now) {
  lru_.clear();
  map_.clear();
  auto fail = [&](std::size_t line, const std::string& what) {
    lru_.clear();
    map_.clear();
    return std::to_string(line) + ": " + what;
  };
  std::vector<std::string> fields;
  std::size_t line = 0;
  while (!text.empty()) {
    ++line;
    std::size_t nl = text.find('\n');
    if (nl == std::string_view::npos) return fail(line, "incomplete last line");
    std::string_view rec = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line == 1) {
      if (rec != kMagic) return fail(line, "not a dns-cache v1 file");
      continue;
    }
    if (auto err = TsvDecodeRecord(rec, fields)) return fail(line, *err);
    if (fields.size() != 4)
      return fail(line, "expected 4 fields, got " + std::to_string(fields.size()));
    if (!ReverseName(fields[0])) return fail(line, "bad address '" + fields[0] + "'");
    std::optional<std::int64_t> expires = ParseNumber<std::int64_t>(fields[1]);
    if (!expires) return fail(line, "bad expiry time");
    std::optional<RdnsStatus> status = ParseRdnsStatus(fields[2]);
    if (!status || *status == RdnsStatus::kError || *status == RdnsStatus::kDisabled)
      return fail(line, "bad status");
    if (*status != RdnsStatus::kOk && !fields[3].empty())
      return fail(line, "a name with status " + fields[2]);
    // Never trust an expiry further away than our own TTL would give.
    std::int64_t until = std::min(*expires, now + TtlFor(*status));
    if (until > now) Insert(fields[0], DnsAnswer{*status, fields[3]}, until);
  }
  if (line == 0) return fail(1, "empty file");
  return std::nullopt;
}

}  // namespace mls
