#include "sendmail.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "clock.h"
#include "diag.h"
#include "fd_io.h"
#include "subprocess.h"

namespace mls {
namespace {

using Clock = MonotonicClock;

// Splits what the program writes to stderr into lines for the callback.
class LineReader {
 public:
  explicit LineReader(const std::function<void(std::string_view)>& on_line) : on_line_(on_line) {}
  // Reads what is there; false at end of file or on an error.
  bool ReadSome(int fd) {
    char buf[4096];
    ssize_t n = mls::ReadSome(fd, buf, sizeof buf);
    if (n < 0) return errno == EAGAIN;
    if (n == 0) return false;
    pending_.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = pending_.find('\n')) != std::string::npos;) {
      on_line_(std::string_view(pending_).substr(0, nl));
      pending_.erase(0, nl + 1);
    }
    if (pending_.size() > 8192) Finish();  // an endless line: pass it on in pieces
    return true;
  }
  void Finish() {
    if (!pending_.empty()) on_line_(pending_);
    pending_.clear();
  }

 private:
  const std::function<void(std::string_view)>& on_line_;
  std::string pending_;
};

struct WaitResult {
  int status = -1;  // -1: waitpid failed (errno in error_number)
  int error_number = 0;
  int stopped_with = 0;  // 0, SIGTERM or SIGKILL: we stopped it after the timeout
};

// Waits for `pid` (the leader of its own process group), reading `err_fd`
// (-1: none) meanwhile; after `timeout_ms` (0: never) SIGTERM to the group,
// after `grace_ms` more SIGKILL.
WaitResult WaitFor(pid_t pid, int err_fd, LineReader* lines, std::int64_t timeout_ms,
                   std::int64_t grace_ms) {
  WaitResult w;
  const Clock::time_point start = Clock::now();
  Clock::time_point kill_at{};
  for (;;) {
    pid_t got = ::waitpid(pid, &w.status, WNOHANG);
    if (got == pid) break;
    if (got < 0 && errno != EINTR) {
      w.error_number = errno;
      w.status = -1;
      return w;
    }
    Clock::time_point now = Clock::now();
    if (timeout_ms > 0 && w.stopped_with == 0 &&
        now - start >= std::chrono::milliseconds(timeout_ms)) {
      ::kill(-pid, SIGTERM);
      w.stopped_with = SIGTERM;
      kill_at = now + std::chrono::milliseconds(grace_ms);
    } else if (w.stopped_with == SIGTERM && now >= kill_at) {
      ::kill(-pid, SIGKILL);
      w.stopped_with = SIGKILL;
    }
    // Short naps: a child's exit is noticed within 20 ms.
    struct pollfd p {
      err_fd, POLLIN, 0
    };
    int rc = ::poll(&p, err_fd >= 0 ? 1 : 0, 20);
    if (rc > 0 && err_fd >= 0 && !lines->ReadSome(err_fd)) {
      ::close(err_fd);
      err_fd = -1;
    }
  }
  if (err_fd >= 0) {  // what is left; a grandchild may keep the pipe open: no blocking
    ::fcntl(err_fd, F_SETFL, ::fcntl(err_fd, F_GETFL) | O_NONBLOCK);
    for (;;) {
      struct pollfd p {
        err_fd, POLLIN, 0
      };
      if (::poll(&p, 1, 0) <= 0 || !lines->ReadSome(err_fd)) break;
    }
    ::close(err_fd);
  }
  if (lines) lines->Finish();
  return w;
}

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  void Release() { fd_ = -1; }

 private:
  int fd_;
};

}  // namespace

std::string_view SysexitsMeaning(int code) {
  switch (code) {
    case 64:
      return "command line usage error";
    case 65:
      return "data format error";
    case 66:
      return "cannot open input";
    case 67:
      return "addressee unknown";
    case 68:
      return "host name unknown";
    case 69:
      return "service unavailable";
    case 70:
      return "internal software error";
    case 71:
      return "system error";
    case 72:
      return "critical OS file missing";
    case 73:
      return "cannot create output file";
    case 74:
      return "input/output error";
    case 75:
      return "temporary failure";
    case 76:
      return "remote error in protocol";
    case 77:
      return "permission denied";
    case 78:
      return "configuration error";
    default:
      return "";
  }
}

std::string DescribeSendmailStatus(int status) {
  if (WIFEXITED(status)) {
    int code = WEXITSTATUS(status);
    std::string s = "exit status " + std::to_string(code);
    std::string_view meaning = SysexitsMeaning(code);
    if (!meaning.empty()) s += " (" + std::string(meaning) + ")";
    return s;
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "killed by signal " + std::to_string(sig) + (name ? " (" + std::string(name) + ")" : "");
  }
  return "wait status " + std::to_string(status);
}

std::string DescribeDuration(std::int64_t ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  if (ms > 1000 && ms % 100 == 0) {
    return std::to_string(ms / 1000) + "." + std::to_string(ms / 100 % 10) + " s";
  }
  return std::to_string(ms) + " ms";
}

SendmailResult RunSendmail(const std::string& program, const MessageWriter& write,
                           const std::vector<std::string>& scratch_dirs) {
  SendmailOptions o;
  o.scratch_dirs = scratch_dirs;
  return RunSendmail(program, write, o);
}

SendmailResult RunSendmail(const std::string& program, const MessageWriter& write,
                           const SendmailOptions& options) {
  SendmailResult r;
  if (program.empty()) {
    r.error = "no sendmail program configured";
    return r;
  }
  const std::string command = program + " -t -oi";
  auto not_handed = [&](const std::string& why) {
    r.error = "message not handed to " + program + ": " + why;
    return r;
  };

  // 1. The whole message into a scratch file.
  std::string error;
  int fd = OpenScratchFile(options.scratch_dirs, error);
  if (fd < 0) return not_handed(error);
  FdCloser closer(fd);
  {
    FdSink sink(fd, "the message file");
    std::optional<std::string> werr = write(sink);
    if (!sink.Flush() && !werr) werr = sink.error();
    if (werr) return not_handed(*werr);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) return not_handed(ErrnoMessage("the message file", errno));
  r.message_bytes = static_cast<std::uint64_t>(st.st_size);
  if (::lseek(fd, 0, SEEK_SET) != 0) return not_handed(ErrnoMessage("the message file", errno));

  // 2. The program, with the file as its stdin (same open file: shared offset),
  // its stderr through a pipe when the caller wants the lines.
  int err_pipe[2] = {-1, -1};
  if (options.on_stderr_line && ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return not_handed(ErrnoMessage("pipe", errno));
  }
  FdCloser err_write(err_pipe[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fd, STDIN_FILENO);  // clears FD_CLOEXEC on 0
  if (err_pipe[1] >= 0) posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  std::vector<std::string> args = {program, "-t", "-oi"};
  if (!options.envelope_sender.empty()) {
    args.push_back("-f");
    args.push_back(options.envelope_sender);
  }
  // Its own process group: a timeout stops its children too.
  SpawnResult child = Spawn(args, &actions, true);
  posix_spawn_file_actions_destroy(&actions);
  pid_t pid = child.pid;
  int rc = child.error;
  if (err_pipe[1] >= 0) {
    ::close(err_pipe[1]);
    err_write.Release();
  }
  if (rc != 0) {
    if (err_pipe[0] >= 0) ::close(err_pipe[0]);
    r.error = ErrnoMessage("cannot run " + program, rc);
    return r;
  }
  r.started = true;
  LineReader lines(options.on_stderr_line);
  WaitResult w = WaitFor(pid, err_pipe[0], err_pipe[0] >= 0 ? &lines : nullptr, options.timeout_ms,
                         options.kill_grace_ms);
  r.wait_status = w.status;
  if (w.status == -1) {
    r.error = ErrnoMessage("waitpid " + command, w.error_number);
    return r;
  }
  if (w.stopped_with != 0) {
    r.timed_out = true;
    r.error = program + " did not finish within " + DescribeDuration(options.timeout_ms);
    *r.error += w.stopped_with == SIGTERM
                    ? " (stopped with SIGTERM)"
                    : " (killed with SIGKILL: SIGTERM did not stop it within " +
                          DescribeDuration(options.kill_grace_ms) + ")";
    return r;
  }
  if (!(WIFEXITED(r.wait_status) && WEXITSTATUS(r.wait_status) == 0)) {
    r.error = command + " failed: " + DescribeSendmailStatus(r.wait_status);
    return r;
  }
  off_t read_to = ::lseek(fd, 0, SEEK_CUR);
  if (read_to >= 0 && static_cast<std::uint64_t>(read_to) < r.message_bytes) {
    r.error = command + " exited without reading the whole message (" + std::to_string(read_to) +
              " of " + std::to_string(r.message_bytes) + " bytes)";
  }
  return r;
}

}  // namespace mls
