// mls-tail: print the log lines that are new since the last committed run.
#include <fcntl.h>
#include <signal.h>

#include <chrono>
#include <csignal>

#include "cli.h"
#include "clock.h"
#include "diag.h"
#include "tail.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;

void OnSignal(int) { g_stop = 1; }

// SIGTERM/SIGINT end --follow cleanly (without SA_RESTART, so a sleep ends too).
void CatchStopSignals() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  mls::CliSpec spec;
  spec.name = "mls-tail";
  spec.synopsis =
      "mls-tail [--state FILE [--pending FILE]] [--from-end] [--rotated-dir DIR] [--follow]\n"
      "         [OPTION]... LOGFILE";
  spec.summary = "Print the log lines that are new since the last committed run.";
  mls::TailOptions o;
  spec.options.add_options()(
      "state", mls::po::value(&o.state_path)->value_name("FILE"),
      "saved position; absent file: print all history; committed at the end")(
      "pending", mls::po::value(&o.pending_path)->value_name("FILE"),
      "write the new position here instead, leaving --state untouched")(
      "rotated-dir", mls::po::value(&o.rotated_dirs)->composing()->value_name("DIR"),
      "also look for rotated files in DIR (logrotate olddir); repeatable")(
      "from-end", mls::po::bool_switch(&o.from_end),
      "with no saved position yet: start at the end of LOGFILE, print no history")(
      "follow,f", mls::po::bool_switch(&o.follow), "keep printing lines as the log grows")(
      "poll-ms", mls::po::value(&o.poll_ms)->default_value(250)->value_name("MS"),
      "how often --follow looks for new lines")(
      "progress-fd", mls::po::value(&o.progress_fd)->value_name("N"),
      "write 'progress DONE TOTAL' lines (bytes) to descriptor N")(
      "map-fd", mls::po::value(&o.map_fd)->value_name("N"),
      "write to descriptor N where the output's bytes come from (file, offset), for\n"
      "mls-parse --map-fd");
  spec.hidden.add_options()("logfile", mls::po::value(&o.log_path));
  spec.positional.add("logfile", 1);
  mls::po::variables_map vm;
  if (auto rc = mls::ParseCli(spec, argc, argv, vm)) return *rc;
  auto usage = [](const std::string& msg) { return mls::UsageError("mls-tail", msg); };
  if (o.log_path.empty()) return usage("missing LOGFILE");
  if (o.log_path == "-") {
    return usage("LOGFILE cannot be standard input ('-'): a position is saved in a file");
  }
  if (o.poll_ms < 1 || o.poll_ms > 3600000) return usage("--poll-ms must be 1..3600000");
  if (vm.count("progress-fd") && (o.progress_fd < 0 || fcntl(o.progress_fd, F_GETFD) < 0)) {
    return usage("--progress-fd " + std::to_string(o.progress_fd) + ": not an open descriptor");
  }
  if (vm.count("map-fd") && (o.map_fd < 0 || fcntl(o.map_fd, F_GETFD) < 0)) {
    return usage("--map-fd " + std::to_string(o.map_fd) + ": not an open descriptor");
  }
  if (!o.pending_path.empty() && o.pending_path == o.state_path) {
    return usage("--pending and --state must name different files");
  }
  o.now_ms = mls::MonotonicMs;
  if (o.follow) {
    CatchStopSignals();
    o.stop = &g_stop;
  }
  return mls::RunTail(o);
}
