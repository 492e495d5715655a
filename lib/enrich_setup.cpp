#include "enrich_setup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "atomic_file.h"
#include "cli.h"
#include "config.h"
#include "diag.h"
#include "dns_cache.h"
#include "dns_resolver.h"
#include "enrich.h"
#include "fd_io.h"
#include "geo.h"

namespace mls {
namespace {

constexpr const char* kCacheSuffix = "; ignoring the cache";
// Far above any cache (a line is under 300 bytes; [dns_cache] size is bounded).
constexpr std::size_t kMaxCacheFileBytes = std::size_t{1} << 30;

// false: not there (ENOENT, silently) or unreadable (warned).
bool ReadCacheFile(const std::string& path, std::string& out) {
  std::optional<std::string> text;
  if (auto err = ReadWholeFile(path, text, /*missing_ok=*/true, kMaxCacheFileBytes)) {
    Warn(*err + kCacheSuffix);
    return false;
  }
  if (!text) return false;
  out = std::move(*text);
  return true;
}

int Usage(const std::string& message) { return UsageError("mls-enrich", message); }

bool NonNegative(const po::variables_map& vm, const char* flag, int& v, bool positive) {
  if (!vm.count(flag)) return true;
  v = vm[flag].as<int>();
  if (v < 0 || (positive && v == 0)) {
    Usage(std::string("--") + flag + ": must be " + (positive ? "positive" : "0 or more"));
    return false;
  }
  return true;
}

}  // namespace

void AddEnrichOptions(po::options_description& options) {
  options.add_options()("config", po::value<std::string>()->value_name("FILE"),
                        "defaults from [dns], [dns_cache], [ipinfo] and state_dir")(
      "no-dns", "no lookups: rdns empty, rdns_status DISABLED")(
      "dns-server", po::value<std::vector<std::string>>()->value_name("HOST[:PORT]"),
      "DNS server (repeatable; default: /etc/resolv.conf)")(
      "dns-timeout-ms", po::value<int>()->value_name("N"), "per-lookup deadline (2000)")(
      "dns-concurrency", po::value<int>()->value_name("N"), "queries in flight at most (256)")(
      "cache", po::value<std::string>()->value_name("FILE"), "persistent PTR cache file")(
      "no-cache", "no PTR cache at all")("cache-size", po::value<int>()->value_name("N"),
                                         "cache entries (10000)")(
      "cache-ttl", po::value<int>()->value_name("SECONDS"), "cache entry lifetime (86400)")(
      "country-db", po::value<std::string>()->value_name("FILE"), "country .mmdb")(
      "asn-db", po::value<std::string>()->value_name("FILE"), "ASN .mmdb")(
      "window", po::value<int>()->value_name("N"), "records held in order at most (4096)")(
      "stats", "print one summary line to stderr at the end");
}

std::optional<int> EnrichSettingsFromCli(const po::variables_map& vm, EnrichSettings& s) {
  if (vm.count("config")) {
    const std::string path = vm["config"].as<std::string>();
    ConfigResult cfg = LoadConfig(path);
    for (const std::string& w : cfg.warnings) Warn(w);
    if (cfg.error) {
      Warn(*cfg.error);
      return kExitUsage;
    }
    const Config& c = cfg.config;
    s.dns = c.dns_enabled;
    s.servers = c.dns_servers;
    s.timeout_ms = c.dns_timeout_ms;
    s.concurrency = c.dns_concurrency;
    s.cache = c.dns_cache_enabled;
    s.cache_file = c.DnsCachePath();
    s.cache_size = c.dns_cache_size;
    s.cache_ttl = c.dns_cache_ttl_seconds;
    s.country_db = c.country_db_path;
    s.asn_db = c.asn_db_path;
  }
  if (vm.count("no-dns")) s.dns = false;
  if (vm.count("dns-server")) s.servers = vm["dns-server"].as<std::vector<std::string>>();
  for (const std::string& server : s.servers) {
    std::string norm, error;
    if (!NormalizeDnsServer(server, norm, error)) {
      return Usage("--dns-server: " + error);
    }
  }
  if (!NonNegative(vm, "dns-timeout-ms", s.timeout_ms, true) ||
      !NonNegative(vm, "dns-concurrency", s.concurrency, true) ||
      !NonNegative(vm, "cache-size", s.cache_size, false) ||
      !NonNegative(vm, "cache-ttl", s.cache_ttl, false) ||
      !NonNegative(vm, "window", s.window, true))
    return kExitUsage;
  if (vm.count("cache")) {
    s.cache_file = vm["cache"].as<std::string>();
    s.cache = true;
    if (s.cache_file.empty()) {
      return Usage("--cache: empty file name");
    }
  }
  if (vm.count("no-cache")) s.cache = false;
  if (vm.count("country-db")) s.country_db = vm["country-db"].as<std::string>();
  if (vm.count("asn-db")) s.asn_db = vm["asn-db"].as<std::string>();
  s.stats = vm.count("stats") > 0;
  return std::nullopt;
}

int RunEnrichTool(const EnrichSettings& s, const std::function<std::int64_t()>& now_s,
                  const std::function<std::int64_t()>& now_ms) {
  std::vector<std::string> warnings, errors;
  Geo geo(s.country_db, s.asn_db, warnings, &errors);
  for (const std::string& w : warnings) Warn(w);
  for (const std::string& e : errors) Warn(e);
  if (!errors.empty()) return kExitUsage;  // a database in the wrong role is bad configuration

  std::unique_ptr<PtrResolver> resolver;
  std::optional<DnsCache> cache;
  const bool persist = s.dns && s.cache && !s.cache_file.empty();
  if (s.dns) {
    ResolverOptions ro;
    ro.servers = s.servers;
    ro.timeout_ms = s.timeout_ms;
    ro.concurrency = s.concurrency;
    std::string error;
    resolver = MakeAresResolver(ro, error);
    if (!resolver) {
      Warn(error);
      return kExitFailure;
    }
    if (s.cache) cache.emplace(static_cast<std::size_t>(s.cache_size), s.cache_ttl);
  }
  if (persist) {
    std::string text;
    if (ReadCacheFile(s.cache_file, text)) {
      if (auto err = cache->Load(text, now_s())) Warn(s.cache_file + ":" + *err + kCacheSuffix);
    }
  }

  EnrichOptions o;
  o.window = static_cast<std::size_t>(s.window);
  o.resolver = resolver.get();
  o.cache = cache ? &*cache : nullptr;
  if (geo.has_country() || geo.has_asn())
    o.geo = [&geo](std::string_view ip) { return geo.Lookup(ip); };
  o.now_s = now_s;
  o.now_ms = now_ms;
  EnrichStats st = RunEnrich(o);

  if (persist) {
    if (auto err = WriteFileAtomically(s.cache_file, cache->Serialize(now_s()), 0600))
      Warn(*err + "; the cache was not saved");
  }
  if (s.stats) Warn(FormatEnrichStats(st));
  if (auto w = NoDnsAnswerWarning(st, s.servers)) Warn(*w);
  if (st.malformed > 0)
    Warn(std::to_string(st.malformed) + " malformed record" + (st.malformed == 1 ? "" : "s") +
         " skipped");
  return st.failed || st.malformed > 0 ? 1 : 0;
}

}  // namespace mls
