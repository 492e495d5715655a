#pragma once
// mls-enrich's options (flags over [dns]/[dns_cache]/[ipinfo] from --config)
// and the whole run: cache load, resolver, geo, RunEnrich, cache save, stats.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli.h"

namespace mls {

struct EnrichSettings {
  bool dns = true;
  std::vector<std::string> servers;  // empty = /etc/resolv.conf
  int timeout_ms = 2000;
  int concurrency = 256;
  bool cache = true;
  std::string cache_file;  // empty: in memory only
  int cache_size = 10000;
  int cache_ttl = 86400;
  std::string country_db, asn_db;
  int window = 4096;
  bool stats = false;
};

// mls-enrich's options (everything but --help/--version).
void AddEnrichOptions(po::options_description& options);

// Fills `s` from the parsed command line (and --config). Returns an exit
// status (2, message printed) when the program must stop.
std::optional<int> EnrichSettingsFromCli(const po::variables_map& vm, EnrichSettings& s);

// Runs mls-enrich on fds 0 and 1; returns the exit status.
int RunEnrichTool(const EnrichSettings& s, const std::function<std::int64_t()>& now_s,
                  const std::function<std::int64_t()>& now_ms);

}  // namespace mls
