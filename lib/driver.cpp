#include "driver.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>

#include "backup.h"
#include "cli.h"
#include "config.h"
#include "dataset.h"
#include "diag.h"
#include "fd_io.h"
#include "local_time.h"
#include "lock.h"
#include "mail_log_check.h"
#include "metrics.h"
#include "number.h"
#include "oplog.h"
#include "paths.h"
#include "pipeline.h"
#include "progress.h"
#include "retention.h"
#include "run_stats.h"
#include "runner.h"
#include "setup.h"
#include "setup_wizard.h"
#include "subprocess.h"
#include "txn.h"

namespace mls {
namespace {

constexpr const char* kTag = "maillogsentinel";

// A number of seconds as the tools read it back ("2.5", "10").
std::string FormatNumber(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

std::string FormatSeconds(double s) { return FormatNumber(s) + " s"; }

// Best effort: stdout gone (EPIPE) loses the progress, nothing else.
void WriteFd(int fd, std::string_view s) { (void)WriteAll(fd, s); }

void WriteOut(std::string_view s) { WriteFd(STDOUT_FILENO, s); }

void WriteErr(std::string_view s) { WriteFd(STDERR_FILENO, s); }

// One extraction run. Messages go to the log (once it is open) and, by their
// level and DriverOptions::verbosity, to stderr, with the progress bar cleared
// around them.
class Extraction {
 public:
  Extraction(const DriverOptions& o, const DriverEnv& env) : o_(o), env_(env) {}
  // The run, then the metrics file (when one is set) with its outcome.
  int Run();

 private:
  int RunExtraction();
  void WriteMetrics(int status);
  bool quiet() const { return o_.verbosity == Verbosity::kQuiet; }
  bool verbose() const { return o_.verbosity == Verbosity::kVerbose; }
  int Fail(const std::string& msg, int status = 1) {
    Report(LogLevel::kError, msg);
    return status;
  }
  // Errors always reach stderr, warnings unless -q, the rest only with -v.
  void Report(LogLevel level, const std::string& msg) {
    log_.Log(level, kTag, msg);
    if (level >= LogLevel::kError || (level == LogLevel::kWarning && !quiet()) || verbose()) {
      Say("maillogsentinel: " + SanitizeForLog(msg));
    }
  }
  // One line on stderr, the bar (if any) out of its way.
  void Say(const std::string& line) {
    if (progress_) progress_->Clear();
    WriteErr(line + "\n");
    if (progress_) progress_->Redraw();
  }
  std::optional<std::string> CheckDir(const std::string& what, const std::string& dir);
  void OnStageLine(std::size_t stage, std::string_view line);
  int RunPipelineInTxn();
  std::optional<std::string> Prune();

  const DriverOptions& o_;
  const DriverEnv& env_;
  Config config_;
  std::vector<Stage> stages_;
  OpLog log_;
  RunStats stats_;
  FileLock lock_;             // state_dir/lock, held from the check on
  bool locked_ = false;       // lock_ is held
  bool committed_ = false;    // the transaction committed
  std::string metrics_path_;  // --metrics-file, else [general] metrics_file
  double duration_seconds_ = 0;
  ProgressDisplay* progress_ = nullptr;  // while the stages run
  std::vector<std::string> held_;        // -q: stage warnings, shown if the run fails
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

// A stage's stderr line ("<stage>: ..."): counters and per-line notices are
// INFO in the op log (on stderr with -v), anything else a WARNING (on stderr
// unless -q; with -q held back and shown if the run fails).
void Extraction::OnStageLine(std::size_t stage, std::string_view line) {
  const std::string& name = stages_[stage].name;
  std::string_view msg = line;
  if (msg.starts_with(name + ": ")) msg.remove_prefix(name.size() + 2);
  StageLineKind kind = ClassifyStageLine(name, line, stats_);
  bool warning = kind == StageLineKind::kWarning;
  log_.Log(warning ? LogLevel::kWarning : LogLevel::kInfo, name, msg);
  if (verbose() || (warning && !quiet())) {
    Say(SanitizeForLog(line));
  } else if (warning) {
    held_.push_back(SanitizeForLog(line));
  }
}

int Extraction::Run() {
  const std::int64_t start_ms = env_.monotonic_ms ? env_.monotonic_ms() : 0;
  const std::time_t start = env_.clock ? env_.clock() : 0;
  int status = RunExtraction();
  // Not for --dry-run (nothing ran) nor for root (refused: no file of root's).
  if (metrics_path_.empty() || o_.dry_run || env_.euid == 0) return status;
  duration_seconds_ = env_.monotonic_ms
                          ? static_cast<double>(env_.monotonic_ms() - start_ms) / 1000.0
                          : static_cast<double>((env_.clock ? env_.clock() : 0) - start);
  WriteMetrics(status);
  return status;
}

// The metrics file (lib/metrics.h): the previous counters plus this run, under
// the state dir's lock so that two runs never add to the same old file. A run
// that could not take the lock (another run holds it) writes nothing: that run
// writes them. A problem is a warning; the run's exit status stays as it was.
void Extraction::WriteMetrics(int status) {
  if (!locked_) {
    FileLock::Status st = lock_.Acquire(config_.StateLockPath(), 0);
    if (st == FileLock::Status::kBusy) {
      log_.Log(LogLevel::kInfo, kTag,
               "metrics: " + metrics_path_ + " not written (another run holds " +
                   config_.StateLockPath() + " and writes it)");
      return;
    }
    // kError (no state directory): no run can hold it either; written without.
  }
  MetricsParseResult previous = ReadMetricsFile(metrics_path_);
  if (previous.error) {
    Report(LogLevel::kWarning, "metrics: " + *previous.error + "; its counters start again at 0");
  }
  RunOutcome run;
  run.committed = committed_;
  run.failed = status != kExitOk;
  run.stats = stats_;
  run.duration_seconds = duration_seconds_;
  run.now = env_.clock ? env_.clock() : 0;
  if (auto err = WriteMetricsFile(metrics_path_, AddRun(previous.metrics, run))) {
    Report(LogLevel::kWarning, "metrics: " + *err);
  }
}

int Extraction::RunExtraction() {
  ConfigResult cr = LoadConfig(o_.config_path);
  metrics_path_ = o_.metrics_file;
  if (cr.error) return Fail(*cr.error, 2);
  config_ = cr.config;
  if (metrics_path_.empty()) metrics_path_ = config_.metrics_file;

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
    return kExitOk;
  }
  if (env_.euid == 0) {
    return Fail(
        "refusing to run the extraction as root; run it as the service user (see "
        "maillogsentinel(8), SECURITY CONSIDERATIONS)");
  }
  if (auto err = CheckDir("working directory", config_.working_dir)) return Fail(*err);
  LogLevel level = ParseLogLevel(config_.log_level).value_or(LogLevel::kInfo);
  if (auto err = log_.Open(config_.LogPath(), level, env_.clock)) return Fail(*err);
  for (const std::string& w : cr.warnings) Report(LogLevel::kWarning, w);
  log_.Log(
      LogLevel::kInfo, kTag,
      "extraction started (pid " + std::to_string(::getpid()) + ", config " + o_.config_path + ")");
  if (!config_.FromJournal()) {  // the journal's readability: mls-tail --journal checks it
    auto line = cr.key_lines.find("paths.mail_log");
    std::string where = line == cr.key_lines.end()
                            ? o_.config_path + ": [paths] mail_log not set"
                            : o_.config_path + ":" + std::to_string(line->second);
    std::vector<std::string> rotated_dirs;
    if (!config_.rotated_dir.empty()) rotated_dirs.push_back(config_.rotated_dir);
    if (auto p = CheckMailLog(config_.mail_log, rotated_dirs, where)) {
      return Fail(p->message, p->status);
    }
  }
  if (auto err = CheckDir("state directory", config_.state_dir)) return Fail(*err);

  std::string lock_path = config_.StateLockPath();
  switch (lock_.Acquire(lock_path, o_.lock_timeout_seconds)) {
    case FileLock::Status::kLocked:
      locked_ = true;
      break;
    case FileLock::Status::kBusy:
    case FileLock::Status::kError:
      return Fail(lock_.error());
  }
  // The dataset may be shared with other configs (and a standalone mls-store):
  // its own lock, held for the whole run and inherited by the stages.
  FileLock dataset_lock;
  auto waiting = [this] {
    log_.Log(
        LogLevel::kInfo, kTag,
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
  // The logins dataset beside it: its own lock, always taken (a journal a dead
  // run left there is recovered even when logins are no longer tracked).
  FileLock logins_lock;
  const std::string logins_csv = LoginsDatasetPath(config_.CsvPath());
  switch (LockDataset(logins_lock, logins_csv, o_.lock_timeout_seconds, waiting)) {
    case FileLock::Status::kLocked:
      break;
    case FileLock::Status::kBusy:
      return Fail("another writer of " + logins_csv + " holds " + DatasetLockPath(logins_csv) +
                  " (waited " + FormatSeconds(o_.lock_timeout_seconds) + "; see --lock-timeout)");
    case FileLock::Status::kError:
      return Fail(logins_lock.error());
  }
  for (Stage& s : stages_) {
    if (s.name != "mls-store") continue;
    s.args.push_back("--dataset-lock-fd");
    s.args.push_back(std::to_string(dataset_lock.fd()));
    if (config_.logins_track) {
      s.args.push_back("--logins-lock-fd");
      s.args.push_back(std::to_string(logins_lock.fd()));
    }
  }
  return RunPipelineInTxn();
}

int Extraction::RunPipelineInTxn() {
  TxnPaths paths = MakeTxnPaths(config_);
  TxnResult rec = Recover(paths);
  if (rec.error) return Fail(*rec.error);
  if (!rec.note.empty()) Report(LogLevel::kWarning, rec.note);
  std::string owner =
      "maillogsentinel pid " + std::to_string(::getpid()) + " (config " + o_.config_path + ")";
  if (TxnResult b = Begin(paths, owner); b.error) return Fail(*b.error);

  for (std::size_t i = 0; i < stages_.size(); ++i) {
    std::string cmd = stages_[i].program;
    for (const std::string& a : stages_[i].args) cmd += " " + ShellQuote(a);
    log_.Log(LogLevel::kDebug, kTag, "stage " + std::to_string(i + 1) + ": " + cmd);
  }

  // A bar on a terminal (not with -q); plain lines on stderr with -v; else nothing.
  bool bar = env_.stdout_is_tty && !quiet();
  ProgressDisplay::Writer writer = [](std::string_view) {};
  if (bar) {
    writer = WriteOut;
  } else if (verbose()) {
    writer = WriteErr;
  }
  ProgressDisplay progress(bar, writer, env_.terminal_columns);
  progress_ = &progress;
  progress.Start("reading " + config_.mail_log);
  RunCallbacks callbacks{
      [this](std::size_t stage, std::string_view line) { OnStageLine(stage, line); },
      [&](std::uint64_t done, std::uint64_t total) {
        progress.Update(done, total, env_.monotonic_ms ? env_.monotonic_ms() : 0);
      }};
  RunResult run = RunPipeline(stages_, callbacks);
  progress_ = nullptr;

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
      committed_ = true;
      std::string summary = FormatSummary(stats_);
      progress.Finish(summary);
      log_.Log(LogLevel::kInfo, kTag, std::string(kCommittedPrefix) + summary);
      if (auto err = Prune()) return Fail(*err);
      return kExitOk;
    }
    problems.push_back(*c.error);
  }
  progress.Finish("failed; nothing committed");
  for (const std::string& line : held_) WriteErr(line + "\n");  // -q: the stages' words
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
  return kExitFailure;
}

// Retention (lib/retention.h), after a committed run, the dataset's lock still
// held: rows older than retention_days go once the first row is a day past
// them, so the dataset is rewritten about once a day, not at every run.
std::optional<std::string> Extraction::Prune() {
  constexpr std::time_t kDay = 86400;
  // The logins: legitimate users' personal data, kept [logins] retention_days
  // (default 30) and never archived; pruned even when no longer tracked.
  PruneOptions l;
  l.csv = LoginsDatasetPath(config_.CsvPath());
  l.cutoff = env_.clock() - static_cast<std::time_t>(config_.logins_retention_days) * kDay;
  l.slack = kDay;
  l.logins = true;
  if (struct stat st; ::stat(l.csv.c_str(), &st) == 0) {
    PruneResult r = PruneDataset(l);
    for (const std::string& n : r.notes) Report(LogLevel::kWarning, n);
    if (r.error) return "retention: " + *r.error + " (the logins are as they were)";
    if (r.rows > 0) {
      log_.Log(LogLevel::kInfo, kTag,
               "retention: dropped " + std::to_string(r.rows) + " logins older than " +
                   std::to_string(config_.logins_retention_days) + " days from " + l.csv);
    }
  }
  if (config_.retention_days <= 0) return std::nullopt;
  PruneOptions p;
  p.csv = config_.CsvPath();
  p.cutoff = env_.clock() - static_cast<std::time_t>(config_.retention_days) * kDay;
  p.slack = kDay;
  if (config_.retention_archive) p.archive_dir = config_.ArchiveDir();
  p.step = env_.prune_step;
  PruneResult r = PruneDataset(p);
  for (const std::string& n : r.notes) Report(LogLevel::kWarning, n);
  if (r.error) return "retention: " + *r.error + " (the dataset is as it was; rows are kept)";
  if (r.rows > 0) {
    std::string msg = "retention: dropped " + std::to_string(r.rows) + " rows (" +
                      std::to_string(r.bytes) + " bytes) older than " +
                      std::to_string(config_.retention_days) + " days from " + p.csv;
    if (r.unreadable > 0) msg += ", with " + std::to_string(r.unreadable) + " unreadable lines";
    msg += r.archive.empty() ? std::string("; not archived") : "; archived in " + r.archive;
    log_.Log(LogLevel::kInfo, kTag, msg);
  }
  return std::nullopt;
}

bool Executable(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

// A command the driver hands to one tool (--report: mls-report --send,
// --sql-export / --sql-import: mls-sql): its messages go to stderr and the op
// log, its exit status is ours.
struct ToolJob {
  std::string tool;  // "mls-report"
  std::vector<std::string> args;
  std::string what;                // "report": "report started", "report failed (...)"
  std::string summary_prefix;      // a line starting so is the tool's INFO summary
  std::string error_prefix;        // a line starting so is an ERROR; empty: none
  bool dry_run_runs_tool = false;  // --dry-run: the tool prints (the report's message);
                                   // else the command line is printed
  std::string direct;              // how root runs it instead: "mls-report --send"
};

class ToolRun {
 public:
  ToolRun(const DriverOptions& o, const DriverEnv& env) : o_(o), env_(env) {}
  // Runs `job` with the settings of `config` (already loaded).
  int Run(const Config& config, ToolJob job);

  int Fail(const std::string& msg) {
    Warn(SanitizeForLog(msg));
    log_.Log(LogLevel::kError, kTag, msg);
    return kExitFailure;
  }
  // The config file, or nullptr after saying why (exit kExitUsage).
  const Config* LoadConfigOrFail() {
    config_ = LoadConfig(o_.config_path);
    if (!config_.error) return &config_.config;
    Fail(*config_.error);
    return nullptr;
  }

 private:
  int RunDryRun(const Stage& stage);
  // A line the tool wrote to stderr: to the op log (its summary as INFO, its
  // failure line as ERROR, else WARNING) and to our stderr: errors always,
  // warnings unless -q, the summary on a terminal or with -v.
  void OnLine(std::string_view line) {
    std::string_view msg = line;
    const std::string prefix = job_.tool + ": ";
    if (msg.starts_with(prefix)) msg.remove_prefix(prefix.size());
    LogLevel level = LogLevel::kWarning;
    if (msg.starts_with(job_.summary_prefix)) level = LogLevel::kInfo;
    if (!job_.error_prefix.empty() && msg.starts_with(job_.error_prefix)) {
      level = LogLevel::kError;
    }
    log_.Log(level, job_.tool, msg);
    bool show = level >= LogLevel::kError;
    if (level == LogLevel::kWarning) show = o_.verbosity != Verbosity::kQuiet;
    if (level == LogLevel::kInfo) {
      show = o_.verbosity == Verbosity::kVerbose ||
             (env_.stdout_is_tty && o_.verbosity == Verbosity::kNormal);
    }
    if (show) {
      WriteFd(STDERR_FILENO, SanitizeForLog(line) + "\n");
    } else if (level == LogLevel::kWarning) {
      held_.push_back(SanitizeForLog(line));  // -q: shown if the run fails
    }
  }

  const DriverOptions& o_;
  const DriverEnv& env_;
  ConfigResult config_;
  ToolJob job_;
  OpLog log_;
  std::vector<std::string> held_;
};

// The report's message on our stdout: no log, nothing to capture.
int ToolRun::RunDryRun(const Stage& stage) {
  if (!job_.dry_run_runs_tool) {
    WriteOut(FormatDryRun({stage}));
    return kExitOk;
  }
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
  return Fail(job_.tool + " failed (" + DescribeWaitStatus(status) + ")");
}

int ToolRun::Run(const Config& config, ToolJob job) {
  job_ = std::move(job);
  std::vector<Stage> stages = {Stage{job_.tool, job_.args, "", -1}};
  if (auto err = ResolveStages(stages, env_.self_dir, env_.path_env, Executable)) {
    return Fail(*err);
  }
  if (o_.dry_run || o_.preview) return RunDryRun(stages[0]);
  if (env_.euid == 0) {
    return Fail("refusing to run the " + job_.what + " as root; run it as the service user (or " +
                job_.direct + " directly)");
  }
  LogLevel level = ParseLogLevel(config.log_level).value_or(LogLevel::kInfo);
  if (auto err = log_.Open(config.LogPath(), level, env_.clock)) return Fail(*err);
  log_.Log(LogLevel::kInfo, kTag,
           job_.what + " started (pid " + std::to_string(::getpid()) + ", config " +
               o_.config_path + ")");

  // The tool prints its own config warnings and errors.
  RunCallbacks callbacks{[this](std::size_t, std::string_view line) { OnLine(line); }, {}};
  RunResult run = RunPipeline(stages, callbacks);
  if (run.error) return Fail("cannot run " + job_.tool + ": " + *run.error);
  int status = run.stages[0].wait_status;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return kExitOk;
  for (const std::string& line : held_) WriteFd(STDERR_FILENO, line + "\n");
  std::string why = job_.what + " failed (" + job_.tool + " " + DescribeWaitStatus(status) + ")";
  if (run.interrupted_by != 0) why += " after signal " + std::to_string(run.interrupted_by);
  Fail(why);
  return WIFEXITED(status) && WEXITSTATUS(status) == 2 ? kExitUsage : kExitFailure;
}

// --report: mls-report --config FILE --send [--window W] [--dry-run | --preview].
int RunReport(const DriverOptions& o, const DriverEnv& env) {
  ToolRun run(o, env);
  const Config* config = run.LoadConfigOrFail();
  if (!config) return kExitUsage;
  // Said here rather than by mls-report, whose message offers its --to.
  if (config->report_email.empty()) {
    return run.Fail("no recipient: set [report] email in " + o.config_path);
  }
  ToolJob job{"mls-report",       {"--config", o.config_path, "--send"},
              "report",           "report for ",
              "report not sent",  true,
              "mls-report --send"};
  if (!o.report_window.empty()) {
    job.args.push_back("--window");
    job.args.push_back(o.report_window);
  }
  if (o.dry_run) job.args.push_back("--dry-run");
  if (o.preview) job.args.push_back("--preview");
  return run.Run(*config, std::move(job));
}

// --sql-export / --sql-import: mls-sql --config FILE --export|--import --stats.
int RunSql(const DriverOptions& o, const DriverEnv& env) {
  ToolRun run(o, env);
  const Config* config = run.LoadConfigOrFail();
  if (!config) return kExitUsage;
  const bool export_ = o.command == Command::kSqlExport;
  ToolJob job{"mls-sql",
              {"--config", o.config_path, export_ ? "--export" : "--import", "--stats"},
              export_ ? "SQL export" : "SQL import",
              export_ ? "exported " : "imported ",
              "",
              false,
              "mls-sql"};
  if (o.lock_timeout_given) {
    job.args.push_back("--lock-timeout");
    job.args.push_back(FormatNumber(o.lock_timeout_seconds));
  }
  return run.Run(*config, std::move(job));
}

// A new directory for the moved files: ~/maillogsentinel_backup_XXXXXX
// (--reset), ~/maillogsentinel_purge_YYYYMMDDTHHMMSSZ[-N] (--purge).
std::optional<std::string> MakeBackupDir(bool purge, const DriverEnv& env, std::string& dir) {
  if (!purge) {
    std::string tmpl = env.home + "/maillogsentinel_backup_XXXXXX";
    if (!::mkdtemp(tmpl.data())) return ErrnoMessage(env.home, errno);
    dir = tmpl;
    return std::nullopt;
  }
  std::time_t now = env.clock();
  struct tm tm {};
  ::gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  for (int n = 1; n < 100; ++n) {
    dir = env.home + "/maillogsentinel_purge_" + stamp + (n > 1 ? "-" + std::to_string(n) : "");
    if (::mkdir(dir.c_str(), 0700) == 0) return std::nullopt;
    if (errno != EEXIST) return ErrnoMessage(dir, errno);
  }
  return dir + ": exists";
}

// --reset / --purge: every lock taken (nothing moves under a running
// extraction, export or import), then the config's files moved (lib/backup.h).
int RunArchive(const DriverOptions& o, const DriverEnv& env) {
  const bool purge = o.command == Command::kPurge;
  const std::string what = purge ? "purge" : "reset";
  const bool quiet = o.verbosity == Verbosity::kQuiet;
  ConfigResult cfg = LoadConfig(o.config_path);
  for (const std::string& w : cfg.warnings) Warn(w);
  if (cfg.error) {
    Warn(*cfg.error);
    return kExitUsage;
  }
  const Config& c = cfg.config;
  std::vector<ArchiveItem> plan = PlanArchive(c, purge);
  if (plan.empty()) {
    if (!quiet) WriteOut("maillogsentinel: nothing to " + what + " for " + o.config_path + "\n");
    return kExitOk;
  }
  if (env.home.empty()) {
    Warn("no home directory to move the files into (HOME is not set); nothing moved");
    return kExitFailure;
  }
  for (const std::string* d : {&c.working_dir, &c.state_dir, &c.sql_export_dir}) {
    if (!d->empty() && IsWithin(env.home, *d)) {
      Warn("your home " + env.home + " is inside " + *d +
           ": the backup would stay among the files it clears; run it as another user (sudo "
           "maillogsentinel --" +
           what + ") or with HOME set elsewhere; nothing moved");
      return kExitFailure;
    }
  }
  const std::string where =
      env.home + (purge ? "/maillogsentinel_purge_STAMP" : "/maillogsentinel_backup_XXXXXX");
  if (o.dry_run) {
    WriteOut("maillogsentinel: --" + what + " would move into " + where + ":\n");
    for (const ArchiveItem& item : plan) WriteOut("  " + item.path + "\n");
    return kExitOk;
  }
  struct Held {
    std::string path;
    std::string holder;
  };
  std::vector<Held> wanted = {
      {c.StateLockPath(), "an extraction"},
      {DatasetLockPath(c.CsvPath()), "a writer of the dataset (an extraction or mls-store)"},
      {SqlExportLockPath(c.state_dir), "an SQL export"}};
  if (!c.sql_export_dir.empty())
    wanted.push_back({SqlImportLockPath(c.sql_export_dir), "an SQL import"});
  std::vector<std::unique_ptr<FileLock>> locks;
  const double wait = o.lock_timeout_given ? o.lock_timeout_seconds : 0;
  for (const Held& h : wanted) {
    struct stat st;
    if (::stat(DirName(h.path).c_str(), &st) != 0) continue;  // no directory: no holder
    auto lock = std::make_unique<FileLock>();
    switch (lock->Acquire(h.path, wait)) {
      case FileLock::Status::kLocked:
        locks.push_back(std::move(lock));
        break;
      case FileLock::Status::kBusy:
        Warn(h.path + " is held by " + h.holder + "; nothing moved (try again when it is done)");
        return kExitFailure;
      case FileLock::Status::kError:
        Warn(lock->error() + "; nothing moved");
        return kExitFailure;
    }
  }
  plan = PlanArchive(c, purge);  // again, under the locks (a run may have added files)
  std::string dir;
  if (auto err = MakeBackupDir(purge, env, dir)) {
    Warn(*err + "; nothing moved");
    return kExitFailure;
  }
  ArchiveResult r = MoveArtefacts(plan, dir);
  if (!quiet || r.error) {
    WriteOut("maillogsentinel: moved " + CountOf(r.moved.size(), "file", "files") + " into " + dir +
             ":\n");
    for (const std::string& p : r.moved) WriteOut("  " + p + "\n");
  }
  if (r.error) {
    Warn(*r.error + " (" + what + " stopped; " + dir + "/MANIFEST lists what moved)");
    return kExitFailure;
  }
  if (!quiet)
    WriteOut("The next run reads the mail log's whole history again" +
             std::string(purge ? " and starts without caches or SQL files" : "") + ".\n");
  return kExitOk;
}

// --setup [--config TEMPLATE] [--root DIR]: the wizard's questions (without
// --config), then RunSetup; the transcript on stdout and in
// ./maillogsentinel_setup.log.
int RunSetupCommand(const DriverOptions& o, const DriverEnv& env) {
  if (env.euid != 0 && !o.dry_run) {
    Warn("--setup creates a user and writes /etc: run it as root (or with --dry-run)");
    return kExitFailure;
  }
  SetupOptions so;
  so.template_path = o.config_path;
  so.root = o.setup_root;
  so.dry_run = o.dry_run;
  so.run = [](const std::vector<std::string>& argv, std::string& out) {
    return RunCaptured(argv, out);
  };
  std::vector<std::string> answers;
  std::optional<WizardTerminal> terminal;
  if (o.setup_interactive) {
    if (!::isatty(STDIN_FILENO)) {
      Warn(
          "--setup without --config asks its questions on a terminal: run it on one, or "
          "give --config TEMPLATE");
      return kExitUsage;
    }
    WizardOptions wo;
    wo.current_name = UnderRoot(o.setup_root, kDefaultConfigPath);
    if (auto err = ReadWholeFile(wo.current_name, wo.current_text, true, 1 << 20)) {
      Warn("setup: " + *err);
      return kExitFailure;
    }
    wo.exists = [&o](const std::string& path) {
      struct stat st;
      return ::stat(UnderRoot(o.setup_root, path).c_str(), &st) == 0;
    };
    wo.run = so.run;
    terminal.emplace(STDIN_FILENO, STDOUT_FILENO);
    WizardResult w = RunSetupWizard(wo, terminal->Io());
    if (w.error) {
      Warn("setup: " + *w.error);
      return kExitUsage;
    }
    if (!w.config_text) return terminal->Interrupted() ? 128 + SIGINT : kExitFailure;
    terminal->HoldInterrupts();  // what was confirmed is done whole
    so.template_text = w.config_text;
    so.template_path = "(your answers)";
    answers = std::move(w.transcript);
  }
  SetupResult r = RunSetup(so);
  auto Stamp = [&env] {
    std::time_t now = env.clock();
    struct tm tm {};
    ::localtime_r(&now, &tm);
    return FormatTimestamp(tm);
  };
  std::string log;
  for (const std::string& line : answers)
    log += FormatLogLine(Stamp(), LogLevel::kInfo, "setup", "answer: " + line);
  for (const std::string& line : r.transcript) {
    if (o.verbosity != Verbosity::kQuiet) WriteOut("maillogsentinel: setup: " + line + "\n");
    log += FormatLogLine(Stamp(), LogLevel::kInfo, "setup", line);
  }
  if (r.error) {
    Warn("setup: " + *r.error);
    log += FormatLogLine(Stamp(), LogLevel::kError, "setup", *r.error);
  }
  const std::string transcript = "maillogsentinel_setup.log";
  int fd = ::open(transcript.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0 || !WriteAll(fd, log)) Warn(ErrnoMessage(transcript, errno));
  if (fd >= 0) ::close(fd);
  return r.error ? r.exit_status : kExitOk;
}

}  // namespace

std::optional<int> ParseDriverOptions(int argc, char** argv, DriverOptions& options) {
  CliSpec spec;
  spec.name = "maillogsentinel";
  spec.synopsis =
      "maillogsentinel [--config FILE] [--dry-run] [--lock-timeout SECONDS] [--from-now]\n"
      "                [--metrics-file PATH]\n"
      "  or: maillogsentinel --report [--config FILE] [--window NAME] [--dry-run | --preview]\n"
      "  or: maillogsentinel --sql-export | --sql-import [--config FILE] [--dry-run]\n"
      "                      [--lock-timeout SECONDS]\n"
      "  or: maillogsentinel --reset | --purge [--config FILE] [--dry-run]\n"
      "                      [--lock-timeout SECONDS]\n"
      "  or: maillogsentinel --setup [--config TEMPLATE] [--root DIR] [--dry-run]";
  spec.summary =
      "Extract Postfix SASL authentication failures from the mail log into the CSV dataset:\n"
      "mls-tail | mls-parse | mls-enrich | mls-store, exactly once, with the settings of the\n"
      "config file. With --report, mail the report instead (mls-report --send); with\n"
      "--sql-export / --sql-import, export the new rows as SQL batch files or load them into\n"
      "the database (mls-sql); with --reset / --purge, move the dataset, op log and position\n"
      "(--purge: every file the runs keep) into a new directory in your home.";
  spec.options.add_options()(
      "config,c", po::value(&options.config_path)->value_name("FILE"),
      ("configuration file (default " + std::string(kDefaultConfigPath) + ")").c_str())(
      "report", po::bool_switch(), "mail the report of [report] window to [report] email")(
      "sql-export", po::bool_switch(),
      "write the dataset's new rows as SQL batch files (mls-sql --export)")(
      "sql-import", po::bool_switch(),
      "load the SQL batch files into the database (mls-sql --import)")(
      "setup", po::bool_switch(),
      "as root: asks the settings (or takes them from --config TEMPLATE),\n"
      "then makes the service user, its directories, /etc/maillogsentinel.conf\n"
      "and the units' drop-ins; again: only what changed")(
      "root", po::value(&options.setup_root)->value_name("DIR"),
      "with --setup: write everything under DIR instead of /")(
      "reset", po::bool_switch(),
      "move the dataset, the op log and the position into a new\n"
      "~/maillogsentinel_backup_XXXXXX: the next run reads all history again")(
      "purge", po::bool_switch(),
      "like --reset, and also the DNS cache, SQL cursor and batch files,\n"
      "the SQLite database in working_dir and the lock files, into\n"
      "~/maillogsentinel_purge_STAMP")(
      "window,w", po::value(&options.report_window)->value_name("NAME"),
      "with --report: report this window instead of [report] window\n"
      "(today, yesterday, or a span back from now: 24h, 7d, 10m, 36h)")(
      "dry-run,n", po::bool_switch(&options.dry_run),
      "print the equivalent shell pipeline (with --report: the message) and exit")(
      "preview", po::bool_switch(&options.preview),
      "with --report: print a readable preview of the message instead of sending it")(
      "lock-timeout", po::value(&options.lock_timeout_seconds)->value_name("SECONDS"),
      "wait at most this long for another run to finish (default 10)")(
      "quiet,q", po::bool_switch(), "errors only: no warnings, no progress")(
      "verbose,v", po::bool_switch(), "also the stages' counters and the summary on stderr")(
      "from-now", po::bool_switch(&options.from_now),
      "first run (no saved position yet): start at the end of the mail log instead of "
      "importing its history (mls-tail --from-end); no effect once a run committed")(
      "metrics-file", po::value(&options.metrics_file)->value_name("PATH"),
      "after the run, write its Prometheus metrics to PATH (node_exporter's textfile\n"
      "collector) instead of [general] metrics_file");
  po::variables_map vm;
  if (auto rc = ParseCli(spec, argc, argv, vm)) return rc;
  auto usage = [](const std::string& msg) { return UsageError("maillogsentinel", msg); };
  if (vm["quiet"].as<bool>() && vm["verbose"].as<bool>()) {
    return usage("--quiet and --verbose exclude each other");
  }
  if (vm["quiet"].as<bool>()) options.verbosity = Verbosity::kQuiet;
  if (vm["verbose"].as<bool>()) options.verbosity = Verbosity::kVerbose;
  if (vm.count("window")) {
    if (!vm["report"].as<bool>()) return usage("--window needs --report");
    const std::string& w = options.report_window;
    if (!IsWindowName(w)) {
      return usage("--window: expected today, yesterday or a time span (24h, 7d, 10m, 36h), got '" +
                   w + "'");
    }
  }
  if (options.preview && !vm["report"].as<bool>()) return usage("--preview needs --report");
  const int commands = vm["report"].as<bool>() + vm["sql-export"].as<bool>() +
                       vm["sql-import"].as<bool>() + vm["reset"].as<bool>() +
                       vm["purge"].as<bool>() + vm["setup"].as<bool>();
  if (commands > 1)
    return usage(
        "--report, --sql-export, --sql-import, --reset, --purge and --setup exclude each other");
  if (vm.count("root") && !vm["setup"].as<bool>()) return usage("--root needs --setup");
  if (vm.count("metrics-file")) {
    if (commands > 0) return usage("--metrics-file applies to the extraction run only");
    if (options.metrics_file.empty()) return usage("--metrics-file: expected a path");
  }
  if (vm["setup"].as<bool>()) {
    options.command = Command::kSetup;
    options.setup_interactive = !vm.count("config");
    if (options.from_now) return usage("--from-now does not apply to --setup");
  }
  if (vm["reset"].as<bool>() || vm["purge"].as<bool>()) {
    options.command = vm["reset"].as<bool>() ? Command::kReset : Command::kPurge;
    if (options.from_now) return usage("--from-now does not apply to --reset/--purge");
    options.lock_timeout_given = vm.count("lock-timeout") > 0;
  }
  if (vm["report"].as<bool>()) {
    options.command = Command::kReport;
    if (options.from_now) return usage("--from-now does not apply to --report");
    if (vm.count("lock-timeout")) return usage("--lock-timeout does not apply to --report");
  }
  if (vm["sql-export"].as<bool>() || vm["sql-import"].as<bool>()) {
    options.command = vm["sql-export"].as<bool>() ? Command::kSqlExport : Command::kSqlImport;
    if (options.from_now) return usage("--from-now does not apply to --sql-export/--sql-import");
    options.lock_timeout_given = vm.count("lock-timeout") > 0;
  }
  if (!(options.lock_timeout_seconds >= 0 && options.lock_timeout_seconds <= 86400)) {
    return usage("--lock-timeout: expected a number of seconds between 0 and 86400");
  }
  return std::nullopt;
}

int RunDriver(const DriverOptions& options, const DriverEnv& env) {
  switch (options.command) {
    case Command::kExtract:
      return Extraction(options, env).Run();
    case Command::kReport:
      return RunReport(options, env);
    case Command::kSqlExport:
    case Command::kSqlImport:
      return RunSql(options, env);
    case Command::kReset:
    case Command::kPurge:
      return RunArchive(options, env);
    case Command::kSetup:
      return RunSetupCommand(options, env);
  }
  return kExitFailure;
}

}  // namespace mls
