#include "dns_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <sys/time.h>

#include <algorithm>
#include <deque>
#include <map>

#include "ip.h"
#include "number.h"
#include "ptr_name.h"

namespace mls {

bool NormalizeDnsServer(const std::string& server, std::string& out, std::string& error) {
  std::string host = server;
  std::string port = "53";
  if (!server.empty() && server[0] == '[') {
    std::size_t close = server.find(']');
    if (close == std::string::npos) {
      error = "'" + server + "': missing ']'";
      return false;
    }
    host = server.substr(1, close - 1);
    std::string rest = server.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') {
        error = "'" + server + "': expected ':PORT' after ']'";
        return false;
      }
      port = rest.substr(1);
    }
  } else if (std::count(server.begin(), server.end(), ':') == 1) {
    std::size_t colon = server.find(':');
    host = server.substr(0, colon);
    port = server.substr(colon + 1);
  }
  std::optional<IpAddress> addr = ParseIp(host);
  if (!addr) {
    error = "'" + server + "': not an IP address (HOST[:PORT], IPv6 as [ADDR]:PORT)";
    return false;
  }
  std::optional<int> p = ParseNumberIn<int>(port, 1, 65535);
  if (!p) {
    error = "'" + server + "': bad port '" + port + "'";
    return false;
  }
  out = addr->family == AF_INET6 ? "[" + host + "]:" + std::to_string(*p)
                                 : host + ":" + std::to_string(*p);
  return true;
}

namespace {

DnsAnswer AnswerFor(int status, const unsigned char* abuf, int alen) {
  switch (status) {
    case ARES_SUCCESS: {
      if (!abuf || alen <= 0) return {RdnsStatus::kError, ""};
      PtrAnswer a = ParsePtrAnswer(abuf, static_cast<std::size_t>(alen));
      if (a.kind == PtrAnswer::kName) return {RdnsStatus::kOk, a.name};
      if (a.kind == PtrAnswer::kNoPtr) return {RdnsStatus::kNodata, ""};
      return {RdnsStatus::kError, ""};
    }
    case ARES_ENODATA:
      return {RdnsStatus::kNodata, ""};
    case ARES_ENOTFOUND:
      return {RdnsStatus::kNxdomain, ""};
    case ARES_ESERVFAIL:
      return {RdnsStatus::kServfail, ""};
    case ARES_EREFUSED:
      return {RdnsStatus::kRefused, ""};
    case ARES_ETIMEOUT:
      return {RdnsStatus::kTimeout, ""};
    default:
      return {RdnsStatus::kError, ""};
  }
}

constexpr int kTries = 2;

class AresResolver final : public PtrResolver {
 public:
  explicit AresResolver(const ResolverOptions& o) : opt_(o) {}

  ~AresResolver() override {
    if (channel_) ares_destroy(channel_);  // remaining callbacks see ARES_EDESTRUCTION
  }

  bool Init(std::string& error) {
    std::string csv;
    for (const std::string& s : opt_.servers) {
      std::string norm;
      if (!NormalizeDnsServer(s, norm, error)) return false;
      csv += (csv.empty() ? "" : ",") + norm;
    }
    // Two tries: one lost UDP datagram (a busy server's full socket buffer)
    // costs a retransmit, not a TIMEOUT. c-ares waits t per server on the first
    // round and 2t on the second, so t = timeout / (3 * servers) keeps the whole
    // schedule within timeout_ms; our own deadline enforces it exactly anyway.
    // A late answer to the first transmission still counts (same query id).
    if (!Channel(1, csv, error)) return false;
    int n = CountServers();
    ares_destroy(channel_);
    channel_ = nullptr;
    sockets_.clear();
    return Channel(std::max(1, opt_.timeout_ms / (3 * n)), csv, error);
  }

  void Submit(const std::string& ip, Callback done, std::int64_t /*now_ms*/) override {
    auto q = std::make_shared<Query>();
    q->self = this;
    q->ip = ip;
    q->done = std::move(done);
    waiting_.push_back(std::move(q));
  }

  void AddPollFds(std::vector<pollfd>& fds) override {
    for (const auto& [fd, ev] : sockets_) fds.push_back(pollfd{fd, ev, 0});
  }

  int TimeoutMs(std::int64_t now_ms) override {
    AgeOut(now_ms);
    if (!finished_.empty() || (!waiting_.empty() && fresh_count_ < Limit())) return 0;
    if (outstanding_ == 0) return -1;
    std::int64_t ms = 60000;
    timeval max{60, 0}, tv{};
    if (const timeval* t = ares_timeout(channel_, &max, &tv))
      ms = std::int64_t{t->tv_sec} * 1000 + (t->tv_usec + 999) / 1000;
    Prune();
    if (!by_deadline_.empty()) ms = std::min(ms, by_deadline_.front()->deadline - now_ms);
    if (!waiting_.empty() && !fresh_.empty()) {  // a slot frees when the oldest ages out
      ms = std::min(ms, fresh_.front()->started + FreshMs() - now_ms);
    }
    return static_cast<int>(std::clamp<std::int64_t>(ms, 0, 60000));
  }

  void Process(const pollfd* fds, std::size_t n, std::int64_t now_ms) override {
    for (std::size_t i = 0; i < n; ++i) {
      short r = fds[i].revents;
      if (!r) continue;
      ares_socket_t rfd = (r & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : ARES_SOCKET_BAD;
      ares_socket_t wfd = (r & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD;
      ares_process_fd(channel_, rfd, wfd);
    }
    ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // c-ares' own timeouts
    // Our deadline: c-ares may take longer (retransmits, TCP fallback).
    Prune();
    while (!by_deadline_.empty() && by_deadline_.front()->deadline <= now_ms) {
      Finish(*by_deadline_.front(), DnsAnswer{RdnsStatus::kTimeout, ""}, true);
      by_deadline_.pop_front();
    }
    AgeOut(now_ms);
    while (!waiting_.empty() && fresh_count_ < Limit()) {
      std::shared_ptr<Query> q = std::move(waiting_.front());
      waiting_.pop_front();
      Start(std::move(q), now_ms);
    }
    std::vector<Finished> done;
    done.swap(finished_);
    for (Finished& f : done) f.done(f.answer, f.asked);
  }

  std::size_t pending() const override { return unreported_ + waiting_.size() + finished_.size(); }

 private:
  struct Query {
    AresResolver* self;
    std::string ip;
    Callback done;
    std::int64_t started = 0;
    std::int64_t deadline = 0;  // started + timeout: reported TIMEOUT then
    bool reported = false;
    bool fresh = false;  // counts against the concurrency limit
  };

  // The concurrency limit bounds the lookups still in their first try. One
  // unanswered past that (a server that never answers) keeps its full timeout
  // but stops holding a slot, so a batch of dead PTR servers costs about one
  // timeout, not one per `concurrency` of them; at most kTries+1 times
  // `concurrency` lookups are ever in flight.
  std::int64_t FreshMs() const { return std::max(1, opt_.timeout_ms / (kTries + 1)); }

  void Unfresh(Query& q) {
    if (!q.fresh) return;
    q.fresh = false;
    --fresh_count_;
  }

  void AgeOut(std::int64_t now_ms) {
    while (!fresh_.empty() &&
           (!fresh_.front()->fresh || fresh_.front()->started + FreshMs() <= now_ms)) {
      Unfresh(*fresh_.front());
      fresh_.pop_front();
    }
  }

  std::size_t Limit() const { return static_cast<std::size_t>(std::max(1, opt_.concurrency)); }

  bool Channel(int per_try_ms, const std::string& csv, std::string& error) {
    ares_options o{};
    o.flags = ARES_FLAG_NOCHECKRESP;
    o.timeout = per_try_ms;
    o.tries = kTries;
    char lookups[] = "b";
    o.lookups = lookups;
    o.sock_state_cb = &AresResolver::SockState;
    o.sock_state_cb_data = this;
    // Room for a burst of `concurrency` answers (each costs ~1 KiB of buffer
    // in the kernel): the default ~208 KiB drops answers when hundreds arrive at once.
    o.socket_receive_buffer_size = std::clamp(opt_.concurrency, 64, 4096) * 2048;
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS |
               ARES_OPT_SOCK_STATE_CB | ARES_OPT_SOCK_RCVBUF;
    int rc = ares_init_options(&channel_, &o, mask);
    if (rc != ARES_SUCCESS) {
      channel_ = nullptr;
      error = std::string("c-ares: ") + ares_strerror(rc);
      return false;
    }
    if (!csv.empty() && (rc = ares_set_servers_ports_csv(channel_, csv.c_str())) != ARES_SUCCESS) {
      error = "--dns-server " + csv + ": " + ares_strerror(rc);
      return false;
    }
    return true;
  }

  int CountServers() {
    ares_addr_port_node* list = nullptr;
    if (ares_get_servers_ports(channel_, &list) != ARES_SUCCESS) return 1;
    int n = 0;
    for (ares_addr_port_node* p = list; p; p = p->next) ++n;
    ares_free_data(list);
    return n;
  }

  static void SockState(void* data, ares_socket_t fd, int readable, int writable) {
    auto* self = static_cast<AresResolver*>(data);
    if (!readable && !writable) {
      self->sockets_.erase(fd);
    } else {
      self->sockets_[fd] = static_cast<short>((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
    }
  }

  void Start(std::shared_ptr<Query> q, std::int64_t now_ms) {
    std::optional<std::string> name = ReverseName(q->ip);
    ++unreported_;
    if (!name) {
      Finish(*q, DnsAnswer{RdnsStatus::kError, ""}, false);
      return;
    }
    q->started = now_ms;
    q->deadline = now_ms + opt_.timeout_ms;
    q->fresh = true;
    ++fresh_count_;
    fresh_.push_back(q);
    by_deadline_.push_back(q);
    ++outstanding_;
    // The heap copy of the shared_ptr is c-ares' reference, dropped in OnAnswer.
    ares_query(channel_, name->c_str(), 1 /* C_IN */, 12 /* T_PTR */, &AresResolver::OnAnswer,
               new std::shared_ptr<Query>(std::move(q)));
  }

  static void OnAnswer(void* arg, int status, int timeouts, unsigned char* abuf, int alen) {
    (void)timeouts;
    std::unique_ptr<std::shared_ptr<Query>> ref(static_cast<std::shared_ptr<Query>*>(arg));
    Query& q = **ref;
    --q.self->outstanding_;
    if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) return;
    q.self->Finish(q, AnswerFor(status, abuf, alen), true);
  }

  void Finish(Query& q, DnsAnswer answer, bool asked) {
    Unfresh(q);
    if (q.reported) return;
    q.reported = true;
    --unreported_;
    finished_.push_back(Finished{std::move(q.done), std::move(answer), asked});
  }

  void Prune() {
    while (!by_deadline_.empty() && by_deadline_.front()->reported) by_deadline_.pop_front();
  }

  ResolverOptions opt_;
  ares_channel channel_ = nullptr;
  std::map<int, short> sockets_;
  std::deque<std::shared_ptr<Query>> waiting_;      // not started (concurrency limit)
  std::deque<std::shared_ptr<Query>> by_deadline_;  // started, in deadline order
  std::deque<std::shared_ptr<Query>> fresh_;        // started, in start order
  std::size_t fresh_count_ = 0;                     // those still fresh
  struct Finished {
    Callback done;
    DnsAnswer answer;
    bool asked;
  };
  std::vector<Finished> finished_;
  std::size_t outstanding_ = 0;  // inside c-ares
  std::size_t unreported_ = 0;   // started and not yet in finished_
};

}  // namespace

std::unique_ptr<PtrResolver> MakeAresResolver(const ResolverOptions& options, std::string& error) {
  static const int lib = ares_library_init(ARES_LIB_INIT_ALL);
  if (lib != ARES_SUCCESS) {
    error = std::string("c-ares: ") + ares_strerror(lib);
    return nullptr;
  }
  auto r = std::make_unique<AresResolver>(options);
  if (!r->Init(error)) return nullptr;
  return r;
}

}  // namespace mls
