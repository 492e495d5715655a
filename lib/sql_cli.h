#pragma once
// mls-sql's command line and run (mls-sql(1)): options -> setup (the config's
// [paths] and [database] keys) -> ExportSql (lib/sql_export.h) or ImportSql
// (lib/sql_import.h). The
// environment (host name, clock) comes in through SqlEnv.
//
//   ParseSqlOptions    argv -> SqlCliOptions (usage errors: exit 2)
//   ResolveSqlSetup    options + config file -> SqlSetup (errors: exit 2)
//   RunSql             both, then the export or import; messages on stderr

#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sql_export.h"
#include "sql_import.h"

namespace mls {

struct SqlCliOptions {
  bool do_export = false;              // --export
  bool do_import = false;              // --import
  std::optional<std::string> config;   // --config FILE
  std::optional<std::string> server;   // --server NAME
  std::optional<double> lock_timeout;  // --lock-timeout SECONDS
  bool stats = false;                  // --stats: one summary line on stderr at the end
};

// --stats's summary lines (without "mls-sql: "):
//   "exported 1200 rows in 1 file" [", 2 rows skipped"]
//   "imported 2 files (1200 new rows), 0 already imported, 1 failed"
std::string SqlExportSummary(const SqlExportResult& result);
std::string SqlImportSummary(const SqlImportResult& result);

// Parses argv into `options`. Returns the exit status to stop with (0 after
// --help/--version, 2 after a usage error), nullopt to go on.
std::optional<int> ParseSqlOptions(int argc, char** argv, SqlCliOptions& options);

struct SqlEnv {
  std::function<std::time_t()> clock;  // now, for file names
  std::string host;                    // gethostname(2): the default --server
};

struct SqlSetup {
  SqlExportOptions export_options;
  SqlImportOptions import_options;
  std::vector<std::string> warnings;  // the config file's, in order
  std::optional<std::string> error;   // exit 2
};
// The dataset is the config's CsvPath(), the cursor in its state_dir, the
// files in [database] sql_export_dir (required), the table [database] table,
// the dialect db_type (sqlite, postgresql, mysql); the server --server, else the
// host name's first label. The SQLite database is db_name, else
// <working_dir>/maillogsentinel.sqlite.
SqlSetup ResolveSqlSetup(const SqlCliOptions& options, const SqlEnv& env);

// The whole of mls-sql after the command line: the exit status.
int RunSql(const SqlCliOptions& options, const SqlEnv& env);

}  // namespace mls
