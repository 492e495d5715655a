#include "pipeline.h"

#include <gtest/gtest.h>

#include <set>

namespace mls {
namespace {

Config TestConfig() {
  Config c;
  c.working_dir = "/srv/mls";
  c.state_dir = "/srv/mls/state";
  c.mail_log = "/var/log/mail.log";
  return c;
}

TEST(Pipeline, TailParseEnrichStoreWithConfiguredPaths) {
  std::vector<Stage> p = BuildPipeline(TestConfig(), DriverOptions{});
  ASSERT_EQ(4u, p.size());
  EXPECT_EQ("mls-tail", p[0].name);
  EXPECT_EQ((std::vector<std::string>{"--state", "/srv/mls/state/state.offset", "--pending",
                                      "/srv/mls/state/state.offset.pending", "--progress-fd", "3",
                                      "--map-fd", "4", "/var/log/mail.log"}),
            p[0].args);
  EXPECT_EQ(3, p[0].progress_fd);
  EXPECT_EQ(4, p[0].map_fd);  // mls-tail's map goes to mls-parse, at the same fd number
  EXPECT_EQ("mls-parse", p[1].name);
  // [logins] track (the default): successful logins too.
  EXPECT_EQ((std::vector<std::string>{"--stats", "--map-fd", "4", "--logins"}), p[1].args);
  EXPECT_EQ(-1, p[1].progress_fd);
  EXPECT_EQ(-1, p[1].map_fd);
  EXPECT_EQ("mls-enrich", p[2].name);
  // Defaults: DNS on with the system resolver, cache on in state_dir, no databases.
  EXPECT_EQ((std::vector<std::string>{"--stats", "--dns-timeout-ms", "2000", "--dns-concurrency",
                                      "256", "--cache", "/srv/mls/state/dns-cache", "--cache-size",
                                      "10000", "--cache-ttl", "86400"}),
            p[2].args);
  EXPECT_EQ(-1, p[2].progress_fd);
  EXPECT_EQ("mls-store", p[3].name);
  EXPECT_EQ((std::vector<std::string>{"--csv", "/srv/mls/maillogsentinel.csv", "--stats"}),
            p[3].args);
  for (const Stage& s : p) EXPECT_EQ("", s.program);
}

TEST(Pipeline, RotatedDirIsPassedToTail) {
  Config c = TestConfig();
  c.rotated_dir = "/var/log/old mail";
  std::vector<Stage> p = BuildPipeline(c, DriverOptions{});
  EXPECT_EQ((std::vector<std::string>{"--state", "/srv/mls/state/state.offset", "--pending",
                                      "/srv/mls/state/state.offset.pending", "--progress-fd", "3",
                                      "--map-fd", "4", "--rotated-dir", "/var/log/old mail",
                                      "/var/log/mail.log"}),
            p[0].args);
}

TEST(Pipeline, EnrichFlagsFollowTheConfig) {
  Config c = TestConfig();
  c.dns_servers = {"127.0.0.1:5353", "[::1]:53", "2001:db8::1"};
  c.dns_timeout_ms = 700;
  c.dns_concurrency = 16;
  c.dns_cache_size = 2;
  c.dns_cache_ttl_seconds = 60;
  c.country_db_path = "/var/lib/mls/country.mmdb";
  c.asn_db_path = "/var/lib/mls/asn db.mmdb";
  EXPECT_EQ((std::vector<std::string>{"--stats",
                                      "--dns-server",
                                      "127.0.0.1:5353",
                                      "--dns-server",
                                      "[::1]:53",
                                      "--dns-server",
                                      "2001:db8::1",
                                      "--dns-timeout-ms",
                                      "700",
                                      "--dns-concurrency",
                                      "16",
                                      "--cache",
                                      "/srv/mls/state/dns-cache",
                                      "--cache-size",
                                      "2",
                                      "--cache-ttl",
                                      "60",
                                      "--country-db",
                                      "/var/lib/mls/country.mmdb",
                                      "--asn-db",
                                      "/var/lib/mls/asn db.mmdb"}),
            EnrichStage(c).args);
}

TEST(Pipeline, DnsAndCacheDisabled) {
  Config c = TestConfig();
  c.dns_enabled = false;
  c.dns_servers = {"127.0.0.1"};  // ignored: nothing is asked
  c.dns_cache_enabled = false;
  c.asn_db_path = "/a.mmdb";
  EXPECT_EQ((std::vector<std::string>{"--stats", "--no-dns", "--no-cache", "--asn-db", "/a.mmdb"}),
            EnrichStage(c).args);
  std::vector<Stage> p = BuildPipeline(c, DriverOptions{});
  ASSERT_EQ(4u, p.size());
  EXPECT_EQ(EnrichStage(c).args, p[2].args);
}

TEST(Pipeline, DnsCacheLivesInTheStateDirectory) {
  EXPECT_EQ("/srv/mls/state/dns-cache", TestConfig().DnsCachePath());
}

TEST(Pipeline, NoProgressFdWhenDisabled) {
  DriverOptions o;
  o.progress_fd = -1;
  std::vector<Stage> p = BuildPipeline(TestConfig(), o);
  EXPECT_EQ((std::vector<std::string>{"--state", "/srv/mls/state/state.offset", "--pending",
                                      "/srv/mls/state/state.offset.pending", "--map-fd", "4",
                                      "/var/log/mail.log"}),
            p[0].args);
  EXPECT_EQ(-1, p[0].progress_fd);
}

TEST(Pipeline, FromNowAsksTailToStartAtTheEnd) {
  DriverOptions o;
  o.progress_fd = -1;
  o.from_now = true;
  std::vector<Stage> p = BuildPipeline(TestConfig(), o);
  EXPECT_EQ((std::vector<std::string>{"--state", "/srv/mls/state/state.offset", "--pending",
                                      "/srv/mls/state/state.offset.pending", "--map-fd", "4",
                                      "--from-end", "/var/log/mail.log"}),
            p[0].args);
}

TEST(Pipeline, PendingPathIsNextToState) {
  EXPECT_EQ("/srv/mls/state/state.offset.pending", TestConfig().PendingPath());
}

TEST(ShellQuote, LeavesSafeWordsAlone) {
  EXPECT_EQ("/var/log/mail.log", ShellQuote("/var/log/mail.log"));
  EXPECT_EQ("--progress-fd", ShellQuote("--progress-fd"));
  EXPECT_EQ("a=b,c:d@e%f+g", ShellQuote("a=b,c:d@e%f+g"));
}

TEST(ShellQuote, QuotesEverythingElse) {
  EXPECT_EQ("''", ShellQuote(""));
  EXPECT_EQ("'/srv/my logs/mail.log'", ShellQuote("/srv/my logs/mail.log"));
  EXPECT_EQ("'it'\\''s'", ShellQuote("it's"));
  EXPECT_EQ("'$(rm -rf ~)'", ShellQuote("$(rm -rf ~)"));
  EXPECT_EQ("'a\nb'", ShellQuote("a\nb"));
  EXPECT_EQ("'~root'", ShellQuote("~root"));
  EXPECT_EQ("'*'", ShellQuote("*"));
}

TEST(FormatDryRun, OneStagePerLineWithProgressAndMapToDevNull) {
  Config c = TestConfig();
  c.mail_log = "/var/log/mail log";
  std::vector<Stage> p = BuildPipeline(c, DriverOptions{});
  p[1].program = "/opt/mls/bin/mls-parse";
  EXPECT_EQ(
      "mls-tail --state /srv/mls/state/state.offset --pending "
      "/srv/mls/state/state.offset.pending --progress-fd 3 --map-fd 4 '/var/log/mail log' "
      "3>/dev/null 4>/dev/null \\\n"
      "  | /opt/mls/bin/mls-parse --stats --map-fd 4 --logins 4</dev/null \\\n"
      "  | mls-enrich --stats --dns-timeout-ms 2000 --dns-concurrency 256 --cache "
      "/srv/mls/state/dns-cache --cache-size 10000 --cache-ttl 86400 \\\n"
      "  | mls-store --csv /srv/mls/maillogsentinel.csv --stats\n",
      FormatDryRun(p));
}

TEST(FindProgram, PrefersTheDriversDirectory) {
  std::set<std::string> exe = {"/opt/mls/bin/mls-parse", "/usr/bin/mls-parse"};
  auto is_exe = [&](const std::string& p) { return exe.count(p) > 0; };
  EXPECT_EQ("/opt/mls/bin/mls-parse", FindProgram("mls-parse", "/opt/mls/bin", "/usr/bin", is_exe));
  EXPECT_EQ("/usr/bin/mls-parse",
            FindProgram("mls-parse", "/elsewhere", "/usr/local/bin:/usr/bin/", is_exe));
  EXPECT_EQ(std::nullopt, FindProgram("mls-store", "/opt/mls/bin", "/usr/bin", is_exe));
}

TEST(FindProgram, EmptyPathEntryIsCurrentDirectory) {
  auto is_exe = [](const std::string& p) { return p == "./mls-tail"; };
  EXPECT_EQ("./mls-tail", FindProgram("mls-tail", "", "/usr/bin::/bin", is_exe));
  EXPECT_EQ("./mls-tail", FindProgram("mls-tail", "", "", is_exe));
}

TEST(ResolveStages, NamesTheMissingStage) {
  std::vector<Stage> p = BuildPipeline(TestConfig(), DriverOptions{});
  auto is_exe = [](const std::string& p) { return p.find("mls-store") == std::string::npos; };
  EXPECT_EQ("cannot find mls-store (looked in /opt/mls/bin and PATH)",
            ResolveStages(p, "/opt/mls/bin", "/usr/bin", is_exe).value());
  EXPECT_EQ("/opt/mls/bin/mls-tail", p[0].program);
  EXPECT_EQ("/opt/mls/bin/mls-parse", p[1].program);
  EXPECT_EQ("/opt/mls/bin/mls-enrich", p[2].program);
}

}  // namespace
}  // namespace mls
