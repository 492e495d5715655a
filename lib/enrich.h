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
#include <string>
#include <string_view>

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
  bool failed = false;                     // read/write/poll error (warned)
};

EnrichStats RunEnrich(const EnrichOptions& options);

// "records=N queries=N cache_hits=N ok=N nxdomain=N servfail=N timeout=N
// refused=N nodata=N error=N"
std::string FormatEnrichStats(const EnrichStats& stats);

}  // namespace mls
