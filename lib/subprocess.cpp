#include "subprocess.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "fd_io.h"

extern char** environ;

namespace mls {

SpawnResult Spawn(const std::vector<std::string>& args, const posix_spawn_file_actions_t* actions,
                  bool own_process_group) {
  SpawnResult r;
  if (args.empty()) {
    r.error = EINVAL;
    return r;
  }
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (own_process_group) {
    posix_spawnattr_setpgroup(&attr, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&attr, flags);
  const std::string& program = args.front();
  r.error = program.find('/') == std::string::npos
                ? ::posix_spawnp(&r.pid, program.c_str(), actions, &attr, argv.data(), environ)
                : ::posix_spawn(&r.pid, program.c_str(), actions, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (r.error != 0) r.pid = -1;
  return r;
}

int RunCaptured(const std::vector<std::string>& args, std::string& output) {
  output.clear();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    output = ErrnoMessage("pipe", errno);
    return -1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  SpawnResult child = Spawn(args, &actions, false);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (child.pid < 0) {
    ::close(fds[0]);
    output = ErrnoMessage("cannot run " + (args.empty() ? std::string() : args[0]), child.error);
    return -1;
  }
  char buf[4096];
  for (ssize_t n; (n = ReadSome(fds[0], buf, sizeof buf)) > 0;)
    output.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0) {
    if (errno != EINTR) {
      output = ErrnoMessage("waitpid", errno);
      return -1;
    }
  }
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace mls
