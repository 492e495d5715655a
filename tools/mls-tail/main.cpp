// mls-tail: print the log lines that are new since the last committed run.
#include <fcntl.h>
#include <signal.h>

#include <chrono>
#include <csignal>

#include "cli.h"
#include "clock.h"
#include "diag.h"
#include "journal_tail.h"
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
      "         [OPTION]... LOGFILE\n"
      "  or: mls-tail --journal [--journal-dir DIR] [--match FIELD=VALUE]...\n"
      "         [--state FILE [--pending FILE]] [--from-end] [--follow]";
  spec.summary = "Print the log lines that are new since the last committed run.";
  mls::TailOptions o;
  mls::JournalTailOptions jo;
  spec.options.add_options()("journal",
                             "read Postfix's entries of the systemd journal instead of LOGFILE")(
      "journal-dir", mls::po::value(&jo.directory)->value_name("DIR"),
      "with --journal: the journal files in DIR instead of the system journal")(
      "match", mls::po::value(&jo.matches)->composing()->value_name("FIELD=VALUE"),
      "with --journal: only entries with this field value (repeatable: one field's\n"
      "values OR'ed, different fields AND'ed)")(
      "stats", mls::po::bool_switch(&jo.stats),
      "with --journal: 'entries=N printed=N suppressed=N' on standard error at the end")(
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
      "the longest --follow waits before looking for new lines (it wakes at once on\n"
      "a change where inotify works; without it, how often it looks)")(
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
  if (o.poll_ms < 1 || o.poll_ms > 3600000) return usage("--poll-ms must be 1..3600000");
  if (!o.pending_path.empty() && o.pending_path == o.state_path) {
    return usage("--pending and --state must name different files");
  }
  if (vm.count("journal")) {
    if (!o.log_path.empty()) return usage("--journal reads the journal: no LOGFILE");
    for (const char* no : {"rotated-dir", "progress-fd", "map-fd"})
      if (vm.count(no)) return usage(std::string("--") + no + " does not apply to --journal");
    for (const std::string& m : jo.matches) {
      const std::size_t eq = m.find('=');
      if (eq == std::string::npos || eq == 0)
        return usage("--match '" + m + "': expected FIELD=VALUE");
    }
    jo.state_path = o.state_path;
    jo.pending_path = o.pending_path;
    jo.from_end = o.from_end;
    jo.follow = o.follow;
    jo.poll_ms = o.poll_ms;
    if (jo.follow) {
      CatchStopSignals();
      jo.stop = &g_stop;
    }
    return mls::RunJournalTail(jo);
  }
  if (vm.count("journal-dir") || vm.count("match") || jo.stats)
    return usage("--journal-dir, --match and --stats need --journal");
  if (o.log_path.empty()) return usage("missing LOGFILE");
  if (o.log_path == "-") {
    return usage("LOGFILE cannot be standard input ('-'): a position is saved in a file");
  }
  if (vm.count("progress-fd") && (o.progress_fd < 0 || fcntl(o.progress_fd, F_GETFD) < 0)) {
    return usage("--progress-fd " + std::to_string(o.progress_fd) + ": not an open descriptor");
  }
  if (vm.count("map-fd") && (o.map_fd < 0 || fcntl(o.map_fd, F_GETFD) < 0)) {
    return usage("--map-fd " + std::to_string(o.map_fd) + ": not an open descriptor");
  }
  o.now_ms = mls::MonotonicMs;
  if (o.follow) {
    CatchStopSignals();
    o.stop = &g_stop;
  }
  return mls::RunTail(o);
}
