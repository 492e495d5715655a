#pragma once
// What an extraction run counted, and the two texts that carry it: the stages'
// --stats lines on stderr (HACKING.md "How the stages talk to the driver"),
// which the driver parses, and the summary the driver writes to the op log
// (lib/oplog.h) as "committed: <summary>" after each committed run, which the
// report reads back (lib/report_context.h ReadOpLogFacts).

#include <array>
#include <cstdint>
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
  // "mls-tail: entries=N printed=N suppressed=N" (--journal): Postfix messages
  // journald's rate limit dropped ("Suppressed N messages from postfix...").
  std::optional<std::uint64_t> suppressed;
  // mls-enrich's per-status counts (ok=N nxdomain=N ... error=N), in the order
  // of kDnsStatusKeys: one per record, its reverse-DNS answer from the cache or
  // a query; set with dns_queries when the line has all seven.
  std::optional<std::array<std::uint64_t, 7>> dns_by_status = std::nullopt;
  // "mls-store: appended N logins to FILE" ([logins] track).
  std::optional<std::uint64_t> logins = std::nullopt;
};

// The status keys of mls-enrich's --stats line, in its order (ok=N nxdomain=N ...).
inline constexpr std::array<std::string_view, 7> kDnsStatusKeys = {
    "ok", "nxdomain", "servfail", "timeout", "refused", "nodata", "error"};

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

// "300000 new lines read, 2345 events stored" (unknown counts left out), ", 12
// logins stored" when logins are tracked and some were, then
// ", 120 reverse DNS queries, 80 cache hits" when mls-enrich asked or used its
// cache (nothing with DNS disabled), then ", 3 SASL backend outages" (", 1 SASL
// backend outage") when mls-parse counted any, then ", 2 events with an
// impossible time skipped" (", 1 event ...") likewise, then ", 7 Postfix
// messages dropped by journald" (", 1 Postfix message ...") likewise.
std::string FormatSummary(const RunStats& stats);

// The outage count FormatSummary wrote into `summary` ("N SASL backend
// outage(s)", at the start or after ", "); 0 when it names none. The report
// reads it back from the op log's "committed: <summary>" lines.
std::uint64_t ParseSummaryOutages(std::string_view summary);
// Likewise the "N Postfix messages dropped by journald" FormatSummary wrote.
std::uint64_t ParseSummarySuppressed(std::string_view summary);

// The op-log message of a committed run: kCommittedPrefix + FormatSummary(stats).
inline constexpr std::string_view kCommittedPrefix = "committed: ";

}  // namespace mls
