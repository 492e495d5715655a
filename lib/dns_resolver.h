#pragma once
// Asynchronous PTR lookups driven by the caller's poll() loop. PtrResolver is
// the seam (tests use a fake); AresResolver is the real one on c-ares 1.18:
// ares_query(C_IN, T_PTR) with ARES_FLAG_NOCHECKRESP so every rcode maps to
// its own status, DNS only (never /etc/hosts), at most `concurrency` queries
// outstanding, each answered within `timeout_ms` of its Submit (TIMEOUT
// otherwise, also for a lookup still waiting for a free slot: that one is
// reported with asked = false, never sent, and should not be cached).

#include <poll.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dns_cache.h"

namespace mls {

class PtrResolver {
 public:
  using Callback = std::function<void(const DnsAnswer& answer, bool asked)>;
  virtual ~PtrResolver() = default;

  // Queues a lookup of `ip` (canonical text). `done` runs exactly once, always
  // from inside Process(), never from Submit().
  virtual void Submit(const std::string& ip, Callback done, std::int64_t now_ms) = 0;
  // Appends the descriptors to poll for; Process() gets them back with revents.
  virtual void AddPollFds(std::vector<pollfd>& fds) = 0;
  // Milliseconds until Process() must run even without I/O; -1: no lookups.
  virtual int TimeoutMs(std::int64_t now_ms) = 0;
  // Handles I/O on `fds` (what AddPollFds added, `n` of them), timeouts, starts
  // queued lookups and runs the callbacks of finished ones.
  virtual void Process(const pollfd* fds, std::size_t n, std::int64_t now_ms) = 0;
  // Lookups submitted and not yet reported.
  virtual std::size_t pending() const = 0;
};

struct ResolverOptions {
  std::vector<std::string> servers;  // "HOST[:PORT]" (IP literals); empty = /etc/resolv.conf
  int timeout_ms = 2000;
  int concurrency = 256;
};

// "127.0.0.1:5353" -> "127.0.0.1:5353", "::1" -> "[::1]:53", "[::1]:5353" kept.
// Returns false with `error` set for anything but an IP address and a port.
bool NormalizeDnsServer(const std::string& server, std::string& out, std::string& error);

// The c-ares resolver. nullptr and `error` set if c-ares cannot be set up.
std::unique_ptr<PtrResolver> MakeAresResolver(const ResolverOptions& options, std::string& error);

}  // namespace mls
