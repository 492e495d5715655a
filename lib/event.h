#pragma once
// The wire format's columns: the one place that defines them.
// maillogsentinel(7) documents the same list; change both together.

#include <array>
#include <cstddef>
#include <string_view>

namespace mls {

// Columns of an event as mls-parse writes them.
enum Col : std::size_t {
  kTime = 0,   // 2026-11-25T20:18:08+00:00
  kServer,     // syslog host field
  kIp,         // canonical IPv4 / IPv6 text
  kUser,       // sasl_username or empty
  kMethod,     // SASL mechanism, upper-case
  kClient,     // client name as Postfix logged it
  kPort,       // client port if logged, else empty
  kService,    // syslog tag, e.g. postfix/submission/smtpd
  kReason,     // text after "authentication failed:"
  // Appended by mls-enrich, in this order.
  kRdns,
  kRdnsStatus,  // OK NXDOMAIN SERVFAIL TIMEOUT REFUSED NODATA ERROR DISABLED
  kCountry,
  kAsn,
  kAsOrg,
};

inline constexpr std::size_t kEventColumns = 9;     // mls-parse output
inline constexpr std::size_t kEnrichedColumns = 14;  // mls-enrich output

inline constexpr std::array<std::string_view, kEnrichedColumns> kColumnNames = {
    "time",   "server",  "ip",   "user",        "method",
    "client", "port",    "service", "reason",   "rdns",
    "rdns_status", "country", "asn", "as_org"};

// Values of the rdns_status column.
inline constexpr std::array<std::string_view, 8> kRdnsStatuses = {
    "OK", "NXDOMAIN", "SERVFAIL", "TIMEOUT", "REFUSED", "NODATA", "ERROR", "DISABLED"};

}  // namespace mls
