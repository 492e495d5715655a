#include "report.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <unordered_map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "csv.h"
#include "diag.h"
#include "fd_io.h"
#include "event.h"
#include "syslog_time.h"

namespace mls {
namespace {

constexpr std::size_t kBlock = std::size_t{1} << 20;      // read(2) size
constexpr std::size_t kMaxRecord = std::size_t{1} << 20;  // longer records are skipped
constexpr std::size_t kMaxWarnings = 20;                  // then only counted
constexpr std::time_t kTimeMin = std::numeric_limits<std::time_t>::min();
constexpr std::time_t kTimeMax = std::numeric_limits<std::time_t>::max();

// Dataset column (header order) of an event column.
constexpr std::size_t DatasetIndex(Col c) {
  for (std::size_t i = 0; i < kDatasetToCol.size(); ++i)
    if (kDatasetToCol[i] == c) return i;
  return kDatasetToCol.size();
}
constexpr std::size_t kDServer = DatasetIndex(kServer);
constexpr std::size_t kDTime = DatasetIndex(kTime);
constexpr std::size_t kDIp = DatasetIndex(kIp);
constexpr std::size_t kDUser = DatasetIndex(kUser);
constexpr std::size_t kDRdns = DatasetIndex(kRdns);
constexpr std::size_t kDRdnsStatus = DatasetIndex(kRdnsStatus);
constexpr std::size_t kDCountry = DatasetIndex(kCountry);
constexpr std::size_t kDAsn = DatasetIndex(kAsn);
constexpr std::size_t kDAsOrg = DatasetIndex(kAsOrg);
// The fast path reads the time and the IP from the leading cells.
static_assert(kDTime == 1 && kDIp == 2);

// ---- times -----------------------------------------------------------------

long OffsetAt(std::time_t t) {
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return 0;
  return tm.tm_gmtoff;
}

// t's local date as days since 1970-01-01 and its local time of day in seconds.
std::int64_t LocalDays(std::time_t t, std::int64_t* seconds = nullptr) {
  std::tm tm{};
  localtime_r(&t, &tm);
  if (seconds != nullptr) *seconds = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
  return DaysFromCivil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

std::time_t LocalDayStart(std::time_t t, int day_offset) {
  return LocalToInstant((LocalDays(t) + day_offset) * 86400);
}

// The start of the local hour containing t.
std::time_t LocalHourStart(std::time_t t) {
  std::tm tm{};
  localtime_r(&t, &tm);
  return t - (tm.tm_min * 60 + tm.tm_sec);
}

// Bucket starts for [since, until): local hours, or local days for long windows.
std::vector<std::time_t> BucketStarts(const ReportWindow& w, std::uint64_t& seconds) {
  std::vector<std::time_t> starts;
  seconds = 3600;
  if (w.until <= w.since) return starts;
  // Hours while there are at most kMaxHourBuckets of them (the text and HTML
  // charts show the same rows), local days beyond. A local hour is 3600 s in
  // every zone whose offsets differ by whole hours.
  const bool days = (w.until - LocalHourStart(w.since) + 3599) / 3600 >
                    static_cast<std::time_t>(kMaxHourBuckets);
  if (days) seconds = 86400;
  std::time_t b = days ? LocalDayStart(w.since, 0) : LocalHourStart(w.since);
  if (b > w.since) b = w.since;  // a day whose midnight does not exist
  while (b < w.until) {
    starts.push_back(b);
    std::time_t next = days ? LocalDayStart(b, 1) : LocalHourStart(b + 3600);
    if (next <= b) next = b + static_cast<std::time_t>(seconds);
    b = next;
  }
  return starts;
}

unsigned Digit(char c) { return static_cast<unsigned>(static_cast<unsigned char>(c) - '0'); }

// Two/four digits at p (every one checked); -1 if any is not a digit.
int Num(const char* p, int n) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    unsigned d = Digit(p[i]);
    if (d > 9) return -1;
    v = v * 10 + static_cast<int>(d);
  }
  return v;
}

// The ISO times IsIsoTime accepts: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM).
// Rows come roughly in date order: the day number of the last date is kept.
struct DayCache {
  char date[10] = {};
  std::int64_t days = 0;
  bool valid = false;
};
bool ParseIsoTime(std::string_view s, std::time_t& t, DayCache& cache) {
  if (s.size() < 20) return false;
  const char* p = s.data();
  if (p[10] != 'T' || p[13] != ':' || p[16] != ':') return false;
  std::int64_t days;
  if (cache.valid && std::memcmp(p, cache.date, 10) == 0) {
    days = cache.days;
  } else {
    if (p[4] != '-' || p[7] != '-') return false;
    int y = Num(p, 4), mo = Num(p + 5, 2), d = Num(p + 8, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return false;
    days = DaysFromCivil(y, mo, d);
    std::memcpy(cache.date, p, 10);
    cache.days = days;
    cache.valid = true;
  }
  int h = Num(p + 11, 2), mi = Num(p + 14, 2), se = Num(p + 17, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return false;
  std::size_t i = 19;
  if (p[i] == '.') {
    std::size_t start = ++i;
    while (i < s.size() && Digit(p[i]) <= 9) ++i;
    if (i == start) return false;
  }
  int offset = 0;
  std::string_view zone = s.substr(i);
  if (zone != "Z") {
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return false;
    int oh = Num(zone.data() + 1, 2), om = Num(zone.data() + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
    offset = (oh * 60 + om) * (zone[0] == '-' ? -1 : 1);
  }
  t = static_cast<std::time_t>(days * 86400 + h * 3600 + mi * 60 + se - std::int64_t{offset} * 60);
  return true;
}

// A row's date cell: ISO (ours) or "DD/MM/YYYY HH:MM" (legacy, local time,
// converted by LocalToInstant's rule, cached per minute).
class RowTimes {
 public:
  // False if the date is neither (or names no real day). For a legacy date,
  // iso() is the same instant in ISO 8601 with the local offset.
  bool Parse(std::string_view s, std::time_t& t, bool& legacy) {
    legacy = false;
    if (s.size() != 16 || s[2] != '/') return ParseIsoTime(s, t, days_);
    const char* p = s.data();
    int day = Num(p, 2), month = Num(p + 3, 2), year = Num(p + 6, 4), hour = Num(p + 11, 2),
        minute = Num(p + 14, 2);
    if (p[5] != '/' || p[10] != ' ' || p[13] != ':' || year < 0 || month < 1 || month > 12 ||
        day < 1 || day > DaysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59)
      return false;
    const std::int64_t local = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60;
    if (local != cached_local_) {
      cached_local_ = local;
      cached_t_ = LocalToInstant(local);
      std::string iso = FormatLocalIso(cached_t_);
      std::memcpy(iso_, iso.data(), std::min(iso.size(), sizeof iso_));
    }
    legacy = true;
    t = cached_t_;
    return true;
  }
  std::string_view iso() const { return std::string_view(iso_, kIsoTimeLength); }

 private:
  std::int64_t cached_local_ = std::numeric_limits<std::int64_t>::min();
  std::time_t cached_t_ = 0;
  char iso_[kIsoTimeLength] = {};
  DayCache days_;
};

// ---- raw records -------------------------------------------------------------

// Bits set in a 16-bit mask (std::popcount would be a libgcc call without -mpopcnt).
unsigned Popcount16(unsigned x) {
  x = x - ((x >> 1) & 0x5555u);
  x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
  x = (x + (x >> 4)) & 0x0F0Fu;
  return (x + (x >> 8)) & 0x1Fu;
}

// Scans p[0, n) up to the first LF or '"', counting the ';' before it.
struct Stop {
  std::size_t at;  // n if neither was found
  std::size_t semicolons;
  std::size_t semi[3];  // offsets of the first three ';' (valid up to `semicolons`)
};
Stop ScanToStop(const char* p, std::size_t n) {
  Stop s{n, 0, {0, 0, 0}};
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"'), semi = _mm_set1_epi8(';');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    unsigned stop = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, quote))));
    unsigned sc = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, semi)));
    if (stop != 0) {
      s.at = i + static_cast<unsigned>(std::countr_zero(stop));
      sc &= (1u << (s.at - i)) - 1;
    }
    for (; sc != 0 && s.semicolons < 3; sc &= sc - 1)
      s.semi[s.semicolons++] = i + static_cast<unsigned>(std::countr_zero(sc));
    s.semicolons += Popcount16(sc);
    if (stop != 0) return s;
  }
#endif
  for (; i < n; ++i) {
    if (p[i] == '\n' || p[i] == '"') {
      s.at = i;
      return s;
    }
    if (p[i] == ';') {
      if (s.semicolons < 3) s.semi[s.semicolons] = i;
      ++s.semicolons;
    }
  }
  return s;
}

struct RawRecord {
  // Unquoted records: the bytes without the line end. Quoted ones: empty, and
  // `cells` holds the split cells (not unneutralised).
  std::string_view text;
  const std::vector<std::string>* cells = nullptr;
  std::size_t fields = 0;
  std::size_t semi[3] = {0, 0, 0};  // unquoted: offsets of the first three ';' in text
  std::size_t line = 0;
  std::uint64_t end_offset = 0;  // file offset just past the record
  bool terminated = true;        // false: the last bytes of the file, without LF
  std::optional<std::string> error;
};

// Reads records from an fd in big blocks without copying unquoted ones.
class RecordScanner {
 public:
  RecordScanner(int fd, std::uint64_t offset, std::size_t line)
      : fd_(fd), offset_(offset), line_(line) {}

  // False at the end of input (or of `limit`) and after a read error (error()).
  bool Next(RawRecord& rec) {
    rec.error.reset();
    rec.cells = nullptr;
    rec.text = {};
    rec.terminated = true;
    for (;;) {
      if (offset_ >= limit_) return false;
      const std::size_t avail = len_ - pos_;
      if (avail == 0) {
        if (eof_ || !Fill()) return false;
        continue;
      }
      const char* p = buf_.data() + pos_;
      Stop s = ScanToStop(p, avail);
      if (s.at < avail && p[s.at] == '\n') {
        std::size_t n = s.at;
        if (n > 0 && p[n - 1] == '\r') --n;
        rec.text = std::string_view(p, n);
        rec.fields = s.semicolons + 1;
        std::copy(std::begin(s.semi), std::end(s.semi), std::begin(rec.semi));
        Take(rec, s.at + 1, 1);
        return true;
      }
      if (s.at < avail) {  // a quote: the full RFC 4180 split
        CsvSplit sp = CsvSplitRecord(std::string_view(p, avail), eof_, cells_);
        if (sp.status == CsvSplit::kRecord && sp.lines > 1 && fields_ != 0 &&
            cells_.size() != fields_) {
          // A quote that opens a cell and never closes on its line: the record
          // would swallow the lines after it. Skip this line only, read on.
          const void* nl = std::memchr(p, '\n', avail);
          rec.error = "unbalanced quote: a record over lines " + std::to_string(line_) + "-" +
                      std::to_string(line_ + sp.lines - 1) + " would have " +
                      std::to_string(cells_.size()) + " fields, not " + std::to_string(fields_) +
                      "; reading on at line " + std::to_string(line_ + 1);
          rec.fields = 0;
          Take(rec, static_cast<std::size_t>(static_cast<const char*>(nl) - p) + 1, 1);
          return true;
        }
        if (sp.status == CsvSplit::kRecord) {
          rec.cells = &cells_;
          rec.fields = cells_.size();
          rec.terminated = p[sp.consumed - 1] == '\n';
          Take(rec, sp.consumed, sp.lines);
          return true;
        }
        if (sp.status == CsvSplit::kError) {  // unterminated quote at the end of the file
          const void* nl = std::memchr(p, '\n', avail);
          if (nl == nullptr) {  // one unfinished line: an append in progress
            rec.terminated = false;
            rec.fields = 0;
            Take(rec, avail, 0);
            return true;
          }
          rec.error = sp.error;  // skip one line and read on
          Take(rec, static_cast<std::size_t>(static_cast<const char*>(nl) - p) + 1, 1);
          return true;
        }
      } else if (eof_) {  // an unterminated last line
        rec.text = std::string_view(p, avail);
        rec.fields = s.semicolons + 1;
        rec.terminated = false;
        Take(rec, avail, 0);
        return true;
      }
      if (avail >= kMaxRecord) return SkipOverlong(rec);
      if (!Fill()) return false;
    }
  }

  void set_limit(std::uint64_t limit) { limit_ = limit; }
  // The rows' field count (0: unknown, the header): a quoted record over
  // several lines with another count is taken for a stray quote.
  void set_fields(std::size_t n) { fields_ = n; }
  const std::optional<std::string>& error() const { return error_; }

 private:
  void Take(RawRecord& rec, std::size_t bytes, std::size_t lines) {
    rec.line = line_;
    line_ += lines;
    pos_ += bytes;
    offset_ += bytes;
    rec.end_offset = offset_;
  }

  bool SkipOverlong(RawRecord& rec) {
    rec.error = "record longer than " + std::to_string(kMaxRecord) + " bytes";
    rec.fields = 0;
    rec.line = line_;
    for (;;) {
      const char* p = buf_.data() + pos_;
      const void* nl = std::memchr(p, '\n', len_ - pos_);
      if (nl != nullptr) {
        std::size_t bytes = static_cast<std::size_t>(static_cast<const char*>(nl) - p) + 1;
        pos_ += bytes;
        offset_ += bytes;
        ++line_;
        rec.end_offset = offset_;
        return true;
      }
      offset_ += len_ - pos_;
      pos_ = len_;
      rec.end_offset = offset_;
      if (eof_ || !Fill()) {
        rec.terminated = false;
        return true;
      }
    }
  }

  bool Fill() {
    if (pos_ > 0) {
      std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
      len_ -= pos_;
      pos_ = 0;
    }
    if (buf_.size() < len_ + kBlock) buf_.resize(len_ + kBlock);
    for (;;) {
      ssize_t got = ::read(fd_, buf_.data() + len_, kBlock);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        error_ = ErrnoMessage("read", errno);
        eof_ = true;
        return false;
      }
      if (got == 0) eof_ = true;
      len_ += static_cast<std::size_t>(got);
      return true;
    }
  }

  int fd_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
  std::uint64_t offset_;  // file offset of buf_[pos_]
  std::uint64_t limit_ = std::numeric_limits<std::uint64_t>::max();
  std::size_t line_;
  std::size_t fields_ = 0;
  std::vector<std::string> cells_;
  std::optional<std::string> error_;
};

// ---- aggregation -------------------------------------------------------------

struct StrHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StrMap = std::unordered_map<std::string, V, StrHash, std::equal_to<>>;

template <class V>
V& Slot(StrMap<V>& m, std::string_view key) {
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(std::string(key), V{}).first;
  return it->second;
}

struct IpAgg {
  std::uint64_t count = 0;
  std::time_t first = kTimeMax, last = kTimeMin;
  std::time_t latest = kTimeMin;  // time of the row the enrichment cells came from
  std::string hostname, country, asn, as_org;
  StrMap<std::uint64_t> users;
  bool seen_before = false;
  bool is_ip = true;  // false: the cell is not an IP address (never in threshold_ips)
};

// One row's cells in dataset order, unneutralised (legacy: null/N/A emptied).
struct RowCells {
  std::array<std::string_view, kEnrichedColumns> c{};
  bool legacy = false;  // a legacy date (DD/MM/YYYY HH:MM)
};

// Whether s is an IPv4 address in canonical dotted-quad form (the common case,
// checked without a copy).
bool IsCanonicalIpv4(std::string_view s) {
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    std::size_t start = i;
    int v = 0;
    while (i < s.size() && i - start < 4 && Digit(s[i]) <= 9) v = v * 10 + static_cast<int>(Digit(s[i++]));
    std::size_t n = i - start;
    if (n == 0 || n > 3 || v > 255 || (n > 1 && s[start] == '0')) return false;
    if (++parts < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

// The canonical text of an IP address cell: IPv4 in dotted-quad form, IPv6 in
// inet_ntop(3) form, an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as its IPv4.
// False when the cell is not an address: `out` is then the cell as is.
class IpCanon {
 public:
  bool Canon(std::string_view cell, std::string_view& out) {
    out = cell;
    if (IsCanonicalIpv4(cell)) return true;
    if (cell.empty() || cell.size() >= sizeof in_) return false;
    std::memcpy(in_, cell.data(), cell.size());
    in_[cell.size()] = '\0';
    unsigned char a[16];
    const char* r = nullptr;
    if (cell.find(':') != std::string_view::npos) {
      if (::inet_pton(AF_INET6, in_, a) != 1) return false;
      static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
      r = std::memcmp(a, kMapped, 12) == 0 ? ::inet_ntop(AF_INET, a + 12, out_, sizeof out_)
                                           : ::inet_ntop(AF_INET6, a, out_, sizeof out_);
    } else {
      if (::inet_pton(AF_INET, in_, a) != 1) return false;
      r = ::inet_ntop(AF_INET, a, out_, sizeof out_);
    }
    if (r == nullptr) return false;
    out = out_;
    return true;
  }

 private:
  char in_[INET6_ADDRSTRLEN + 1] = {};
  char out_[INET6_ADDRSTRLEN] = {};
};

class Aggregator {
 public:
  Aggregator(const ReportOptions& o, std::vector<std::time_t> starts)
      : o_(o), starts_(std::move(starts)), counts_(starts_.size(), 0) {}

  void Add(const RowCells& r, std::time_t t, bool is_ip) {
    ++total_;
    IpAgg& ip = Slot(ips_, r.c[kDIp]);
    ip.is_ip = is_ip;
    ++ip.count;
    ip.first = std::min(ip.first, t);
    ip.last = std::max(ip.last, t);
    if (t >= ip.latest) {
      ip.latest = t;
      ip.hostname.assign(r.c[kDRdns]);
      ip.country.assign(r.c[kDCountry]);
      ip.asn.assign(r.c[kDAsn]);
      ip.as_org.assign(r.c[kDAsOrg]);
    }
    if (r.c[kDUser].empty()) {
      ++no_user_;  // a missing user name is not a user name
    } else {
      ++Slot(ip.users, r.c[kDUser]);
      ++Slot(users_, r.c[kDUser]);
    }
    ++Slot(countries_, r.c[kDCountry]);
    ++Slot(servers_, r.c[kDServer]);
    ++Slot(asns_, r.c[kDAsn]);
    ++Slot(as_orgs_, r.c[kDAsOrg]);
    if (r.c[kDRdnsStatus] == "OK") {
      ++rdns_ok_;
    } else {
      ++Slot(rdns_, r.c[kDRdnsStatus]);
    }
    auto it = std::upper_bound(starts_.begin(), starts_.end(), t);
    if (it != starts_.begin()) ++counts_[static_cast<std::size_t>(it - starts_.begin()) - 1];
  }

  // Pass 2: an IP of the window seen in a row dated before it. Returns the
  // number of window IPs not yet seen before. Looked up in a table of the
  // unseen ones only, which shrinks as they are found: most rows miss at once.
  std::size_t MarkSeenBefore(std::string_view ip) {
    auto it = unseen_.find(ip);
    if (it != unseen_.end()) {
      it->second->seen_before = true;
      unseen_.erase(it);
    }
    return unseen_.size();
  }
  void StartPass2() {
    unseen_.clear();
    unseen_.reserve(ips_.size());
    for (auto& [k, a] : ips_) unseen_.emplace(k, &a);
  }
  bool empty() const { return ips_.empty(); }

  void Fill(ReportData& d) const;

 private:
  IpCount MakeIpCount(const std::string& ip, const IpAgg& a) const {
    IpCount c;
    c.ip = ip;
    c.hostname = a.hostname;
    c.country = a.country;
    c.asn = a.asn;
    c.as_org = a.as_org;
    c.count = a.count;
    c.distinct_users = a.users.size();
    c.first = a.first;
    c.last = a.last;
    return c;
  }

  const ReportOptions& o_;
  std::vector<std::time_t> starts_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0, rdns_ok_ = 0, no_user_ = 0;
  StrMap<IpAgg> ips_;
  StrMap<std::uint64_t> users_, countries_, asns_, as_orgs_, rdns_, servers_;
  std::unordered_map<std::string_view, IpAgg*> unseen_;  // views of ips_'s keys
};

// The first `top` of `v` by `less`, sorted (all of them when top is 0).
template <class T, class Less>
void TopN(std::vector<T>& v, std::size_t top, Less less) {
  if (top > 0 && v.size() > top) {
    std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(top), v.end(), less);
    v.resize(top);
  } else {
    std::sort(v.begin(), v.end(), less);
  }
}

std::vector<KeyCount> TopKeys(const StrMap<std::uint64_t>& m, std::size_t top) {
  std::vector<std::pair<const std::string*, std::uint64_t>> v;
  v.reserve(m.size());
  for (const auto& [k, n] : m) v.emplace_back(&k, n);
  TopN(v, top, [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : *a.first < *b.first;
  });
  std::vector<KeyCount> out;
  out.reserve(v.size());
  for (const auto& [k, n] : v) out.push_back({*k, n});
  return out;
}

void Aggregator::Fill(ReportData& d) const {
  const std::size_t top = o_.top;
  d.total = total_;
  d.distinct_ips = ips_.size();
  d.distinct_users = users_.size();
  d.no_user = no_user_;
  if (servers_.size() >= 2) d.servers = TopKeys(servers_, 0);

  using IpRef = std::pair<const std::string*, const IpAgg*>;
  std::vector<IpRef> ips;
  ips.reserve(ips_.size());
  for (const auto& [k, a] : ips_) ips.emplace_back(&k, &a);
  auto by_count = [](const IpRef& a, const IpRef& b) {
    return a.second->count != b.second->count ? a.second->count > b.second->count
                                              : *a.first < *b.first;
  };

  // (user, ip) pairs; distinct IPs per user.
  struct Pair {
    const std::string* user;
    const std::string* ip;
    std::uint64_t count;
  };
  std::vector<Pair> pairs;
  StrMap<std::uint64_t> user_ips;
  for (const auto& [ip, a] : ips_) {
    for (const auto& [user, n] : a.users) {
      pairs.push_back({&user, &ip, n});
      ++Slot(user_ips, user);
    }
  }
  TopN(pairs, top, [](const Pair& a, const Pair& b) {
    if (a.count != b.count) return a.count > b.count;
    if (*a.user != *b.user) return *a.user < *b.user;
    return *a.ip < *b.ip;
  });
  for (const Pair& p : pairs) {
    const IpAgg& a = ips_.find(*p.ip)->second;
    d.top_auth.push_back({*p.user, *p.ip, a.hostname, a.country, p.count});
  }

  d.top_users = TopKeys(users_, top);
  {
    std::vector<IpRef> v = ips;
    TopN(v, top, by_count);
    for (const auto& [k, a] : v) d.top_ips.push_back(MakeIpCount(*k, *a));
  }
  d.top_countries = TopKeys(countries_, top);
  d.top_as_orgs = TopKeys(as_orgs_, top);
  d.top_asns = TopKeys(asns_, top);
  d.rdns_failures = TopKeys(rdns_, 0);
  d.rdns_ok = rdns_ok_;

  d.buckets.clear();
  for (std::size_t i = 0; i < starts_.size(); ++i) d.buckets.push_back({starts_[i], counts_[i]});

  {
    std::vector<IpRef> v;
    for (const IpRef& r : ips)
      if (r.second->users.size() >= 2) v.push_back(r);
    TopN(v, top, [](const IpRef& a, const IpRef& b) {
      if (a.second->users.size() != b.second->users.size())
        return a.second->users.size() > b.second->users.size();
      if (a.second->count != b.second->count) return a.second->count > b.second->count;
      return *a.first < *b.first;
    });
    for (const auto& [k, a] : v) d.brute_force.push_back(MakeIpCount(*k, *a));
  }
  {
    std::vector<UserSpread> v;
    for (const auto& [user, n] : user_ips)
      if (n >= 2) v.push_back({user, users_.find(user)->second, n});
    TopN(v, top, [](const UserSpread& a, const UserSpread& b) {
      if (a.distinct_ips != b.distinct_ips) return a.distinct_ips > b.distinct_ips;
      if (a.count != b.count) return a.count > b.count;
      return a.user < b.user;
    });
    d.spraying = std::move(v);
  }
  {
    std::vector<IpRef> v;
    for (const IpRef& r : ips)
      if (!r.second->seen_before) v.push_back(r);
    d.new_ip_count = v.size();
    TopN(v, top, by_count);
    for (const auto& [k, a] : v) d.new_ips.push_back(MakeIpCount(*k, *a));
  }
  d.threshold = o_.threshold;
  if (o_.threshold > 0) {
    std::vector<IpRef> v;
    for (const IpRef& r : ips)
      if (r.second->count >= o_.threshold && r.second->is_ip) v.push_back(r);
    TopN(v, 0, by_count);
    for (const auto& [k, a] : v) d.threshold_ips.push_back({*k, a->count});
  }
}

// ---- the dataset -------------------------------------------------------------

class Builder {
 public:
  Builder(const std::string& path, const ReportOptions& o, ReportBuild& out)
      : path_(path), o_(o), out_(out), prev_(PreviousWindow(o.window)) {}

  void Run();

 private:
  void Skip(const std::string& msg) {
    ++out_.data.skipped_rows;
    if (out_.warnings.size() < kMaxWarnings) out_.warnings.push_back(path_ + ": " + msg);
  }
  bool ReadHeader(RecordScanner& scan);
  // Cells of a record (dataset order); false if the field count is wrong.
  bool SplitCells(const RawRecord& rec, RowCells& r) const;
  // The date cell of a record with the right field count.
  std::string_view DateCell(const RawRecord& rec) const;
  std::string_view IpCell(const RawRecord& rec) const;
  bool EmitRow(const RowCells& r);
  bool Flush();
  void Pass2(int fd, Aggregator& agg);

  const std::string& path_;
  const ReportOptions& o_;
  ReportBuild& out_;
  ReportWindow prev_;
  std::size_t columns_ = kEnrichedColumns;
  std::uint64_t data_start_ = 0;  // offset of the first row
  std::uint64_t before_end_ = 0;  // offset past the last row dated before the window
  std::uint64_t before_rows_ = 0;
  RowTimes times_;
  std::string pending_;  // rows for rows_fd
  std::vector<std::string> fields_;
  IpCanon canon_;
};

bool Builder::ReadHeader(RecordScanner& scan) {
  RawRecord rec;
  if (!scan.Next(rec)) return false;  // empty file (or read error)
  std::string header;
  if (rec.cells) {
    for (std::size_t i = 0; i < rec.cells->size(); ++i) {
      if (i > 0) header += ';';
      header += (*rec.cells)[i];
    }
  } else {
    header.assign(rec.text);
  }
  if (!rec.error && header == kCsvHeader) {
    columns_ = kEnrichedColumns;
  } else if (!rec.error && header == kLegacyCsvHeader) {
    columns_ = 9;
  } else {
    out_.error = path_ + ": line 1: not a maillogsentinel dataset (unexpected header)";
    return false;
  }
  data_start_ = rec.end_offset;
  scan.set_fields(columns_);
  return rec.terminated;
}

bool Builder::SplitCells(const RawRecord& rec, RowCells& r) const {
  if (rec.fields != columns_) return false;
  r.c.fill(std::string_view());
  if (rec.cells) {
    for (std::size_t i = 0; i < columns_; ++i) r.c[i] = CsvUnneutraliseView((*rec.cells)[i]);
  } else {
    std::string_view t = rec.text;
    for (std::size_t i = 0; i < columns_; ++i) {
      std::size_t semi = i + 1 < columns_ ? t.find(';') : t.size();
      r.c[i] = CsvUnneutraliseView(t.substr(0, semi));
      t.remove_prefix(std::min(t.size(), semi + 1));
    }
  }
  return true;
}

std::string_view Builder::DateCell(const RawRecord& rec) const {
  if (rec.cells) return CsvUnneutraliseView((*rec.cells)[kDTime]);
  return CsvUnneutraliseView(rec.text.substr(rec.semi[0] + 1, rec.semi[1] - rec.semi[0] - 1));
}

std::string_view Builder::IpCell(const RawRecord& rec) const {
  if (rec.cells) return CsvUnneutraliseView((*rec.cells)[kDIp]);
  return CsvUnneutraliseView(rec.text.substr(rec.semi[1] + 1, rec.semi[2] - rec.semi[1] - 1));
}

bool Builder::Flush() {
  if (!pending_.empty() && !WriteAll(o_.rows_fd, pending_)) {
    out_.error = ErrnoMessage("writing the window's rows", errno);
    return false;
  }
  pending_.clear();
  return true;
}

bool Builder::EmitRow(const RowCells& r) {
  fields_.assign(kEnrichedColumns, std::string());
  for (std::size_t i = 0; i < columns_; ++i) fields_[kDatasetToCol[i]].assign(r.c[i]);
  if (r.legacy) fields_[kTime].assign(times_.iso());
  CsvAppendEvent(fields_, pending_);
  ++out_.rows_written;
  return pending_.size() < (std::size_t{64} << 10) || Flush();
}

void Builder::Run() {
  ReportData& d = out_.data;
  d.window = o_.window;
  d.previous_window = prev_;
  if (auto e = CheckWindow(o_.window)) {
    out_.error = *e;
    return;
  }
  std::vector<std::time_t> starts = BucketStarts(o_.window, d.bucket_seconds);
  Aggregator agg(o_, std::move(starts));

  if (o_.rows_fd >= 0) pending_.append(kCsvHeader).append("\n");
  // O_NONBLOCK: a FIFO must not block the open (it is refused below).
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    out_.missing = err == ENOENT;
    d.dataset_error = std::string(err == ENOENT ? "missing" : "unreadable") + " (" +
                      std::strerror(err) + ")";
  } else {
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      out_.error = ErrnoMessage(path_, errno);
      ::close(fd);
      return;
    }
    if (!S_ISREG(st.st_mode)) {
      out_.error = path_ + ": not a regular file (the dataset must be a regular file)";
      out_.not_regular = true;
      ::close(fd);
      return;
    }
    d.dataset_bytes = static_cast<std::uint64_t>(st.st_size);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    RecordScanner scan(fd, 0, 1);
    std::time_t first = kTimeMax, last = kTimeMin;
    if (ReadHeader(scan)) {
      RawRecord rec;
      RowCells cells;
      while (scan.Next(rec)) {
        if (!rec.terminated) break;  // an append in progress
        if (rec.error) {
          Skip("line " + std::to_string(rec.line) + ": " + *rec.error + "; row skipped");
          continue;
        }
        if (rec.fields != columns_) {
          Skip("line " + std::to_string(rec.line) + ": expected " + std::to_string(columns_) +
               " fields, got " + std::to_string(rec.fields) + "; row skipped");
          continue;
        }
        std::time_t t;
        bool legacy;
        if (!times_.Parse(DateCell(rec), t, legacy)) {
          Skip("line " + std::to_string(rec.line) +
               ": date is neither ISO 8601 nor DD/MM/YYYY HH:MM; row skipped");
          continue;
        }
        ++d.dataset_rows;
        first = std::min(first, t);
        last = std::max(last, t);
        if (t < o_.window.since) {
          ++before_rows_;
          before_end_ = rec.end_offset;
          if (t >= prev_.since && t < prev_.until) ++d.previous_total;
          continue;
        }
        if (t >= o_.window.until) continue;
        SplitCells(rec, cells);
        cells.legacy = legacy;
        if (columns_ == 9) {  // the legacy file's "no value" cells
          for (std::string_view& c : cells.c)
            if (c == "null" || c == "N/A") c = std::string_view();
        }
        const std::string_view ip_cell = cells.c[kDIp];
        const bool is_ip = canon_.Canon(ip_cell, cells.c[kDIp]);
        agg.Add(cells, t, is_ip);
        cells.c[kDIp] = ip_cell;  // the attachment keeps the row as stored
        if (o_.rows_fd >= 0 && !EmitRow(cells)) break;
      }
      if (scan.error() && !out_.error) out_.error = path_ + ": " + *scan.error();
    } else if (scan.error() && !out_.error) {
      out_.error = path_ + ": " + *scan.error();
    }
    if (d.dataset_rows > 0) {
      d.dataset_first = first;
      d.dataset_last = last;
    }
    if (!out_.error && !agg.empty() && before_rows_ > 0) Pass2(fd, agg);
    ::close(fd);
  }
  if (d.skipped_rows > out_.warnings.size()) {
    out_.warnings.push_back(path_ + ": " + std::to_string(d.skipped_rows - out_.warnings.size()) +
                            " more rows skipped");
  }
  if (o_.rows_fd >= 0 && !out_.error) Flush();
  agg.Fill(d);
}

// Marks the window's IPs that also appear in a row dated before it.
void Builder::Pass2(int fd, Aggregator& agg) {
  if (::lseek(fd, static_cast<off_t>(data_start_), SEEK_SET) < 0) {
    out_.error = path_ + ": " + ErrnoMessage("lseek", errno);
    return;
  }
  agg.StartPass2();
  RecordScanner scan(fd, data_start_, 2);
  scan.set_limit(before_end_);
  scan.set_fields(columns_);
  RawRecord rec;
  while (scan.Next(rec)) {
    if (!rec.terminated || rec.error || rec.fields != columns_) continue;
    std::time_t t;
    bool legacy;
    if (!times_.Parse(DateCell(rec), t, legacy) || t >= o_.window.since) continue;
    std::string_view ip = IpCell(rec);
    if (columns_ == 9 && (ip == "null" || ip == "N/A")) ip = std::string_view();
    canon_.Canon(ip, ip);
    if (agg.MarkSeenBefore(ip) == 0) break;
  }
  if (scan.error()) out_.error = path_ + ": " + *scan.error();
}

}  // namespace

std::optional<ReportWindow> NamedWindow(std::string_view name, std::time_t now) {
  ReportWindow w;
  w.name = std::string(name);
  w.until = now;
  if (name == "today") {
    w.since = LocalDayStart(now, 0);
  } else if (name == "yesterday") {
    w.since = LocalDayStart(now, -1);
    w.until = LocalDayStart(now, 0);
  } else if (name == "24h") {
    w.since = now - 24 * 3600;
  } else if (name == "7d") {
    w.since = now - 7 * 24 * 3600;
  } else {
    return std::nullopt;
  }
  return w;
}

ReportWindow PreviousWindow(const ReportWindow& w) {
  ReportWindow p;
  p.name = "previous";
  if (w.name == "today") {
    // The same clock interval of the previous local day.
    std::int64_t clock = 0;
    const std::int64_t day = LocalDays(w.until, &clock) - 1;
    p.since = LocalToInstant(day * 86400);
    p.until = std::max(p.since, LocalToInstant(day * 86400 + clock));
  } else if (w.name == "yesterday") {
    p.since = LocalDayStart(w.since, -1);
    p.until = w.since;
  } else {
    p.since = w.since - (w.until - w.since);
    p.until = w.since;
  }
  return p;
}

std::time_t LocalToInstant(std::int64_t local) {
  // The offsets a day before and a day after (at most one change between).
  const long before = OffsetAt(static_cast<std::time_t>(local - 86400));
  const long after = OffsetAt(static_cast<std::time_t>(local + 86400));
  const auto u1 = static_cast<std::time_t>(local - before);
  const auto u2 = static_cast<std::time_t>(local - after);
  const bool ok1 = OffsetAt(u1) == before, ok2 = OffsetAt(u2) == after;
  if (ok1 && ok2) return std::min(u1, u2);  // ambiguous: the earlier
  if (ok2) return u2;
  return u1;  // valid with the old offset, or in a gap: read with the old offset
}

std::optional<std::time_t> ParseReportTime(std::string_view text) {
  if (!text.empty() && text[0] != '@') {
    // Without an offset, "TEXTZ" parses: the local civil time.
    if (std::optional<std::time_t> civil = ParseIso8601Instant(std::string(text) + "Z"))
      return LocalToInstant(*civil);
  }
  return ParseIso8601Instant(text);
}

std::optional<std::time_t> ParseRelativeTime(std::string_view text, std::time_t now) {
  tzset();
  if (text == "now") return now;
  if (text == "today") return LocalDayStart(now, 0);
  if (text == "yesterday") return LocalDayStart(now, -1);
  if (text == "tomorrow") return LocalDayStart(now, 1);
  if (text.size() < 2 || (text[0] != '-' && text[0] != '+')) return std::nullopt;
  std::optional<std::int64_t> span = ParseTimeSpan(text.substr(1));
  if (!span) return std::nullopt;
  return text[0] == '-' ? now - static_cast<std::time_t>(*span)
                        : now + static_cast<std::time_t>(*span);
}

std::optional<std::string> CheckWindow(const ReportWindow& w) {
  if (w.since < 0) return "the window starts before 1970-01-01T00:00Z";
  if (w.until > w.since && w.until - w.since > kMaxWindowSeconds)
    return "the window is longer than 100 years";
  return std::nullopt;
}

std::string FormatLocalIso(std::time_t t) {
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return "?";
  long off = tm.tm_gmtoff / 60;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 60,
                off % 60);
  return buf;
}

ReportBuild BuildReport(const std::string& csv_path, const ReportOptions& options) {
  ReportBuild out;
  tzset();
  Builder(csv_path, options, out).Run();
  return out;
}

}  // namespace mls
