// maillogsentinel: the driver. Reads the environment, hands it to lib/driver.
#include <fcntl.h>
#include <pwd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <string>

#include "clock.h"
#include "driver.h"
#include "progress.h"

namespace {

// The directory of /proc/self/exe (stages are looked up there first).
std::string SelfDir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<std::size_t>(n));
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "" : path.substr(0, slash == 0 ? 1 : slash);
}

}  // namespace

int main(int argc, char** argv) {
  // Closed standard fds would be taken by the log or the lock: fill them first.
  for (int fd = 0; fd < 3; ++fd) {
    if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
  }
  // Failed writes (closed stdout, RLIMIT_FSIZE) are errors, not deaths; the
  // stages get default dispositions back (lib/runner).
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);

  mls::DriverOptions options;
  if (auto rc = mls::ParseDriverOptions(argc, argv, options)) return *rc;

  const char* path = std::getenv("PATH");
  mls::DriverEnv env;
  env.self_dir = SelfDir();
  env.path_env = path ? path : "/usr/local/bin:/usr/bin:/bin";
  env.stdout_is_tty = ::isatty(STDOUT_FILENO) == 1;
  env.terminal_columns = [] {
    struct winsize ws {};
    int cols = ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
    return mls::TerminalColumns(cols, std::getenv("COLUMNS"));
  };
  env.euid = ::geteuid();
  if (const char* home = std::getenv("HOME"); home && *home) {
    env.home = home;
  } else if (const struct passwd* pw = ::getpwuid(::getuid())) {
    env.home = pw->pw_dir;
  }
  env.clock = [] { return std::time(nullptr); };
  env.monotonic_ms = [] { return static_cast<std::int64_t>(mls::MonotonicMs()); };
  if (const char* step = std::getenv("MLS_TEST_PRUNE_KILL"); step && *step) {
    env.prune_step = [kill_at = std::string(step)](std::string_view s) {
      if (s == kill_at) ::raise(SIGKILL);  // a kill -9 at exactly that point
      return false;
    };
  }
  return mls::RunDriver(options, env);
}
