#include "cli.h"

#include <cstdlib>
#include <iostream>
#include <string_view>
#include <vector>

#include "diag.h"
#include "number.h"

#ifndef MLS_VERSION
#define MLS_VERSION "0.0.0"
#endif

namespace mls {

namespace {

// Splits at spaces and line breaks; with `keep_brackets`, not inside [...] so
// that an optional group of a synopsis stays on one line when it fits.
std::vector<std::string> Words(std::string_view text, bool keep_brackets) {
  std::vector<std::string> words;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (keep_brackets && c == '[') ++depth;
    if (keep_brackets && c == ']' && depth > 0) --depth;
    if (c == ' ' || c == '\n' || c == '\t') {
      if (depth > 0) {
        if (!cur.empty() && cur.back() != ' ') cur += ' ';
      } else if (!cur.empty()) {
        words.push_back(std::move(cur));
        cur.clear();
      }
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

std::string Fill(const std::vector<std::string>& words, std::size_t first_used, std::size_t indent,
                 std::size_t width) {
  std::string out;
  std::size_t used = first_used;
  bool line_empty = true;
  for (const std::string& w : words) {
    if (!line_empty && used + 1 + w.size() > width) {
      out += "\n" + std::string(indent, ' ');
      used = indent;
      line_empty = true;
    }
    if (!line_empty) {
      out += ' ';
      ++used;
    }
    out += w;
    used += w.size();
    line_empty = false;
  }
  return out + "\n";
}

// "-c, --config FILE" or "    --state FILE".
std::string OptionColumn(const po::option_description& opt) {
  std::string shorty = opt.canonical_display_name(po::command_line_style::allow_dash_for_short);
  std::string left = "  ";
  if (shorty.size() == 2 && shorty[0] == '-') {
    left += shorty + ", ";
  } else {
    left += "    ";
  }
  left += "--" + opt.long_name();
  std::string param = opt.format_parameter();
  if (!param.empty()) left += " " + param;
  return left;
}

std::size_t HelpWidthFromEnv() {
  const char* env = std::getenv("MLS_HELP_WIDTH");
  if (env == nullptr) return kHelpWidth;
  std::string_view s(env);
  return ParseNumberIn<std::size_t>(s, 20, 10000).value_or(kHelpWidth);
}

}  // namespace

std::string WrapWords(const std::string& text, std::size_t first_used, std::size_t indent,
                      std::size_t width) {
  return Fill(Words(text, false), first_used, indent, width);
}

std::string FormatHelp(const CliSpec& spec, std::size_t width) {
  std::string out;
  // The synopsis: each form ("Usage: ..." then "  or: ...") filled with a
  // hanging indent past the tool's name.
  std::vector<std::string> forms;
  std::string_view syn = spec.synopsis;
  constexpr std::string_view kOr = "\n  or: ";
  while (true) {
    std::size_t at = syn.find(kOr);
    forms.emplace_back(syn.substr(0, at));
    if (at == std::string_view::npos) break;
    syn.remove_prefix(at + kOr.size());
  }
  for (std::size_t i = 0; i < forms.size(); ++i) {
    std::string prefix = i == 0 ? "Usage: " : "  or: ";
    std::vector<std::string> groups = Words(forms[i], true);
    std::size_t indent = prefix.size() + (groups.empty() ? 0 : groups[0].size() + 1);
    // An optional group too long for a line of its own is broken inside.
    std::vector<std::string> words;
    for (const std::string& g : groups) {
      if (indent + g.size() <= width) {
        words.push_back(g);
      } else {
        for (std::string& w : Words(g, false)) words.push_back(std::move(w));
      }
    }
    out += prefix + Fill(words, prefix.size(), indent, width);
  }
  out += Fill(Words(spec.summary, false), 0, 0, width);
  out += "\nOptions:\n";
  // The option column: as wide as the widest option that is not too wide.
  constexpr std::size_t kMaxColumn = 30;
  std::size_t column = 0;
  for (const auto& opt : spec.options.options()) {
    std::size_t w = OptionColumn(*opt).size() + 2;
    if (w <= kMaxColumn && w > column) column = w;
  }
  for (const auto& opt : spec.options.options()) {
    std::string left = OptionColumn(*opt);
    std::vector<std::string> words = Words(opt->description(), false);
    if (left.size() + 2 > column) {
      out += left + "\n" + std::string(column, ' ');
    } else {
      out += left + std::string(column - left.size(), ' ');
    }
    out += Fill(words, column, column, width);
  }
  out += "\nSee " + spec.name + "(" + (spec.name == "maillogsentinel" ? "8" : "1") + ").\n";
  return out;
}

std::optional<int> ParseCli(CliSpec& spec, int argc, char** argv, po::variables_map& vm) {
  SetProgramName(spec.name);
  spec.options.add_options()("help,h", "show this help and exit")("version,V",
                                                                  "show the version and exit");
  po::options_description all;
  all.add(spec.options).add(spec.hidden);
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(spec.positional).run(),
              vm);
    if (vm.count("help")) {
      std::cout << FormatHelp(spec, HelpWidthFromEnv());
      return kExitOk;
    }
    if (vm.count("version")) {
      std::cout << spec.name << " (maillogsentinel) " << MLS_VERSION << "\n";
      return kExitOk;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return UsageError(spec.name, e.what());
  }
  return std::nullopt;
}

int UsageError(std::string_view tool, std::string_view message) {
  Warn(message);
  Warn("Try '" + std::string(tool) + " --help'.");
  return kExitUsage;
}

std::optional<std::string> CheckLockTimeout(double seconds) {
  if (seconds >= 0 && seconds <= 1e6) return std::nullopt;
  return "--lock-timeout: expected a number of seconds between 0 and 1000000";
}

}  // namespace mls
