#include "report.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <limits>
#include <unordered_map>

#include "dataset.h"
#include "diag.h"
#include "event.h"
#include "fd_io.h"
#include "ip.h"
#include "local_time.h"
#include "syslog_time.h"
#include "text_safety.h"

namespace mls {
namespace {

constexpr std::size_t kMaxWarnings = 20;  // then only counted
constexpr std::time_t kTimeMin = std::numeric_limits<std::time_t>::min();
constexpr std::time_t kTimeMax = std::numeric_limits<std::time_t>::max();

// ---- windows -----------------------------------------------------------------

// Bucket starts for [since, until): local hours, or local days for long windows.
std::vector<std::time_t> BucketStarts(const ReportWindow& w, std::uint64_t& seconds) {
  std::vector<std::time_t> starts;
  seconds = 3600;
  if (w.until <= w.since) return starts;
  // Hours while there are at most kMaxHourBuckets of them (the text and HTML
  // charts show the same rows), local days beyond. A local hour is 3600 s in
  // every zone whose offsets differ by whole hours.
  const bool days =
      (w.until - LocalHourStart(w.since) + 3599) / 3600 > static_cast<std::time_t>(kMaxHourBuckets);
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
  std::vector<std::uint32_t> servers;  // ids (ServerAgg::id) of the servers it tried, unsorted
  bool seen_before = false;
  bool is_ip = true;  // false: the cell is not an IP address (never in threshold_ips)
};

struct ServerAgg {
  std::uint32_t id = 0;
  std::uint64_t count = 0;     // in the window
  std::uint64_t previous = 0;  // in the previous window
  std::uint64_t ips = 0;       // distinct addresses in the window
};

struct UserAgg {
  std::uint64_t count = 0;
  std::vector<std::uint32_t> servers;
};

// Adds `id` to a small set kept as a vector (an address or a user meets few servers).
bool AddId(std::vector<std::uint32_t>& ids, std::uint32_t id) {
  if (std::find(ids.begin(), ids.end(), id) != ids.end()) return false;
  ids.push_back(id);
  return true;
}

}  // namespace

class ReportAggregator::Impl {
 public:
  Impl(const ReportOptions& o, std::vector<std::time_t> starts)
      : o_(o), starts_(std::move(starts)), counts_(starts_.size(), 0) {}

  void Add(const DatasetCells& r, std::time_t first, std::time_t last, std::uint64_t n, bool is_ip,
           bool bucket) {
    total_ += n;
    IpAgg& ip = Slot(ips_, r.c[kDIp]);
    ip.is_ip = is_ip;
    ip.count += n;
    ip.first = std::min(ip.first, first);
    ip.last = std::max(ip.last, last);
    if (last >= ip.latest) {
      ip.latest = last;
      ip.hostname.assign(r.c[kDRdns]);
      ip.country.assign(r.c[kDCountry]);
      ip.asn.assign(r.c[kDAsn]);
      ip.as_org.assign(r.c[kDAsOrg]);
    }
    ServerAgg& server = Server(r.c[kDServer]);
    server.count += n;
    if (AddId(ip.servers, server.id)) ++server.ips;
    if (r.c[kDUser].empty()) {
      no_user_ += n;  // a missing user name is not a user name
    } else {
      Slot(ip.users, r.c[kDUser]) += n;
      UserAgg& user = Slot(users_, r.c[kDUser]);
      user.count += n;
      AddId(user.servers, server.id);
    }
    Slot(countries_, r.c[kDCountry]) += n;
    Slot(asns_, r.c[kDAsn]) += n;
    Slot(as_orgs_, r.c[kDAsOrg]) += n;
    if (r.c[kDRdnsStatus] == "OK") {
      rdns_ok_ += n;
    } else {
      Slot(rdns_, r.c[kDRdnsStatus]) += n;
    }
    if (bucket) AddBucket(first, n);
  }

  void AddBucket(std::time_t t, std::uint64_t n) {
    auto it = std::upper_bound(starts_.begin(), starts_.end(), t);
    if (it != starts_.begin()) counts_[static_cast<std::size_t>(it - starts_.begin()) - 1] += n;
  }

  void AddPrevious(std::string_view server, std::uint64_t n) {
    previous_total_ += n;
    Server(server).previous += n;
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
  void FillFleet(ReportData& d, std::size_t top) const;
  ServerAgg& Server(std::string_view name) {
    auto it = servers_.find(name);
    if (it == servers_.end()) {
      it = servers_.emplace(std::string(name), ServerAgg{}).first;
      it->second.id = static_cast<std::uint32_t>(server_names_.size());
      server_names_.push_back(&it->first);
    }
    return it->second;
  }

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
  std::uint64_t total_ = 0, rdns_ok_ = 0, no_user_ = 0, previous_total_ = 0;
  StrMap<IpAgg> ips_;
  StrMap<UserAgg> users_;
  StrMap<std::uint64_t> countries_, asns_, as_orgs_, rdns_;
  StrMap<ServerAgg> servers_;                            // the window's and the previous window's
  std::vector<const std::string*> server_names_;         // by id: keys of servers_
  std::unordered_map<std::string_view, IpAgg*> unseen_;  // views of ips_'s keys
};

namespace {

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

}  // namespace

void ReportAggregator::Impl::Fill(ReportData& d) const {
  const std::size_t top = o_.top;
  d.total = total_;
  d.previous_total = previous_total_;
  d.distinct_ips = ips_.size();
  d.distinct_users = users_.size();
  d.no_user = no_user_;
  std::size_t window_servers = 0;
  for (const auto& [name, a] : servers_) window_servers += a.count > 0 ? 1 : 0;
  if (window_servers >= 2) FillFleet(d, top);

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

  {
    StrMap<std::uint64_t> counts;
    for (const auto& [user, a] : users_) counts.emplace(user, a.count);
    d.top_users = TopKeys(counts, top);
  }
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
      if (n >= 2) v.push_back({user, users_.find(user)->second.count, n});
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
  auto allowed = [this](const IpRef& r) {
    return o_.allow && r.second->is_ip && o_.allow->Contains(*r.first);
  };
  if (o_.threshold > 0) {
    std::vector<IpRef> v;
    for (const IpRef& r : ips)
      if (r.second->count >= o_.threshold && r.second->is_ip && !allowed(r)) v.push_back(r);
    TopN(v, 0, by_count);
    for (const auto& [k, a] : v) d.threshold_ips.push_back({*k, a->count});
  }
  if (o_.allow) {
    std::vector<IpRef> v;
    for (const IpRef& r : ips)
      if (allowed(r)) v.push_back(r);
    TopN(v, top, by_count);
    for (const auto& [k, a] : v) d.allowlisted.push_back({*k, a->count});
  }
}

// Several servers: each one's totals and trend, the addresses and the users
// met on more than one.
void ReportAggregator::Impl::FillFleet(ReportData& d, std::size_t top) const {
  for (const auto& [name, a] : servers_) d.servers.push_back({name, a.count, a.previous, a.ips});
  std::sort(d.servers.begin(), d.servers.end(), [](const ServerTrend& a, const ServerTrend& b) {
    return a.count != b.count ? a.count > b.count : a.server < b.server;
  });
  std::vector<SharedIp> ips;
  for (const auto& [ip, a] : ips_) {
    if (a.servers.size() < 2) continue;
    ips.push_back({ip, a.country, a.asn, a.as_org, a.servers.size(), a.count, a.users.size()});
  }
  d.shared_ip_count = ips.size();
  TopN(ips, top, [](const SharedIp& a, const SharedIp& b) {
    if (a.servers != b.servers) return a.servers > b.servers;
    if (a.count != b.count) return a.count > b.count;
    return a.ip < b.ip;
  });
  d.shared_ips = std::move(ips);
  StrMap<std::uint64_t> user_ips;
  for (const auto& [ip, a] : ips_)
    for (const auto& [user, n] : a.users) ++Slot(user_ips, user);
  std::vector<SharedUser> users;
  for (const auto& [user, a] : users_) {
    if (a.servers.size() < 2) continue;
    users.push_back({user, a.servers.size(), a.count, user_ips.find(user)->second});
  }
  d.shared_user_count = users.size();
  TopN(users, top, [](const SharedUser& a, const SharedUser& b) {
    if (a.servers != b.servers) return a.servers > b.servers;
    if (a.count != b.count) return a.count > b.count;
    return a.user < b.user;
  });
  d.shared_users = std::move(users);
}

ReportAggregator::ReportAggregator(const ReportOptions& options, ReportData& data) : data_(data) {
  data.window = options.window;
  data.previous_window = PreviousWindow(options.window);
  impl_ = std::make_unique<Impl>(options, BucketStarts(options.window, data.bucket_seconds));
}
ReportAggregator::~ReportAggregator() = default;
void ReportAggregator::Add(const DatasetCells& row, std::time_t first, std::time_t last,
                           std::uint64_t n, bool is_ip) {
  impl_->Add(row, first, last, n, is_ip, true);
}
void ReportAggregator::AddUnbucketed(const DatasetCells& row, std::time_t first, std::time_t last,
                                     std::uint64_t n, bool is_ip) {
  impl_->Add(row, first, last, n, is_ip, false);
}
void ReportAggregator::AddBucket(std::time_t t, std::uint64_t n) { impl_->AddBucket(t, n); }
void ReportAggregator::AddPrevious(std::string_view server, std::uint64_t n) {
  impl_->AddPrevious(server, n);
}
bool ReportAggregator::empty() const { return impl_->empty(); }
void ReportAggregator::StartSeenBefore() { impl_->StartPass2(); }
std::size_t ReportAggregator::MarkSeenBefore(std::string_view ip) {
  return impl_->MarkSeenBefore(ip);
}
void ReportAggregator::Fill() { impl_->Fill(data_); }

std::string UnknownServerWarning(std::string_view server) {
  return "--server " + DisplayText(server) +
         ": no event names this server (the names are the log lines' host field)";
}

bool ServerSelected(const ReportOptions& options, std::string_view server) {
  return options.servers.empty() ||
         std::find(options.servers.begin(), options.servers.end(), server) != options.servers.end();
}

namespace {

// ---- the dataset -------------------------------------------------------------

class Builder {
 public:
  Builder(const std::string& path, const ReportOptions& o, ReportBuild& out)
      : path_(path),
        o_(o),
        out_(out),
        prev_(PreviousWindow(o.window)),
        server_seen_(o.servers.size(), false) {}

  void Run();

 private:
  void Skip(const DatasetRecord& rec) {
    ++out_.data.skipped_rows;
    if (out_.warnings.size() < kMaxWarnings)
      out_.warnings.push_back(path_ + ": line " + std::to_string(rec.line) + ": " + *rec.error +
                              "; row skipped");
  }
  void Scan(int fd, ReportAggregator& agg);
  bool EmitRow(const DatasetScanner& scan, const DatasetCells& r);
  bool Flush();
  void Pass2(int fd, std::size_t columns, ReportAggregator& agg);

  const std::string& path_;
  const ReportOptions& o_;
  ReportBuild& out_;
  ReportWindow prev_;
  std::uint64_t data_start_ = 0;  // offset of the first row
  std::uint64_t before_end_ = 0;  // offset past the last row dated before the window
  std::uint64_t before_rows_ = 0;
  // With ReportOptions::servers: whether each one names a row (a typo names none).
  std::vector<bool> server_seen_;
  bool Selected(std::string_view server) {
    for (std::size_t i = 0; i < o_.servers.size(); ++i) {
      if (o_.servers[i] == server) {
        if (!server_seen_[i]) server_seen_[i] = true;
        return true;
      }
    }
    return false;
  }
  std::string pending_;  // rows for rows_fd
  std::vector<std::string> fields_;
  IpCanonicaliser canon_;
  std::optional<LoginSignal> logins_;  // with ReportOptions::logins_path
};

bool Builder::Flush() {
  if (!pending_.empty() && !WriteAll(o_.rows_fd, pending_)) {
    out_.error = ErrnoMessage("writing the window's rows", errno);
    return false;
  }
  pending_.clear();
  return true;
}

bool Builder::EmitRow(const DatasetScanner& scan, const DatasetCells& r) {
  scan.ToEvent(r, fields_);
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
  ReportAggregator agg(o_, d);

  if (!o_.logins_path.empty()) {
    logins_.emplace(o_.window.since, o_.window.until, o_.lookback_days);
    std::uint64_t skipped = 0;
    if (auto e = logins_->ReadLogins(o_.logins_path, skipped)) out_.warnings.push_back(*e);
    if (skipped > 0) {
      out_.warnings.push_back(o_.logins_path + ": " + std::to_string(skipped) +
                              " unreadable rows left out of the logins after failures");
    }
  }
  if (o_.rows_fd >= 0) pending_.append(kCsvHeader).append("\n");
  // O_NONBLOCK: a FIFO must not block the open (it is refused below).
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    out_.missing = err == ENOENT;
    d.dataset_error =
        std::string(err == ENOENT ? "missing" : "unreadable") + " (" + std::strerror(err) + ")";
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
    Scan(fd, agg);
    ::close(fd);
  }
  if (d.skipped_rows > out_.warnings.size()) {
    out_.warnings.push_back(path_ + ": " + std::to_string(d.skipped_rows - out_.warnings.size()) +
                            " more rows skipped");
  }
  if (o_.rows_fd >= 0 && !out_.error) Flush();
  if (!d.dataset_error.empty()) server_seen_.assign(server_seen_.size(), true);
  for (std::size_t i = 0; i < server_seen_.size(); ++i) {
    if (!server_seen_[i]) out_.warnings.push_back(UnknownServerWarning(o_.servers[i]));
  }
  agg.Fill();
  if (logins_) d.logins = logins_->Finish();
}

// Pass 1: every row, aggregating the window's.
void Builder::Scan(int fd, ReportAggregator& agg) {
  ReportData& d = out_.data;
  DatasetScanner scan(fd);
  std::time_t first = kTimeMax, last = kTimeMin;
  if (scan.ReadHeader()) {
    data_start_ = scan.data_start();
    DatasetRecord rec;
    DatasetCells cells;
    while (scan.Next(rec)) {
      if (rec.error) {
        Skip(rec);
        continue;
      }
      const std::time_t t = rec.time;
      if (!o_.servers.empty() && !Selected(scan.Cell(rec, kDServer))) continue;
      ++d.dataset_rows;
      if (logins_ && logins_->Wants(t)) {
        std::string_view ip;
        canon_.Canon(scan.Cell(rec, kDIp), ip);
        logins_->AddFailure(t, ip, scan.Cell(rec, kDUser));
      }
      first = std::min(first, t);
      last = std::max(last, t);
      if (t < o_.window.since) {
        ++before_rows_;
        before_end_ = rec.end_offset;
        if (t >= prev_.since && t < prev_.until) agg.AddPrevious(scan.Cell(rec, kDServer), 1);
        continue;
      }
      if (t >= o_.window.until) continue;
      scan.Split(rec, cells);
      const std::string_view ip_cell = cells.c[kDIp];
      const bool is_ip = canon_.Canon(ip_cell, cells.c[kDIp]);
      agg.Add(cells, t, t, 1, is_ip);
      cells.c[kDIp] = ip_cell;  // the attachment keeps the row as stored
      if (o_.rows_fd >= 0 && !EmitRow(scan, cells)) break;
    }
  }
  if (scan.error() && !out_.error) out_.error = path_ + ": " + *scan.error();
  if (d.dataset_rows > 0) {
    d.dataset_first = first;
    d.dataset_last = last;
  }
  if (!out_.error && !agg.empty() && before_rows_ > 0 && !o_.feed_only)
    Pass2(fd, scan.columns(), agg);
}

// Pass 2: marks the window's IPs that also appear in a row dated before it.
void Builder::Pass2(int fd, std::size_t columns, ReportAggregator& agg) {
  if (::lseek(fd, static_cast<off_t>(data_start_), SEEK_SET) < 0) {
    out_.error = path_ + ": " + ErrnoMessage("lseek", errno);
    return;
  }
  agg.StartSeenBefore();
  DatasetScanner scan(fd, data_start_, 2, columns);
  scan.set_limit(before_end_);
  DatasetRecord rec;
  while (scan.Next(rec)) {
    if (rec.error || rec.time >= o_.window.since || !ServerSelected(o_, scan.Cell(rec, kDServer)))
      continue;
    std::string_view ip;
    canon_.Canon(scan.Cell(rec, kDIp), ip);
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
  } else if (auto span = ParseTimeSpan(name)) {  // "10m", "1h", "36h": back from now
    w.since = now - static_cast<std::time_t>(*span);
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

std::optional<std::string> CheckWindow(const ReportWindow& w) {
  if (w.since < 0) return "the window starts before 1970-01-01T00:00Z";
  if (w.until > w.since && w.until - w.since > kMaxWindowSeconds)
    return "the window is longer than 100 years";
  return std::nullopt;
}

ReportBuild BuildReport(const std::string& csv_path, const ReportOptions& options) {
  ReportBuild out;
  tzset();
  Builder(csv_path, options, out).Run();
  return out;
}

}  // namespace mls
