#pragma once
// Country and ASN lookups in MaxMind-format (.mmdb) databases via libmaxminddb.
// Country from Country or City databases (country.iso_code), ASN number and
// organisation from ASN databases (autonomous_system_number /
// autonomous_system_organization). IPv4 and IPv6.
//
// The country is the record's `country.iso_code` only (where the address is
// used); there is deliberately no fallback to `registered_country` or
// `represented_country`: a record without `country` gives an empty country.
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is looked up as the IPv4 address.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mls {

// Which role a database plays: decides which database_type values fit it.
enum class MmdbKind { kCountry, kAsn };

const char* MmdbKindName(MmdbKind kind);  // "country", "ASN"

// "" when `database_type` fits `kind`, else a reason. Country: the type contains
// "Country", "City" or "Enterprise"; ASN: it contains "ASN" or "ISP".
// (mls-ipinfo --update installs only databases that fit.)
std::string CheckMmdbKind(const std::string& database_type, MmdbKind kind);

// The check at start (Geo, for mls-enrich and mls-ipinfo): "" unless the type
// `database_type` of the database at `path`, given in the role `kind`, fits
// only the other role (an ASN database as the country database, a Country or
// City database as the ASN database); then "PATH: database type 'T' is not a
// ROLE database (SETTING or --OPTION)". A type that fits neither role is let
// through (its records decide: no such fields, empty columns).
std::string CheckMmdbRole(const std::string& path, const std::string& database_type,
                          MmdbKind kind);

struct GeoInfo {
  std::string country;  // ISO 3166-1 alpha-2, or empty
  std::string asn;      // decimal AS number, or empty
  std::string as_org;   // organisation, or empty
  bool operator==(const GeoInfo&) const = default;
};

class Geo {
 public:
  // Opens the databases; an empty path means "not configured". A database that
  // cannot be opened adds one message to `warnings` ("PATH: reason") and its
  // columns then stay empty; lookups never fail. A database in the wrong role
  // (CheckMmdbRole) is closed again and its message goes to `errors` (to
  // `warnings` when `errors` is null): the tools stop with exit status 2.
  Geo(const std::string& country_db, const std::string& asn_db, std::vector<std::string>& warnings,
      std::vector<std::string>* errors = nullptr);
  ~Geo();
  Geo(const Geo&) = delete;
  Geo& operator=(const Geo&) = delete;

  // `ip` is canonical text (as mls-parse writes it). Unknown/invalid: empty fields.
  GeoInfo Lookup(std::string_view ip) const;

  bool has_country() const;
  bool has_asn() const;

  // The open databases' metadata database_type ("" when not open).
  const std::string& country_db_type() const;
  const std::string& asn_db_type() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Opens `path` and checks it is a usable MaxMind DB (metadata present, a
// database_type). Returns an error message ("PATH: reason") or empty string.
// Fills `database_type` on success (e.g. "GeoLite2-Country").
std::string ValidateMmdb(const std::string& path, std::string* database_type);


}  // namespace mls
