#pragma once
// Starting a helper program (mls-report from the driver, sendmail from
// mls-report) with posix_spawn: the one place that sets up the child's signals.

#include <spawn.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace mls {

struct SpawnResult {
  pid_t pid = -1;
  int error = 0;  // errno value when the program could not be started
};

// Starts args[0] with `args` as its argv and our environment; args[0] is
// searched in PATH when it has no '/'. The child gets default dispositions for
// every signal and an empty signal mask, whatever we ignore or block. With
// `own_process_group` it leads a new process group (so that a timeout can stop
// its children too). `actions` may be null.
SpawnResult Spawn(const std::vector<std::string>& args, const posix_spawn_file_actions_t* actions,
                  bool own_process_group);

// Runs args[0] to its end with its stdout and stderr captured (stdin
// /dev/null): its exit status, -1 if it could not be started or did not exit
// (the reason in `output` then).
int RunCaptured(const std::vector<std::string>& args, std::string& output);

}  // namespace mls
