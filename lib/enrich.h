#pragma once
// mls-enrich's engine: reads events (9 columns, or 14 whose last five are
// recomputed) from a fd, looks up each address's PTR (cache, then resolver)
// and geo columns, and writes the 14-column records in input order, each as
// soon as it and every earlier record are complete. One poll() loop drives the
// input and the resolver; at most `window` records are held (input is not read
// while the window is full); identical addresses in flight share one lookup.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns_cache.h"
#include "dns_resolver.h"
#include "geo.h"

namespace mls {

struct EnrichOptions {
  int in_fd = 0;
  int out_fd = 1;
  std::size_t window = 4096;
  PtrResolver* resolver = nullptr;  // nullptr: DNS disabled (rdns_status DISABLED)
  DnsCache* cache = nullptr;        // nullptr: no cache
  std::function<GeoInfo(std::string_view ip)> geo;  // empty: geo columns empty
  std::function<std::int64_t()> now_s;              // wall clock (cache TTL)
  std::function<std::int64_t()> now_ms;             // monotonic (DNS deadlines)
  std::function<void(const std::string&)> warn;     // default: Warn()
};

struct EnrichStats {
  std::size_t records = 0;     // written
  std::size_t queries = 0;     // lookups handed to the resolver
  std::size_t cache_hits = 0;  // records answered from the cache
  std::size_t malformed = 0;   // input records skipped
  std::array<std::size_t, 8> by_status{};  // written records per RdnsStatus
  std::array<std::size_t, 8> lookups{};    // resolver lookups (queries) by how they ended
  bool failed = false;                     // read/write/poll error (warned)
};

EnrichStats RunEnrich(const EnrichOptions& options);

// "records=N queries=N cache_hits=N ok=N nxdomain=N servfail=N timeout=N
// refused=N nodata=N error=N"
std::string FormatEnrichStats(const EnrichStats& stats);

// Lookups a run must have sent before "no answer at all" is worth a warning.
inline constexpr std::size_t kNoDnsAnswerMinLookups = 5;

// The one warning of a run in which DNS did not answer at all: at least
// kNoDnsAnswerMinLookups lookups went to the resolver and every one ended
// TIMEOUT or ERROR (no server answered anything, not even NXDOMAIN or
// REFUSED). `servers` as configured (empty: /etc/resolv.conf). Else nullopt.
std::optional<std::string> NoDnsAnswerWarning(const EnrichStats& stats,
                                              const std::vector<std::string>& servers);

}  // namespace mls
