#include "run_stats.h"

#include "number.h"

namespace mls {
namespace {

constexpr std::string_view kOutageWords = " SASL backend outage";
constexpr std::string_view kSuppressedWords = " Postfix message";
constexpr std::string_view kSuppressedTail = " dropped by journald";

// The number right after `key` in `line`, up to a space or the end.
std::optional<std::uint64_t> NumberAfter(std::string_view line, std::string_view key) {
  std::size_t at = line.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(at + key.size());
  return ParseNumber<std::uint64_t>(rest.substr(0, rest.find(' ')));
}

}  // namespace

bool ParseStatsLine(std::string_view stage, std::string_view line, RunStats& stats) {
  if (stage == "mls-parse" && line.substr(0, 16) == "mls-parse: lines") {
    if (auto v = NumberAfter(line, "lines=")) {
      stats.lines = v;
      if (auto o = NumberAfter(line, " outages=")) stats.outages = o;
      if (auto b = NumberAfter(line, " bad_time=")) stats.bad_time = b;
      return true;
    }
  }
  if (stage == "mls-tail" && line.starts_with("mls-tail: entries=")) {
    if (auto v = NumberAfter(line, " suppressed=")) {
      stats.suppressed = v;
      return true;
    }
  }
  constexpr std::string_view kAppended = "mls-store: appended ";
  if (stage == "mls-store" && line.starts_with(kAppended)) {
    std::string_view rest = line.substr(kAppended.size());
    std::size_t sp = rest.find(' ');
    std::optional<std::uint64_t> v = ParseNumber<std::uint64_t>(rest.substr(0, sp));
    if (v && sp != std::string_view::npos && rest.substr(sp).starts_with(" events")) {
      stats.events = v;
      return true;
    }
    if (v && sp != std::string_view::npos && rest.substr(sp).starts_with(" logins")) {
      stats.logins = v;
      return true;
    }
  }
  if (stage == "mls-enrich" && line.starts_with("mls-enrich: records=")) {
    auto queries = NumberAfter(line, " queries=");
    auto hits = NumberAfter(line, " cache_hits=");
    if (queries && hits) {
      stats.dns_queries = queries;
      stats.dns_cache_hits = hits;
      std::array<std::uint64_t, kDnsStatusKeys.size()> by_status{};
      bool all = true;
      for (std::size_t i = 0; i < kDnsStatusKeys.size() && all; ++i) {
        auto n = NumberAfter(line, " " + std::string(kDnsStatusKeys[i]) + "=");
        all = n.has_value();
        if (n) by_status[i] = *n;
      }
      if (all) stats.dns_by_status = by_status;
      return true;
    }
  }
  return false;
}

StageLineKind ClassifyStageLine(std::string_view stage, std::string_view line, RunStats& stats) {
  if (ParseStatsLine(stage, line, stats)) return StageLineKind::kStats;
  if (stage == "mls-parse" &&
      (line.ends_with(": SASL backend outage (Connection lost to authentication server), not an "
                      "event") ||
       line.ends_with("; further outages are only counted") ||
       line.ends_with(": skipped an event whose time does not exist") ||
       line.ends_with(": skipped an event whose time does not exist; further ones are only "
                      "counted"))) {
    return StageLineKind::kDetail;
  }
  return StageLineKind::kWarning;
}

std::string FormatSummary(const RunStats& stats) {
  std::string out;
  if (stats.lines) out = std::to_string(*stats.lines) + " new lines read";
  if (stats.events) {
    if (!out.empty()) out += ", ";
    out += std::to_string(*stats.events) + " events stored";
  }
  if (stats.logins && *stats.logins > 0) {
    if (!out.empty()) out += ", ";
    out += std::to_string(*stats.logins) + " logins stored";
  }
  if (stats.dns_queries && stats.dns_cache_hits &&
      (*stats.dns_queries > 0 || *stats.dns_cache_hits > 0)) {
    if (!out.empty()) out += ", ";
    out += std::to_string(*stats.dns_queries) + " reverse DNS queries, " +
           std::to_string(*stats.dns_cache_hits) + " cache hits";
  }
  if (stats.outages && *stats.outages > 0) {
    if (!out.empty()) out += ", ";
    out += std::to_string(*stats.outages) + std::string(kOutageWords);
    if (*stats.outages != 1) out += 's';
  }
  if (stats.bad_time && *stats.bad_time > 0) {
    if (!out.empty()) out += ", ";
    out += std::to_string(*stats.bad_time) + (*stats.bad_time == 1 ? " event" : " events") +
           " with an impossible time skipped";
  }
  if (stats.suppressed && *stats.suppressed > 0) {
    if (!out.empty()) out += ", ";
    out += std::to_string(*stats.suppressed) + std::string(kSuppressedWords) +
           (*stats.suppressed == 1 ? "" : "s") + std::string(kSuppressedTail);
  }
  return out.empty() ? "done" : out;
}

namespace {
// The count before `words` (+ 's'?) + `tail` in a summary, where a ", " or the
// start precedes the number and a ',' or the end follows.
std::uint64_t SummaryCount(std::string_view summary, std::string_view words,
                           std::string_view tail) {
  std::size_t at = summary.find(words);
  if (at == std::string_view::npos) return 0;
  std::string_view rest = summary.substr(at + words.size());
  if (rest.starts_with('s')) rest.remove_prefix(1);
  if (!rest.starts_with(tail)) return 0;
  rest.remove_prefix(tail.size());
  if (!rest.empty() && !rest.starts_with(',')) return 0;  // "outagesX": not ours
  std::size_t begin = at;
  while (begin > 0 && summary[begin - 1] >= '0' && summary[begin - 1] <= '9') --begin;
  if (begin == at || (begin != 0 && !summary.substr(0, begin).ends_with(", "))) return 0;
  return ParseNumber<std::uint64_t>(summary.substr(begin, at - begin)).value_or(0);
}
}  // namespace

std::uint64_t ParseSummaryOutages(std::string_view summary) {
  return SummaryCount(summary, kOutageWords, "");
}

std::uint64_t ParseSummarySuppressed(std::string_view summary) {
  return SummaryCount(summary, kSuppressedWords, kSuppressedTail);
}

}  // namespace mls
