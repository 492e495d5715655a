#include "store_cli.h"

#include <gtest/gtest.h>

#include "test_files.h"

namespace mls {
namespace {

std::optional<int> Parse(std::vector<std::string> args, StoreCliOptions& o) {
  Argv a("mls-store", std::move(args));
  return ParseStoreOptions(a.argc(), a.argv(), o);
}

class StoreCliTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE("", dir_); }

  StoreSetup Resolve(std::vector<std::string> args) {
    StoreCliOptions o;
    EXPECT_EQ(std::nullopt, Parse(std::move(args), o));
    StoreEnv env;
    env.input_fd = 7;
    env.monotonic_ms = [] { return std::int64_t{42}; };
    return ResolveStoreSetup(o, env);
  }

  ScratchDir scratch_{"mls-store-cli"};
  const std::string dir_ = scratch_.path();
};

TEST(StoreCli, ParsesEveryOption) {
  StoreCliOptions o;
  EXPECT_EQ(std::nullopt, Parse({"--csv", "d.csv", "--config", "c", "--lock-timeout", "2.5",
                                 "--dataset-lock-fd", "5", "--stats"},
                                o));
  EXPECT_EQ("d.csv", o.csv);
  EXPECT_EQ("c", o.config);
  EXPECT_EQ(2.5, o.lock_timeout);
  EXPECT_EQ(5, o.dataset_lock_fd);
  EXPECT_TRUE(o.stats);
  StoreCliOptions none;
  EXPECT_EQ(std::nullopt, Parse({}, none));
  EXPECT_FALSE(none.csv || none.config || none.lock_timeout || none.dataset_lock_fd || none.stats);
  testing::internal::CaptureStderr();
  EXPECT_EQ(2, Parse({"--lock-timeout", "soon"}, none));
  EXPECT_EQ(2, Parse({"extra"}, none));
  testing::internal::GetCapturedStderr();
}

TEST_F(StoreCliTest, CsvWinsAndTheConfigIsNotRead) {
  StoreSetup s = Resolve({"--csv", "d.csv", "--config", dir_ + "/none.conf"});
  ASSERT_EQ(std::nullopt, s.error);
  EXPECT_EQ("d.csv", s.store.csv);
  EXPECT_EQ(7, s.store.input_fd);
  EXPECT_EQ(42, s.store.now_ms());
  EXPECT_EQ(-1, s.store.appender.held_lock_fd);
  EXPECT_EQ("--csv: empty file name", Resolve({"--csv", ""}).error);
}

TEST_F(StoreCliTest, DatasetFromTheConfig) {
  std::string conf = dir_ + "/mls.conf";
  WriteAll(conf, "[paths]\nworking_dir = " + dir_ + "/work\n");
  StoreSetup s = Resolve({"--config", conf});
  ASSERT_EQ(std::nullopt, s.error);
  EXPECT_EQ(dir_ + "/work/maillogsentinel.csv", s.store.csv);

  WriteAll(conf, "[paths]\nbogus = 1\n");
  s = Resolve({"--config", conf});
  ASSERT_TRUE(s.error);
  EXPECT_NE(std::string::npos, s.error->find("unknown key 'bogus'")) << *s.error;
  s = Resolve({"--config", dir_ + "/none.conf"});
  ASSERT_TRUE(s.error);
  EXPECT_NE(std::string::npos, s.error->find(dir_ + "/none.conf")) << *s.error;
}

TEST_F(StoreCliTest, LockOptionsAreChecked) {
  StoreSetup s = Resolve({"--csv", "d.csv", "--lock-timeout", "0", "--dataset-lock-fd", "3"});
  ASSERT_EQ(std::nullopt, s.error);
  EXPECT_EQ(0, s.store.appender.lock_timeout_seconds);
  EXPECT_EQ(3, s.store.appender.held_lock_fd);
  for (const char* t : {"-1", "1000001", "nan"}) {
    EXPECT_EQ("--lock-timeout: expected a number of seconds between 0 and 1000000",
              Resolve({"--csv", "d.csv", "--lock-timeout", t}).error)
        << t;
  }
  EXPECT_EQ("--dataset-lock-fd: expected an inherited descriptor (3 or more)",
            Resolve({"--csv", "d.csv", "--dataset-lock-fd", "2"}).error);
}

}  // namespace
}  // namespace mls
