#pragma once
// mls-ipinfo's logic (mls-ipinfo(1)): country/ASN queries printed as aligned
// text or JSON lines, and --update of the configured databases
// (lib/mmdb_update.h). Its command line: lib/ipinfo_cli.h.

#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "geo.h"
#include "mmdb_update.h"

namespace mls {

struct IpinfoRow {
  std::string ip;  // as given (a valid address)
  GeoInfo info;
};

// Text output: one line per row, columns "IP  CC  ASnnn  organisation" aligned
// (two spaces apart, no trailing blanks), "-" for a missing field. Control
// characters and backslashes in fields are written as \xNN / \\.
std::string FormatIpinfoText(const std::vector<IpinfoRow>& rows);

// One JSON object and "\n": {"ip":"..","country":"DE","asn":64500,"as_org":".."},
// null for missing fields.
std::string FormatIpinfoJson(const IpinfoRow& row);

// A JSON string literal (with the quotes): ", \ and control characters escaped,
// U+2028/U+2029 escaped, invalid UTF-8 bytes replaced by U+FFFD.
std::string JsonString(std::string_view s);

struct IpinfoQuery {
  std::string country_db;  // "" = not configured
  std::string asn_db;
  bool json = false;
  std::vector<std::string> ips;
};

using WarnFn = std::function<void(const std::string&)>;

// Looks every address up and writes the result to `out`. Diagnostics ("IP: not
// an IP address", "no country database configured", "PATH: reason") go to
// `warn`. Returns the exit status: 2 (nothing printed) if a database is in the
// wrong role (CheckMmdbRole), 1 if any argument was not an address (the valid
// ones are still printed), else 0 (missing databases only warn).
int RunIpinfoQuery(const IpinfoQuery& q, std::ostream& out, const WarnFn& warn);

struct IpinfoUpdate {
  std::string country_url, country_db;  // url "" = do not update
  std::string asn_url, asn_db;
  FetchOptions fetch;
};

// Updates each database that has a URL (UpdateMmdb), reporting
// "PATH: updated (TYPE, N bytes, from FORMAT)" on `out` and failures on `warn`.
// Returns 0 when every update succeeded, else 1 (the others are still tried).
int RunIpinfoUpdate(const IpinfoUpdate& u, std::ostream& out, const WarnFn& warn);

}  // namespace mls
