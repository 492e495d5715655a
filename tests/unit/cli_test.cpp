#include "cli.h"

#include <gtest/gtest.h>

#include <limits>

#include <sstream>
#include <string>
#include <vector>

namespace mls {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> WordsOf(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

TEST(WrapWordsTest, BreaksAtSpacesOnlyWithHangingIndent) {
  EXPECT_EQ(WrapWords("aaa bbb ccc", 0, 2, 7), "aaa bbb\n  ccc\n");
  // A word longer than the line stays whole, on a line of its own.
  EXPECT_EQ(WrapWords("a /very/long/path b", 0, 0, 6), "a\n/very/long/path\nb\n");
  // Line breaks and runs of spaces in the text are just spaces.
  EXPECT_EQ(WrapWords("one\n  two   three", 0, 0, 80), "one two three\n");
}

TEST(FormatHelpTest, FitsTheWidthWithoutTrailingSpacesOrCutWords) {
  CliSpec spec;
  spec.name = "mls-demo";
  spec.synopsis =
      "mls-demo [--config FILE] [--window today|yesterday|24h|7d |\n"
      "          --since ISO [--until ISO]] [--format text|html|json|ips] FILE...\n"
      "  or: mls-demo --send [--to ADDR] [--dry-run]";
  spec.summary = "A summary long enough to need wrapping at fifty columns, twice over.";
  std::string value;
  spec.options.add_options()("config,c", po::value(&value)->value_name("FILE"),
                             "configuration file (default /etc/maillogsentinel.conf)")(
      "sendmail-timeout", po::value(&value)->value_name("SECONDS"),
      "stop sendmail and fail if it has not finished after this long")(
      "follow", po::bool_switch(), "keep going");
  std::string help = FormatHelp(spec, 50);
  for (const std::string& line : Lines(help)) {
    EXPECT_LE(line.size(), 50u) << line;
    EXPECT_TRUE(line.empty() || line.back() != ' ') << "'" << line << "'";
  }
  // Same words as laid out without a limit: nothing was cut in two.
  EXPECT_EQ(WordsOf(help), WordsOf(FormatHelp(spec, 10000)));
  // Optional groups stay whole; forms and options are laid out as documented.
  EXPECT_NE(help.find("\n                [--format text|html|json|ips]\n"), std::string::npos)
      << help;
  EXPECT_NE(help.find("\n  or: mls-demo --send [--to ADDR] [--dry-run]\n"), std::string::npos)
      << help;
  EXPECT_NE(help.find("\n  -c, --config FILE"), std::string::npos) << help;
  EXPECT_NE(help.find("\n      --follow "), std::string::npos) << help;
  // Too wide for the column: the description starts on the next line.
  EXPECT_NE(help.find("\n      --sendmail-timeout SECONDS\n"), std::string::npos) << help;
  EXPECT_EQ(Lines(help).back(), "See mls-demo(1).");
}

}  // namespace
}  // namespace mls

namespace mls {
namespace {

TEST(CheckLockTimeout, Range) {
  EXPECT_EQ(std::nullopt, CheckLockTimeout(0));
  EXPECT_EQ(std::nullopt, CheckLockTimeout(2.5));
  EXPECT_EQ(std::nullopt, CheckLockTimeout(1e6));
  EXPECT_EQ("--lock-timeout: expected a number of seconds between 0 and 1000000",
            CheckLockTimeout(-1));
  EXPECT_TRUE(CheckLockTimeout(1e6 + 1));
  EXPECT_TRUE(CheckLockTimeout(std::numeric_limits<double>::quiet_NaN()));
}

}  // namespace
}  // namespace mls
