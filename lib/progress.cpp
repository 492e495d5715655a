#include "progress.h"

#include <charconv>
#include <algorithm>
#include <cstdio>

namespace mls {
namespace {

constexpr std::string_view kOutageWords = " SASL backend outage";

// The number right after `key` in `line`, up to a space or the end.
std::optional<std::uint64_t> NumberAfter(std::string_view line, std::string_view key) {
  std::size_t at = line.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(at + key.size());
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
  if (ec != std::errc() || (p != rest.data() + rest.size() && *p != ' ')) return std::nullopt;
  return v;
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
  constexpr std::string_view kAppended = "mls-store: appended ";
  if (stage == "mls-store" && line.starts_with(kAppended)) {
    std::string_view rest = line.substr(kAppended.size());
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
    if (ec == std::errc() && rest.substr(p - rest.data()).starts_with(" events")) {
      stats.events = v;
      return true;
    }
  }
  if (stage == "mls-enrich" && line.starts_with("mls-enrich: records=")) {
    auto queries = NumberAfter(line, " queries=");
    auto hits = NumberAfter(line, " cache_hits=");
    if (queries && hits) {
      stats.dns_queries = queries;
      stats.dns_cache_hits = hits;
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
    out += std::to_string(*stats.bad_time) +
           (*stats.bad_time == 1 ? " event" : " events") + " with an impossible time skipped";
  }
  return out.empty() ? "done" : out;
}

std::uint64_t ParseSummaryOutages(std::string_view summary) {
  std::size_t at = summary.find(kOutageWords);
  if (at == std::string_view::npos) return 0;
  std::string_view rest = summary.substr(at + kOutageWords.size());
  if (rest.starts_with('s')) rest.remove_prefix(1);
  if (!rest.empty() && !rest.starts_with(',')) return 0;  // "outagesX": not ours
  std::size_t begin = at;
  while (begin > 0 && summary[begin - 1] >= '0' && summary[begin - 1] <= '9') --begin;
  if (begin == at || (begin != 0 && !summary.substr(0, begin).ends_with(", "))) return 0;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(summary.data() + begin, summary.data() + at, v);
  if (ec != std::errc() || p != summary.data() + at) return 0;
  return v;
}

std::string RenderBar(std::uint64_t done, std::uint64_t total, int width) {
  if (done > total) done = total;
  double frac = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  int filled = static_cast<int>(frac * width);
  std::string bar = "[" + std::string(filled, '#') + std::string(width - filled, '-') + "]";
  char buf[96];
  std::snprintf(buf, sizeof buf, " %3d%%  %.1f of %.1f MiB", static_cast<int>(frac * 100),
                static_cast<double>(done) / 1048576.0, static_cast<double>(total) / 1048576.0);
  return bar + buf;
}

std::string FitBar(std::uint64_t done, std::uint64_t total, int columns) {
  int room = columns - 1;
  std::string full = RenderBar(done, total, 0);  // "[]" + the numbers
  int text = static_cast<int>(full.size()) - 2;
  if (room - 2 - text >= 10) return RenderBar(done, total, std::min(30, room - 2 - text));
  if (done > total) done = total;
  double frac = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  char pct[16];
  std::snprintf(pct, sizeof pct, " %3d%%", static_cast<int>(frac * 100));
  int cells = room - 2 - static_cast<int>(std::string_view(pct).size());
  if (cells >= 4) {
    int filled = static_cast<int>(frac * cells);
    return "[" + std::string(filled, '#') + std::string(cells - filled, '-') + "]" + pct;
  }
  if (room >= static_cast<int>(std::string_view(pct).size())) return pct;
  return "";
}

int TerminalColumns(int winsize_cols, const char* columns_env) {
  if (winsize_cols > 0) return winsize_cols;
  if (columns_env != nullptr) {
    std::string_view v = columns_env;
    int n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc() && p == v.data() + v.size() && n > 0) return n;
  }
  return 80;
}

void ProgressDisplay::Start(std::string_view what) {
  write_("maillogsentinel: " + std::string(what) + "\n");
}

void ProgressDisplay::Update(std::uint64_t done, std::uint64_t total, std::int64_t now_ms) {
  if (tty_) {
    if (last_draw_ms_ >= 0 && now_ms - last_draw_ms_ < 100 && done < total) return;
    last_draw_ms_ = now_ms;
    std::string bar = FitBar(done, total, columns_ ? columns_() : 80);
    bar_ = bar;
    if (cleared_) return;  // drawn by Redraw()
    std::string line = "\r" + bar;
    if (bar.size() < bar_len_) line += std::string(bar_len_ - bar.size(), ' ') + "\r" + bar;
    bar_len_ = bar.size();
    write_(line);
    bar_shown_ = true;
    return;
  }
  if (total == 0) return;
  int quarter = static_cast<int>((done >= total ? 4 : 4 * done / total));
  if (quarter > last_quarter_ && quarter < 4) {
    last_quarter_ = quarter;
    write_("maillogsentinel: " + std::to_string(quarter * 25) + "% (" + std::to_string(done) +
           " of " + std::to_string(total) + " bytes)\n");
  }
}

void ProgressDisplay::Erase() {
  if (!bar_shown_) return;
  write_("\r" + std::string(bar_len_, ' ') + "\r");
  bar_shown_ = false;
  bar_len_ = 0;
}

void ProgressDisplay::Finish(std::string_view line) {
  Erase();
  cleared_ = false;
  bar_.clear();
  write_("maillogsentinel: " + std::string(line) + "\n");
}

void ProgressDisplay::Clear() {
  if (!tty_ || !bar_shown_) return;
  Erase();
  cleared_ = true;
}

void ProgressDisplay::Redraw() {
  if (!tty_ || !cleared_) return;
  cleared_ = false;
  if (bar_.empty()) return;
  write_("\r" + bar_);
  bar_len_ = bar_.size();
  bar_shown_ = true;
}

}  // namespace mls
