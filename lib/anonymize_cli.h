#pragma once
// mls-anonymize's command line and run (mls-anonymize(1)): mail logs (plain or
// gzip, files or standard input) or datasets in, the same with pseudonyms
// (lib/anonymize.h) on standard output.

#include <optional>
#include <string>
#include <vector>

namespace mls {

struct AnonymizeCliOptions {
  std::vector<std::string> files;  // "-" is standard input; none: standard input
  std::optional<std::string> key_path;
  std::optional<std::string> map_path;
  std::vector<std::string> also;
  bool prefix_preserving = false;
  bool hostname = false;
  bool dataset = false;
};

// argv -> options; the exit status to stop with (0 after --help, 2 after a
// usage error), or nullopt.
std::optional<int> ParseAnonymizeOptions(int argc, char** argv, AnonymizeCliOptions& options);

// Everything, output to `out_fd`: 0, 1 (an unreadable input, skipped dataset
// rows, the map not written), 2 (a bad key file or pattern).
int RunAnonymize(const AnonymizeCliOptions& options, int out_fd);

}  // namespace mls
