#include "enrich.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <unordered_map>
#include <vector>

#include "diag.h"
#include "event.h"
#include "fd_io.h"
#include "ptr_name.h"
#include "record_reader.h"
#include "tsv.h"

namespace mls {
namespace {

constexpr std::size_t kFlushBytes = std::size_t{1} << 20;
constexpr std::size_t kGeoMemoEntries = 65536;

class Enricher {
 public:
  explicit Enricher(const EnrichOptions& o) : o_(o) {
    if (!o_.warn) o_.warn = [](const std::string& m) { Warn(m); };
  }

  EnrichStats Run() {
    RecordReader reader(
        o_.in_fd, [this](std::size_t line, std::vector<std::string>& f) { OnRecord(line, f); },
        [this](std::size_t line, const std::string& e) { Malformed(line, e); });
    bool eof = false;
    std::vector<pollfd> fds;
    while (!stats_.failed) {
      Drain();
      if (eof && window_.empty()) break;
      fds.clear();
      bool want_in = !eof && window_.size() < o_.window;
      if (want_in) fds.push_back(pollfd{o_.in_fd, POLLIN, 0});
      std::size_t base = fds.size();
      int timeout = -1;
      if (o_.resolver) {
        o_.resolver->AddPollFds(fds);
        timeout = o_.resolver->TimeoutMs(o_.now_ms());
      }
      if (fds.empty() && timeout < 0) {  // cannot happen: something waits on nothing
        o_.warn("internal error: records wait for no lookup");
        stats_.failed = true;
        break;
      }
      int rc = 0;
      if (!out_.empty()) rc = ::poll(fds.data(), fds.size(), 0);
      if (out_.empty() || rc == 0) {
        if (!Flush()) break;
        rc = ::poll(fds.data(), fds.size(), timeout);
      }
      if (rc < 0) {
        if (errno == EINTR) continue;
        o_.warn(ErrnoMessage("poll", errno));
        stats_.failed = true;
        break;
      }
      if (want_in && fds[0].revents) {
        RecordReader::Status s = reader.ReadOnce();
        if (s == RecordReader::Status::kError) {
          o_.warn(reader.error());
          stats_.failed = true;
        }
        if (s != RecordReader::Status::kOk) eof = true;
      }
      if (o_.resolver) o_.resolver->Process(fds.data() + base, fds.size() - base, o_.now_ms());
      if (out_.size() >= kFlushBytes && !Flush()) break;
    }
    Flush();
    return stats_;
  }

 private:
  struct Slot {
    std::string head;  // the 9 event columns (8 of a login), escaped, TAB-joined
    std::string tail;  // country, asn, as_org, escaped, TAB-joined
    bool done = false;
    DnsAnswer answer;
  };

  void Malformed(std::size_t line, const std::string& error) {
    ++stats_.malformed;
    o_.warn("line " + std::to_string(line) + ": " + error);
  }

  void OnRecord(std::size_t line, std::vector<std::string>& f) {
    if (!IsEventRecord(f.size()) && !IsLoginRecord(f.size())) {
      Malformed(line, "expected " + std::to_string(kEventColumns) + " or " +
                          std::to_string(kEnrichedColumns) +
                          " fields (a login: " + std::to_string(kLoginColumns) + " or " +
                          std::to_string(kEnrichedLoginColumns) + "), got " +
                          std::to_string(f.size()));
      return;
    }
    Slot slot;
    // The record's own columns; the enrichment ones (if any) are replaced.
    for (std::size_t i = 0; i < EnrichmentStart(f.size()); ++i) {
      if (i) slot.head += '\t';
      TsvEscapeTo(f[i], slot.head);
    }
    const std::string& ip = f[kIp];
    if (o_.geo) {
      slot.tail = GeoColumns(ip);
    } else {
      slot.tail = "\t";
      slot.tail += '\t';
    }
    std::uint64_t seq = head_seq_ + window_.size();
    window_.push_back(std::move(slot));
    Slot& s = window_.back();
    if (!o_.resolver) {
      s.done = true;
      s.answer = DnsAnswer{RdnsStatus::kDisabled, ""};
      return;
    }
    if (o_.cache) {  // holds valid addresses only
      if (const DnsAnswer* hit = o_.cache->Get(ip, o_.now_s())) {
        s.done = true;
        s.answer = *hit;
        ++stats_.cache_hits;
        return;
      }
    }
    if (!ReverseName(ip)) {
      s.done = true;
      s.answer = DnsAnswer{RdnsStatus::kError, ""};
      return;
    }
    auto [it, fresh] = inflight_.try_emplace(ip);
    it->second.push_back(seq);
    if (!fresh) return;
    ++stats_.queries;
    o_.resolver->Submit(
        ip, [this, ip](const DnsAnswer& a, bool asked) { Complete(ip, a, asked); }, o_.now_ms());
  }

  // The escaped country, asn and as_org columns for `ip`. Attack logs repeat a
  // few addresses many times, so answers are remembered for the run (bounded).
  const std::string& GeoColumns(const std::string& ip) {
    auto it = geo_memo_.find(ip);
    if (it != geo_memo_.end()) return it->second;
    if (geo_memo_.size() >= kGeoMemoEntries) geo_memo_.clear();
    GeoInfo g = o_.geo(ip);
    std::string tail;
    TsvEscapeTo(g.country, tail);
    tail += '\t';
    TsvEscapeTo(g.asn, tail);
    tail += '\t';
    TsvEscapeTo(g.as_org, tail);
    return geo_memo_.emplace(ip, std::move(tail)).first->second;
  }

  void Complete(const std::string& ip, const DnsAnswer& answer, bool asked) {
    if (o_.cache && asked) o_.cache->Put(ip, answer, o_.now_s());
    ++stats_.lookups[static_cast<std::size_t>(answer.status)];
    auto it = inflight_.find(ip);
    if (it == inflight_.end()) return;
    for (std::uint64_t seq : it->second) {
      Slot& s = window_[static_cast<std::size_t>(seq - head_seq_)];
      s.done = true;
      s.answer = answer;
    }
    inflight_.erase(it);
  }

  // Moves the finished records at the head of the window to the output buffer.
  void Drain() {
    while (!window_.empty() && window_.front().done) {
      Slot& s = window_.front();
      out_ += s.head;
      out_ += '\t';
      TsvEscapeTo(s.answer.name, out_);
      out_ += '\t';
      out_ += RdnsStatusName(s.answer.status);
      out_ += '\t';
      out_ += s.tail;
      out_ += '\n';
      ++stats_.records;
      ++stats_.by_status[static_cast<std::size_t>(s.answer.status)];
      window_.pop_front();
      ++head_seq_;
    }
  }

  bool Flush() {
    bool ok = WriteAll(o_.out_fd, out_);
    if (!ok) {
      o_.warn(ErrnoMessage("write", errno));
      stats_.failed = true;
    }
    out_.clear();
    return ok;
  }

  EnrichOptions o_;
  EnrichStats stats_;
  std::deque<Slot> window_;
  std::uint64_t head_seq_ = 0;  // sequence number of window_.front()
  std::unordered_map<std::string, std::vector<std::uint64_t>> inflight_;
  std::string out_;
  std::unordered_map<std::string, std::string> geo_memo_;
};

}  // namespace

EnrichStats RunEnrich(const EnrichOptions& options) { return Enricher(options).Run(); }

std::string FormatEnrichStats(const EnrichStats& s) {
  auto n = [&](RdnsStatus st) { return std::to_string(s.by_status[static_cast<std::size_t>(st)]); };
  return "records=" + std::to_string(s.records) + " queries=" + std::to_string(s.queries) +
         " cache_hits=" + std::to_string(s.cache_hits) + " ok=" + n(RdnsStatus::kOk) +
         " nxdomain=" + n(RdnsStatus::kNxdomain) + " servfail=" + n(RdnsStatus::kServfail) +
         " timeout=" + n(RdnsStatus::kTimeout) + " refused=" + n(RdnsStatus::kRefused) +
         " nodata=" + n(RdnsStatus::kNodata) + " error=" + n(RdnsStatus::kError);
}

std::optional<std::string> NoDnsAnswerWarning(const EnrichStats& s,
                                              const std::vector<std::string>& servers) {
  const std::size_t timeout = s.lookups[static_cast<std::size_t>(RdnsStatus::kTimeout)];
  const std::size_t error = s.lookups[static_cast<std::size_t>(RdnsStatus::kError)];
  std::size_t total = 0;
  for (std::size_t n : s.lookups) total += n;
  if (total < kNoDnsAnswerMinLookups || timeout + error != total) return std::nullopt;
  std::string where;
  for (const std::string& server : servers) where += (where.empty() ? "" : " ") + server;
  if (where.empty()) where = "those of /etc/resolv.conf";
  return "no reverse DNS answer at all: " + std::to_string(total) + " lookups failed (TIMEOUT " +
         std::to_string(timeout) + ", ERROR " + std::to_string(error) +
         "); is a DNS server reachable? (servers: " + where +
         "; set by [dns] servers or --dns-server)";
}

}  // namespace mls
