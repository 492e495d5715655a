#include "store_cli.h"

#include "cli.h"
#include "config.h"
#include "dataset.h"
#include "diag.h"

namespace mls {

std::optional<int> ParseStoreOptions(int argc, char** argv, StoreCliOptions& o) {
  CliSpec spec;
  spec.name = "mls-store";
  spec.synopsis = "mls-store [--csv FILE | --config FILE] [--lock-timeout SECONDS] [--stats]";
  spec.summary = "Append TSV events from standard input to the CSV dataset, crash-safely.";
  spec.options.add_options()(
      "csv", po::value<std::string>()->value_name("FILE"),
      "the dataset (default: <working_dir>/maillogsentinel.csv from the config)")(
      "config", po::value<std::string>()->value_name("FILE"),
      "configuration file (default /etc/maillogsentinel.conf); unused with --csv")(
      "lock-timeout", po::value<double>()->value_name("SECONDS"),
      "wait at most this long for another writer of the dataset\n(default: as long as it takes)")(
      "dataset-lock-fd", po::value<int>()->value_name("N"),
      "the driver's: fd N holds the dataset's lock and the driver\nowns the transaction")(
      "logins-lock-fd", po::value<int>()->value_name("N"),
      "the driver's: fd N holds the logins dataset's lock (login\nrecords go to "
      "<dataset>-logins.csv, in the same transaction)")(
      "stats", "print 'mls-store: appended N events to FILE' at the end");
  po::variables_map vm;
  if (auto rc = ParseCli(spec, argc, argv, vm)) return rc;
  if (vm.count("csv")) o.csv = vm["csv"].as<std::string>();
  if (vm.count("config")) o.config = vm["config"].as<std::string>();
  if (vm.count("lock-timeout")) o.lock_timeout = vm["lock-timeout"].as<double>();
  if (vm.count("dataset-lock-fd")) o.dataset_lock_fd = vm["dataset-lock-fd"].as<int>();
  if (vm.count("logins-lock-fd")) o.logins_lock_fd = vm["logins-lock-fd"].as<int>();
  o.stats = vm.count("stats") > 0;
  return std::nullopt;
}

StoreSetup ResolveStoreSetup(const StoreCliOptions& o, const StoreEnv& env) {
  StoreSetup s;
  if (o.csv) {
    if (o.csv->empty()) {
      s.error = "--csv: empty file name";
      return s;
    }
    s.store.csv = *o.csv;
  } else {
    ConfigResult cfg = LoadConfig(o.config.value_or(kDefaultConfigPath));
    s.warnings = cfg.warnings;
    if (cfg.error) {
      s.error = *cfg.error;
      return s;
    }
    s.store.csv = cfg.config.CsvPath();
  }
  if (o.lock_timeout) {
    if ((s.error = CheckLockTimeout(*o.lock_timeout))) return s;
    s.store.appender.lock_timeout_seconds = *o.lock_timeout;
  }
  if (o.dataset_lock_fd) {
    if (*o.dataset_lock_fd < 3) {
      s.error = "--dataset-lock-fd: expected an inherited descriptor (3 or more)";
      return s;
    }
    s.store.appender.held_lock_fd = *o.dataset_lock_fd;
  }
  if (o.logins_lock_fd) {
    if (*o.logins_lock_fd < 3 || !o.dataset_lock_fd) {
      s.error =
          "--logins-lock-fd: expected an inherited descriptor (3 or more), with --dataset-lock-fd";
      return s;
    }
    s.store.logins_appender.held_lock_fd = *o.logins_lock_fd;
  }
  s.store.logins_appender.lock_timeout_seconds = s.store.appender.lock_timeout_seconds;
  s.store.input_fd = env.input_fd;
  s.store.now_ms = env.monotonic_ms;
  return s;
}

int RunStoreCommand(const StoreCliOptions& o, const StoreEnv& env) {
  StoreSetup s = ResolveStoreSetup(o, env);
  for (const std::string& w : s.warnings) Warn(w);
  if (s.error) {
    Warn(*s.error);
    return kExitUsage;
  }
  s.store.appender.waiting = [](const std::string& lock) {
    Warn("waiting for " + lock + " (another writer of the dataset is running)");
  };
  s.store.logins_appender.waiting = s.store.appender.waiting;
  StoreResult r = RunStore(s.store);
  if (o.stats) Warn("appended " + std::to_string(r.appended) + " events to " + s.store.csv);
  if (o.stats && (r.logins > 0 || o.logins_lock_fd))
    Warn("appended " + std::to_string(r.logins) + " logins to " + LoginsDatasetPath(s.store.csv));
  if (r.malformed > 0)
    Warn(std::to_string(r.malformed) + " malformed record" + (r.malformed == 1 ? "" : "s") +
         " skipped");
  return r.failed || r.malformed > 0 ? 1 : 0;
}

}  // namespace mls
