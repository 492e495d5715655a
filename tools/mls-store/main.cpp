// mls-store: append TSV events from stdin to the CSV dataset (mls-store(1)).
// Reads the environment and hands it to lib/store_cli.
#include <chrono>
#include <csignal>

#include "store_cli.h"

namespace {

std::int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  mls::StoreCliOptions options;
  if (auto rc = mls::ParseStoreOptions(argc, argv, options)) return *rc;

  // With RLIMIT_FSIZE a too-large write must fail with EFBIG, not kill us.
  std::signal(SIGXFSZ, SIG_IGN);

  mls::StoreEnv env;
  env.input_fd = 0;
  env.monotonic_ms = MonotonicMs;
  return mls::RunStoreCommand(options, env);
}
