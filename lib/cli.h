#pragma once
// Shared command-line handling for every tool (Boost.Program_options).
// Handles --help and --version; a usage error prints "tool: message" and
// "Try 'tool --help'." and yields exit status 2.
//
// --help is laid out here (FormatHelp), not by Boost's options_description
// printer: Boost cuts a word that does not fit in half and leaves a space at
// the end of wrapped lines. FormatHelp wraps at spaces only, to kHelpWidth
// columns, and writes options as "-c, --config FILE".
//
// Short options mean the same in every tool that has one (tests/cli/help.bats):
//   -c --config   -n --dry-run   -f --follow   -w --window
//   -q --quiet    -v --verbose   -h --help     -V --version

#include <boost/program_options.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mls {

namespace po = boost::program_options;

inline constexpr std::size_t kHelpWidth = 80;

// Every tool's exit statuses.
inline constexpr int kExitOk = 0;       // did all its work
inline constexpr int kExitFailure = 1;  // a runtime failure (I/O, a failed stage, skipped rows)
inline constexpr int kExitUsage = 2;    // a usage or configuration error

// A usage error: "TOOL: MESSAGE" and "TOOL: Try 'TOOL --help'." on stderr;
// returns kExitUsage.
int UsageError(std::string_view tool, std::string_view message);

// A --lock-timeout SECONDS value: from 0 to 1000000. The usage error, or nullopt.
std::optional<std::string> CheckLockTimeout(double seconds);

struct CliSpec {
  std::string name;      // tool name, e.g. "mls-parse"
  std::string synopsis;  // e.g. "mls-parse [OPTION]... [FILE]..."; forms after the first
                         // start with "\n  or: "; other line breaks are rewrapped
  std::string summary;   // what the tool does (rewrapped)
  po::options_description options{"Options"};
  po::positional_options_description positional;
  po::options_description hidden{"Hidden"};  // e.g. the positional "files"
};

// Parses argv into `vm`. Returns an exit status when the program should stop
// now (0 after --help/--version, 2 after a usage error), nullopt to continue.
// --help is laid out for kHelpWidth columns; the environment variable
// MLS_HELP_WIDTH (a number from 20 to 10000) overrides it, which lets the tests
// compare the wrapped text with the unwrapped one.
std::optional<int> ParseCli(CliSpec& spec, int argc, char** argv, po::variables_map& vm);

// The --help text of `spec` (its options as they are, --help and --version
// included once ParseCli added them), every line at most `width` columns
// unless a single word is longer; lines never end in a space.
std::string FormatHelp(const CliSpec& spec, std::size_t width = kHelpWidth);

// Words of `text` (split at spaces and line breaks) filled into lines: the
// first starts after `first_used` columns, the others after `indent` spaces;
// no line exceeds `width` unless one word does. Returned with "\n" after each line.
std::string WrapWords(const std::string& text, std::size_t first_used, std::size_t indent,
                      std::size_t width);

}  // namespace mls
