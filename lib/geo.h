#pragma once
// Country and ASN lookups in MaxMind-format (.mmdb) databases via libmaxminddb.
// Country from Country or City databases (country.iso_code), ASN number and
// organisation from ASN databases (autonomous_system_number /
// autonomous_system_organization). IPv4 and IPv6.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mls {

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
  // columns then stay empty; lookups never fail.
  Geo(const std::string& country_db, const std::string& asn_db,
      std::vector<std::string>& warnings);
  ~Geo();
  Geo(const Geo&) = delete;
  Geo& operator=(const Geo&) = delete;

  // `ip` is canonical text (as mls-parse writes it). Unknown/invalid: empty fields.
  GeoInfo Lookup(std::string_view ip) const;

  bool has_country() const;
  bool has_asn() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Opens `path` and checks it is a usable MaxMind DB (metadata present, a
// database_type). Returns an error message ("PATH: reason") or empty string.
// Fills `database_type` on success (e.g. "GeoLite2-Country").
std::string ValidateMmdb(const std::string& path, std::string* database_type);

}  // namespace mls
