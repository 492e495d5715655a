#pragma once
// Shared command-line handling for every tool (Boost.Program_options).
// Handles --help and --version; a usage error prints "tool: message" and
// "Try 'tool --help'." and yields exit status 2.

#include <boost/program_options.hpp>
#include <optional>
#include <string>

namespace mls {

namespace po = boost::program_options;

struct CliSpec {
  std::string name;      // tool name, e.g. "mls-parse"
  std::string synopsis;  // e.g. "mls-parse [OPTION]... [FILE]..."
  std::string summary;   // one line describing the tool
  po::options_description options{"Options"};
  po::positional_options_description positional;
  po::options_description hidden{"Hidden"};  // e.g. the positional "files"
};

// Parses argv into `vm`. Returns an exit status when the program should stop
// now (0 after --help/--version, 2 after a usage error), nullopt to continue.
std::optional<int> ParseCli(CliSpec& spec, int argc, char** argv, po::variables_map& vm);

}  // namespace mls
