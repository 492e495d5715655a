#include "number.h"
#include "progress.h"

#include <algorithm>
#include <cstdio>

namespace mls {

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
    if (std::optional<int> n = ParseNumberIn<int>(v, 1, 100000)) return *n;
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
