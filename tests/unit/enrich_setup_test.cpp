#include "enrich_setup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace mls {
namespace {

// Parses `args` as mls-enrich's command line into `s`; returns the exit status
// EnrichSettingsFromCli asked for, or -1 to continue.
int Parse(std::vector<std::string> args, EnrichSettings& s) {
  po::options_description opts;
  AddEnrichOptions(opts);
  std::vector<char*> argv = {const_cast<char*>("mls-enrich")};
  for (std::string& a : args) argv.push_back(a.data());
  po::variables_map vm;
  po::store(po::command_line_parser(static_cast<int>(argv.size()), argv.data()).options(opts).run(),
            vm);
  po::notify(vm);
  std::optional<int> rc = EnrichSettingsFromCli(vm, s);
  return rc ? *rc : -1;
}

class EnrichSettingsTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/enrich_setup_test.XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(tmpl));
    dir_ = tmpl;
    conf_ = dir_ + "/mls.conf";
    std::ofstream(conf_) << "[paths]\nstate_dir = " << dir_
                         << "/state\n[dns]\nservers = 127.0.0.1:5353, [::1]:5353\n"
                            "timeout_ms = 700\nconcurrency = 16\n"
                            "[dns_cache]\nsize = 50\nttl_seconds = 60\n"
                            "[ipinfo]\ncountry_db_path = /c.mmdb\nasn_db_path = /a.mmdb\n";
  }
  void TearDown() override {
    unlink(conf_.c_str());
    rmdir(dir_.c_str());
  }
  std::string dir_, conf_;
};

TEST_F(EnrichSettingsTest, DefaultsWithoutConfig) {
  EnrichSettings s;
  ASSERT_EQ(-1, Parse({}, s));
  EXPECT_TRUE(s.dns);
  EXPECT_TRUE(s.servers.empty());
  EXPECT_EQ(2000, s.timeout_ms);
  EXPECT_EQ(256, s.concurrency);
  EXPECT_TRUE(s.cache);
  EXPECT_EQ("", s.cache_file);  // in memory only
  EXPECT_EQ(10000, s.cache_size);
  EXPECT_EQ(86400, s.cache_ttl);
  EXPECT_FALSE(s.stats);
}

TEST_F(EnrichSettingsTest, ConfigSuppliesDefaults) {
  EnrichSettings s;
  ASSERT_EQ(-1, Parse({"--config", conf_}, s));
  EXPECT_EQ((std::vector<std::string>{"127.0.0.1:5353", "[::1]:5353"}), s.servers);
  EXPECT_EQ(700, s.timeout_ms);
  EXPECT_EQ(16, s.concurrency);
  EXPECT_EQ(dir_ + "/state/dns-cache", s.cache_file);
  EXPECT_EQ(50, s.cache_size);
  EXPECT_EQ(60, s.cache_ttl);
  EXPECT_EQ("/c.mmdb", s.country_db);
  EXPECT_EQ("/a.mmdb", s.asn_db);
}

TEST_F(EnrichSettingsTest, FlagsOverrideConfig) {
  EnrichSettings s;
  ASSERT_EQ(-1, Parse({"--config", conf_, "--dns-server", "127.0.0.1:5355", "--dns-server",
                       "::1", "--dns-timeout-ms", "1000", "--dns-concurrency", "2000",
                       "--cache", "/tmp/x", "--cache-size", "0", "--cache-ttl", "5",
                       "--country-db", "/c2", "--asn-db", "/a2", "--stats", "--window", "7"},
                      s));
  EXPECT_EQ((std::vector<std::string>{"127.0.0.1:5355", "::1"}), s.servers);
  EXPECT_EQ(1000, s.timeout_ms);
  EXPECT_EQ(2000, s.concurrency);
  EXPECT_EQ("/tmp/x", s.cache_file);
  EXPECT_EQ(0, s.cache_size);
  EXPECT_EQ(5, s.cache_ttl);
  EXPECT_EQ("/c2", s.country_db);
  EXPECT_EQ("/a2", s.asn_db);
  EXPECT_EQ(7, s.window);
  EXPECT_TRUE(s.stats);

  EnrichSettings t;
  ASSERT_EQ(-1, Parse({"--config", conf_, "--no-dns", "--no-cache"}, t));
  EXPECT_FALSE(t.dns);
  EXPECT_FALSE(t.cache);
}

TEST_F(EnrichSettingsTest, UsageErrors) {
  for (std::vector<std::string> bad :
       {std::vector<std::string>{"--dns-server", "dns.example"},
        {"--dns-server", "127.0.0.1:99999"},
        {"--dns-timeout-ms", "0"},
        {"--dns-concurrency", "-1"},
        {"--cache-size", "-5"},
        {"--window", "0"},
        {"--cache", ""},
        {"--config", "/nonexistent/mls.conf"}}) {
    EnrichSettings s;
    EXPECT_EQ(2, Parse(bad, s)) << bad[0] << " " << bad[1];
  }
}

}  // namespace
}  // namespace mls
