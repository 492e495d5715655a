// mls-anonymize: mail logs or datasets with pseudonyms instead of people
// (mls-anonymize(1)); lib/anonymize_cli does the work.
#include "anonymize_cli.h"

int main(int argc, char** argv) {
  mls::AnonymizeCliOptions options;
  if (auto rc = mls::ParseAnonymizeOptions(argc, argv, options)) return *rc;
  return mls::RunAnonymize(options, 1);
}
