#include "subprocess.h"

#include <csignal>

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

}  // namespace mls
