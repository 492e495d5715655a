#pragma once
// What the driver's command line asks for. Filled by ParseDriverOptions
// (driver.h); read by BuildPipeline (pipeline.h) and the run.

#include <string>

#include "config.h"

namespace mls {

// The driver's commands; each has a branch in RunDriver.
enum class Command {
  kExtract,    // no command flag: the extraction run
  kReport,     // --report: mls-report --send with the config's settings
  kSqlExport,  // --sql-export: mls-sql --export --stats
  kSqlImport,  // --sql-import: mls-sql --import --stats
  kReset,      // --reset: dataset, op log and position into ~/maillogsentinel_backup_XXXXXX
  kPurge,      // --purge: every persisted file into ~/maillogsentinel_purge_STAMP
  kSetup,      // --setup [--config TEMPLATE] [--root DIR]: lib/setup_wizard.h, lib/setup.h
};

// What the extraction run writes to the terminal or cron/systemd (the op log
// gets everything at its level whatever this is).
enum class Verbosity {
  kQuiet,    // -q: errors only, no progress even on a terminal
  kNormal,   // warnings and errors on stderr; progress and summary on a terminal
  kVerbose,  // -v: also the start, the stages' counters and the summary on stderr
};

struct DriverOptions {
  Command command = Command::kExtract;
  std::string config_path = kDefaultConfigPath;
  bool dry_run = false;              // --dry-run/-n: print the shell pipeline (with --report:
                                     // the message), run nothing
  bool preview = false;              // --preview (--report only): mls-report --preview
  double lock_timeout_seconds = 10;  // --lock-timeout: how long to wait for state_dir/lock
  bool lock_timeout_given = false;   // --lock-timeout on the command line (passed to mls-sql)
  int progress_fd = 3;               // fd number mls-tail writes "progress DONE TOTAL" to
  bool from_now = false;             // --from-now: no state yet: mls-tail --from-end
  std::string metrics_file;          // --metrics-file PATH: overrides [general] metrics_file
  std::string report_window;         // --window NAME (--report only): mls-report --window NAME
  Verbosity verbosity = Verbosity::kNormal;  // -q/--quiet, -v/--verbose
  std::string setup_root = "/";              // --root DIR (--setup only)
  bool setup_interactive = false;            // --setup without --config: the wizard
};

}  // namespace mls
