#include "ipinfo_cli.h"

#include <gtest/gtest.h>

#include <sstream>

#include "test_files.h"

namespace mls {
namespace {

std::optional<int> Parse(std::vector<std::string> args, IpinfoCliOptions& o) {
  Argv a("mls-ipinfo", std::move(args));
  return ParseIpinfoOptions(a.argc(), a.argv(), o);
}

class IpinfoCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE("", dir_);
    conf_ = dir_ + "/mls.conf";
    WriteAll(conf_,
             "[ipinfo]\ncountry_db_path = /conf/country.mmdb\nasn_db_path = /conf/asn.mmdb\n"
             "db_update_url_country = https://conf/country.tar.gz\n"
             "db_update_url_asn = https://conf/asn.tar.gz\n");
  }
  IpinfoSetup Resolve(std::vector<std::string> args, const std::string& input = "") {
    IpinfoCliOptions o;
    EXPECT_EQ(std::nullopt, Parse(std::move(args), o));
    std::istringstream in(input);
    IpinfoEnv env;
    env.in = &in;
    return ResolveIpinfoSetup(o, env);
  }

  ScratchDir scratch_{"mls-ipinfo-cli"};
  const std::string dir_ = scratch_.path();
  std::string conf_;
};

TEST(IpinfoCli, ParsesEveryOption) {
  IpinfoCliOptions o;
  EXPECT_EQ(std::nullopt, Parse({"--config", "c", "--country-db", "cc", "--asn-db", "a", "--json",
                                 "--update", "--country-url", "u1", "--asn-url", "u2", "--timeout",
                                 "60", "--ca-file", "ca", "192.0.2.1", "-"},
                                o));
  EXPECT_EQ("c", o.config);
  EXPECT_EQ("cc", o.country_db);
  EXPECT_EQ("a", o.asn_db);
  EXPECT_TRUE(o.json);
  EXPECT_TRUE(o.update);
  EXPECT_EQ("u1", o.country_url);
  EXPECT_EQ("u2", o.asn_url);
  EXPECT_EQ(60, o.timeout);
  EXPECT_EQ("ca", o.ca_file);
  EXPECT_EQ((std::vector<std::string>{"192.0.2.1", "-"}), o.ips);

  IpinfoCliOptions none;
  EXPECT_EQ(std::nullopt, Parse({}, none));
  EXPECT_FALSE(none.config || none.timeout || none.update || none.json);
  testing::internal::CaptureStderr();
  EXPECT_EQ(2, Parse({"--timeout", "soon"}, none));
  testing::internal::GetCapturedStderr();
}

TEST_F(IpinfoCliTest, UsageErrorsBeforeAnyInputOrConfig) {
  auto error = [&](std::vector<std::string> args) {
    IpinfoSetup s = Resolve(std::move(args));
    EXPECT_TRUE(s.usage_error);
    return s.error.value_or("(none)");
  };
  EXPECT_EQ("--update takes no IP addresses", error({"--update", "192.0.2.1"}));
  EXPECT_EQ("no IP address given ('-': read them from standard input)", error({}));
  for (const char* opt : {"--country-url", "--asn-url", "--timeout", "--ca-file"}) {
    EXPECT_EQ("--country-url, --asn-url, --timeout and --ca-file need --update",
              error({opt, "1", "192.0.2.1"}))
        << opt;
  }
  EXPECT_EQ("--timeout must be 1 to 86400 seconds", error({"--update", "--timeout", "0"}));
  EXPECT_EQ("--timeout must be 1 to 86400 seconds", error({"--update", "--timeout", "86401"}));
}

TEST_F(IpinfoCliTest, QueryTakesTheCommandLineOverTheConfig) {
  IpinfoSetup s =
      Resolve({"--config", conf_, "--asn-db", "/cli/asn.mmdb", "--json", "-", "192.0.2.9"},
              "192.0.2.1\n 2001:db8::1 \n");
  ASSERT_EQ(std::nullopt, s.error);
  EXPECT_FALSE(s.update);
  EXPECT_EQ("/conf/country.mmdb", s.query.country_db);
  EXPECT_EQ("/cli/asn.mmdb", s.query.asn_db);
  EXPECT_TRUE(s.query.json);
  EXPECT_EQ((std::vector<std::string>{"192.0.2.1", "2001:db8::1", "192.0.2.9"}), s.query.ips);
}

TEST_F(IpinfoCliTest, ConfigReadOnlyWhenNeededOrNamed) {
  // Both databases on the command line: the config (here unreadable) is not read.
  std::string bad = dir_ + "/bad.conf";
  WriteAll(bad, "[nosuchsection]\nx = 1\n");
  IpinfoSetup s = Resolve({"--country-db", "c", "--asn-db", "a", "192.0.2.1"});
  EXPECT_EQ(std::nullopt, s.error);
  EXPECT_EQ("c", s.query.country_db);
  // Named with --config, it is read even so; its error is not a usage error.
  s = Resolve({"--config", bad, "--country-db", "c", "--asn-db", "a", "192.0.2.1"});
  ASSERT_TRUE(s.error);
  EXPECT_FALSE(s.usage_error);
  // Named but missing: an error too.
  s = Resolve({"--config", dir_ + "/none.conf", "192.0.2.1"});
  ASSERT_TRUE(s.error);
  EXPECT_FALSE(s.usage_error);
}

TEST_F(IpinfoCliTest, UpdateTakesTheConfigsUrlsUnlessOneIsGiven) {
  IpinfoSetup s = Resolve({"--update", "--config", conf_, "--timeout", "30", "--ca-file", "ca"});
  ASSERT_EQ(std::nullopt, s.error);
  EXPECT_TRUE(s.update);
  EXPECT_EQ("https://conf/country.tar.gz", s.download.country_url);
  EXPECT_EQ("https://conf/asn.tar.gz", s.download.asn_url);
  EXPECT_EQ("/conf/country.mmdb", s.download.country_db);
  EXPECT_EQ("/conf/asn.mmdb", s.download.asn_db);
  EXPECT_EQ(30, s.download.fetch.timeout_s);
  EXPECT_EQ("ca", s.download.fetch.ca_file);
  EXPECT_TRUE(s.download.fetch.user_agent.starts_with("maillogsentinel/"));

  // A URL on the command line: only that database, its path from the config.
  s = Resolve({"--update", "--config", conf_, "--asn-url", "http://cli/asn"});
  ASSERT_EQ(std::nullopt, s.error);
  EXPECT_EQ("", s.download.country_url);
  EXPECT_EQ("http://cli/asn", s.download.asn_url);
  EXPECT_EQ("/conf/asn.mmdb", s.download.asn_db);
  EXPECT_EQ(300, s.download.fetch.timeout_s);

  // URL and path on the command line: no config needed.
  s = Resolve({"--update", "--country-url", "http://cli/c", "--country-db", "/cli/c.mmdb"});
  ASSERT_EQ(std::nullopt, s.error);
  EXPECT_EQ("/cli/c.mmdb", s.download.country_db);
}

TEST_F(IpinfoCliTest, UpdateNeedsSomethingToUpdateAndWhere) {
  std::string empty = dir_ + "/empty.conf";
  WriteAll(empty, "");
  IpinfoSetup s = Resolve({"--update", "--config", empty});
  EXPECT_EQ("nothing to update: no db_update_url_country or db_update_url_asn", s.error);
  EXPECT_TRUE(s.usage_error);
  s = Resolve({"--update", "--config", empty, "--country-url", "http://cli/c"});
  EXPECT_EQ("no country database path (country_db_path or --country-db) to update", s.error);
  s = Resolve({"--update", "--config", empty, "--asn-url", "http://cli/a"});
  EXPECT_EQ("no ASN database path (asn_db_path or --asn-db) to update", s.error);
}

TEST(ExpandIpArgsTest, DashIsTheLinesOfStandardInputOnce) {
  std::istringstream in("192.0.2.1\n\n  2001:db8::1 \r\n198.51.100.2");
  EXPECT_EQ((std::vector<std::string>{"203.0.113.5", "192.0.2.1", "2001:db8::1", "198.51.100.2"}),
            ExpandIpArgs({"203.0.113.5", "-", "-"}, in));
  std::istringstream none("");
  EXPECT_EQ(std::vector<std::string>{}, ExpandIpArgs({"-"}, none));
}

}  // namespace
}  // namespace mls
