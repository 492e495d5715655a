// mls-enrich: append reverse DNS and geo columns to TSV events (mls-enrich(1)).
#include <chrono>
#include <ctime>

#include "cli.h"
#include "enrich_setup.h"

namespace po = mls::po;

int main(int argc, char** argv) {
  mls::CliSpec spec;
  spec.name = "mls-enrich";
  spec.synopsis =
      "mls-enrich [--config FILE] [--no-dns] [--dns-server HOST[:PORT]]... [--dns-timeout-ms N]\n"
      "           [--dns-concurrency N] [--cache FILE] [--no-cache] [--cache-size N]\n"
      "           [--cache-ttl SECONDS] [--country-db FILE] [--asn-db FILE] [--stats]";
  spec.summary = "Append rdns, rdns_status, country, asn and as_org to TSV events, in order.";
  spec.options.add_options()(
      "config", po::value<std::string>()->value_name("FILE"),
      "defaults from [dns], [dns_cache], [ipinfo] and state_dir")(
      "no-dns", "no lookups: rdns empty, rdns_status DISABLED")(
      "dns-server", po::value<std::vector<std::string>>()->value_name("HOST[:PORT]"),
      "DNS server (repeatable; default: /etc/resolv.conf)")(
      "dns-timeout-ms", po::value<int>()->value_name("N"), "per-lookup deadline (2000)")(
      "dns-concurrency", po::value<int>()->value_name("N"), "queries in flight at most (256)")(
      "cache", po::value<std::string>()->value_name("FILE"), "persistent PTR cache file")(
      "no-cache", "no PTR cache at all")(
      "cache-size", po::value<int>()->value_name("N"), "cache entries (10000)")(
      "cache-ttl", po::value<int>()->value_name("SECONDS"), "cache entry lifetime (86400)")(
      "country-db", po::value<std::string>()->value_name("FILE"), "country .mmdb")(
      "asn-db", po::value<std::string>()->value_name("FILE"), "ASN .mmdb")(
      "window", po::value<int>()->value_name("N"), "records held in order at most (4096)")(
      "stats", "print one summary line to stderr at the end");
  po::variables_map vm;
  if (auto rc = mls::ParseCli(spec, argc, argv, vm)) return *rc;

  mls::EnrichSettings settings;
  if (auto rc = mls::EnrichSettingsFromCli(vm, settings)) return *rc;

  auto wall = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  auto mono = [] {
    return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now().time_since_epoch())
                                         .count());
  };
  return mls::RunEnrichTool(settings, wall, mono);
}
