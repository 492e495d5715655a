#include "ipinfo_cli.h"

#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "diag.h"

#ifndef MLS_VERSION
#define MLS_VERSION "0.0.0"
#endif

namespace mls {
namespace {

constexpr const char* kTool = "mls-ipinfo";

int Usage(const std::string& msg) { return UsageError(kTool, msg); }

IpinfoSetup Error(IpinfoSetup s, std::string message, bool usage = true) {
  s.error = std::move(message);
  s.usage_error = usage;
  return s;
}

}  // namespace

std::optional<int> ParseIpinfoOptions(int argc, char** argv, IpinfoCliOptions& o) {
  CliSpec spec;
  spec.name = kTool;
  spec.synopsis =
      "mls-ipinfo [--config FILE] [--country-db FILE] [--asn-db FILE] [--json] IP|-...\n"
      "  or: mls-ipinfo --update [--config FILE] [--country-url URL --country-db FILE]\n"
      "                  [--asn-url URL --asn-db FILE] [--timeout SECONDS] [--ca-file FILE]";
  spec.summary = "Print the country and AS of IP addresses, or update the MaxMind databases.";
  spec.options.add_options()(
      "config", po::value<std::string>()->value_name("FILE"),
      "configuration file (default /etc/maillogsentinel.conf, read only when needed)")(
      "country-db", po::value<std::string>()->value_name("FILE"),
      "country database (default: country_db_path)")(
      "asn-db", po::value<std::string>()->value_name("FILE"),
      "ASN database (default: asn_db_path)")("json", "one JSON object per line")(
      "update", "download the databases and replace them atomically")(
      "country-url", po::value<std::string>()->value_name("URL"),
      "with --update: country database URL (default: db_update_url_country)")(
      "asn-url", po::value<std::string>()->value_name("URL"),
      "with --update: ASN database URL (default: db_update_url_asn)")(
      "timeout", po::value<long>()->value_name("SECONDS"),
      "with --update: give up a download after this long (default 300)")(
      "ca-file", po::value<std::string>()->value_name("FILE"),
      "with --update: CA bundle to verify https servers with (default: the system's)");
  spec.hidden.add_options()("ip", po::value<std::vector<std::string>>());
  spec.positional.add("ip", -1);
  po::variables_map vm;
  if (auto rc = ParseCli(spec, argc, argv, vm)) return rc;

  auto str = [&](const char* name) -> std::optional<std::string> {
    if (!vm.count(name)) return std::nullopt;
    return vm[name].as<std::string>();
  };
  o.config = str("config");
  o.country_db = str("country-db");
  o.asn_db = str("asn-db");
  o.json = vm.count("json") > 0;
  o.update = vm.count("update") > 0;
  o.country_url = str("country-url");
  o.asn_url = str("asn-url");
  if (vm.count("timeout")) o.timeout = vm["timeout"].as<long>();
  o.ca_file = str("ca-file");
  if (vm.count("ip")) o.ips = vm["ip"].as<std::vector<std::string>>();
  return std::nullopt;
}

std::vector<std::string> ExpandIpArgs(const std::vector<std::string>& args, std::istream& in) {
  std::vector<std::string> out;
  bool read = false;
  for (const std::string& a : args) {
    if (a != "-") {
      out.push_back(a);
      continue;
    }
    if (read) continue;
    read = true;
    for (std::string line; std::getline(in, line);) {
      std::size_t b = line.find_first_not_of(" \t\r");
      if (b == std::string::npos) continue;
      std::size_t e = line.find_last_not_of(" \t\r");
      out.push_back(line.substr(b, e - b + 1));
    }
  }
  return out;
}

IpinfoSetup ResolveIpinfoSetup(const IpinfoCliOptions& o, const IpinfoEnv& env) {
  IpinfoSetup s;
  s.update = o.update;
  if (o.update && !o.ips.empty()) return Error(s, "--update takes no IP addresses");
  if (!o.update && o.ips.empty())
    return Error(s, "no IP address given ('-': read them from standard input)");
  std::vector<std::string> ips = o.ips;
  if (env.in != nullptr) ips = ExpandIpArgs(ips, *env.in);
  if (!o.update && (o.country_url || o.asn_url || o.timeout || o.ca_file))
    return Error(s, "--country-url, --asn-url, --timeout and --ca-file need --update");
  long timeout = o.timeout.value_or(300);
  if (timeout < 1 || timeout > 86400) return Error(s, "--timeout must be 1 to 86400 seconds");
  // With --update and a URL on the command line, only those databases are updated.
  bool cli_urls = o.country_url || o.asn_url;
  bool need_config = o.update
                         ? !cli_urls || (o.country_url && !o.country_db) || (o.asn_url && !o.asn_db)
                         : !o.country_db || !o.asn_db;

  Config conf;
  std::string conf_path = o.config.value_or(kDefaultConfigPath);
  if (o.config || (need_config && ::access(conf_path.c_str(), F_OK) == 0)) {
    ConfigResult cfg = LoadConfig(conf_path);
    s.warnings = cfg.warnings;
    if (cfg.error) return Error(s, *cfg.error, /*usage=*/false);
    conf = cfg.config;
  }

  if (!o.update) {
    s.query = IpinfoQuery{o.country_db.value_or(conf.country_db_path),
                          o.asn_db.value_or(conf.asn_db_path), o.json, ips};
    return s;
  }
  IpinfoUpdate& u = s.download;
  u.country_url = cli_urls ? o.country_url.value_or("") : conf.db_update_url_country;
  u.asn_url = cli_urls ? o.asn_url.value_or("") : conf.db_update_url_asn;
  u.country_db = o.country_db.value_or(conf.country_db_path);
  u.asn_db = o.asn_db.value_or(conf.asn_db_path);
  u.fetch.timeout_s = timeout;
  u.fetch.user_agent = std::string("maillogsentinel/") + MLS_VERSION;
  u.fetch.ca_file = o.ca_file.value_or("");
  if (u.country_url.empty() && u.asn_url.empty())
    return Error(s, "nothing to update: no db_update_url_country or db_update_url_asn");
  if (!u.country_url.empty() && u.country_db.empty())
    return Error(s, "no country database path (country_db_path or --country-db) to update");
  if (!u.asn_url.empty() && u.asn_db.empty())
    return Error(s, "no ASN database path (asn_db_path or --asn-db) to update");
  return s;
}

int RunIpinfo(const IpinfoCliOptions& o, const IpinfoEnv& env) {
  IpinfoSetup s = ResolveIpinfoSetup(o, env);
  for (const std::string& w : s.warnings) Warn(w);
  if (s.error) {
    if (s.usage_error) return Usage(*s.error);
    Warn(*s.error);
    return kExitUsage;
  }
  auto warn = [](const std::string& m) { Warn(m); };
  if (!s.update) return RunIpinfoQuery(s.query, *env.out, warn);
  return RunIpinfoUpdate(s.download, *env.out, warn);
}

}  // namespace mls
