#include "sendmail.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "diag.h"

extern char** environ;

namespace mls {
namespace {

int WaitFor(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }

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

SendmailResult RunSendmail(const std::string& program, const MessageWriter& write,
                           const std::vector<std::string>& scratch_dirs) {
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
  int fd = OpenScratchFile(scratch_dirs, error);
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

  // 2. The program, with the file as its stdin (same open file: shared offset).
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fd, STDIN_FILENO);  // clears FD_CLOEXEC on 0
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::string a0 = program, a1 = "-t", a2 = "-oi";
  char* argv[] = {a0.data(), a1.data(), a2.data(), nullptr};
  pid_t pid = -1;
  int rc = program.find('/') == std::string::npos
               ? ::posix_spawnp(&pid, program.c_str(), &actions, &attr, argv, environ)
               : ::posix_spawn(&pid, program.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    r.error = ErrnoMessage("cannot run " + program, rc);
    return r;
  }
  r.started = true;
  r.wait_status = WaitFor(pid);
  if (r.wait_status == -1) {
    r.error = ErrnoMessage("waitpid " + command, errno);
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
