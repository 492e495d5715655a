#pragma once
// The driver `maillogsentinel`: command line, and the extraction run
// (config -> checks -> log -> lock -> recover -> begin -> run -> commit or
// roll back). Everything from the environment comes in through DriverEnv.
//
// --report runs `mls-report --config FILE --send [--window NAME]` (found like the stages:
// next to the driver, then PATH), copies its messages to stderr and the op log
// and exits with its status (0, 1, 2). With --dry-run, `mls-report --send
// --dry-run` prints the message instead and nothing is logged.

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "driver_options.h"

namespace mls {

struct DriverEnv {
  std::string self_dir;  // the driver binary's directory (stages are looked up here first)
  std::string path_env;  // $PATH
  bool stdout_is_tty = false;
  std::function<int()> terminal_columns;  // the width of stdout's terminal now (default 80)
  uid_t euid = 0;
  std::string home;  // the invoking user's home ($HOME, else the password database's)
  std::function<std::time_t()> clock;          // wall clock, for the log
  std::function<std::int64_t()> monotonic_ms;  // for progress pacing
  // Tests (MLS_TEST_PRUNE_KILL=STEP): called after each step of a prune
  // (lib/retention.h PruneOptions::step); empty: none.
  std::function<bool(std::string_view)> prune_step;
};

// Parses argv into `options`. Returns the exit status to stop with (0 after
// --help/--version, 2 after a usage error), nullopt to go on.
std::optional<int> ParseDriverOptions(int argc, char** argv, DriverOptions& options);

// Runs what `options` asks for; returns the exit status (0, 1, 2 for a config
// error). Output (DriverOptions::verbosity): nothing on stdout or stderr when all is
// well and stdout is not a terminal; warnings and errors on stderr; on a
// terminal a progress bar and the summary on stdout.
int RunDriver(const DriverOptions& options, const DriverEnv& env);

}  // namespace mls
