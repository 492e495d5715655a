#pragma once
// The mls-parse hot path: reads a syslog stream in big blocks, finds the rare
// needle ": SASL " (and with `logins` also ", sasl_method=": both have the
// same letter pair, S..L and s..l, at the same offsets, found with one case
// fold) with a SIMD scan
// (counting lines in the same pass), and hands only the lines holding one to
// ParsePostfixLine. No per-line allocation;
// memory is bounded by the block size plus the maximum line length.

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "input_map.h"
#include "postfix_parse.h"
#include "syslog_time.h"

namespace mls {

inline constexpr std::size_t kDefaultMaxLineLength = 64 * 1024;
inline constexpr std::size_t kMinMaxLineLength = 64;
inline constexpr std::size_t kMaxMaxLineLength = 64 * 1024 * 1024;
inline constexpr std::size_t kScanBlockSize = 256 * 1024;

struct ScanOptions {
  std::size_t max_line_length = kDefaultMaxLineLength;  // bytes, without the '\n'
  bool include_aborted = false;    // emit "authentication aborted" lines as events
  bool logins = false;             // also emit successful logins (login records, lib/event.h)
  std::time_t reference_time = 0;  // for year inference ("now")
};

struct ScanStats {
  std::uint64_t lines = 0;              // every line read, the overlong ones included
  std::uint64_t events = 0;             // TSV records written
  std::uint64_t outages = 0;            // "Connection lost to authentication server"
  std::uint64_t aborted = 0;            // "authentication aborted" lines (emitted or not)
  std::uint64_t overlong = 0;           // lines longer than max_line_length, skipped
  std::uint64_t bad_time = 0;           // events dropped: their stamp names no real time
  std::optional<std::uint64_t> logins;  // login records written (with ScanOptions::logins)
};

// "lines=N events=N outages=N aborted=N overlong=N bad_time=N[ logins=N]"
std::string FormatScanStats(const ScanStats& stats);

class LogScanner {
 public:
  // `warn` receives diagnostics without the program name, each about a line
  // named by its input, its own syslog time stamp, its line number and the
  // byte offset of its start in the input (LineWhere):
  //   "mail.log: Nov 25 20:18:09 (line 3, byte 230): SASL backend outage ...".
  using WarnFn = std::function<void(std::string_view)>;
  LogScanner(const ScanOptions& options, WarnFn warn);

  // Starts a new input: line numbers and byte offsets restart, `name` appears
  // in warnings.
  void BeginInput(std::string_view name);
  // Where the input's bytes came from (mls-parse --map-fd): a warning about
  // the line at input offset B names the file and offset `locate(B)` gives,
  // without a line number ("/var/log/mail.log: Nov 25 20:18:09 (byte 230)");
  // nullopt, or no locator: the input's name, line number and offset.
  using LocateFn = std::function<std::optional<InputLocation>(std::uint64_t)>;
  void SetLocator(LocateFn locate) { locate_ = std::move(locate); }
  // Bytes may be written to ReadBuffer()[0, ReadCapacity()), then Commit()ed.
  char* ReadBuffer() { return buf_.get() + len_; }
  std::size_t ReadCapacity() const { return capacity_ - len_; }
  // Scans the committed bytes; appends events for every complete line to `out`.
  void Commit(std::size_t n, std::string& out);
  // Copies `data` in and commits it, in as many steps as needed.
  void Feed(std::string_view data, std::string& out);
  // End of the input: a last line without '\n' is still a line.
  void EndInput(std::string& out);
  // End of the run: a summary warning if the SASL backend was reported down,
  // and one if events were dropped for an impossible time.
  void WarnSummary();

  const ScanStats& stats() const { return stats_; }

  // Both scanning strategies, exposed so tests can check they agree.
  // `portable` forces the memmem/memchr path instead of the SIMD one.
  void SetPortableScan(bool portable) { portable_ = portable; }

 private:
  void ScanRegion(const char* begin, const char* end, std::string& out);
  void ScanRegionPortable(const char* begin, const char* end, std::string& out);
  void ScanRegionSimd(const char* begin, const char* end, std::string& out);
  void ScanRegionSse2(const char* begin, const char* end, std::string& out);
  void ScanRegionAvx2(const char* begin, const char* end, std::string& out);
  template <auto kMasks, bool kLogins>
  void ScanChunks(const char* begin, const char* end, std::string& out);
  void NewlineAt(const char* nl);
  void HandleLine(const char* begin, const char* end, std::uint64_t number, std::string& out);
  // LineWhere for the line at input offset `offset`, through the locator if any.
  std::string Where(std::string_view stamp, std::uint64_t number, std::uint64_t offset) const;
  void Overlong(std::uint64_t length, std::uint64_t number, std::uint64_t offset,
                std::string_view stamp);
  // The line at `begin` (held in buf_), just ended, is overlong (cold path).
  [[gnu::noinline, gnu::cold]] void OverlongLine(const char* begin, std::size_t length);
  // Input offset of a byte held in buf_.
  std::uint64_t OffsetOf(const char* p) const {
    return base_ + static_cast<std::uint64_t>(p - buf_.get());
  }

  ScanOptions options_;
  WarnFn warn_;
  LocateFn locate_;
  TimeResolver time_;
  std::unique_ptr<char[]> buf_;
  std::size_t capacity_;
  std::size_t len_ = 0;      // bytes held: the carried partial line + new data
  bool discarding_ = false;  // inside an overlong line whose start was dropped
  std::uint64_t discard_len_ = 0;
  std::uint64_t discard_start_ = 0;  // input offset of the overlong line being dropped
  std::string discard_stamp_;        // its time stamp, if it starts with one
  std::uint64_t base_ = 0;           // input offset of buf_[0]
  std::string name_ = "standard input";
  std::uint64_t line_no_ = 0;         // lines of this input completed so far
  const char* line_start_ = nullptr;  // start of the current line (region scan)
  ScanStats stats_;
  std::uint64_t overlong_warned_ = 0;
  std::uint64_t outage_warned_ = 0;
  std::uint64_t bad_time_warned_ = 0;
  bool portable_ = false;
  SaslLine line_;
};

// Where a warning's line is: "NAME: STAMP (line N, byte B)", or
// "NAME: line N (byte B)" when the line starts with no time stamp. B is the
// offset of the line's first byte in the input (0 for the first line). N = 0
// (unknown): "NAME: STAMP (byte B)", "NAME: byte B".
std::string LineWhere(std::string_view name, std::string_view stamp, std::uint64_t number,
                      std::uint64_t offset);

// The syslog time stamp `line` starts with (as written, possibly impossible
// like "Dec 32 10:00:00"), or empty.
std::string_view LeadingStamp(std::string_view line);

struct ScanError {
  std::string message;  // "FILE: read error: ..." or "write error: ..."
  bool output = false;  // the output failed: stop, later inputs cannot be written
};

// Reads `in_fd` to its end through `scanner`, writing events to `out_fd` after
// every read(2) that returned data (so a live pipeline sees them at once).
// `after_read`, if set, runs after each read (mls-parse drains its map there).
std::optional<ScanError> ScanFd(int in_fd, std::string_view name, LogScanner& scanner, int out_fd,
                                const std::function<void()>& after_read = {});

}  // namespace mls
