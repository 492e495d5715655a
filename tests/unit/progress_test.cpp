#include "progress.h"

#include <gtest/gtest.h>

namespace mls {
namespace {

TEST(Progress, RendersABar) {
  EXPECT_EQ("[#####-----]  50%  1.0 of 2.0 MiB", RenderBar(1048576, 2097152, 10));
  EXPECT_EQ("[----------]   0%  0.0 of 2.0 MiB", RenderBar(0, 2097152, 10));
  EXPECT_EQ("[##########] 100%  0.0 of 0.0 MiB", RenderBar(0, 0, 10));
  EXPECT_EQ("[##########] 100%  2.0 of 2.0 MiB", RenderBar(9999999, 2097152, 10));
}

TEST(Progress, PlainOutputIsLinesWithoutControlCharacters) {
  std::string out;
  ProgressDisplay d(false, [&](std::string_view s) { out += s; });
  d.Start("reading /var/log/mail.log");
  d.Update(10, 100, 0);
  d.Update(30, 100, 1);
  d.Update(40, 100, 2);
  d.Update(99, 100, 3);
  d.Update(100, 100, 4);
  d.Finish("10 new lines read, 1 events stored");
  EXPECT_EQ(
      "maillogsentinel: reading /var/log/mail.log\n"
      "maillogsentinel: 25% (30 of 100 bytes)\n"
      "maillogsentinel: 75% (99 of 100 bytes)\n"
      "maillogsentinel: 10 new lines read, 1 events stored\n",
      out);
}

TEST(Progress, TerminalBarIsRedrawnInPlaceAndCleared) {
  std::string out;
  ProgressDisplay d(true, [&](std::string_view s) { out += s; });
  d.Update(0, 100, 0);
  d.Update(50, 100, 50);  // too soon: skipped
  d.Update(50, 100, 150);
  d.Update(100, 100, 160);  // the end is always drawn
  d.Finish("done");
  std::string bar0 = RenderBar(0, 100, 30), bar50 = RenderBar(50, 100, 30),
              bar100 = RenderBar(100, 100, 30);
  EXPECT_EQ("\r" + bar0 + "\r" + bar50 + "\r" + bar100 + "\r" + std::string(bar100.size(), ' ') +
                "\rmaillogsentinel: done\n",
            out);
  EXPECT_EQ(std::string::npos, out.find('\x1b'));
}

TEST(Progress, BarFitsTheTerminalWidth) {
  // Wide: 30 cells at most.
  EXPECT_EQ(RenderBar(1048576, 2097152, 30), FitBar(1048576, 2097152, 200));
  EXPECT_EQ(RenderBar(1048576, 2097152, 30), FitBar(1048576, 2097152, 80));
  for (int columns = 1; columns <= 120; ++columns) {
    for (std::uint64_t done : {0ull, 1ull, 50ull, 99ull, 100ull}) {
      std::string bar = FitBar(done * 1048576, 100 * 1048576, columns);
      EXPECT_LE(bar.size(), static_cast<std::size_t>(columns - 1)) << columns << " " << bar;
      EXPECT_EQ(std::string::npos, bar.find_first_of("\r\n\x1b")) << bar;
    }
  }
  // Narrower: fewer cells, then the numbers left out, then the percentage alone.
  EXPECT_EQ("[#####-----]  50%  1.0 of 2.0 MiB", FitBar(1048576, 2097152, 34));
  EXPECT_EQ("[######------]  50%", FitBar(1048576, 2097152, 20));
  EXPECT_EQ("[##--]  50%", FitBar(1048576, 2097152, 12));
  EXPECT_EQ("  50%", FitBar(1048576, 2097152, 11));
  EXPECT_EQ("  50%", FitBar(1048576, 2097152, 6));
  EXPECT_EQ("", FitBar(1048576, 2097152, 5));
}

TEST(Progress, TerminalColumnsFromTheTtyThenColumns) {
  EXPECT_EQ(132, TerminalColumns(132, "40"));
  EXPECT_EQ(40, TerminalColumns(0, "40"));
  EXPECT_EQ(80, TerminalColumns(0, nullptr));
  EXPECT_EQ(80, TerminalColumns(0, "wide"));
  EXPECT_EQ(80, TerminalColumns(0, "0"));
  EXPECT_EQ(80, TerminalColumns(0, ""));
}

TEST(Progress, TerminalBarUsesTheWidthOfNow) {
  std::string out;
  int columns = 80;
  ProgressDisplay d(true, [&](std::string_view s) { out += s; }, [&] { return columns; });
  d.Update(50, 100, 0);
  EXPECT_EQ("\r" + FitBar(50, 100, 80), out);
  out.clear();
  columns = 20;  // the terminal was made narrower
  d.Update(60, 100, 200);
  std::string wide = FitBar(50, 100, 80), narrow = FitBar(60, 100, 20);
  EXPECT_EQ("\r" + narrow + std::string(wide.size() - narrow.size(), ' ') + "\r" + narrow, out);
}

TEST(Progress, BarIsClearedAroundMessagesAndRedrawn) {
  std::string out;
  ProgressDisplay d(true, [&](std::string_view s) { out += s; });
  d.Clear();  // no bar yet: nothing
  d.Redraw();
  EXPECT_EQ("", out);
  d.Update(50, 100, 0);
  out.clear();
  std::string bar = FitBar(50, 100, 80);
  d.Clear();
  EXPECT_EQ("\r" + std::string(bar.size(), ' ') + "\r", out);
  out += "mls-parse: a warning\n";  // what the driver writes in between
  d.Redraw();
  EXPECT_EQ("\r" + std::string(bar.size(), ' ') + "\rmls-parse: a warning\n\r" + bar, out);
  out.clear();
  d.Finish("done");
  EXPECT_EQ("\r" + std::string(bar.size(), ' ') + "\rmaillogsentinel: done\n", out);
  out.clear();
  d.Clear();  // after Finish: nothing to clear or redraw
  d.Redraw();
  EXPECT_EQ("", out);
}

TEST(Progress, ClearAndRedrawDoNothingOffATerminal) {
  std::string out;
  ProgressDisplay d(false, [&](std::string_view s) { out += s; });
  d.Update(50, 100, 0);
  d.Clear();
  d.Redraw();
  EXPECT_EQ("maillogsentinel: 50% (50 of 100 bytes)\n", out);
}

}  // namespace
}  // namespace mls
