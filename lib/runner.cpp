#include "runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <utility>

#include "clock.h"
#include "diag.h"
#include "fd_io.h"
#include "number.h"

namespace mls {
namespace {

using SteadyClock = MonotonicClock;

// Written by the signal handler, read by the poll loop.
int g_signal_pipe = -1;

extern "C" void OnSignal(int sig) {
  int saved = errno;
  unsigned char byte = static_cast<unsigned char>(sig);
  if (g_signal_pipe >= 0) {
    [[maybe_unused]] ssize_t n = ::write(g_signal_pipe, &byte, 1);
  }
  errno = saved;
}

constexpr int kHandled[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};

class SignalScope {
 public:
  explicit SignalScope(int write_fd) {
    g_signal_pipe = write_fd;
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    for (std::size_t i = 0; i < std::size(kHandled); ++i) ::sigaction(kHandled[i], &sa, &old_[i]);
  }
  ~SignalScope() {
    for (std::size_t i = 0; i < std::size(kHandled); ++i)
      ::sigaction(kHandled[i], &old_[i], nullptr);
    g_signal_pipe = -1;
  }

 private:
  struct sigaction old_[std::size(kHandled)];
};

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Child side of fork(): never returns.
[[noreturn]] void ExecStage(const Stage& stage, const std::vector<char*>& argv, pid_t parent,
                            pid_t pgid, int in, int out, int err, int progress, int map_out,
                            int map_in, int map_in_target) {
  // Signals are blocked since before fork(): reset the driver's handlers
  // first, so a signal sent to the stage now gets the default action.
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the driver died before prctl
  ::setpgid(0, pgid);
  if (::dup2(in, STDIN_FILENO) < 0 || ::dup2(out, STDOUT_FILENO) < 0 ||
      ::dup2(err, STDERR_FILENO) < 0) {
    ::_exit(127);
  }
  // Extra fds at their numbers: each first copied above them all, so that no
  // dup2 overwrites another's source.
  std::pair<int, int> extra[] = {
      {progress, stage.progress_fd}, {map_out, stage.map_fd}, {map_in, map_in_target}};
  for (auto& [from, to] : extra) {
    if (from < 0) continue;
    from = ::fcntl(from, F_DUPFD_CLOEXEC, 64);
    if (from < 0) ::_exit(127);
  }
  for (auto& [from, to] : extra) {
    if (from >= 0 && ::dup2(from, to) < 0) ::_exit(127);  // dup2 clears FD_CLOEXEC
  }
  ::execv(stage.program.c_str(), argv.data());
  std::string msg =
      ProgramName() + ": " + ErrnoMessage("cannot execute " + stage.program, errno) + "\n";
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, msg.data(), msg.size());
  ::_exit(127);
}

// Splits a byte stream into lines.
struct LineBuffer {
  std::string pending;
  template <typename F>
  void Feed(std::string_view data, std::size_t max_line, F&& emit) {
    pending.append(data);
    std::size_t start = 0;
    for (;;) {
      std::size_t nl = pending.find('\n', start);
      if (nl == std::string::npos) break;
      emit(std::string_view(pending).substr(start, nl - start));
      start = nl + 1;
    }
    pending.erase(0, start);
    while (pending.size() > max_line) {
      emit(std::string_view(pending).substr(0, max_line));
      pending.erase(0, max_line);
    }
  }
  template <typename F>
  void Finish(F&& emit) {
    if (!pending.empty()) emit(std::string_view(pending));
    pending.clear();
  }
};

}  // namespace

bool RunResult::AllSucceeded() const {
  if (error || interrupted_by != 0) return false;
  for (const StageOutcome& s : stages) {
    if (s.wait_status != 0) return false;
  }
  return true;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

std::vector<std::string> FailureMessages(const std::vector<Stage>& stages,
                                         const RunResult& result) {
  auto consequence = [](const StageOutcome& o) {
    if (!WIFSIGNALED(o.wait_status)) return false;
    int sig = WTERMSIG(o.wait_status);
    return sig == SIGPIPE || (o.stopped && (sig == SIGTERM || sig == SIGKILL));
  };
  std::vector<std::string> primary, all;
  for (std::size_t i = 0; i < result.stages.size() && i < stages.size(); ++i) {
    const StageOutcome& o = result.stages[i];
    if (o.wait_status == 0) continue;
    std::string msg =
        "stage " + stages[i].name + " failed (" + DescribeWaitStatus(o.wait_status) + ")";
    all.push_back(msg);
    if (!consequence(o)) primary.push_back(msg);
  }
  return primary.empty() ? all : primary;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> ParseProgressLine(std::string_view line) {
  constexpr std::string_view kPrefix = "progress ";
  if (line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  line.remove_prefix(kPrefix.size());
  std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  std::optional<std::uint64_t> done = ParseNumber<std::uint64_t>(line.substr(0, sp));
  std::optional<std::uint64_t> total = ParseNumber<std::uint64_t>(line.substr(sp + 1));
  if (!done || !total) {
    return std::nullopt;
  }
  return std::make_pair(*done, *total);
}

namespace {

// One run of a pipeline: the state RunPipeline works on, in small steps.
class PipelineRun {
 public:
  PipelineRun(const std::vector<Stage>& stages, const RunCallbacks& callbacks,
              const RunnerOptions& options)
      : stages_(stages), callbacks_(callbacks), options_(options), fds_(stages.size()) {
    result_.stages.resize(stages.size());
  }
  ~PipelineRun() {
    for (StageFds& f : fds_) {
      for (int* fd : {&f.in, &f.out, &f.err_r, &f.err_w, &f.prog_r, &f.prog_w}) CloseFd(*fd);
    }
    CloseFd(sigpipe_[0]);
    CloseFd(sigpipe_[1]);
  }

  RunResult Run() {
    if (stages_.empty()) return result_;
    if (::pipe2(sigpipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
      result_.error = ErrnoMessage("pipe", errno);
      return result_;
    }
    SignalScope signal_scope(sigpipe_[1]);
    if (!Wire()) Start();
    // Whatever the children got is theirs now; stages never started have no reader.
    for (std::size_t i = 0; i < fds_.size(); ++i) {
      StageFds& f = fds_[i];
      CloseFd(f.in), CloseFd(f.out), CloseFd(f.err_w), CloseFd(f.prog_w), CloseFd(f.map_w),
          CloseFd(f.map_r);
      if (f.pid < 0) CloseFd(f.err_r), CloseFd(f.prog_r);
    }
    if (error_) KillAll();
    Loop();
    for (std::size_t i = 0; i < fds_.size(); ++i) {
      if (fds_[i].err_r >= 0) fds_[i].err_buf.Finish(ErrLine(i));
    }
    if (error_) result_.error = error_;
    return result_;
  }

 private:
  using Deadline = std::optional<SteadyClock::time_point>;
  struct StageFds {
    pid_t pid = -1;
    bool alive = false;
    int in = -1, out = -1, err_r = -1, err_w = -1, prog_r = -1, prog_w = -1;
    int map_w = -1, map_r = -1;  // this stage's map_fd (write), the previous one's (read)
    LineBuffer err_buf, prog_buf;
  };

  // /dev/null -> stage 0 -> pipe -> ... -> stage n-1 -> /dev/null, plus a
  // stderr pipe per stage and a progress pipe where asked. True on error.
  bool Wire() {
    const std::size_t n = fds_.size();
    fds_[0].in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    fds_[n - 1].out = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fds_[0].in < 0 || fds_[n - 1].out < 0) return Error(ErrnoMessage("/dev/null", errno));
    for (std::size_t i = 0; i < n; ++i) {
      int p[2];
      if (i + 1 < n) {
        if (::pipe2(p, O_CLOEXEC) != 0) return Error(ErrnoMessage("pipe", errno));
        fds_[i].out = p[1], fds_[i + 1].in = p[0];
      }
      if (::pipe2(p, O_CLOEXEC) != 0) return Error(ErrnoMessage("pipe", errno));
      fds_[i].err_r = p[0], fds_[i].err_w = p[1];
      if (stages_[i].progress_fd >= 0) {
        if (::pipe2(p, O_CLOEXEC) != 0) return Error(ErrnoMessage("pipe", errno));
        fds_[i].prog_r = p[0], fds_[i].prog_w = p[1];
      }
      if (stages_[i].map_fd >= 0 && i + 1 < n) {
        if (::pipe2(p, O_CLOEXEC) != 0) return Error(ErrnoMessage("pipe", errno));
        fds_[i + 1].map_r = p[0], fds_[i].map_w = p[1];
      }
    }
    return false;
  }

  void Start() {
    std::vector<std::vector<std::string>> argvs(stages_.size());
    std::vector<std::vector<char*>> argv_ptrs(stages_.size());
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      argvs[i].push_back(stages_[i].name);
      argvs[i].insert(argvs[i].end(), stages_[i].args.begin(), stages_[i].args.end());
      for (std::string& a : argvs[i]) argv_ptrs[i].push_back(a.data());
      argv_ptrs[i].push_back(nullptr);
    }
    const pid_t self = ::getpid();
    pid_t pgid = 0;
    for (std::size_t i = 0; i < stages_.size(); ++i) {
      StageFds& f = fds_[i];
      // The child must not run the driver's handlers between fork and exec.
      sigset_t all, old;
      sigfillset(&all);
      ::sigprocmask(SIG_BLOCK, &all, &old);
      pid_t pid = ::fork();
      if (pid == 0) {
        ExecStage(stages_[i], argv_ptrs[i], self, pgid, f.in, f.out, f.err_w, f.prog_w, f.map_w,
                  f.map_r, i > 0 ? stages_[i - 1].map_fd : -1);
      }
      int fork_errno = errno;
      ::sigprocmask(SIG_SETMASK, &old, nullptr);
      if (pid < 0) {
        Error(ErrnoMessage("fork", fork_errno));
        return;
      }
      ::setpgid(pid, pgid);  // also in the child: whichever runs first
      if (pgid == 0) pgid = pid;
      f.pid = pid;
      f.alive = true;
      // The parent keeps only the read ends of stderr and progress.
      CloseFd(f.in), CloseFd(f.out), CloseFd(f.err_w), CloseFd(f.prog_w), CloseFd(f.map_w),
          CloseFd(f.map_r);
    }
  }

  bool Error(std::string msg) {
    if (!error_) error_ = std::move(msg);
    return true;
  }

  void Signal(std::size_t i, int sig) {
    if (fds_[i].alive && ::kill(fds_[i].pid, sig) == 0) result_.stages[i].stopped = true;
  }
  void KillAll() {
    for (std::size_t i = 0; i < fds_.size(); ++i) Signal(i, SIGKILL);
  }
  // SIGTERM to the head so end-of-file flows down; SIGKILL for all later.
  void StopHead(int grace_ms) {
    Signal(0, SIGTERM);
    auto when = SteadyClock::now() + std::chrono::milliseconds(grace_ms);
    if (!kill_deadline_ || when < *kill_deadline_) kill_deadline_ = when;
  }

  // Collects exited stages; a failure stops the rest. Returns how many run.
  std::size_t Reap() {
    std::size_t running = 0;
    for (std::size_t i = 0; i < fds_.size(); ++i) {
      StageFds& f = fds_[i];
      if (!f.alive) continue;
      int status;
      if (::waitpid(f.pid, &status, WNOHANG) != f.pid) {
        ++running;
        continue;
      }
      f.alive = false;
      result_.stages[i].wait_status = status;
      if (status != 0 && !stopping_) {
        stopping_ = true;
        StopHead(options_.failure_grace_ms);
      }
    }
    return running;
  }

  void OnSignals(std::string_view bytes) {
    for (char c : bytes) {
      int sig = static_cast<unsigned char>(c);
      if (sig == SIGCHLD) continue;
      if (result_.interrupted_by == 0) {
        result_.interrupted_by = sig;
        stopping_ = true;
        StopHead(options_.interrupt_grace_ms);
      } else {
        KillAll();
      }
    }
  }

  std::function<void(std::string_view)> ErrLine(std::size_t i) {
    return [this, i](std::string_view line) {
      if (callbacks_.on_stderr_line) callbacks_.on_stderr_line(i, line);
    };
  }
  void ProgressLine(std::string_view line) {
    if (auto p = ParseProgressLine(line); p && callbacks_.on_progress) {
      callbacks_.on_progress(p->first, p->second);
    }
  }

  // Reads what is ready on `fd` (stage `i`'s stderr or progress pipe).
  void ReadStage(std::size_t i, int& fd) {
    StageFds& f = fds_[i];
    const bool is_err = &fd == &f.err_r;
    auto progress = [this](std::string_view l) { ProgressLine(l); };
    ssize_t got = ReadSome(fd, buf_, sizeof buf_);
    if (got < 0 && errno == EAGAIN) return;
    if (got <= 0) {
      if (is_err)
        f.err_buf.Finish(ErrLine(i));
      else
        f.prog_buf.Finish(progress);
      CloseFd(fd);
      return;
    }
    std::string_view data(buf_, static_cast<std::size_t>(got));
    if (is_err)
      f.err_buf.Feed(data, options_.max_line, ErrLine(i));
    else
      f.prog_buf.Feed(data, options_.max_line, progress);
  }

  int PollTimeout() const {
    int timeout = -1;
    auto now = SteadyClock::now();
    for (const Deadline& d : {kill_deadline_, drain_deadline_}) {
      if (!d) continue;
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*d - now).count() + 1;
      int t = ms < 0 ? 0 : static_cast<int>(ms);
      if (timeout < 0 || t < timeout) timeout = t;
    }
    return timeout;
  }

  // Until every stage is reaped and its pipes are drained (or, once all have
  // exited, 500 ms have passed: a stray grandchild may hold a pipe open).
  void Loop() {
    for (;;) {
      std::size_t running = Reap();
      if (kill_deadline_ && SteadyClock::now() >= *kill_deadline_) {
        KillAll();
        kill_deadline_.reset();
      }
      std::vector<pollfd> pfds{{sigpipe_[0], POLLIN, 0}};
      std::vector<std::pair<std::size_t, int*>> owners{{fds_.size(), &sigpipe_[0]}};
      for (std::size_t i = 0; i < fds_.size(); ++i) {
        for (int* fd : {&fds_[i].err_r, &fds_[i].prog_r}) {
          if (*fd >= 0) pfds.push_back({*fd, POLLIN, 0}), owners.push_back({i, fd});
        }
      }
      if (running == 0) {
        if (pfds.size() == 1) return;
        if (!drain_deadline_) drain_deadline_ = SteadyClock::now() + std::chrono::milliseconds(500);
        if (SteadyClock::now() >= *drain_deadline_) return;
      }
      if (::poll(pfds.data(), pfds.size(), PollTimeout()) < 0 && errno != EINTR) {
        Error(ErrnoMessage("poll", errno));
        KillAll();
        continue;
      }
      for (std::size_t k = 0; k < pfds.size(); ++k) {
        if (!(pfds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        if (k == 0) {
          ssize_t got = ReadSome(sigpipe_[0], buf_, sizeof buf_);
          if (got > 0) OnSignals(std::string_view(buf_, static_cast<std::size_t>(got)));
        } else {
          ReadStage(owners[k].first, *owners[k].second);
        }
      }
    }
  }

  const std::vector<Stage>& stages_;
  const RunCallbacks& callbacks_;
  const RunnerOptions& options_;
  std::vector<StageFds> fds_;
  RunResult result_;
  int sigpipe_[2] = {-1, -1};
  std::optional<std::string> error_;
  bool stopping_ = false;
  Deadline kill_deadline_;   // SIGKILL whatever still runs
  Deadline drain_deadline_;  // stop reading once all have exited
  char buf_[65536];
};

}  // namespace

RunResult RunPipeline(const std::vector<Stage>& stages, const RunCallbacks& callbacks,
                      const RunnerOptions& options) {
  return PipelineRun(stages, callbacks, options).Run();
}

}  // namespace mls
