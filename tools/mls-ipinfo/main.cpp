// mls-ipinfo: country and ASN of IP addresses; --update the databases (mls-ipinfo(1)).
#include <unistd.h>

#include <iostream>

#include "cli.h"
#include "config.h"
#include "diag.h"
#include "ipinfo.h"

namespace {

int Usage(const std::string& msg) {
  mls::Warn(msg);
  mls::Warn("Try 'mls-ipinfo --help'.");
  return 2;
}

// Command-line value, else the configuration's.
std::string Pick(const mls::po::variables_map& vm, const char* opt, const std::string& conf) {
  return vm.count(opt) ? vm[opt].as<std::string>() : conf;
}

}  // namespace

int main(int argc, char** argv) {
  mls::CliSpec spec;
  spec.name = "mls-ipinfo";
  spec.synopsis =
      "mls-ipinfo [--config FILE] [--country-db FILE] [--asn-db FILE] [--json] IP|-...\n"
      "  or: mls-ipinfo --update [--config FILE] [--country-url URL --country-db FILE]\n"
      "                  [--asn-url URL --asn-db FILE] [--timeout SECONDS] [--ca-file FILE]";
  spec.summary = "Print the country and AS of IP addresses, or update the MaxMind databases.";
  long timeout = 300;
  mls::AddIpinfoOptions(spec.options, &timeout);
  spec.hidden.add_options()("ip", mls::po::value<std::vector<std::string>>());
  spec.positional.add("ip", -1);
  mls::po::variables_map vm;
  if (auto rc = mls::ParseCli(spec, argc, argv, vm)) return *rc;

  bool update = vm.count("update") > 0;
  auto ips = vm.count("ip") ? vm["ip"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (update && !ips.empty()) return Usage("--update takes no IP addresses");
  if (!update && ips.empty())
    return Usage("no IP address given ('-': read them from standard input)");
  ips = mls::ExpandIpArgs(ips, std::cin);
  if (!update && (vm.count("country-url") || vm.count("asn-url") || vm.count("timeout") ||
                  vm.count("ca-file")))
    return Usage("--country-url, --asn-url, --timeout and --ca-file need --update");
  if (timeout < 1 || timeout > 86400) return Usage("--timeout must be 1 to 86400 seconds");
  // With --update and a URL on the command line, only those databases are updated.
  bool cli_urls = vm.count("country-url") || vm.count("asn-url");
  bool need_config = update ? !cli_urls || (vm.count("country-url") && !vm.count("country-db")) ||
                                  (vm.count("asn-url") && !vm.count("asn-db"))
                            : !vm.count("country-db") || !vm.count("asn-db");

  mls::Config conf;
  std::string conf_path = Pick(vm, "config", mls::kDefaultConfigPath);
  if (vm.count("config") || (need_config && ::access(conf_path.c_str(), F_OK) == 0)) {
    mls::ConfigResult cfg = mls::LoadConfig(conf_path);
    for (const std::string& w : cfg.warnings) mls::Warn(w);
    if (cfg.error) {
      mls::Warn(*cfg.error);
      return 2;
    }
    conf = cfg.config;
  }
  auto warn = [](const std::string& m) { mls::Warn(m); };

  if (!update) {
    mls::IpinfoQuery q{Pick(vm, "country-db", conf.country_db_path),
                       Pick(vm, "asn-db", conf.asn_db_path), vm.count("json") > 0, ips};
    return mls::RunIpinfoQuery(q, std::cout, warn);
  }
  mls::IpinfoUpdate u;
  u.country_url = cli_urls ? Pick(vm, "country-url", "") : conf.db_update_url_country;
  u.asn_url = cli_urls ? Pick(vm, "asn-url", "") : conf.db_update_url_asn;
  u.country_db = Pick(vm, "country-db", conf.country_db_path);
  u.asn_db = Pick(vm, "asn-db", conf.asn_db_path);
  u.fetch.timeout_s = timeout;
  u.fetch.user_agent = std::string("maillogsentinel/") + MLS_VERSION;
  u.fetch.ca_file = Pick(vm, "ca-file", "");
  if (u.country_url.empty() && u.asn_url.empty())
    return Usage("nothing to update: no db_update_url_country or db_update_url_asn");
  if (!u.country_url.empty() && u.country_db.empty())
    return Usage("no country database path (country_db_path or --country-db) to update");
  if (!u.asn_url.empty() && u.asn_db.empty())
    return Usage("no ASN database path (asn_db_path or --asn-db) to update");
  return mls::RunIpinfoUpdate(u, std::cout, warn);
}
