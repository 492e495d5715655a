// mls-sql: the dataset as SQL batch files (mls-sql(1)).
// Reads the environment and hands it to lib/sql_cli.
#include <unistd.h>

#include <csignal>
#include <ctime>

#include "sql_cli.h"

int main(int argc, char** argv) {
  mls::SqlCliOptions options;
  if (auto rc = mls::ParseSqlOptions(argc, argv, options)) return *rc;

  // With RLIMIT_FSIZE a too-large write must fail with EFBIG, not kill us.
  std::signal(SIGXFSZ, SIG_IGN);

  mls::SqlEnv env;
  env.clock = [] { return std::time(nullptr); };
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) env.host = host;
  return mls::RunSql(options, env);
}
