#pragma once
// The wire format's columns: the one place that defines them.
// maillogsentinel(7) documents the same list; change both together.

#include <array>
#include <cstddef>
#include <string_view>

namespace mls {

// Columns of an event as mls-parse writes them.
enum Col : std::size_t {
  kTime = 0,  // 2026-11-25T20:18:08+00:00
  kServer,    // syslog host field
  kIp,        // canonical IPv4 / IPv6 text
  kUser,      // sasl_username or empty
  kMethod,    // SASL mechanism, upper-case
  kClient,    // client name as Postfix logged it
  kPort,      // client port if logged, else empty
  kService,   // syslog tag, e.g. postfix/submission/smtpd
  kReason,    // text after "authentication failed:"
  // Appended by mls-enrich, in this order.
  kRdns,
  kRdnsStatus,  // OK NXDOMAIN SERVFAIL TIMEOUT REFUSED NODATA ERROR DISABLED
  kCountry,
  kAsn,
  kAsOrg,
};

inline constexpr std::size_t kEventColumns = 9;      // mls-parse output
inline constexpr std::size_t kEnrichedColumns = 14;  // mls-enrich output

// A successful SASL login (mls-parse --logins): the first 8 columns above,
// time to service, and no reason; mls-enrich appends the same 5 columns. The
// column count is the record's kind: a reader of failures (9 or 14 fields)
// refuses a login record, so a success is never counted as a failure.
inline constexpr std::size_t kLoginColumns = 8;           // mls-parse --logins output
inline constexpr std::size_t kEnrichedLoginColumns = 13;  // mls-enrich output

// Whether a record of `n` fields is a successful login (8 or 13) or a failure (9 or 14).
constexpr bool IsLoginRecord(std::size_t n) {
  return n == kLoginColumns || n == kEnrichedLoginColumns;
}
constexpr bool IsEventRecord(std::size_t n) { return n == kEventColumns || n == kEnrichedColumns; }
// Where the enrichment columns start in a record of `n` fields (kRdns for failures).
constexpr std::size_t EnrichmentStart(std::size_t n) {
  return IsLoginRecord(n) ? kLoginColumns : kEventColumns;
}

inline constexpr std::array<std::string_view, kEnrichedColumns> kColumnNames = {
    "time",    "server", "ip",   "user",        "method",  "client", "port",
    "service", "reason", "rdns", "rdns_status", "country", "asn",    "as_org"};

// Values of the rdns_status column.
inline constexpr std::array<std::string_view, 8> kRdnsStatuses = {
    "OK", "NXDOMAIN", "SERVFAIL", "TIMEOUT", "REFUSED", "NODATA", "ERROR", "DISABLED"};

}  // namespace mls
