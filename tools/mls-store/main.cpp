// mls-store: append TSV events from stdin to the CSV dataset (mls-store(1)).
// Reads the environment and hands it to lib/store_cli.
#include <csignal>

#include "clock.h"
#include "store_cli.h"

int main(int argc, char** argv) {
  mls::StoreCliOptions options;
  if (auto rc = mls::ParseStoreOptions(argc, argv, options)) return *rc;

  // With RLIMIT_FSIZE a too-large write must fail with EFBIG, not kill us.
  std::signal(SIGXFSZ, SIG_IGN);

  mls::StoreEnv env;
  env.input_fd = 0;
  env.monotonic_ms = [] { return static_cast<std::int64_t>(mls::MonotonicMs()); };
  return mls::RunStoreCommand(options, env);
}
