// mls-report: the report of one time window of the dataset (mls-report(1)).
// Reads the environment and hands it to lib/report_cli.
#include <ctime>

#include "report_cli.h"
#include "report_context.h"

int main(int argc, char** argv) {
  mls::ReportCliOptions options;
  if (auto rc = mls::ParseReportOptions(argc, argv, options)) return *rc;

  mls::ReportEnv env;
  env.clock = [] { return std::time(nullptr); };
  env.host = mls::LocalHostIdentity;
  env.schedule = [] { return mls::ExtractionSchedule(mls::DefaultUnitDirs()); };
  env.out_fd = 1;
  return mls::RunReport(options, env);
}
