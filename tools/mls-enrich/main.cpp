// mls-enrich: append reverse DNS and geo columns to TSV events (mls-enrich(1)).
#include <chrono>
#include <ctime>

#include "cli.h"
#include "clock.h"
#include "enrich_setup.h"

namespace po = mls::po;

int main(int argc, char** argv) {
  mls::CliSpec spec;
  spec.name = "mls-enrich";
  spec.synopsis =
      "mls-enrich [--config FILE] [--no-dns] [--dns-server HOST[:PORT]]... [--dns-timeout-ms N]\n"
      "           [--dns-concurrency N] [--cache FILE] [--no-cache] [--cache-size N]\n"
      "           [--cache-ttl SECONDS] [--country-db FILE] [--asn-db FILE] [--window N] [--stats]";
  spec.summary = "Append rdns, rdns_status, country, asn and as_org to TSV events, in order.";
  mls::AddEnrichOptions(spec.options);
  po::variables_map vm;
  if (auto rc = mls::ParseCli(spec, argc, argv, vm)) return *rc;

  mls::EnrichSettings settings;
  if (auto rc = mls::EnrichSettingsFromCli(vm, settings)) return *rc;

  auto wall = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  auto mono = [] { return static_cast<std::int64_t>(mls::MonotonicMs()); };
  return mls::RunEnrichTool(settings, wall, mono);
}
