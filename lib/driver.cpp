#include "driver.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>

#include "cli.h"
#include "config.h"
#include "diag.h"
#include "fd_io.h"
#include "lock.h"
#include "oplog.h"
#include "pipeline.h"
#include "progress.h"
#include "runner.h"
#include "subprocess.h"
#include "txn.h"


namespace mls {
namespace {

constexpr const char* kTag = "maillogsentinel";

std::string FormatSeconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

// Best effort: stdout gone (EPIPE) loses the progress, nothing else.
void WriteFd(int fd, std::string_view s) { (void)WriteAll(fd, s); }

void WriteOut(std::string_view s) { WriteFd(STDOUT_FILENO, s); }

// One extraction run. Messages go to stderr and, once it is open, the log.
class Extraction {
 public:
  Extraction(const Options& o, const DriverEnv& env) : o_(o), env_(env) {}
  int Run();

 private:
  int Fail(const std::string& msg) {
    Report(LogLevel::kError, msg);
    return 1;
  }
  void Report(LogLevel level, const std::string& msg) {
    Warn(SanitizeForLog(msg));
    log_.Log(level, kTag, msg);
  }
  std::optional<std::string> CheckDir(const std::string& what, const std::string& dir);
  void OnStageLine(std::size_t stage, std::string_view line);
  int RunPipelineInTxn();

  const Options& o_;
  const DriverEnv& env_;
  Config config_;
  std::vector<Stage> stages_;
  OpLog log_;
  RunStats stats_;
};

std::optional<std::string> Extraction::CheckDir(const std::string& what, const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return what + " " + ErrnoMessage(dir, errno);
  if (!S_ISDIR(st.st_mode)) return what + " " + dir + ": Not a directory";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return what + " " + dir + " is not writable: " + ErrnoMessage("", errno).substr(2);
  }
  return std::nullopt;
}

void Extraction::OnStageLine(std::size_t stage, std::string_view line) {
  const std::string& name = stages_[stage].name;
  WriteFd(STDERR_FILENO, SanitizeForLog(line) + "\n");  // already "<stage>: ..."
  std::string_view msg = line;
  if (msg.starts_with(name + ": ")) msg.remove_prefix(name.size() + 2);
  bool stats = ParseStatsLine(name, line, stats_);
  log_.Log(stats ? LogLevel::kInfo : LogLevel::kWarning, name, msg);
}

int Extraction::Run() {
  ConfigResult cr = LoadConfig(o_.config_path);
  if (cr.error) return Fail(*cr.error);
  config_ = cr.config;

  stages_ = BuildPipeline(config_, o_);
  auto executable = [](const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (auto err = ResolveStages(stages_, env_.self_dir, env_.path_env, executable)) {
    return Fail(*err);
  }
  if (o_.dry_run) {
    for (const std::string& w : cr.warnings) Warn(w);
    WriteOut(FormatDryRun(stages_));
    return 0;
  }
  if (env_.euid == 0) {
    return Fail("refusing to run the extraction as root; run it as the service user (see --setup)");
  }
  if (auto err = CheckDir("working directory", config_.working_dir)) return Fail(*err);
  LogLevel level = ParseLogLevel(config_.log_level).value_or(LogLevel::kInfo);
  if (auto err = log_.Open(config_.LogPath(), level, env_.clock)) return Fail(*err);
  for (const std::string& w : cr.warnings) Report(LogLevel::kWarning, w);
  log_.Log(
      LogLevel::kInfo, kTag,
      "extraction started (pid " + std::to_string(::getpid()) + ", config " + o_.config_path + ")");
  if (auto err = CheckDir("state directory", config_.state_dir)) return Fail(*err);

  FileLock lock;
  std::string lock_path = config_.state_dir + "/lock";
  switch (lock.Acquire(lock_path, o_.lock_timeout_seconds)) {
    case FileLock::Status::kLocked:
      break;
    case FileLock::Status::kBusy:
    case FileLock::Status::kError:
      return Fail(lock.error());
  }
  // The dataset may be shared with other configs (and a standalone mls-store):
  // its own lock, held for the whole run and inherited by the stages.
  FileLock dataset_lock;
  auto waiting = [this] {
    log_.Log(LogLevel::kInfo, kTag,
             "waiting for " + DatasetLockPath(config_.CsvPath()) + " (another writer of the dataset)");
  };
  switch (LockDataset(dataset_lock, config_.CsvPath(), o_.lock_timeout_seconds, waiting)) {
    case FileLock::Status::kLocked:
      break;
    case FileLock::Status::kBusy:
      return Fail("another writer of " + config_.CsvPath() + " holds " +
                  DatasetLockPath(config_.CsvPath()) + " (waited " +
                  FormatSeconds(o_.lock_timeout_seconds) + "; see --lock-timeout)");
    case FileLock::Status::kError:
      return Fail(dataset_lock.error());
  }
  for (Stage& s : stages_) {
    if (s.name != "mls-store") continue;
    s.args.push_back("--dataset-lock-fd");
    s.args.push_back(std::to_string(dataset_lock.fd()));
  }
  return RunPipelineInTxn();
}

int Extraction::RunPipelineInTxn() {
  TxnPaths paths = MakeTxnPaths(config_);
  TxnResult rec = Recover(paths);
  if (rec.error) return Fail(*rec.error);
  if (!rec.note.empty()) Report(LogLevel::kWarning, rec.note);
  std::string owner = "maillogsentinel pid " + std::to_string(::getpid()) + " (config " +
                      o_.config_path + ")";
  if (TxnResult b = Begin(paths, owner); b.error) return Fail(*b.error);

  for (std::size_t i = 0; i < stages_.size(); ++i) {
    std::string cmd = stages_[i].program;
    for (const std::string& a : stages_[i].args) cmd += " " + ShellQuote(a);
    log_.Log(LogLevel::kDebug, kTag, "stage " + std::to_string(i + 1) + ": " + cmd);
  }

  ProgressDisplay progress(env_.stdout_is_tty, WriteOut);
  progress.Start("reading " + config_.mail_log);
  RunCallbacks callbacks{
      [this](std::size_t stage, std::string_view line) { OnStageLine(stage, line); },
      [&](std::uint64_t done, std::uint64_t total) {
        progress.Update(done, total, env_.monotonic_ms ? env_.monotonic_ms() : 0);
      }};
  RunResult run = RunPipeline(stages_, callbacks);

  std::vector<std::string> problems;
  if (run.error) problems.push_back("cannot run the pipeline: " + *run.error);
  if (run.interrupted_by != 0) {
    problems.push_back("interrupted by signal " + std::to_string(run.interrupted_by) +
                       "; the head stage was stopped");
  }
  for (const std::string& m : FailureMessages(stages_, run)) problems.push_back(m);

  if (run.AllSucceeded()) {
    TxnResult c = Commit(paths);
    if (!c.error) {
      std::string summary = FormatSummary(stats_);
      progress.Finish(summary);
      log_.Log(LogLevel::kInfo, kTag, "committed: " + summary);
      return 0;
    }
    problems.push_back(*c.error);
  }
  progress.Finish("failed; nothing committed");
  for (const std::string& p : problems) Report(LogLevel::kError, p);
  TxnResult rb = Rollback(paths);
  if (rb.error) {
    Report(LogLevel::kCritical, "rollback failed (the next run retries it): " + *rb.error);
  } else if (rb.committed) {
    // Commit failed after its commit point (the position had moved): the rows
    // belong to it and were kept.
    Report(LogLevel::kWarning, "the run had committed before the error; its rows are kept");
  } else {
    std::string what = "rolled back; the next run reads these lines again";
    if (!rb.note.empty()) what += " (" + rb.note + ")";
    log_.Log(LogLevel::kWarning, kTag, what);
  }
  return 1;
}

bool Executable(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

// --report: mls-report --config FILE --send [--dry-run]; its messages go to
// stderr and the op log; its exit status is ours.
class ReportRun {
 public:
  ReportRun(const Options& o, const DriverEnv& env) : o_(o), env_(env) {}
  int Run();

 private:
  int Fail(const std::string& msg) {
    Warn(SanitizeForLog(msg));
    log_.Log(LogLevel::kError, kTag, msg);
    return 1;
  }
  int RunDryRun(const Stage& stage);
  // A line mls-report wrote to stderr: copied to ours and to the op log (its
  // summary "report for ... handed to ..." as INFO, "report not sent: ..." as ERROR).
  void OnLine(std::string_view line) {
    WriteFd(STDERR_FILENO, SanitizeForLog(line) + "\n");
    std::string_view msg = line;
    if (msg.starts_with("mls-report: ")) msg.remove_prefix(12);
    LogLevel level = LogLevel::kWarning;
    if (msg.starts_with("report for ")) level = LogLevel::kInfo;
    if (msg.starts_with("report not sent")) level = LogLevel::kError;
    log_.Log(level, "mls-report", msg);
  }

  const Options& o_;
  const DriverEnv& env_;
  OpLog log_;
};

// The message on our stdout: no log, nothing to capture.
int ReportRun::RunDryRun(const Stage& stage) {
  std::vector<std::string> args = {stage.program};
  args.insert(args.end(), stage.args.begin(), stage.args.end());
  SpawnResult child = Spawn(args, nullptr, false);
  pid_t pid = child.pid;
  int rc = child.error;
  if (rc != 0) return Fail(ErrnoMessage("cannot run " + stage.program, rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Fail(ErrnoMessage("waitpid", errno));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) <= 2) return WEXITSTATUS(status);
  return Fail("mls-report failed (" + DescribeWaitStatus(status) + ")");
}

int ReportRun::Run() {
  ConfigResult cr = LoadConfig(o_.config_path);
  if (cr.error) return Fail(*cr.error);
  Stage stage{"mls-report", {"--config", o_.config_path, "--send"}, "", -1};
  if (!o_.report_window.empty()) {
    stage.args.push_back("--window");
    stage.args.push_back(o_.report_window);
  }
  if (o_.dry_run) stage.args.push_back("--dry-run");
  std::vector<Stage> stages = {stage};
  if (auto err = ResolveStages(stages, env_.self_dir, env_.path_env, Executable)) {
    return Fail(*err);
  }
  if (o_.dry_run) return RunDryRun(stages[0]);
  if (env_.euid == 0) {
    return Fail(
        "refusing to run the report as root; run it as the service user (or mls-report --send "
        "directly)");
  }
  const Config& config = cr.config;
  LogLevel level = ParseLogLevel(config.log_level).value_or(LogLevel::kInfo);
  if (auto err = log_.Open(config.LogPath(), level, env_.clock)) return Fail(*err);
  log_.Log(
      LogLevel::kInfo, kTag,
      "report started (pid " + std::to_string(::getpid()) + ", config " + o_.config_path + ")");

  // mls-report prints its own config warnings and errors.
  RunCallbacks callbacks{[this](std::size_t, std::string_view line) { OnLine(line); }, {}};
  RunResult run = RunPipeline(stages, callbacks);
  if (run.error) return Fail("cannot run mls-report: " + *run.error);
  int status = run.stages[0].wait_status;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  std::string why = "report failed (mls-report " + DescribeWaitStatus(status) + ")";
  if (run.interrupted_by != 0) why += " after signal " + std::to_string(run.interrupted_by);
  Fail(why);
  return WIFEXITED(status) && WEXITSTATUS(status) == 2 ? 2 : 1;
}

}  // namespace

std::optional<int> ParseDriverOptions(int argc, char** argv, Options& options) {
  CliSpec spec;
  spec.name = "maillogsentinel";
  spec.synopsis =
      "maillogsentinel [--config FILE] [--dry-run] [--lock-timeout SECONDS] [--from-now]\n"
      "  or: maillogsentinel --report [--config FILE] [--window NAME] [--dry-run]";
  spec.summary =
      "Extract Postfix SASL authentication failures from the mail log into the CSV dataset:\n"
      "mls-tail | mls-parse | mls-enrich | mls-store, exactly once, with the settings of the\n"
      "config file. With --report, mail the report instead (mls-report --send).";
  spec.options.add_options()(
      "config,c", po::value(&options.config_path)->value_name("FILE"),
      ("configuration file (default " + std::string(kDefaultConfigPath) + ")").c_str())(
      "report", po::bool_switch(), "mail the report of [report] window to [report] email")(
      "window,w", po::value(&options.report_window)->value_name("NAME"),
      "with --report: report this window instead of [report] window\n"
      "(today, yesterday, 24h, 7d)")(
      "dry-run,n", po::bool_switch(&options.dry_run),
      "print the equivalent shell pipeline (with --report: the message) and exit")(
      "lock-timeout", po::value(&options.lock_timeout_seconds)->value_name("SECONDS"),
      "wait at most this long for another run to finish (default 10)")(
      "from-now", po::bool_switch(&options.from_now),
      "first run (no saved position yet): start at the end of the mail log instead of "
      "importing its history (mls-tail --from-end); no effect once a run committed");
  po::variables_map vm;
  if (auto rc = ParseCli(spec, argc, argv, vm)) return rc;
  auto usage = [](const std::string& msg) {
    Warn(msg);
    Warn("Try 'maillogsentinel --help'.");
    return 2;
  };
  if (vm.count("window")) {
    if (!vm["report"].as<bool>()) return usage("--window needs --report");
    const std::string& w = options.report_window;
    if (w != "today" && w != "yesterday" && w != "24h" && w != "7d") {
      return usage("--window: expected today, yesterday, 24h or 7d, got '" + w + "'");
    }
  }
  if (vm["report"].as<bool>()) {
    options.command = Command::kReport;
    if (options.from_now) {
      Warn("--from-now does not apply to --report");
      Warn("Try 'maillogsentinel --help'.");
      return 2;
    }
    if (vm.count("lock-timeout")) {
      Warn("--lock-timeout does not apply to --report");
      Warn("Try 'maillogsentinel --help'.");
      return 2;
    }
  }
  if (!(options.lock_timeout_seconds >= 0 && options.lock_timeout_seconds <= 86400)) {
    Warn("--lock-timeout: expected a number of seconds between 0 and 86400");
    Warn("Try 'maillogsentinel --help'.");
    return 2;
  }
  return std::nullopt;
}

int RunDriver(const Options& options, const DriverEnv& env) {
  switch (options.command) {
    case Command::kExtract:
      return Extraction(options, env).Run();
    case Command::kReport:
      return ReportRun(options, env).Run();
  }
  return 1;
}

}  // namespace mls
