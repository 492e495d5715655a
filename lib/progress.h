#pragma once
// What the driver shows during an extraction run: on a terminal a bar redrawn
// in place (cut to the terminal's width, cleared around other messages); with
// --verbose on anything else plain lines (a start line, a line at each quarter
// of the work, a summary), never a control sequence. What the run counted is
// lib/run_stats.h.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mls {

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
