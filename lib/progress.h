#pragma once
// What the driver shows during an extraction run: on a terminal a bar redrawn
// in place (cut to the terminal's width, cleared around other messages); with
// --verbose on anything else plain lines (a start line, a line at each quarter
// of the work, a summary), never a control sequence.

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

// What a stage's stderr line is to the driver.
enum class StageLineKind {
  kStats,    // the --stats counters (ParseStatsLine): INFO in the op log
  kDetail,   // a per-line notice that a summary warning repeats at the end
             // (mls-parse's "FILE:N: SASL backend outage ..." and "FILE:N: skipped
             // an event whose time does not exist ..."): INFO in the op log
  kWarning,  // anything else: a warning (or the error of a failing stage)
};

// Classifies one stderr line of stage `stage`; updates `stats` from a stats line.
StageLineKind ClassifyStageLine(std::string_view stage, std::string_view line, RunStats& stats);

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

// The bar for a terminal `columns` wide, at most columns - 1 characters (the
// last column would make the terminal wrap): RenderBar with up to 30 cells when
// at least 10 fit, else "[####----]  50%" (at least 4 cells), else " 50%", else "".
std::string FitBar(std::uint64_t done, std::uint64_t total, int columns);

// The terminal's width: `winsize_cols` (TIOCGWINSZ) when positive, else
// $COLUMNS (`columns_env`, may be null) when a positive number, else 80.
int TerminalColumns(int winsize_cols, const char* columns_env);

class ProgressDisplay {
 public:
  using Writer = std::function<void(std::string_view)>;
  using Columns = std::function<int()>;  // the terminal's width now (default 80)
  ProgressDisplay(bool tty, Writer write, Columns columns = {})
      : tty_(tty), write_(std::move(write)), columns_(std::move(columns)) {}

  void Start(std::string_view what);  // "maillogsentinel: reading /var/log/mail.log\n"
  // `now_ms` paces the terminal redraws (at most every 100 ms).
  void Update(std::uint64_t done, std::uint64_t total, std::int64_t now_ms);
  // Clears the bar; writes "maillogsentinel: <line>\n".
  void Finish(std::string_view line);
  // Around another message on the terminal: Clear() erases the bar (the cursor
  // back at the start of the line), Redraw() draws it again as it was.
  // Nothing when no bar is shown (and never on a non-terminal).
  void Clear();
  void Redraw();

 private:
  void Erase();

  bool tty_;
  Writer write_;
  Columns columns_;
  std::string bar_;  // the bar last drawn
  bool cleared_ = false;
  bool bar_shown_ = false;
  std::int64_t last_draw_ms_ = -1;
  int last_quarter_ = 0;
  std::size_t bar_len_ = 0;
};

}  // namespace mls
