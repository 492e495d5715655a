#pragma once
// Updating a MaxMind DB file from a URL (mls-ipinfo --update): download (libcurl,
// http/https/file), unpack (.mmdb, .mmdb.gz, .tar.gz holding exactly one .mmdb;
// recognised by content, via libarchive), validate (libmaxminddb, ValidateMmdb,
// database type fits the role), install atomically (temp file in the target's
// directory, fsync, rename, fsync directory). Any failure leaves the old file as
// it was. The steps are separate so that unpack/validate/install can be tested
// without a network.

#include <cstdint>
#include <string>
#include <string_view>

#include "geo.h"  // MmdbKind, CheckMmdbKind

namespace mls {

inline constexpr std::uint64_t kMaxMmdbBytes = 512ull << 20;  // download and unpacked cap

struct FetchOptions {
  long timeout_s = 300;  // whole transfer; also caps the connect and stall limits
  std::uint64_t max_bytes = kMaxMmdbBytes;
  std::string user_agent = "maillogsentinel";
  std::string ca_file;  // CA bundle for https (only these CAs); "" = the system's
};

struct Fetched {
  std::string data;
  std::string error;  // "HTTP 404", "timed out after 5 s", libcurl's message, ...
};

// Downloads `url` into memory. Only http, https and file URLs; at most 5
// redirects, and from an https URL only to https URLs; HTTP status >= 400 is an
// error; bigger than max_bytes is an error. https servers are verified against
// opt.ca_file when set (instead of the system's CAs), else the system's.
Fetched FetchUrl(const std::string& url, const FetchOptions& opt);

struct Unpacked {
  std::string mmdb;    // the database bytes
  std::string format;  // "mmdb", "mmdb.gz", "tar", "tar.gz"
  std::string error;
};

// Turns downloaded bytes into the .mmdb bytes: gzip and tar are recognised by
// content; a tar must hold exactly one regular file named *.mmdb (other members
// such as LICENSE.txt are ignored). Output larger than max_bytes is an error.
Unpacked UnpackMmdb(std::string_view data, std::uint64_t max_bytes = kMaxMmdbBytes);

// Writes `mmdb` to a temporary file next to `path`, validates it (ValidateMmdb and
// CheckMmdbKind), then renames it over `path` (mode 0644) and fsyncs the
// directory. Returns "" on success, else the reason; on failure `path` is
// untouched and the temporary file removed. Validation failures start with
// "not a MaxMind DB: " or "wrong database type: ".
std::string InstallMmdb(const std::string& path, std::string_view mmdb, MmdbKind kind,
                        std::string* database_type = nullptr);

// `url` fit for messages: a password in the user info and the query string
// (MaxMind's license_key lives there) are replaced by "***" / "?***".
std::string RedactUrl(const std::string& url);

// Fetch + unpack + install. Returns "" on success (and fills `summary` with e.g.
// "GeoLite2-Country, 1952 bytes"), else "REDACTED-URL: reason" or "PATH: reason".
std::string UpdateMmdb(const std::string& url, const std::string& path, MmdbKind kind,
                       const FetchOptions& opt, std::string* summary);

}  // namespace mls
