#include "sendmail.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "diag.h"

extern char** environ;

namespace mls {
namespace {

// SIGPIPE ignored for the scope's lifetime (a write to a dead reader gets EPIPE).
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() {
    struct sigaction sa {};
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGPIPE, &sa, &old_);
  }
  ~IgnoreSigpipe() { ::sigaction(SIGPIPE, &old_, nullptr); }

 private:
  struct sigaction old_ {};
};

int WaitFor(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

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

SendmailResult RunSendmail(const std::string& program, const MessageWriter& write) {
  SendmailResult r;
  if (program.empty()) {
    r.error = "no sendmail program configured";
    return r;
  }
  const std::string command = program + " -t -oi";
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    r.error = ErrnoMessage("pipe", errno);
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);  // clears FD_CLOEXEC on 0
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::string a0 = program, a1 = "-t", a2 = "-oi";
  std::vector<char*> argv = {a0.data(), a1.data(), a2.data(), nullptr};
  pid_t pid = -1;
  int rc = program.find('/') == std::string::npos
               ? ::posix_spawnp(&pid, program.c_str(), &actions, &attr, argv.data(), environ)
               : ::posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[0]);
  if (rc != 0) {
    ::close(fds[1]);
    r.error = ErrnoMessage("cannot run " + program, rc);
    return r;
  }
  r.started = true;

  std::optional<std::string> write_error;
  bool sink_failed = false;
  {
    IgnoreSigpipe ignore;
    FdSink sink(fds[1], program);
    write_error = write(sink);
    if (!sink.Flush() || sink.error()) {
      sink_failed = true;
      write_error = sink.error();
    }
    if (write_error && !sink_failed) {
      // Incomplete message: make sure it is never submitted.
      ::kill(pid, SIGKILL);
    }
  }
  ::close(fds[1]);
  r.wait_status = WaitFor(pid);
  if (r.wait_status == -1) {
    r.error = ErrnoMessage("waitpid " + command, errno);
    return r;
  }
  if (write_error && !sink_failed) {
    r.error = "message not handed to " + program + ": " + *write_error;
    return r;
  }
  if (!(WIFEXITED(r.wait_status) && WEXITSTATUS(r.wait_status) == 0)) {
    r.error = command + " failed: " + DescribeSendmailStatus(r.wait_status);
    return r;
  }
  if (sink_failed) {
    r.error = command + " stopped reading the message: " + *write_error;
    return r;
  }
  return r;
}

}  // namespace mls
