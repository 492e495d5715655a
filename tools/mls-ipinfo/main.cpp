// mls-ipinfo: country and ASN of IP addresses; --update the databases (mls-ipinfo(1)).
// Reads the environment and hands it to lib/ipinfo_cli.
#include <iostream>

#include "ipinfo_cli.h"

int main(int argc, char** argv) {
  mls::IpinfoCliOptions options;
  if (auto rc = mls::ParseIpinfoOptions(argc, argv, options)) return *rc;

  mls::IpinfoEnv env;
  env.in = &std::cin;
  env.out = &std::cout;
  return mls::RunIpinfo(options, env);
}
