#include "geo.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "ip.h"

namespace mls {
namespace {

// An address parsed once, ready for MMDB_lookup_sockaddr.
struct SockAddr {
  union {
    sockaddr sa;
    sockaddr_in v4;
    sockaddr_in6 v6;
  } u;
};

bool ToSockAddr(std::string_view ip, SockAddr* out) {
  std::optional<IpAddress> parsed = ParseIp(ip);
  if (!parsed) return false;
  // ::ffff:a.b.c.d is the IPv4 address: this also works in IPv4-only databases.
  const IpAddress a = Unmapped(*parsed);
  std::memset(out, 0, sizeof *out);
  if (a.family == AF_INET) {
    out->u.v4.sin_family = AF_INET;
    std::memcpy(&out->u.v4.sin_addr, a.bytes, 4);
  } else {
    out->u.v6.sin6_family = AF_INET6;
    std::memcpy(&out->u.v6.sin6_addr, a.bytes, 16);
  }
  return true;
}

std::string OpenError(const std::string& path, int status, int err) {
  if (status == MMDB_IO_ERROR || status == MMDB_FILE_OPEN_ERROR) {
    if (err != 0) return path + ": " + std::strerror(err);
  }
  return path + ": " + MMDB_strerror(status);
}

// Opens `path` into `db`; on failure returns "PATH: reason" (db is then not open).
std::string Open(const std::string& path, MMDB_s* db) {
  errno = 0;
  int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, db);
  int err = errno;
  if (status != MMDB_SUCCESS) return OpenError(path, status, err);
  return {};
}

std::string_view Utf8(const MMDB_entry_data_s& d) {
  if (!d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING) return {};
  return {d.utf8_string, d.data_size};
}

// Decimal text of an unsigned/signed integer value; empty for other types.
std::string Number(const MMDB_entry_data_s& d) {
  if (!d.has_data) return {};
  char buf[24];
  std::to_chars_result r{};
  switch (d.type) {
    case MMDB_DATA_TYPE_UINT16:
      r = std::to_chars(buf, buf + sizeof buf, d.uint16);
      break;
    case MMDB_DATA_TYPE_UINT32:
      r = std::to_chars(buf, buf + sizeof buf, d.uint32);
      break;
    case MMDB_DATA_TYPE_UINT64:
      r = std::to_chars(buf, buf + sizeof buf, d.uint64);
      break;
    case MMDB_DATA_TYPE_INT32:
      if (d.int32 < 0) return {};
      r = std::to_chars(buf, buf + sizeof buf, d.int32);
      break;
    default:
      return {};
  }
  return std::string(buf, r.ptr);
}

// The database's metadata database_type.
std::string DatabaseType(const MMDB_s& db) {
  return db.metadata.database_type ? std::string(db.metadata.database_type) : std::string();
}

bool Contains(const std::string& s, const char* needle) {
  return s.find(needle) != std::string::npos;
}

}  // namespace

const char* MmdbKindName(MmdbKind kind) { return kind == MmdbKind::kCountry ? "country" : "ASN"; }

std::string CheckMmdbKind(const std::string& database_type, MmdbKind kind) {
  bool ok = kind == MmdbKind::kCountry
                ? Contains(database_type, "Country") || Contains(database_type, "City") ||
                      Contains(database_type, "Enterprise")
                : Contains(database_type, "ASN") || Contains(database_type, "ISP");
  if (ok) return {};
  return "database type '" + database_type + "' is not " + (kind == MmdbKind::kAsn ? "an " : "a ") +
         MmdbKindName(kind) + " database";
}

std::string CheckMmdbRole(const std::string& path, const std::string& database_type,
                          MmdbKind kind) {
  const MmdbKind other = kind == MmdbKind::kCountry ? MmdbKind::kAsn : MmdbKind::kCountry;
  std::string reason = CheckMmdbKind(database_type, kind);
  if (reason.empty() || !CheckMmdbKind(database_type, other).empty()) return {};
  return path + ": " + reason +
         (kind == MmdbKind::kCountry ? " (country_db_path or --country-db)"
                                     : " (asn_db_path or --asn-db)");
}

namespace {

// Decoded answers by data-section offset: many addresses share one record (one
// per country, one per AS), and decoding a record (MMDB_get_value walks its map)
// costs more than the tree lookup. Bounded; beyond the bound records are decoded
// each time. Guarded by a mutex so const Lookup stays safe to call concurrently.
constexpr std::size_t kMaxCachedRecords = 1 << 16;

struct AsnValue {
  std::string asn, org;
};

}  // namespace

struct Geo::Impl {
  MMDB_s country{};
  MMDB_s asn{};
  bool has_country = false;
  bool has_asn = false;
  std::string country_type;
  std::string asn_type;
  std::mutex mu;
  std::unordered_map<std::uint32_t, std::string> country_cache;
  std::unordered_map<std::uint32_t, AsnValue> asn_cache;

  ~Impl() {
    if (has_country) MMDB_close(&country);
    if (has_asn) MMDB_close(&asn);
  }
};

Geo::Geo(const std::string& country_db, const std::string& asn_db,
         std::vector<std::string>& warnings, std::vector<std::string>* errors)
    : impl_(std::make_unique<Impl>()) {
  auto open = [&](const std::string& path, MmdbKind kind, MMDB_s* db, bool* has,
                  std::string* type) {
    if (path.empty()) return;
    if (std::string err = Open(path, db); !err.empty()) {
      warnings.push_back(std::move(err));
      return;
    }
    *type = DatabaseType(*db);
    if (std::string err = CheckMmdbRole(path, *type, kind); !err.empty()) {
      MMDB_close(db);
      type->clear();
      (errors ? *errors : warnings).push_back(std::move(err));
      return;
    }
    *has = true;
  };
  open(country_db, MmdbKind::kCountry, &impl_->country, &impl_->has_country, &impl_->country_type);
  open(asn_db, MmdbKind::kAsn, &impl_->asn, &impl_->has_asn, &impl_->asn_type);
}

Geo::~Geo() = default;

bool Geo::has_country() const { return impl_->has_country; }
bool Geo::has_asn() const { return impl_->has_asn; }
const std::string& Geo::country_db_type() const { return impl_->country_type; }
const std::string& Geo::asn_db_type() const { return impl_->asn_type; }

GeoInfo Geo::Lookup(std::string_view ip) const {
  GeoInfo info;
  if (!impl_->has_country && !impl_->has_asn) return info;
  SockAddr addr;
  if (!ToSockAddr(ip, &addr)) return info;
  Impl& m = *impl_;
  int mmdb_error = MMDB_SUCCESS;
  if (m.has_country) {
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&m.country, &addr.u.sa, &mmdb_error);
    if (mmdb_error == MMDB_SUCCESS && r.found_entry) {
      std::lock_guard lock(m.mu);
      auto it = m.country_cache.find(r.entry.offset);
      if (it != m.country_cache.end()) {
        info.country = it->second;
      } else {
        MMDB_entry_data_s d;
        if (MMDB_get_value(&r.entry, &d, "country", "iso_code", nullptr) == MMDB_SUCCESS)
          info.country = Utf8(d);
        if (m.country_cache.size() < kMaxCachedRecords)
          m.country_cache.emplace(r.entry.offset, info.country);
      }
    }
  }
  if (m.has_asn) {
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&m.asn, &addr.u.sa, &mmdb_error);
    if (mmdb_error == MMDB_SUCCESS && r.found_entry) {
      std::lock_guard lock(m.mu);
      auto it = m.asn_cache.find(r.entry.offset);
      if (it != m.asn_cache.end()) {
        info.asn = it->second.asn;
        info.as_org = it->second.org;
      } else {
        MMDB_entry_data_s d;
        if (MMDB_get_value(&r.entry, &d, "autonomous_system_number", nullptr) == MMDB_SUCCESS)
          info.asn = Number(d);
        if (MMDB_get_value(&r.entry, &d, "autonomous_system_organization", nullptr) == MMDB_SUCCESS)
          info.as_org = Utf8(d);
        if (m.asn_cache.size() < kMaxCachedRecords)
          m.asn_cache.emplace(r.entry.offset, AsnValue{info.asn, info.as_org});
      }
    }
  }
  return info;
}

std::string ValidateMmdb(const std::string& path, std::string* database_type) {
  MMDB_s db{};
  if (std::string err = Open(path, &db); !err.empty()) return err;
  struct Closer {
    MMDB_s* db;
    ~Closer() { MMDB_close(db); }
  } closer{&db};

  const MMDB_metadata_s& m = db.metadata;
  if (m.binary_format_major_version != 2)
    return path + ": unsupported binary format version " +
           std::to_string(m.binary_format_major_version);
  if (m.ip_version != 4 && m.ip_version != 6)
    return path + ": invalid ip_version " + std::to_string(m.ip_version);
  if (m.record_size != 24 && m.record_size != 28 && m.record_size != 32)
    return path + ": invalid record size " + std::to_string(m.record_size);
  if (m.node_count == 0) return path + ": empty search tree";
  std::string type = DatabaseType(db);
  if (type.empty()) return path + ": no database_type in the metadata";

  // Walk the whole search tree (linearly, node by node: cycles cannot loop) and
  // check that every record points at a node, "empty" or the data section; decode
  // the first few thousand distinct data records.
  std::unordered_set<std::uint64_t> decoded;
  constexpr std::size_t kMaxDecoded = 4096;
  for (std::uint32_t n = 0; n < m.node_count; ++n) {
    MMDB_search_node_s node;
    int status = MMDB_read_node(&db, n, &node);
    if (status != MMDB_SUCCESS)
      return path + ": search tree node " + std::to_string(n) + ": " + MMDB_strerror(status);
    for (int side = 0; side < 2; ++side) {
      std::uint8_t t = side ? node.right_record_type : node.left_record_type;
      if (t == MMDB_RECORD_TYPE_INVALID)
        return path + ": corrupt search tree (node " + std::to_string(n) + ")";
      if (t != MMDB_RECORD_TYPE_DATA || decoded.size() >= kMaxDecoded) continue;
      std::uint64_t rec = side ? node.right_record : node.left_record;
      if (!decoded.insert(rec).second) continue;
      MMDB_entry_s entry = side ? node.right_record_entry : node.left_record_entry;
      MMDB_entry_data_list_s* list = nullptr;
      status = MMDB_get_entry_data_list(&entry, &list);
      MMDB_free_entry_data_list(list);
      if (status != MMDB_SUCCESS) return path + ": corrupt data section: " + MMDB_strerror(status);
    }
  }
  if (database_type) *database_type = std::move(type);
  return {};
}

}  // namespace mls
