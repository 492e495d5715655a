#include "runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstring>

#include "diag.h"

namespace mls {
namespace {

using SteadyClock = std::chrono::steady_clock;

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
                            pid_t pgid, int in, int out, int err, int progress) {
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
  if (progress >= 0) {
    if (progress == stage.progress_fd) {
      ::fcntl(progress, F_SETFD, 0);
    } else if (::dup2(progress, stage.progress_fd) < 0) {
      ::_exit(127);
    }
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
  std::uint64_t done = 0, total = 0;
  auto parse = [](std::string_view s, std::uint64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
  };
  if (!parse(line.substr(0, sp), done) || !parse(line.substr(sp + 1), total)) {
    return std::nullopt;
  }
  return std::make_pair(done, total);
}

RunResult RunPipeline(const std::vector<Stage>& stages, const RunCallbacks& callbacks,
                      const RunnerOptions& options) {
  RunResult result;
  const std::size_t n = stages.size();
  result.stages.resize(n);
  if (n == 0) return result;

  int sigpipe[2];
  if (::pipe2(sigpipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    result.error = ErrnoMessage("pipe", errno);
    return result;
  }
  SignalScope signal_scope(sigpipe[1]);

  std::vector<int> err_r(n, -1), err_w(n, -1), prog_r(n, -1), prog_w(n, -1);
  std::vector<int> in(n, -1), out(n, -1);
  std::vector<pid_t> pids(n, -1);
  std::vector<bool> alive(n, false);
  std::vector<LineBuffer> err_buf(n), prog_buf(n);

  auto cleanup_fds = [&] {
    for (std::size_t i = 0; i < n; ++i) {
      CloseFd(err_r[i]), CloseFd(err_w[i]), CloseFd(prog_r[i]), CloseFd(prog_w[i]);
      CloseFd(in[i]), CloseFd(out[i]);
    }
  };

  // Wire up: /dev/null -> stage 0 -> pipe -> ... -> stage n-1 -> /dev/null.
  std::optional<std::string> setup_error;
  in[0] = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  out[n - 1] = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (in[0] < 0 || out[n - 1] < 0) setup_error = ErrnoMessage("/dev/null", errno);
  for (std::size_t i = 0; !setup_error && i < n; ++i) {
    int p[2];
    if (i + 1 < n) {
      if (::pipe2(p, O_CLOEXEC) != 0)
        setup_error = ErrnoMessage("pipe", errno);
      else
        out[i] = p[1], in[i + 1] = p[0];
    }
    if (!setup_error && ::pipe2(p, O_CLOEXEC) != 0)
      setup_error = ErrnoMessage("pipe", errno);
    else if (!setup_error)
      err_r[i] = p[0], err_w[i] = p[1];
    if (!setup_error && stages[i].progress_fd >= 0) {
      if (::pipe2(p, O_CLOEXEC) != 0)
        setup_error = ErrnoMessage("pipe", errno);
      else
        prog_r[i] = p[0], prog_w[i] = p[1];
    }
  }

  std::vector<std::vector<std::string>> argvs(n);
  std::vector<std::vector<char*>> argv_ptrs(n);
  for (std::size_t i = 0; i < n; ++i) {
    argvs[i].push_back(stages[i].name);
    argvs[i].insert(argvs[i].end(), stages[i].args.begin(), stages[i].args.end());
    for (std::string& a : argvs[i]) argv_ptrs[i].push_back(a.data());
    argv_ptrs[i].push_back(nullptr);
  }

  const pid_t self = ::getpid();
  pid_t pgid = 0;
  for (std::size_t i = 0; !setup_error && i < n; ++i) {
    // The child must not run the driver's handlers between fork and exec.
    sigset_t all, old;
    sigfillset(&all);
    ::sigprocmask(SIG_BLOCK, &all, &old);
    pid_t pid = ::fork();
    if (pid == 0) {
      ExecStage(stages[i], argv_ptrs[i], self, pgid, in[i], out[i], err_w[i], prog_w[i]);
    }
    int fork_errno = errno;
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) {
      setup_error = ErrnoMessage("fork", fork_errno);
      break;
    }
    ::setpgid(pid, pgid);  // also in the child: whichever runs first
    if (pgid == 0) pgid = pid;
    pids[i] = pid;
    alive[i] = true;
    // The parent keeps only the read ends of stderr and progress.
    CloseFd(in[i]), CloseFd(out[i]), CloseFd(err_w[i]), CloseFd(prog_w[i]);
  }

  // Whatever the children got is theirs now; stages never started have no reader.
  for (std::size_t i = 0; i < n; ++i) {
    CloseFd(in[i]), CloseFd(out[i]), CloseFd(err_w[i]), CloseFd(prog_w[i]);
    if (pids[i] < 0) CloseFd(err_r[i]), CloseFd(prog_r[i]);
  }

  auto kill_stage = [&](std::size_t i, int sig) {
    if (alive[i] && ::kill(pids[i], sig) == 0) result.stages[i].stopped = true;
  };
  if (setup_error) {
    for (std::size_t i = 0; i < n; ++i) kill_stage(i, SIGKILL);
  }

  auto emit_err = [&](std::size_t i) {
    return [&, i](std::string_view line) {
      if (callbacks.on_stderr_line) callbacks.on_stderr_line(i, line);
    };
  };
  auto emit_progress = [&](std::string_view line) {
    if (auto p = ParseProgressLine(line); p && callbacks.on_progress) {
      callbacks.on_progress(p->first, p->second);
    }
  };

  std::optional<SteadyClock::time_point> kill_deadline;   // SIGKILL whatever still runs
  std::optional<SteadyClock::time_point> drain_deadline;  // stop reading after all exited
  bool stopping = false;
  auto stop_head = [&](int grace_ms) {
    kill_stage(0, SIGTERM);
    auto when = SteadyClock::now() + std::chrono::milliseconds(grace_ms);
    if (!kill_deadline || when < *kill_deadline) kill_deadline = when;
  };

  char buf[65536];
  for (;;) {
    // Reap.
    std::size_t running = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!alive[i]) continue;
      int status;
      pid_t r = ::waitpid(pids[i], &status, WNOHANG);
      if (r == pids[i]) {
        alive[i] = false;
        result.stages[i].wait_status = status;
        if (status != 0 && !stopping) {
          stopping = true;
          stop_head(options.failure_grace_ms);
        }
      } else {
        ++running;
      }
    }
    if (kill_deadline && SteadyClock::now() >= *kill_deadline) {
      for (std::size_t i = 0; i < n; ++i) kill_stage(i, SIGKILL);
      kill_deadline.reset();
    }

    bool open_fds = false;
    for (std::size_t i = 0; i < n; ++i) open_fds = open_fds || err_r[i] >= 0 || prog_r[i] >= 0;
    if (running == 0) {
      if (!open_fds) break;
      if (!drain_deadline) drain_deadline = SteadyClock::now() + std::chrono::milliseconds(500);
      if (SteadyClock::now() >= *drain_deadline) break;
    }

    std::vector<pollfd> pfds;
    std::vector<std::pair<int*, std::size_t>> owners;  // fd slot, stage (n = signal pipe)
    pfds.push_back({sigpipe[0], POLLIN, 0});
    owners.push_back({&sigpipe[0], n});
    for (std::size_t i = 0; i < n; ++i) {
      if (err_r[i] >= 0) pfds.push_back({err_r[i], POLLIN, 0}), owners.push_back({&err_r[i], i});
      if (prog_r[i] >= 0) pfds.push_back({prog_r[i], POLLIN, 0}), owners.push_back({&prog_r[i], i});
    }
    int timeout = -1;
    auto now = SteadyClock::now();
    for (auto d : {kill_deadline, drain_deadline}) {
      if (!d) continue;
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*d - now).count() + 1;
      int t = ms < 0 ? 0 : static_cast<int>(ms);
      if (timeout < 0 || t < timeout) timeout = t;
    }
    if (::poll(pfds.data(), pfds.size(), timeout) < 0 && errno != EINTR) {
      setup_error = ErrnoMessage("poll", errno);
      for (std::size_t i = 0; i < n; ++i) kill_stage(i, SIGKILL);
    }

    for (std::size_t k = 0; k < pfds.size(); ++k) {
      if (!(pfds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int& fd = *owners[k].first;
      std::size_t i = owners[k].second;
      ssize_t got = ::read(fd, buf, sizeof buf);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (i == n) {  // signals
        for (ssize_t j = 0; j < got; ++j) {
          int sig = static_cast<unsigned char>(buf[j]);
          if (sig == SIGCHLD) continue;
          if (result.interrupted_by == 0) {
            result.interrupted_by = sig;
            stopping = true;
            stop_head(options.interrupt_grace_ms);
          } else {
            for (std::size_t s = 0; s < n; ++s) kill_stage(s, SIGKILL);
          }
        }
        continue;
      }
      bool is_err = &fd == &err_r[i];
      if (got <= 0) {
        if (is_err)
          err_buf[i].Finish(emit_err(i));
        else
          prog_buf[i].Finish(emit_progress);
        CloseFd(fd);
        continue;
      }
      std::string_view data(buf, static_cast<std::size_t>(got));
      if (is_err)
        err_buf[i].Feed(data, options.max_line, emit_err(i));
      else
        prog_buf[i].Feed(data, options.max_line, emit_progress);
    }
  }

  for (std::size_t i = 0; i < n; ++i) {
    if (err_r[i] >= 0) err_buf[i].Finish(emit_err(i));
  }
  cleanup_fds();
  CloseFd(sigpipe[0]);
  CloseFd(sigpipe[1]);
  if (setup_error) result.error = setup_error;
  return result;
}

}  // namespace mls
