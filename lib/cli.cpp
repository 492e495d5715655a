#include "cli.h"

#include <iostream>

#include "diag.h"

#ifndef MLS_VERSION
#define MLS_VERSION "0.0.0"
#endif

namespace mls {

std::optional<int> ParseCli(CliSpec& spec, int argc, char** argv, po::variables_map& vm) {
  SetProgramName(spec.name);
  spec.options.add_options()("help,h", "show this help and exit")(
      "version,V", "show the version and exit");
  po::options_description all;
  all.add(spec.options).add(spec.hidden);
  try {
    po::store(po::command_line_parser(argc, argv)
                  .options(all)
                  .positional(spec.positional)
                  .run(),
              vm);
    if (vm.count("help")) {
      std::cout << "Usage: " << spec.synopsis << "\n" << spec.summary << "\n\n"
                << spec.options << "\nSee " << spec.name << "(" 
                << (spec.name == "maillogsentinel" ? "8" : "1") << ").\n";
      return 0;
    }
    if (vm.count("version")) {
      std::cout << spec.name << " (maillogsentinel) " << MLS_VERSION << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    Warn(e.what());
    Warn("Try '" + spec.name + " --help'.");
    return 2;
  }
  return std::nullopt;
}

}  // namespace mls
