#include "driver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "test_files.h"

namespace mls {
namespace {

namespace fs = std::filesystem;

std::optional<int> Parse(std::vector<std::string> args, DriverOptions& o) {
  Argv a("maillogsentinel", std::move(args));
  return ParseDriverOptions(a.argc(), a.argv(), o);
}

TEST(DriverOptions, DefaultsAreTheExtractionRunOnTheSystemConfig) {
  DriverOptions o;
  EXPECT_EQ(std::nullopt, Parse({}, o));
  EXPECT_EQ(Command::kExtract, o.command);
  EXPECT_EQ("/etc/maillogsentinel.conf", o.config_path);
  EXPECT_FALSE(o.dry_run);
  EXPECT_EQ(10, o.lock_timeout_seconds);
  EXPECT_EQ(3, o.progress_fd);
}

TEST(DriverOptions, ParsesEveryFlag) {
  DriverOptions o;
  EXPECT_EQ(std::nullopt, Parse({"--config", "/x.conf", "-n", "--lock-timeout", "0.5"}, o));
  EXPECT_EQ("/x.conf", o.config_path);
  EXPECT_TRUE(o.dry_run);
  EXPECT_EQ(0.5, o.lock_timeout_seconds);
  DriverOptions o2;
  EXPECT_EQ(std::nullopt, Parse({"-c", "/y.conf", "--dry-run"}, o2));
  EXPECT_EQ("/y.conf", o2.config_path);
  EXPECT_TRUE(o2.dry_run);
}

TEST(DriverOptions, MetricsFileIsForTheExtractionOnly) {
  DriverOptions o;
  EXPECT_EQ(std::nullopt, Parse({"--metrics-file", "/m/x.prom"}, o));
  EXPECT_EQ("/m/x.prom", o.metrics_file);
  DriverOptions none;
  EXPECT_EQ(std::nullopt, Parse({}, none));
  EXPECT_EQ("", none.metrics_file);
  DriverOptions report, empty;
  EXPECT_EQ(2, Parse({"--report", "--metrics-file", "/m/x.prom"}, report));
  EXPECT_EQ(2, Parse({"--metrics-file", ""}, empty));
}

TEST(DriverOptions, QuietAndVerbose) {
  DriverOptions o;
  EXPECT_EQ(std::nullopt, Parse({}, o));
  EXPECT_EQ(Verbosity::kNormal, o.verbosity);
  for (auto [flag, want] : {std::pair{"-q", Verbosity::kQuiet}, {"--quiet", Verbosity::kQuiet},
                            {"-v", Verbosity::kVerbose}, {"--verbose", Verbosity::kVerbose}}) {
    DriverOptions f;
    EXPECT_EQ(std::nullopt, Parse({flag}, f)) << flag;
    EXPECT_EQ(want, f.verbosity) << flag;
  }
  DriverOptions both;
  EXPECT_EQ(2, Parse({"-q", "-v"}, both));
}

TEST(DriverOptions, UsageErrorsAreStatus2) {
  DriverOptions o;
  EXPECT_EQ(2, Parse({"--lock-timeout", "-1"}, o));
  EXPECT_EQ(2, Parse({"--lock-timeout", "never"}, o));
  EXPECT_EQ(2, Parse({"--bogus"}, o));
  EXPECT_EQ(2, Parse({"positional"}, o));
  EXPECT_EQ(0, Parse({"--version"}, o));
}

class DriverRun : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mls-driver-test.XXXXXX";
    ASSERT_NE(nullptr, ::mkdtemp(tmpl));
    root_ = tmpl;
    fs::create_directories(root_ + "/work");
    fs::create_directories(root_ + "/state");
    // Stages: any executable will do for the checks before the pipeline.
    fs::create_directories(root_ + "/bin");
    for (const char* s : {"mls-tail", "mls-parse", "mls-enrich", "mls-store"}) {
      std::string p = root_ + "/bin/" + s;
      std::ofstream(p) << "#!/bin/sh\nexit 0\n";
      fs::permissions(p, fs::perms::owner_all);
    }
    std::ofstream(root_ + "/conf")
        << "[paths]\nworking_dir = " << root_ << "/work\nstate_dir = " << root_
        << "/state\nmail_log = " << root_ << "/mail.log\n";
    std::ofstream(root_ + "/mail.log") << "";
    o_.config_path = root_ + "/conf";
    env_.self_dir = root_ + "/bin";
    env_.path_env = "";
    env_.euid = 1000;
    env_.clock = [] { return std::time_t{0}; };
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string root_;
  DriverOptions o_;
  DriverEnv env_;
};

TEST_F(DriverRun, RefusesRootAndTouchesNothing) {
  env_.euid = 0;
  EXPECT_EQ(1, RunDriver(o_, env_));
  EXPECT_TRUE(fs::is_empty(root_ + "/work"));
  EXPECT_TRUE(fs::is_empty(root_ + "/state"));
}

TEST_F(DriverRun, MissingStateDirectoryIsAnError) {
  fs::remove(root_ + "/state");
  EXPECT_EQ(1, RunDriver(o_, env_));
  EXPECT_FALSE(fs::exists(root_ + "/state"));
}

TEST_F(DriverRun, MissingStageIsAnError) {
  fs::remove(root_ + "/bin/mls-store");
  EXPECT_EQ(1, RunDriver(o_, env_));
  EXPECT_FALSE(fs::exists(root_ + "/state/lock"));
}

TEST_F(DriverRun, MissingConfigIsAConfigError) {
  o_.config_path = root_ + "/nope.conf";
  EXPECT_EQ(2, RunDriver(o_, env_));
}

TEST_F(DriverRun, MailLogIsCheckedBeforeTheLock) {
  fs::remove(root_ + "/mail.log");
  EXPECT_EQ(1, RunDriver(o_, env_));  // missing, no rotated file: runtime
  EXPECT_FALSE(fs::exists(root_ + "/state/lock"));
  fs::create_directories(root_ + "/mail.log");
  EXPECT_EQ(2, RunDriver(o_, env_));  // a directory: config
  EXPECT_FALSE(fs::exists(root_ + "/state/lock"));
  fs::remove(root_ + "/mail.log");
  std::ofstream(root_ + "/mail.log.1") << "";
  EXPECT_EQ(0, RunDriver(o_, env_));  // rotated: goes on (the stages are stubs)
  EXPECT_TRUE(fs::exists(root_ + "/state/lock"));
}

}  // namespace
}  // namespace mls
