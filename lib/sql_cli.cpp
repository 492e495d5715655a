#include "sql_cli.h"

#include "cli.h"
#include "config.h"
#include "diag.h"
#include "number.h"
#include "sql_reader.h"

namespace mls {

std::optional<int> ParseSqlOptions(int argc, char** argv, SqlCliOptions& o) {
  CliSpec spec;
  spec.name = "mls-sql";
  spec.synopsis =
      "mls-sql --export [--config FILE] [--server NAME] [--lock-timeout SECONDS]\n"
      "                [--stats]\n"
      "  or: mls-sql --import [--config FILE] [--lock-timeout SECONDS] [--stats]";
  spec.summary =
      "Write the dataset's rows added since the last export as SQL batch files in "
      "[database] sql_export_dir (--export), or load those files into the database, each "
      "exactly once (--import).";
  spec.options.add_options()("export", "write the new rows as batch files")(
      "import", "load the batch files not yet imported, then move them to\nimported/")(
      "config,c", po::value<std::string>()->value_name("FILE"),
      "configuration file (default /etc/maillogsentinel.conf)")(
      "server", po::value<std::string>()->value_name("NAME"),
      "the source server's name in file names and rows (default: this\nhost's name up to "
      "its first dot)")(
      "lock-timeout", po::value<double>()->value_name("SECONDS"),
      "wait at most this long for another export or import (also\nanother importer's lock "
      "in the database), or a writer of the\ndataset (default 60)")(
      "stats", "print a summary line to standard error at the end");
  po::variables_map vm;
  if (auto rc = ParseCli(spec, argc, argv, vm)) return rc;
  o.do_export = vm.count("export") > 0;
  o.do_import = vm.count("import") > 0;
  if (vm.count("config")) o.config = vm["config"].as<std::string>();
  if (vm.count("server")) o.server = vm["server"].as<std::string>();
  if (vm.count("lock-timeout")) o.lock_timeout = vm["lock-timeout"].as<double>();
  o.stats = vm.count("stats") > 0;
  if (o.do_export == o.do_import) return UsageError("mls-sql", "give either --export or --import");
  if (o.do_import && o.server) return UsageError("mls-sql", "--server is for --export");
  return std::nullopt;
}

SqlSetup ResolveSqlSetup(const SqlCliOptions& o, const SqlEnv& env) {
  SqlSetup s;
  ConfigResult cfg = LoadConfig(o.config.value_or(kDefaultConfigPath));
  s.warnings = cfg.warnings;
  if (cfg.error) {
    s.error = *cfg.error;
    return s;
  }
  const Config& c = cfg.config;
  if (c.sql_export_dir.empty()) {
    s.error = "[database] sql_export_dir is not set: no directory for the batch files";
    return s;
  }
  std::optional<SqlDialect> dialect = ParseSqlDialect(c.db_type);
  if (!dialect) {
    s.error = "[database] db_type " + c.db_type + ": not supported by this version";
    return s;
  }
  SqlExportOptions& e = s.export_options;
  e.csv = c.CsvPath();
  e.state_dir = c.state_dir;
  e.export_dir = c.sql_export_dir;
  e.table = c.db_table;
  e.dialect = *dialect;
  e.server = o.server ? *o.server : env.host.substr(0, env.host.find('.'));
  if (o.do_export && e.server.empty()) {
    s.error = "no server name: the host name is empty; give --server NAME";
    return s;
  }
  if (o.do_export &&
      (e.server.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789._-") != std::string::npos ||
       e.server.size() > 200)) {
    s.error = "server name '" + e.server +
              "': expected letters, digits, '.', '_' and '-', at most 200 characters";
    return s;
  }
  if (o.lock_timeout) {
    if ((s.error = CheckLockTimeout(*o.lock_timeout))) return s;
    e.lock_timeout_seconds = *o.lock_timeout;
  }
  e.now = env.clock();
  SqlImportOptions& i = s.import_options;
  i.export_dir = e.export_dir;
  i.table = e.table;
  i.connection = DatabaseConnection(c);
  if (o.do_import) {
    if ((s.error = DatabaseConnectionError(c, "to import into"))) return s;
  }
  i.lock_timeout_seconds = e.lock_timeout_seconds;
  i.connection.lock_timeout_seconds = e.lock_timeout_seconds;
  return s;
}

std::string SqlExportSummary(const SqlExportResult& r) {
  return "exported " + CountOf(r.rows, "row", "rows") + " in " +
         CountOf(r.files.size(), "file", "files") +
         (r.skipped > 0 ? ", " + CountOf(r.skipped, "row", "rows") + " skipped" : std::string());
}

std::string SqlImportSummary(const SqlImportResult& r) {
  return "imported " + CountOf(r.imported, "file", "files") + " (" +
         CountOf(r.rows, "new row", "new rows") + "), " + std::to_string(r.already) +
         " already imported, " + std::to_string(r.failures.size()) + " failed";
}

int RunSql(const SqlCliOptions& o, const SqlEnv& env) {
  SqlSetup s = ResolveSqlSetup(o, env);
  for (const std::string& w : s.warnings) Warn(w);
  if (s.error) {
    Warn(*s.error);
    return kExitUsage;
  }
  if (o.do_import) {
    SqlImportResult r = ImportSql(s.import_options);
    for (const std::string& f : r.failures) Warn(f);
    if (r.error) Warn(*r.error);
    if (o.stats) Warn(SqlImportSummary(r));
    return r.error || !r.failures.empty() ? kExitFailure : kExitOk;
  }
  SqlExportResult r = ExportSql(s.export_options);
  for (const std::string& n : r.notes) Warn(n);
  if (r.skipped > 0)
    Warn(CountOf(r.skipped, "row", "rows") + " of the dataset skipped (not exported)");
  if (r.error) Warn(*r.error);
  if (o.stats) Warn(SqlExportSummary(r));
  return r.error || r.skipped > 0 ? kExitFailure : kExitOk;
}

}  // namespace mls
