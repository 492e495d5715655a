#pragma once
// mls-store's command line and run (mls-store(1)): options -> settings (the
// dataset from --csv or the config file) -> RunStore (lib/store.h). The
// environment (standard input, the monotonic clock) comes in through StoreEnv.
//
//   ParseStoreOptions    argv -> StoreCliOptions (usage errors: exit 2)
//   ResolveStoreSetup    options + config file -> StoreOptions (errors: exit 2)
//   RunStoreCommand      both, then RunStore and the --stats and malformed lines

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store.h"

namespace mls {

struct StoreCliOptions {
  std::optional<std::string> csv;      // --csv
  std::optional<std::string> config;   // --config (unused with --csv)
  std::optional<double> lock_timeout;  // --lock-timeout SECONDS
  std::optional<int> dataset_lock_fd;  // --dataset-lock-fd N (the driver's)
  std::optional<int> logins_lock_fd;   // --logins-lock-fd (the driver's, with [logins] track)
  bool stats = false;                  // --stats
};

// Parses argv into `options`. Returns the exit status to stop with (0 after
// --help/--version, 2 after a usage error), nullopt to go on.
std::optional<int> ParseStoreOptions(int argc, char** argv, StoreCliOptions& options);

struct StoreEnv {
  int input_fd = 0;                            // the events (standard input)
  std::function<std::int64_t()> monotonic_ms;  // StoreOptions::now_ms
};

struct StoreSetup {
  StoreOptions store;                 // csv and appender options; input_fd and now_ms from env
  std::vector<std::string> warnings;  // the config file's, in order
  std::optional<std::string> error;   // an empty --csv, the config file's error, a bad
                                      // --lock-timeout or --dataset-lock-fd: exit 2
};
// The dataset is --csv, else CsvPath() of the config file (--config, else the
// default path; read only without --csv).
StoreSetup ResolveStoreSetup(const StoreCliOptions& options, const StoreEnv& env);

// The whole of mls-store after the command line: returns the exit status (0, 1
// when a batch failed or records were malformed, 2).
int RunStoreCommand(const StoreCliOptions& options, const StoreEnv& env);

}  // namespace mls
