#include "enrich.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

#include "tsv.h"

namespace mls {
namespace {

// Answers from a table, in the reverse order of submission (one per Process
// call), so completions arrive out of order. Counts what it was asked.
class FakeResolver : public PtrResolver {
 public:
  std::map<std::string, DnsAnswer> table;
  std::vector<std::string> asked;
  std::size_t max_pending = 0;
  bool answer_asked = true;

  void Submit(const std::string& ip, Callback done, std::int64_t) override {
    asked.push_back(ip);
    queue_.emplace_back(ip, std::move(done));
    max_pending = std::max(max_pending, queue_.size());
  }
  void AddPollFds(std::vector<pollfd>&) override {}
  int TimeoutMs(std::int64_t) override { return queue_.empty() ? -1 : 0; }
  void Process(const pollfd*, std::size_t, std::int64_t) override {
    if (queue_.empty()) return;
    auto [ip, done] = std::move(queue_.back());
    queue_.pop_back();
    auto it = table.find(ip);
    done(it == table.end() ? DnsAnswer{RdnsStatus::kNxdomain, ""} : it->second, answer_asked);
  }
  std::size_t pending() const override { return queue_.size(); }

 private:
  std::vector<std::pair<std::string, Callback>> queue_;
};

std::string Event(const std::string& ip, const std::string& user = "u") {
  std::string out;
  TsvAppendRecord(std::vector<std::string>{"2026-11-25T20:18:08+00:00", "mx1", ip, user, "LOGIN",
                                           "unknown", "", "postfix/smtpd", "failed"},
                  out);
  return out;
}

std::string Enriched(const std::string& ip, const std::string& rdns, const std::string& status,
                     const std::string& user = "u", const std::string& geo = "\t\t") {
  std::string e = Event(ip, user);
  e.pop_back();
  std::string out = e + "\t";
  TsvEscapeTo(rdns, out);
  return out + "\t" + status + "\t" + geo + "\n";
}

struct RunResult {
  std::string out;
  std::vector<std::string> warnings;
  EnrichStats stats;
};

// Runs RunEnrich on `input` (written to a pipe by a thread) with `o`.
RunResult RunOn(const std::string& input, EnrichOptions o) {
  int in[2], out[2];
  EXPECT_EQ(0, pipe(in));
  EXPECT_EQ(0, pipe(out));
  std::thread writer([&] {
    EXPECT_EQ(static_cast<ssize_t>(input.size()), write(in[1], input.data(), input.size()));
    close(in[1]);
  });
  RunResult r;
  std::thread reader([&] {
    char buf[4096];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<std::size_t>(n));
  });
  o.in_fd = in[0];
  o.out_fd = out[1];
  if (!o.now_s) o.now_s = [] { return std::int64_t{1000}; };
  if (!o.now_ms) o.now_ms = [] { return std::int64_t{0}; };
  o.warn = [&](const std::string& w) { r.warnings.push_back(w); };
  r.stats = RunEnrich(o);
  close(out[1]);
  writer.join();
  reader.join();
  close(in[0]);
  close(out[0]);
  return r;
}

TEST(Enrich, OrderPreservedWithOutOfOrderCompletions) {
  FakeResolver dns;
  dns.table["192.0.2.1"] = {RdnsStatus::kOk, "mail.example.com"};
  dns.table["203.0.113.5"] = {RdnsStatus::kServfail, ""};
  dns.table["233.252.0.1"] = {RdnsStatus::kTimeout, ""};
  dns.table["2001:db8::25"] = {RdnsStatus::kOk, "tab\there\nnewline\\=cmd"};
  EnrichOptions o;
  o.resolver = &dns;
  std::string in, want;
  const char* ips[] = {"192.0.2.1", "203.0.113.5", "233.252.0.1", "2001:db8::25", "192.0.2.99"};
  const char* rdns[] = {"mail.example.com", "", "", "tab\there\nnewline\\=cmd", ""};
  const char* st[] = {"OK", "SERVFAIL", "TIMEOUT", "OK", "NXDOMAIN"};
  for (int i = 0; i < 5; ++i) {
    in += Event(ips[i]);
    want += Enriched(ips[i], rdns[i], st[i]);
  }
  RunResult r = RunOn(in, o);
  EXPECT_EQ(want, r.out);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ("records=5 queries=5 cache_hits=0 ok=2 nxdomain=1 servfail=1 timeout=1 refused=0 "
            "nodata=0 error=0",
            FormatEnrichStats(r.stats));
}

TEST(Enrich, IdenticalAddressesShareOneQuery) {
  FakeResolver dns;
  EnrichOptions o;
  o.resolver = &dns;
  std::string in, want;
  for (int i = 0; i < 6; ++i) {
    std::string ip = i % 2 ? "192.0.2.1" : "192.0.2.2";
    in += Event(ip, std::to_string(i));
    want += Enriched(ip, "", "NXDOMAIN", std::to_string(i));
  }
  RunResult r = RunOn(in, o);
  EXPECT_EQ(want, r.out);
  EXPECT_EQ(2u, dns.asked.size());
  EXPECT_EQ(2u, r.stats.queries);
}

TEST(Enrich, CacheHitsAndFills) {
  FakeResolver dns;
  dns.table["192.0.2.1"] = {RdnsStatus::kOk, "mail.example.com"};
  DnsCache cache(10, 100);
  cache.Put("198.51.100.7", {RdnsStatus::kOk, "cached.example.org"}, 1000);
  EnrichOptions o;
  o.resolver = &dns;
  o.cache = &cache;
  RunResult r = RunOn(Event("198.51.100.7") + Event("192.0.2.1"), o);
  EXPECT_EQ(Enriched("198.51.100.7", "cached.example.org", "OK") +
                Enriched("192.0.2.1", "mail.example.com", "OK"),
            r.out);
  EXPECT_EQ(std::vector<std::string>{"192.0.2.1"}, dns.asked);
  EXPECT_EQ(1u, r.stats.cache_hits);
  ASSERT_NE(nullptr, cache.Get("192.0.2.1", 1000));
  EXPECT_EQ("mail.example.com", cache.Get("192.0.2.1", 1000)->name);

  // A lookup that was never sent (its budget ran out in the queue) is not cached.
  FakeResolver late;
  late.answer_asked = false;
  late.table["192.0.2.50"] = {RdnsStatus::kTimeout, ""};
  o.resolver = &late;
  r = RunOn(Event("192.0.2.50"), o);
  EXPECT_EQ(Enriched("192.0.2.50", "", "TIMEOUT"), r.out);
  EXPECT_EQ(nullptr, cache.Get("192.0.2.50", 1000));
}

TEST(Enrich, DisabledDnsAndGeo) {
  EnrichOptions o;
  o.geo = [](std::string_view ip) {
    return ip == "192.0.2.1" ? GeoInfo{"ZZ", "64496", "Org\twith tab"} : GeoInfo{};
  };
  RunResult r = RunOn(Event("192.0.2.1") + Event("192.0.2.2"), o);
  EXPECT_EQ(Enriched("192.0.2.1", "", "DISABLED", "u", "ZZ\t64496\tOrg\\twith tab") +
                Enriched("192.0.2.2", "", "DISABLED"),
            r.out);
  EXPECT_EQ("records=2 queries=0 cache_hits=0 ok=0 nxdomain=0 servfail=0 timeout=0 refused=0 "
            "nodata=0 error=0",
            FormatEnrichStats(r.stats));
}

TEST(Enrich, FourteenColumnsAreRecomputed) {
  FakeResolver dns;
  dns.table["192.0.2.1"] = {RdnsStatus::kOk, "new.example.com"};
  EnrichOptions o;
  o.resolver = &dns;
  std::string old = Enriched("192.0.2.1", "old.example.com", "OK", "u", "XX\t1\told");
  RunResult r = RunOn(old, o);
  EXPECT_EQ(Enriched("192.0.2.1", "new.example.com", "OK"), r.out);
}

TEST(Enrich, BadAddressIsAnErrorWithoutQuery) {
  FakeResolver dns;
  EnrichOptions o;
  o.resolver = &dns;
  RunResult r = RunOn(Event("not-an-ip") + Event(""), o);
  EXPECT_EQ(Enriched("not-an-ip", "", "ERROR") + Enriched("", "", "ERROR"), r.out);
  EXPECT_TRUE(dns.asked.empty());
}

// Every lookup TIMEOUT or ERROR, five or more of them: one warning, with the
// counts and the servers; repeats and cache hits are not lookups.
TEST(Enrich, NoDnsAnswerAtAllIsOneWarning) {
  FakeResolver dns;
  for (int i = 1; i <= 6; ++i)
    dns.table["192.0.2." + std::to_string(i)] = {
        i == 6 ? RdnsStatus::kError : RdnsStatus::kTimeout, ""};
  EnrichOptions o;
  o.resolver = &dns;
  std::string in;
  for (int i = 1; i <= 6; ++i) in += Event("192.0.2." + std::to_string(i)) + Event("192.0.2.1");
  RunResult r = RunOn(in, o);
  EXPECT_TRUE(r.warnings.empty());  // RunEnrich itself does not judge
  EXPECT_EQ(6u, r.stats.queries);
  ASSERT_EQ("no reverse DNS answer at all: 6 lookups failed (TIMEOUT 5, ERROR 1); is a DNS "
            "server reachable? (servers: 127.0.0.1:1 [::1]:1; set by [dns] servers or "
            "--dns-server)",
            NoDnsAnswerWarning(r.stats, {"127.0.0.1:1", "[::1]:1"}).value_or("(none)"));
  EXPECT_EQ("no reverse DNS answer at all: 6 lookups failed (TIMEOUT 5, ERROR 1); is a DNS "
            "server reachable? (servers: those of /etc/resolv.conf; set by [dns] servers or "
            "--dns-server)",
            NoDnsAnswerWarning(r.stats, {}).value_or("(none)"));
}

TEST(Enrich, NoDnsAnswerWarningNeedsEveryLookupFailedAndFiveOfThem) {
  EnrichStats s;
  auto at = [&](RdnsStatus st) -> std::size_t& { return s.lookups[static_cast<std::size_t>(st)]; };
  at(RdnsStatus::kTimeout) = kNoDnsAnswerMinLookups - 1;
  EXPECT_EQ(std::nullopt, NoDnsAnswerWarning(s, {}));  // too few to tell
  at(RdnsStatus::kTimeout) = kNoDnsAnswerMinLookups;
  EXPECT_NE(std::nullopt, NoDnsAnswerWarning(s, {}));
  for (RdnsStatus answered : {RdnsStatus::kOk, RdnsStatus::kNxdomain, RdnsStatus::kServfail,
                              RdnsStatus::kRefused, RdnsStatus::kNodata}) {
    EnrichStats t = s;
    t.lookups[static_cast<std::size_t>(answered)] = 1;  // some server answered
    EXPECT_EQ(std::nullopt, NoDnsAnswerWarning(t, {})) << RdnsStatusName(answered);
  }
  // Written records (by_status) are not lookups: cache hits and bad addresses do not count.
  EnrichStats cached;
  cached.by_status[static_cast<std::size_t>(RdnsStatus::kError)] = 100;
  EXPECT_EQ(std::nullopt, NoDnsAnswerWarning(cached, {}));
}

TEST(Enrich, MalformedRecordsAreSkippedAndCounted) {
  FakeResolver dns;
  EnrichOptions o;
  o.resolver = &dns;
  RunResult r = RunOn(Event("192.0.2.1") + "a\tb\tc\n" + "bad\\escape\n" + Event("192.0.2.2") +
                    "no newline",
                o);
  EXPECT_EQ(Enriched("192.0.2.1", "", "NXDOMAIN") + Enriched("192.0.2.2", "", "NXDOMAIN"), r.out);
  EXPECT_EQ(3u, r.stats.malformed);
  ASSERT_EQ(3u, r.warnings.size());
  EXPECT_EQ("line 2: expected 9 or 14 fields (a login: 8 or 13), got 3", r.warnings[0]);
  EXPECT_EQ("line 3: bad escape '\\e' in field 1", r.warnings[1]);
  EXPECT_EQ("line 5: incomplete last line (no newline at end of input)", r.warnings[2]);
  EXPECT_FALSE(r.stats.failed);
}

TEST(Enrich, ManyRecordsSmallWindow) {
  FakeResolver dns;
  EnrichOptions o;
  o.resolver = &dns;
  o.window = 3;
  std::string in, want;
  for (int i = 0; i < 3000; ++i) {
    std::string ip = "10.0." + std::to_string(i % 700 / 256) + "." + std::to_string(i % 700 % 256);
    in += Event(ip, std::to_string(i));
    want += Enriched(ip, "", "NXDOMAIN", std::to_string(i));
  }
  RunResult r = RunOn(in, o);
  EXPECT_EQ(want, r.out);
  EXPECT_EQ(3000u, r.stats.records);
}

// A record is written as soon as it is complete, not at end of input: the
// writer sends the second record only after reading the first one's output.
TEST(Enrich, StreamsWithoutWaitingForEof) {
  FakeResolver dns;
  dns.table["192.0.2.1"] = {RdnsStatus::kOk, "mail.example.com"};
  int in[2], out[2];
  ASSERT_EQ(0, pipe(in));
  ASSERT_EQ(0, pipe(out));
  std::string got;
  bool streamed = false;
  std::thread peer([&] {
    std::string e = Event("192.0.2.1");
    EXPECT_EQ(static_cast<ssize_t>(e.size()), write(in[1], e.data(), e.size()));
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 5000) == 1) {
      char buf[4096];
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n > 0) got.assign(buf, static_cast<std::size_t>(n));
      streamed = true;
    }
    e = Event("192.0.2.2");
    EXPECT_EQ(static_cast<ssize_t>(e.size()), write(in[1], e.data(), e.size()));
    close(in[1]);
  });
  EnrichOptions o;
  o.resolver = &dns;
  o.in_fd = in[0];
  o.out_fd = out[1];
  o.now_s = [] { return std::int64_t{0}; };
  o.now_ms = [] { return std::int64_t{0}; };
  EnrichStats s = RunEnrich(o);
  peer.join();
  EXPECT_TRUE(streamed);
  EXPECT_EQ(Enriched("192.0.2.1", "mail.example.com", "OK"), got);
  EXPECT_EQ(2u, s.records);
  for (int fd : {in[0], out[0], out[1]}) close(fd);
}

}  // namespace
}  // namespace mls
