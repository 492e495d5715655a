// Runs every case of tests/cases/*.cases through the whole scanner (both the
// SIMD and the portable path, LF and CRLF line ends). The format is documented
// at the top of tests/cases/postfix.cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "log_scanner.h"
#include "syslog_time.h"

namespace mls {
namespace {

struct Case {
  std::string file;
  int line = 0;  // of the input line
  std::string input;
  std::string expected;
  bool known_gap = false;
  std::string reference;
  std::string tz;
  bool include_aborted = false;
  bool logins = false;
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "\xHH" is the byte HH; nothing else is special.
std::string Unescape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x' &&
        HexValue(text[i + 2]) >= 0 && HexValue(text[i + 3]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 2]) * 16 + HexValue(text[i + 3])));
      i += 3;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string SourceDir() {
  const char* dir = std::getenv("MLS_SRCDIR");
  return dir != nullptr ? dir : "../..";
}

std::vector<Case> LoadCases(const std::filesystem::path& path, std::string& error) {
  std::vector<Case> cases;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path.string();
    return cases;
  }
  std::string reference = "2026-11-26T12:00:00+00:00";
  std::string tz = "UTC";
  bool include_aborted = false;
  bool logins = false;
  std::string text;
  int number = 0;
  Case pending;
  bool have_input = false;
  while (std::getline(in, text)) {
    ++number;
    if (text.empty() || text[0] == '#') continue;
    auto fail = [&](const std::string& why) {
      error = path.filename().string() + ":" + std::to_string(number) + ": " + why;
    };
    if (text.starts_with("@reference ")) {
      reference = text.substr(11);
    } else if (text.starts_with("@tz ")) {
      tz = text.substr(4);
    } else if (text == "@aborted on" || text == "@aborted off") {
      include_aborted = text == "@aborted on";
    } else if (text == "@logins on" || text == "@logins off") {
      logins = text == "@logins on";
    } else if (text.starts_with("< ") || text == "<") {
      if (have_input) return fail("input without expectation before it"), cases;
      pending = Case{path.filename().string(),
                     number,
                     Unescape(text.substr(std::min<std::size_t>(2, text.size()))),
                     "",
                     false,
                     reference,
                     tz,
                     include_aborted,
                     logins};
      have_input = true;
    } else if (text.starts_with("> ") || text.starts_with("x> ")) {
      if (!have_input) return fail("expectation without input"), cases;
      pending.known_gap = text[0] == 'x';
      pending.expected = Unescape(text.substr(pending.known_gap ? 3 : 2));
      cases.push_back(pending);
      have_input = false;
    } else {
      return fail("unrecognised line: " + text), cases;
    }
  }
  if (have_input) error = path.filename().string() + ": last input has no expectation";
  return cases;
}

// The actual record in the cases file's notation: fields joined by '|', a '|'
// inside a field written "\|". Empty when the output is not one 9-field record.
// A record of `fields` fields (9: a failure, 8: a login) in the cases' notation.
std::string Notation(const std::string& output, long fields = 9) {
  if (output.empty() || output.back() != '\n' ||
      std::count(output.begin(), output.end(), '\n') != 1 ||
      std::count(output.begin(), output.end(), '\t') != fields - 1) {
    return "<not one " + std::to_string(fields) + "-field record: " + output + ">";
  }
  std::string out;
  for (char c : std::string_view(output).substr(0, output.size() - 1)) {
    if (c == '\t') {
      out.push_back('|');
    } else if (c == '|') {
      out += "\\|";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

class ScopedTz {
 public:
  explicit ScopedTz(const std::string& tz) {
    const char* old = std::getenv("TZ");
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv("TZ", tz.c_str(), 1);
    tzset();
  }
  ~ScopedTz() {
    if (had_) {
      setenv("TZ", old_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  bool had_ = false;
  std::string old_;
};

// What the scanner made of one line, in the cases file's notation.
std::string RunCase(const Case& c, std::time_t reference, bool portable, const std::string& eol,
                    bool logins) {
  ScanOptions options;
  options.reference_time = reference;
  options.include_aborted = c.include_aborted;
  options.logins = logins;
  LogScanner scanner(options, [](std::string_view) {});
  scanner.SetPortableScan(portable);
  std::string out;
  scanner.BeginInput("case");
  scanner.Feed(c.input + eol, out);
  scanner.EndInput(out);
  const ScanStats& s = scanner.stats();
  if (s.lines != 1) return "<" + std::to_string(s.lines) + " lines>";
  if (s.logins.value_or(0) == 1 && s.events == 0) return "login " + Notation(out, 8);
  if (s.events == 0 && out.empty()) {
    if (s.bad_time == 1) return "bad_time";
    if (s.outages == 1 && s.aborted == 0) return "outage";
    if (s.aborted == 1 && s.outages == 0) return "aborted";
    if (s.aborted == 0 && s.outages == 0) return "-";
  }
  if (s.events != 1) return "<" + std::to_string(s.events) + " events: " + out + ">";
  return Notation(out);
}

TEST(ParseCases, AllCasesFiles) {
  const std::filesystem::path dir = std::filesystem::path(SourceDir()) / "tests" / "cases";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".cases") files.push_back(entry.path());
  }
  ASSERT_FALSE(files.empty()) << "no .cases files in " << dir;
  std::sort(files.begin(), files.end());
  int total = 0, gaps = 0;
  for (const auto& file : files) {
    std::string error;
    const std::vector<Case> cases = LoadCases(file, error);
    ASSERT_EQ("", error);
    for (const Case& c : cases) {
      ++total;
      ScopedTz tz(c.tz);
      const auto reference = ParseIso8601Instant(c.reference);
      ASSERT_TRUE(reference.has_value()) << c.file << ":" << c.line << ": bad @reference";
      const std::string where = c.file + ":" + std::to_string(c.line);
      const std::string simd = RunCase(c, *reference, false, "\n", c.logins);
      if (c.known_gap) {
        ++gaps;
        EXPECT_NE(c.expected, simd) << where << ": known gap (x>) now passes; make it '>'";
        continue;
      }
      EXPECT_EQ(c.expected, simd) << where << ": input: " << c.input;
      EXPECT_EQ(simd, RunCase(c, *reference, true, "\n", c.logins))
          << where << ": portable scan differs";
      // --logins changes nothing but the login lines: off, they are nothing;
      // on, a line that is nothing may be a login (no failure line is).
      const std::string other = RunCase(c, *reference, false, "\n", !c.logins);
      if (c.expected.starts_with("login ")) {
        EXPECT_EQ("-", other) << where << ": with --logins off";
      } else if (!(c.expected == "-" && other.starts_with("login "))) {
        EXPECT_EQ(c.expected, other) << where << ": with --logins " << (c.logins ? "off" : "on");
      }
      if (c.input.empty() || c.input.back() != '\r') {
        EXPECT_EQ(simd, RunCase(c, *reference, false, "\r\n", c.logins))
            << where << ": CRLF differs";
      }
      if (!c.input.empty()) {
        EXPECT_EQ(simd, RunCase(c, *reference, false, "", c.logins))
            << where << ": no final newline differs";
      }
    }
  }
  std::cout << "[ cases    ] " << total << " cases, " << gaps << " known gaps\n";
  EXPECT_GE(total, 120);
}

}  // namespace
}  // namespace mls
