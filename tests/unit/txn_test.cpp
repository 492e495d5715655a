#include "txn.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mls {
namespace {

namespace fs = std::filesystem;

class TxnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mls-txn-test.XXXXXX";
    ASSERT_NE(nullptr, ::mkdtemp(tmpl));
    root_ = tmpl;
    fs::create_directory(root_ + "/state");
    Config c;
    c.working_dir = root_;
    c.state_dir = root_ + "/state";
    p_ = MakeTxnPaths(c);
  }
  void TearDown() override { fs::remove_all(root_); }

  static void Write(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
  }
  static void Append(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary | std::ios::app) << data;
  }
  static std::optional<std::string> Read(const std::string& path) {
    if (!fs::exists(path)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string root_;
  TxnPaths p_;
};

TEST_F(TxnTest, PathsComeFromTheConfig) {
  EXPECT_EQ(root_ + "/state/txn.journal", p_.journal);
  EXPECT_EQ(root_ + "/state/state.offset", p_.state);
  EXPECT_EQ(root_ + "/state/state.offset.pending", p_.pending);
  EXPECT_EQ(root_ + "/maillogsentinel.csv", p_.csv);
}

TEST(Journal, RoundTripsHostileBytesAndAbsentValues) {
  Journal j{"/srv/we ird\n/dir/x.csv", 1234, "/s/p\n", std::string("dev 1\0ino\n-\n", 12)};
  EXPECT_EQ(j, DecodeJournal(EncodeJournal(j)));
  Journal absent{"/a.csv", std::nullopt, "/p", std::nullopt};
  EXPECT_EQ("maillogsentinel-txn 1\ncsv 6\n/a.csv\ncsv_size -\npending 2\n/p\nstate -\n",
            EncodeJournal(absent));
  EXPECT_EQ(absent, DecodeJournal(EncodeJournal(absent)));
  Journal empty_state{"/a.csv", 0, "/p", std::string()};
  EXPECT_EQ(empty_state, DecodeJournal(EncodeJournal(empty_state)));
}

TEST(Journal, RejectsAnythingButAWholeJournal) {
  Journal j{"/a.csv", 10, "/p", std::string("state")};
  std::string good = EncodeJournal(j);
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_EQ(std::nullopt, DecodeJournal(good.substr(0, cut))) << cut;
  }
  EXPECT_EQ(std::nullopt, DecodeJournal(good + "x"));
  EXPECT_EQ(std::nullopt, DecodeJournal("maillogsentinel-txn 2\n" + good.substr(22)));
  std::string bad_size = good;
  bad_size.replace(bad_size.find("csv_size 2\n10"), 13, "csv_size 2\n1x");
  EXPECT_EQ(std::nullopt, DecodeJournal(bad_size));
  EXPECT_EQ(std::nullopt,
            DecodeJournal("maillogsentinel-txn 1\ncsv -\ncsv_size -\npending 2\n/p\nstate -\n"));
}

TEST_F(TxnTest, CommitRenamesPendingOverStateAndDropsTheJournal) {
  Write(p_.state, "old");
  Write(p_.csv, "header\nrow1\n");
  Write(p_.pending, "stale");
  ASSERT_EQ(std::nullopt, Begin(p_).error);
  EXPECT_FALSE(fs::exists(p_.pending)) << "a stale pending must not be committed";
  auto j = DecodeJournal(Read(p_.journal).value());
  ASSERT_TRUE(j);
  EXPECT_EQ(Journal({p_.csv, 12, p_.pending, std::string("old")}), *j);
  struct stat st;
  ASSERT_EQ(0, ::stat(p_.journal.c_str(), &st));
  EXPECT_EQ(0640u, st.st_mode & 07777);

  Append(p_.csv, "row2\n");
  Write(p_.pending, "new");
  TxnResult r = Commit(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_EQ("new", Read(p_.state));
  EXPECT_FALSE(fs::exists(p_.pending));
  EXPECT_FALSE(fs::exists(p_.journal));
  EXPECT_EQ("header\nrow1\nrow2\n", Read(p_.csv));
}

TEST_F(TxnTest, CommitWithoutPendingIsFineOnlyWhenNothingWasStored) {
  Write(p_.state, "old");
  Write(p_.csv, "header\n");
  ASSERT_EQ(std::nullopt, Begin(p_).error);
  EXPECT_EQ(std::nullopt, Commit(p_).error);
  EXPECT_EQ("old", Read(p_.state));
  EXPECT_FALSE(fs::exists(p_.journal));

  ASSERT_EQ(std::nullopt, Begin(p_).error);
  Append(p_.csv, "row\n");
  EXPECT_EQ(p_.pending + ": missing although the CSV changed; nothing committed",
            Commit(p_).error.value_or(""));
  EXPECT_TRUE(fs::exists(p_.journal));
  EXPECT_EQ(std::nullopt, Rollback(p_).error);
  EXPECT_EQ("header\n", Read(p_.csv));
}

TEST_F(TxnTest, RollbackTruncatesAndCleansUp) {
  Write(p_.state, "old");
  Write(p_.csv, "header\nrow1\n");
  ASSERT_EQ(std::nullopt, Begin(p_).error);
  Append(p_.csv, "row2\nro");
  Write(p_.csv + ".journal", "12\n");
  Write(p_.pending, "new");
  TxnResult r = Rollback(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_EQ("truncated " + p_.csv + " from 19 to 12 bytes (uncommitted rows)", r.note);
  EXPECT_EQ("header\nrow1\n", Read(p_.csv));
  EXPECT_EQ("old", Read(p_.state));
  EXPECT_FALSE(fs::exists(p_.csv + ".journal"));
  EXPECT_FALSE(fs::exists(p_.pending));
  EXPECT_FALSE(fs::exists(p_.journal));
}

TEST_F(TxnTest, RollbackRemovesACsvThatDidNotExist) {
  ASSERT_EQ(std::nullopt, Begin(p_).error);
  Write(p_.csv, "header\nrow\n");
  Write(p_.pending, "new");
  TxnResult r = Rollback(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_FALSE(fs::exists(p_.csv));
  EXPECT_FALSE(fs::exists(p_.state));
  EXPECT_FALSE(fs::exists(p_.pending));
}

TEST_F(TxnTest, RecoverWithoutJournalDoesNothing) {
  Write(p_.csv, "header\n");
  Write(p_.pending, "someone else's");
  TxnResult r = Recover(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_EQ("", r.note);
  EXPECT_EQ("header\n", Read(p_.csv));
}

TEST_F(TxnTest, RecoverRollsBackWhenStateIsUnchanged) {
  Write(p_.state, "old");
  Write(p_.csv, "header\n");
  ASSERT_EQ(std::nullopt, Begin(p_).error);
  Append(p_.csv, "row\n");  // killed before the commit
  Write(p_.pending, "new");
  TxnResult r = Recover(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_EQ("rolled back an interrupted run: truncated " + p_.csv +
                " from 11 to 7 bytes (uncommitted rows)",
            r.note);
  EXPECT_EQ("header\n", Read(p_.csv));
  EXPECT_FALSE(fs::exists(p_.journal));
  EXPECT_FALSE(fs::exists(p_.pending));
}

TEST_F(TxnTest, RecoverKeepsACommittedRun) {
  Write(p_.csv, "header\n");
  ASSERT_EQ(std::nullopt, Begin(p_).error);  // first run: no state file
  Append(p_.csv, "row\n");
  Write(p_.pending, "new");
  ASSERT_EQ(0, ::rename(p_.pending.c_str(), p_.state.c_str()));  // killed right after this
  TxnResult r = Recover(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_EQ("the last run committed before it was interrupted; journal dropped", r.note);
  EXPECT_EQ("header\nrow\n", Read(p_.csv));
  EXPECT_EQ("new", Read(p_.state));
  EXPECT_FALSE(fs::exists(p_.journal));
}

TEST_F(TxnTest, RecoverUsesTheCsvPathTheJournalRecorded) {
  Write(p_.csv, "header\n");
  ASSERT_EQ(std::nullopt, Begin(p_).error);
  Append(p_.csv, "row\n");
  TxnPaths moved = p_;
  moved.csv = root_ + "/elsewhere.csv";  // the config changed between runs
  EXPECT_EQ(std::nullopt, Recover(moved).error);
  EXPECT_EQ("header\n", Read(p_.csv));
}

TEST_F(TxnTest, RecoverLeavesAShrunkCsvAlone) {
  Write(p_.csv, "header\nrow\n");
  ASSERT_EQ(std::nullopt, Begin(p_).error);
  Write(p_.csv, "h\n");
  TxnResult r = Recover(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_NE(std::string::npos, r.note.find("left alone"));
  EXPECT_EQ("h\n", Read(p_.csv));
}

TEST_F(TxnTest, RecoverRefusesAMalformedJournal) {
  Write(p_.csv, "header\nrow\n");
  Write(p_.journal, "garbage");
  TxnResult r = Recover(p_);
  EXPECT_EQ(p_.journal + ": malformed transaction journal (remove it only after checking the CSV)",
            r.error.value_or(""));
  EXPECT_EQ("header\nrow\n", Read(p_.csv));
  EXPECT_TRUE(fs::exists(p_.journal));
}

TEST_F(TxnTest, RecoverRemovesTemporaryFilesOfAKilledWrite) {
  Write(p_.journal + ".tmpAbC123", "half");
  Write(p_.pending + ".tmpXyZ789", "half");
  ASSERT_EQ(std::nullopt, Begin(p_).error);
  EXPECT_EQ(std::nullopt, Recover(p_).error);
  EXPECT_FALSE(fs::exists(p_.journal + ".tmpAbC123"));
  EXPECT_FALSE(fs::exists(p_.pending + ".tmpXyZ789"));
}

// A run killed after each step of the protocol: Recover always leaves either
// the state before the run or the state after it, never a mix.
TEST_F(TxnTest, EveryCrashPointRecoversToBeforeOrAfter) {
  for (int crash_after = 0; crash_after <= 5; ++crash_after) {
    Write(p_.state, "old");
    Write(p_.csv, "header\nrow1\n");
    fs::remove(p_.journal);
    int step = 0;
    auto go = [&] { return step++ < crash_after; };
    if (go()) {
      ASSERT_EQ(std::nullopt, Begin(p_).error);
    }
    if (go()) Append(p_.csv, "row2\n");
    if (go()) Write(p_.pending, "new");
    if (go()) {
      ASSERT_EQ(0, ::rename(p_.pending.c_str(), p_.state.c_str()));
    }
    if (go()) fs::remove(p_.journal);
    ASSERT_EQ(std::nullopt, Recover(p_).error) << crash_after;
    auto state = Read(p_.state);
    auto csv = Read(p_.csv);
    if (state == "old") {
      EXPECT_EQ("header\nrow1\n", csv) << crash_after;
    } else {
      EXPECT_EQ("new", state) << crash_after;
      EXPECT_EQ("header\nrow1\nrow2\n", csv) << crash_after;
    }
    EXPECT_FALSE(fs::exists(p_.journal));
  }
}

}  // namespace
}  // namespace mls
