#pragma once
// What the driver shows on stdout during an extraction run: a bar redrawn in
// place on a terminal; on anything else plain lines (a start line, a line at
// each quarter of the work, a summary), never a control sequence.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mls {

// Counts the stages report on stderr with --stats.
struct RunStats {
  std::optional<std::uint64_t> lines;   // "mls-parse: lines=N events=N ..."
  std::optional<std::uint64_t> events;  // "mls-store: appended N events to FILE"
  // "mls-enrich: records=N queries=N cache_hits=N ok=N nxdomain=N ..."
  std::optional<std::uint64_t> dns_queries;
  std::optional<std::uint64_t> dns_cache_hits;
  // "mls-parse: ... outages=N ...": SASL backend outages ("Connection lost to
  // authentication server") seen in the lines read.
  std::optional<std::uint64_t> outages;
  // "mls-parse: ... bad_time=N": events skipped because their time stamp
  // names no real date or time (Dec 32, 25:00).
  std::optional<std::uint64_t> bad_time;
};

// Updates `stats` from one stderr line of stage `stage`; true if it was a
// stats line.
bool ParseStatsLine(std::string_view stage, std::string_view line, RunStats& stats);

// "300000 new lines read, 2345 events stored" (unknown counts left out), then
// ", 120 reverse DNS queries, 80 cache hits" when mls-enrich asked or used its
// cache (nothing with DNS disabled), then ", 3 SASL backend outages" (", 1 SASL
// backend outage") when mls-parse counted any, then ", 2 events with an
// impossible time skipped" (", 1 event ...") likewise.
std::string FormatSummary(const RunStats& stats);

// The outage count FormatSummary wrote into `summary` ("N SASL backend
// outage(s)", at the start or after ", "); 0 when it names none. The report
// reads it back from the op log's "committed: <summary>" lines.
std::uint64_t ParseSummaryOutages(std::string_view summary);

// "[##########----------]  50%  13.1 of 26.2 MiB", `width` cells of bar.
std::string RenderBar(std::uint64_t done, std::uint64_t total, int width);

class ProgressDisplay {
 public:
  using Writer = std::function<void(std::string_view)>;
  ProgressDisplay(bool tty, Writer write) : tty_(tty), write_(std::move(write)) {}

  void Start(std::string_view what);  // "maillogsentinel: reading /var/log/mail.log\n"
  // `now_ms` paces the terminal redraws (at most every 100 ms).
  void Update(std::uint64_t done, std::uint64_t total, std::int64_t now_ms);
  // Clears the bar; writes "maillogsentinel: <line>\n".
  void Finish(std::string_view line);

 private:
  bool tty_;
  Writer write_;
  bool bar_shown_ = false;
  std::int64_t last_draw_ms_ = -1;
  int last_quarter_ = 0;
  std::size_t bar_len_ = 0;
};

}  // namespace mls
