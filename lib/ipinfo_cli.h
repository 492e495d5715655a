#pragma once
// mls-ipinfo's command line and run (mls-ipinfo(1)): options -> settings (the
// command line over the config file, read only when needed) -> a query or an
// --update (lib/ipinfo.h). The environment (standard input and output) comes in
// through IpinfoEnv.
//
//   ParseIpinfoOptions   argv -> IpinfoCliOptions (usage errors: exit 2)
//   ResolveIpinfoSetup   options + "-" lines + config file -> IpinfoSetup
//   RunIpinfo            both, then RunIpinfoQuery or RunIpinfoUpdate

#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ipinfo.h"

namespace mls {

struct IpinfoCliOptions {
  std::optional<std::string> config;                // --config
  std::optional<std::string> country_db, asn_db;    // --country-db, --asn-db
  bool json = false;                                // --json
  bool update = false;                              // --update
  std::optional<std::string> country_url, asn_url;  // --country-url, --asn-url
  std::optional<long> timeout;                      // --timeout (default 300)
  std::optional<std::string> ca_file;               // --ca-file
  std::vector<std::string> ips;                     // IP|- ..., as given
};

// Parses argv into `options`. Returns the exit status to stop with (0 after
// --help/--version, 2 after a usage error), nullopt to go on.
std::optional<int> ParseIpinfoOptions(int argc, char** argv, IpinfoCliOptions& options);

// The IP arguments with each "-" replaced by the lines of `in` (one address a
// line; surrounding spaces, tabs and a CR dropped, blank lines skipped), so
// that `mls-report --format ips | mls-ipinfo -` works. `in` is read once.
std::vector<std::string> ExpandIpArgs(const std::vector<std::string>& args, std::istream& in);

struct IpinfoEnv {
  std::istream* in = nullptr;   // the addresses of "-" (standard input)
  std::ostream* out = nullptr;  // the results (standard output)
};

// What to do, resolved from the options and (when read) the config file.
// Precedence: a command-line value over the config's. The config file is read
// when --config is given, or when it exists and something is not on the
// command line: without --update a database path; with --update, the URLs
// (unless --country-url or --asn-url is given: then only those databases are
// updated) or the path of a database whose URL is given.
struct IpinfoSetup {
  bool update = false;
  IpinfoQuery query;                  // !update
  IpinfoUpdate download;              // update
  std::vector<std::string> warnings;  // the config file's, in order
  std::optional<std::string> error;   // a usage or config problem: exit 2
  bool usage_error = true;            // false: the config file's ("FILE:LINE: ...")
};
// Reads "-" from env.in (after the checks that need no input).
IpinfoSetup ResolveIpinfoSetup(const IpinfoCliOptions& options, const IpinfoEnv& env);

// The whole of mls-ipinfo after the command line: returns the exit status.
int RunIpinfo(const IpinfoCliOptions& options, const IpinfoEnv& env);

}  // namespace mls
