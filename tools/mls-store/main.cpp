// mls-store: append TSV events from stdin to the CSV dataset (mls-store(1)).
#include <chrono>
#include <csignal>
#include <iostream>

#include "cli.h"
#include "config.h"
#include "diag.h"
#include "store.h"

namespace {

std::int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  mls::CliSpec spec;
  spec.name = "mls-store";
  spec.synopsis =
      "mls-store [--csv FILE | --config FILE] [--lock-timeout SECONDS] [--stats]";
  spec.summary = "Append TSV events from standard input to the CSV dataset, crash-safely.";
  spec.options.add_options()(
      "csv", mls::po::value<std::string>()->value_name("FILE"),
      "the dataset (default: <working_dir>/maillogsentinel.csv from the config)")(
      "config", mls::po::value<std::string>()->value_name("FILE"),
      "configuration file (default /etc/maillogsentinel.conf); unused with --csv")(
      "lock-timeout", mls::po::value<double>()->value_name("SECONDS"),
      "wait at most this long for another writer of the dataset\n(default: as long as it takes)")(
      "dataset-lock-fd", mls::po::value<int>()->value_name("N"),
      "the driver's: fd N holds the dataset's lock and the driver\nowns the transaction")(
      "stats", "print 'mls-store: appended N events to FILE' at the end");
  mls::po::variables_map vm;
  if (auto rc = mls::ParseCli(spec, argc, argv, vm)) return *rc;

  std::string csv;
  if (vm.count("csv")) {
    csv = vm["csv"].as<std::string>();
    if (csv.empty()) {
      mls::Warn("--csv: empty file name");
      return 2;
    }
  } else {
    std::string path =
        vm.count("config") ? vm["config"].as<std::string>() : std::string(mls::kDefaultConfigPath);
    mls::ConfigResult cfg = mls::LoadConfig(path);
    for (const std::string& w : cfg.warnings) mls::Warn(w);
    if (cfg.error) {
      mls::Warn(*cfg.error);
      return 2;
    }
    csv = cfg.config.CsvPath();
  }

  // With RLIMIT_FSIZE a too-large write must fail with EFBIG, not kill us.
  std::signal(SIGXFSZ, SIG_IGN);

  mls::StoreOptions opt;
  opt.csv = csv;
  if (vm.count("lock-timeout")) {
    double t = vm["lock-timeout"].as<double>();
    if (!(t >= 0 && t <= 1e6)) {
      mls::Warn("--lock-timeout: expected a number of seconds between 0 and 1000000");
      return 2;
    }
    opt.appender.lock_timeout_seconds = t;
  }
  if (vm.count("dataset-lock-fd")) {
    int fd = vm["dataset-lock-fd"].as<int>();
    if (fd < 3) {
      mls::Warn("--dataset-lock-fd: expected an inherited descriptor (3 or more)");
      return 2;
    }
    opt.appender.held_lock_fd = fd;
  }
  opt.appender.waiting = [](const std::string& lock) {
    mls::Warn("waiting for " + lock + " (another writer of the dataset is running)");
  };
  opt.input_fd = 0;
  opt.now_ms = MonotonicMs;
  mls::StoreResult r = mls::RunStore(opt);
  if (vm.count("stats")) mls::Warn("appended " + std::to_string(r.appended) + " events to " + csv);
  if (r.malformed > 0)
    mls::Warn(std::to_string(r.malformed) + " malformed record" + (r.malformed == 1 ? "" : "s") +
              " skipped");
  return r.failed || r.malformed > 0 ? 1 : 0;
}
