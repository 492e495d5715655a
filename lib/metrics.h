#pragma once
// The driver's metrics file ([general] metrics_file, --metrics-file): the
// Prometheus text exposition format (version 0.0.4) for node_exporter's
// textfile collector, written after every extraction run. Counters persist
// from run to run: the driver reads the previous file back (ParseMetrics, a
// strict reader of exactly what RenderMetrics writes), adds the run
// (AddRun) and replaces the file atomically (WriteFileAtomically, 0644).
// The metrics and their meaning: maillogsentinel(8), METRICS.

#include <array>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "run_stats.h"

namespace mls {

struct Metrics {
  // Counters (the *_total series); what committed runs counted.
  std::uint64_t lines_read = 0;
  std::uint64_t events_stored = 0;
  std::uint64_t sasl_backend_outages = 0;
  std::uint64_t journal_suppressed = 0;
  std::array<std::uint64_t, kDnsStatusKeys.size()> dns_lookups{};  // by kDnsStatusKeys
  std::uint64_t dns_cache_hits = 0;
  std::uint64_t runs_committed = 0;  // runs_total{result="committed"}
  std::uint64_t runs_failed = 0;     // runs_total{result="failed"}
  // Gauges.
  double last_run_duration_seconds = 0;
  std::int64_t last_success_timestamp_seconds = 0;  // 0: no committed run yet
  bool last_run_failed = false;
  bool operator==(const Metrics&) const = default;
};

// One extraction run, as the driver saw it.
struct RunOutcome {
  bool committed = false;  // the transaction committed (its counts are added)
  bool failed = false;     // the run's exit status was not 0 (a commit and a
                           // failed retention afterwards: both)
  RunStats stats;          // the stages' --stats counts
  double duration_seconds = 0;
  std::time_t now = 0;  // the run's end (last_success when committed)
};

// `previous` with `run` added: the counters grow by the run's counts when it
// committed (a rolled-back run's lines are read again by the next one), a
// runs_total series by one, the gauges are the run's; last_success is kept
// when the run did not commit.
Metrics AddRun(const Metrics& previous, const RunOutcome& run);

// The exposition text: # HELP and # TYPE before each metric's samples, every
// series always present (0 until counted), '\n' line ends.
std::string RenderMetrics(const Metrics& m);

// A label value escaped for the format: '\\' -> "\\\\", '"' -> "\\\"", newline -> "\\n".
std::string EscapeLabelValue(std::string_view value);

struct MetricsParseResult {
  Metrics metrics;
  std::optional<std::string> error;  // "line N: ..."
};

// Reads back a text RenderMetrics wrote: every line a # HELP / # TYPE of one
// of our metrics (the right type, before its samples) or a sample of a known
// series with a value of its kind; no duplicate series; a series missing from
// the text (a file of an older version) stays 0. Anything else is an error.
MetricsParseResult ParseMetrics(std::string_view text);

// The file at `path` read back: missing = zeros, no error; unreadable or not
// ours = zeros and the error ("PATH: ...").
MetricsParseResult ReadMetricsFile(const std::string& path);

// RenderMetrics(m) into `path`, atomically, mode 0644.
std::optional<std::string> WriteMetricsFile(const std::string& path, const Metrics& m);

}  // namespace mls
