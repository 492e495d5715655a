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

  std::string Journal() const { return p_.csv + ".journal"; }
  // Another config's run on the same dataset: its own state dir.
  TxnPaths Other() const {
    fs::create_directories(root_ + "/state2");
    TxnPaths o = p_;
    o.state = root_ + "/state2/state.offset";
    o.pending = o.state + ".pending";
    o.dataset = root_ + "/state2/txn.dataset";
    o.legacy_journal = root_ + "/state2/txn.journal";
    return o;
  }

  std::string root_;
  TxnPaths p_;
};

TEST_F(TxnTest, PathsComeFromTheConfig) {
  EXPECT_EQ(root_ + "/state/state.offset", p_.state);
  EXPECT_EQ(root_ + "/state/state.offset.pending", p_.pending);
  EXPECT_EQ(root_ + "/maillogsentinel.csv", p_.csv);
  EXPECT_EQ(root_ + "/state/txn.dataset", p_.dataset);
  EXPECT_EQ(root_ + "/state/txn.journal", p_.legacy_journal);
  EXPECT_EQ(root_ + "/maillogsentinel.csv.lock", DatasetLockPath(p_.csv));
  EXPECT_EQ(root_ + "/maillogsentinel.csv.journal", DatasetJournalPath(p_.csv));
}

TEST(Journal, RoundTripsHostileBytesAndAbsentValues) {
  mls::Journal j{
      "/srv/we ird\n/dir/x.csv",          1234,    "8:12", "maillogsentinel pid 1", "/s/st\n",
      std::string("dev 1\0ino\n-\n", 12), "/s/p\n"};
  EXPECT_EQ(j, DecodeJournal(EncodeJournal(j), "/ignored"));
  mls::Journal absent{"/a.csv",     std::nullopt, std::nullopt, "mls-store",
                      std::nullopt, std::nullopt, std::nullopt};
  EXPECT_EQ(
      "maillogsentinel-txn 2\ncsv 6\n/a.csv\ncsv_size -\ncsv_id -\nowner 9\nmls-store\n"
      "state -\nstate_bytes -\npending -\n",
      EncodeJournal(absent));
  EXPECT_EQ(absent, DecodeJournal(EncodeJournal(absent), "/a.csv"));
  mls::Journal empty_state{"/a.csv", 0, "1:2", "", "/s", std::string(), "/p"};
  EXPECT_EQ(empty_state, DecodeJournal(EncodeJournal(empty_state), "/a.csv"));
}

TEST(Journal, ReadsTheFormatsOfEarlierVersions) {
  // Version 1 (state_dir/txn.journal): the commit point is next to PENDING.
  auto v1 = DecodeJournal(
      "maillogsentinel-txn 1\ncsv 6\n/a.csv\ncsv_size 2\n12\npending 23\n/s/state.offset.pending\n"
      "state 3\nold\n",
      "/ignored");
  ASSERT_TRUE(v1);
  EXPECT_EQ("/a.csv", v1->csv);
  EXPECT_EQ(12u, v1->csv_size.value_or(0));
  EXPECT_EQ("/s/state.offset", v1->state.value_or(""));
  EXPECT_EQ("old", v1->state_bytes.value_or(""));
  // mls-store's own journal of a standalone append.
  auto store = DecodeJournal("mls-store journal v1\nsize 512\n", "/d.csv");
  ASSERT_TRUE(store);
  EXPECT_EQ("/d.csv", store->csv);
  EXPECT_EQ(512u, store->csv_size.value_or(0));
  EXPECT_FALSE(store->state);
  auto created = DecodeJournal("mls-store journal v1\nabsent\n", "/d.csv");
  ASSERT_TRUE(created);
  EXPECT_FALSE(created->csv_size);
}

TEST(Journal, RejectsAnythingButAWholeJournal) {
  mls::Journal j{"/a.csv", 10, "1:2", "me", "/s", std::string("state"), "/p"};
  std::string good = EncodeJournal(j);
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_EQ(std::nullopt, DecodeJournal(good.substr(0, cut), "/a.csv")) << cut;
  }
  EXPECT_EQ(std::nullopt, DecodeJournal(good + "x", "/a.csv"));
  EXPECT_EQ(std::nullopt, DecodeJournal("maillogsentinel-txn 3\n" + good.substr(22), "/a.csv"));
  std::string bad_size = good;
  bad_size.replace(bad_size.find("csv_size 2\n10"), 13, "csv_size 2\n1x");
  EXPECT_EQ(std::nullopt, DecodeJournal(bad_size, "/a.csv"));
  EXPECT_EQ(std::nullopt, DecodeJournal("mls-store journal v1\nsize -1\n", "/a.csv"));
}

TEST_F(TxnTest, CommitRenamesPendingOverStateAndDropsTheJournal) {
  Write(p_.state, "old");
  Write(p_.csv, "header\nrow1\n");
  Write(p_.pending, "stale");
  ASSERT_EQ(std::nullopt, Begin(p_, "me").error);
  EXPECT_FALSE(fs::exists(p_.pending)) << "a stale pending must not be committed";
  auto j = DecodeJournal(Read(Journal()).value(), p_.csv);
  ASSERT_TRUE(j);
  struct stat csv_st;
  ASSERT_EQ(0, ::stat(p_.csv.c_str(), &csv_st));
  EXPECT_EQ(
      mls::Journal({p_.csv, 12, std::to_string(csv_st.st_dev) + ":" + std::to_string(csv_st.st_ino),
                    "me", p_.state, std::string("old"), p_.pending}),
      *j);
  EXPECT_EQ(p_.csv, Read(p_.dataset));
  struct stat st;
  ASSERT_EQ(0, ::stat(Journal().c_str(), &st));
  EXPECT_EQ(0640u, st.st_mode & 07777);

  Append(p_.csv, "row2\n");
  Write(p_.pending, "new");
  TxnResult r = Commit(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_EQ("new", Read(p_.state));
  EXPECT_FALSE(fs::exists(p_.pending));
  EXPECT_FALSE(fs::exists(Journal()));
  EXPECT_FALSE(fs::exists(p_.dataset));
  EXPECT_EQ("header\nrow1\nrow2\n", Read(p_.csv));
}

TEST_F(TxnTest, BeginRefusesWhileATransactionIsOpen) {
  ASSERT_EQ(std::nullopt, Begin(p_, "me").error);
  EXPECT_EQ(Journal() + ": a transaction is already open (recover it first)",
            Begin(Other(), "other").error.value_or(""));
}

TEST_F(TxnTest, CommitWithoutPendingIsFineOnlyWhenNothingWasStored) {
  Write(p_.state, "old");
  Write(p_.csv, "header\n");
  ASSERT_EQ(std::nullopt, Begin(p_, "me").error);
  EXPECT_EQ(std::nullopt, Commit(p_).error);
  EXPECT_EQ("old", Read(p_.state));
  EXPECT_FALSE(fs::exists(Journal()));

  ASSERT_EQ(std::nullopt, Begin(p_, "me").error);
  Append(p_.csv, "row\n");
  EXPECT_EQ(p_.pending + ": missing although the CSV changed; nothing committed",
            Commit(p_).error.value_or(""));
  EXPECT_TRUE(fs::exists(Journal()));
  EXPECT_EQ(std::nullopt, Rollback(p_).error);
  EXPECT_EQ("header\n", Read(p_.csv));
}

TEST_F(TxnTest, RollbackTruncatesAndCleansUp) {
  Write(p_.state, "old");
  Write(p_.csv, "header\nrow1\n");
  ASSERT_EQ(std::nullopt, Begin(p_, "maillogsentinel pid 7").error);
  Append(p_.csv, "row2\nro");
  Write(p_.pending, "new");
  TxnResult r = Rollback(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_EQ("truncated " + p_.csv +
                " from 19 to 12 bytes (rows of maillogsentinel pid 7, which did not commit)",
            r.note);
  EXPECT_EQ("header\nrow1\n", Read(p_.csv));
  EXPECT_EQ("old", Read(p_.state));
  EXPECT_FALSE(fs::exists(Journal()));
  EXPECT_FALSE(fs::exists(p_.pending));
  EXPECT_FALSE(fs::exists(p_.dataset));
}

TEST_F(TxnTest, RollbackRemovesACsvThatDidNotExist) {
  ASSERT_EQ(std::nullopt, Begin(p_, "me").error);
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
  ASSERT_EQ(std::nullopt, Begin(p_, "maillogsentinel pid 7").error);
  Append(p_.csv, "row\n");  // killed before the commit
  Write(p_.pending, "new");
  TxnResult r = Recover(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_EQ("recovered " + p_.csv + ": truncated " + p_.csv +
                " from 11 to 7 bytes (rows of maillogsentinel pid 7, which did not commit)",
            r.note);
  EXPECT_EQ("header\n", Read(p_.csv));
  EXPECT_FALSE(fs::exists(Journal()));
  EXPECT_FALSE(fs::exists(p_.pending));
  EXPECT_FALSE(fs::exists(p_.dataset));
}

TEST_F(TxnTest, RecoverKeepsACommittedRun) {
  Write(p_.csv, "header\n");
  ASSERT_EQ(std::nullopt, Begin(p_, "maillogsentinel pid 7").error);  // first run: no state
  Append(p_.csv, "row\n");
  Write(p_.pending, "new");
  ASSERT_EQ(0, ::rename(p_.pending.c_str(), p_.state.c_str()));  // killed right after this
  TxnResult r = Recover(p_);
  EXPECT_EQ(std::nullopt, r.error);
  // Both datasets' journals name the same commit point: both kept.
  EXPECT_EQ("recovered " + p_.csv +
                ": maillogsentinel pid 7 committed before it was interrupted; its rows are "
                "kept; recovered " +
                p_.logins_csv +
                ": maillogsentinel pid 7 committed before it was interrupted; its rows are kept",
            r.note);
  EXPECT_EQ("header\nrow\n", Read(p_.csv));
  EXPECT_EQ("new", Read(p_.state));
  EXPECT_FALSE(fs::exists(Journal()));
}

TEST_F(TxnTest, TheLoginsDatasetIsKeptOrCutBackWithTheFailures) {
  // A run that wrote to both and died before its commit point: both cut back.
  Write(p_.state, "old");
  Write(p_.csv, "header\n");
  Write(p_.logins_csv, "logins header\n");
  ASSERT_EQ(std::nullopt, Begin(p_, "maillogsentinel pid 7").error);
  EXPECT_TRUE(fs::exists(p_.logins_csv + ".journal"));
  Append(p_.csv, "row\n");
  Append(p_.logins_csv, "login\n");
  Write(p_.pending, "new");
  ASSERT_EQ(std::nullopt, Recover(p_).error);
  EXPECT_EQ("header\n", Read(p_.csv));
  EXPECT_EQ("logins header\n", Read(p_.logins_csv));
  EXPECT_FALSE(fs::exists(p_.logins_csv + ".journal"));
  // The same run committed, then died before removing the journals: both kept.
  ASSERT_EQ(std::nullopt, Begin(p_, "maillogsentinel pid 8").error);
  Append(p_.csv, "row\n");
  Append(p_.logins_csv, "login\n");
  Write(p_.pending, "newer");
  ASSERT_EQ(0, ::rename(p_.pending.c_str(), p_.state.c_str()));
  ASSERT_EQ(std::nullopt, Recover(p_).error);
  EXPECT_EQ("header\nrow\n", Read(p_.csv));
  EXPECT_EQ("logins header\nlogin\n", Read(p_.logins_csv));
  // Commit and Rollback cover both.
  ASSERT_EQ(std::nullopt, Begin(p_, "maillogsentinel pid 9").error);
  Append(p_.logins_csv, "login 2\n");
  Write(p_.pending, "newest");
  ASSERT_EQ(std::nullopt, Commit(p_).error);
  EXPECT_EQ("logins header\nlogin\nlogin 2\n", Read(p_.logins_csv));
  EXPECT_FALSE(fs::exists(p_.logins_csv + ".journal"));
  ASSERT_EQ(std::nullopt, Begin(p_, "maillogsentinel pid 10").error);
  Append(p_.logins_csv, "login 3\n");
  ASSERT_EQ(std::nullopt, Rollback(p_).error);
  EXPECT_EQ("logins header\nlogin\nlogin 2\n", Read(p_.logins_csv));
  // Without [logins] track, no journal for it: a login file stays as it is.
  p_.logins = false;
  ASSERT_EQ(std::nullopt, Begin(p_, "maillogsentinel pid 11").error);
  EXPECT_FALSE(fs::exists(p_.logins_csv + ".journal"));
  ASSERT_EQ(std::nullopt, Rollback(p_).error);
}

// The data loss of issue 8: a second config's run must never cut back rows
// that the first one committed, and finishes the first one's dead run right.
TEST_F(TxnTest, AnotherConfigsRunIsFinishedByItsOwnCommitPoint) {
  TxnPaths b = Other();
  Write(p_.state, "a0");
  Write(p_.csv, "header\n");
  // A dies before its commit point; B finishes it (cut back), then appends.
  ASSERT_EQ(std::nullopt, Begin(p_, "run A").error);
  Append(p_.csv, "a1\n");
  Write(p_.pending, "a1");
  TxnResult rb = Recover(b);
  EXPECT_EQ(std::nullopt, rb.error);
  EXPECT_NE(std::string::npos, rb.note.find("rows of run A, which did not commit")) << rb.note;
  ASSERT_EQ(std::nullopt, Begin(b, "run B").error);
  Append(p_.csv, "b1\n");
  Write(b.pending, "b1");
  ASSERT_EQ(std::nullopt, Commit(b).error);
  EXPECT_EQ("header\nb1\n", Read(p_.csv));
  // A again: nothing of B's is touched; it reads its lines again and commits.
  EXPECT_EQ(std::nullopt, Recover(p_).error);
  EXPECT_EQ("a0", Read(p_.state));
  ASSERT_EQ(std::nullopt, Begin(p_, "run A").error);
  Append(p_.csv, "a1\n");
  Write(p_.pending, "a1");
  ASSERT_EQ(std::nullopt, Commit(p_).error);
  // B dies after its commit point: A keeps B's rows.
  ASSERT_EQ(std::nullopt, Begin(b, "run B").error);
  Append(p_.csv, "b2\n");
  Write(b.pending, "b2");
  ASSERT_EQ(0, ::rename(b.pending.c_str(), b.state.c_str()));
  TxnResult ra = Recover(p_);
  EXPECT_EQ(std::nullopt, ra.error);
  EXPECT_NE(std::string::npos, ra.note.find("run B committed")) << ra.note;
  EXPECT_EQ("header\nb1\na1\nb2\n", Read(p_.csv));
  EXPECT_FALSE(fs::exists(Journal()));
}

TEST_F(TxnTest, AnUnreadableCommitPointChangesNothing) {
  Write(p_.csv, "header\n");
  ASSERT_EQ(std::nullopt, Begin(p_, "run A").error);
  Append(p_.csv, "a1\n");
  fs::create_directory(p_.state);  // reading it fails (EISDIR), even as root
  TxnResult r = RecoverDataset(p_.csv);
  ASSERT_TRUE(r.error);
  EXPECT_NE(std::string::npos, r.error->find("cannot tell whether run A committed")) << *r.error;
  EXPECT_EQ("header\na1\n", Read(p_.csv));
  EXPECT_TRUE(fs::exists(Journal()));
}

TEST_F(TxnTest, ARunInterruptedOnAnotherDatasetIsRecoveredThere) {
  Write(p_.csv, "header\n");
  ASSERT_EQ(std::nullopt, Begin(p_, "run A").error);
  Append(p_.csv, "a1\n");
  TxnPaths moved = p_;
  moved.csv = root_ + "/elsewhere.csv";  // the config changed between runs
  TxnResult r = Recover(moved);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_NE(std::string::npos, r.note.find("truncated " + p_.csv)) << r.note;
  EXPECT_EQ("header\n", Read(p_.csv));
  EXPECT_FALSE(fs::exists(Journal()));
  EXPECT_FALSE(fs::exists(p_.dataset));
}

TEST_F(TxnTest, AJournalOfAnEarlierVersionIsRecovered) {
  Write(p_.state, "old");
  Write(p_.csv, "header\nrow\n");
  std::string v1 = "maillogsentinel-txn 1\ncsv " + std::to_string(p_.csv.size()) + "\n" + p_.csv +
                   "\ncsv_size 1\n7\npending " + std::to_string(p_.pending.size()) + "\n" +
                   p_.pending + "\nstate 3\nold\n";
  Write(p_.legacy_journal, v1);
  TxnResult r = Recover(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_EQ("header\n", Read(p_.csv));
  EXPECT_FALSE(fs::exists(p_.legacy_journal));
  // A torn journal of an earlier mls-store: the append never started.
  Write(Journal(), "mls-store jour");
  r = Recover(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_EQ("recovered " + p_.csv + ": " + Journal() +
                ": incomplete journal (the append never started); removed it",
            r.note);
  EXPECT_EQ("header\n", Read(p_.csv));
}

TEST_F(TxnTest, RecoverLeavesAShrunkCsvAlone) {
  Write(p_.csv, "header\nrow\n");
  ASSERT_EQ(std::nullopt, Begin(p_, "me").error);
  Write(p_.csv, "h\n");
  TxnResult r = Recover(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_NE(std::string::npos, r.note.find("left alone"));
  EXPECT_EQ("h\n", Read(p_.csv));
}

TEST_F(TxnTest, RecoverNeverFollowsASymlinkedDataset) {
  Write(root_ + "/target", "header\nrow\n");
  fs::create_symlink(root_ + "/target", p_.csv);
  Write(Journal(),
        EncodeJournal({p_.csv, 7, std::nullopt, "x", std::nullopt, std::nullopt, std::nullopt}));
  TxnResult r = Recover(p_);
  EXPECT_EQ(p_.csv + ": is a symbolic link; refusing to write through it", r.error.value_or(""));
  EXPECT_EQ("header\nrow\n", Read(root_ + "/target"));
}

TEST_F(TxnTest, RecoverRefusesAMalformedJournal) {
  Write(p_.csv, "header\nrow\n");
  Write(Journal(), "garbage");
  TxnResult r = Recover(p_);
  EXPECT_EQ(Journal() + ": malformed transaction journal (remove it only after checking the CSV)",
            r.error.value_or(""));
  EXPECT_EQ("header\nrow\n", Read(p_.csv));
  EXPECT_TRUE(fs::exists(Journal()));
}

TEST_F(TxnTest, RecoverRemovesTemporaryFilesOfAKilledWrite) {
  Write(Journal() + ".tmpAbC123", "half");
  Write(p_.pending + ".tmpXyZ789", "half");
  ASSERT_EQ(std::nullopt, Begin(p_, "me").error);
  EXPECT_EQ(std::nullopt, Recover(p_).error);
  EXPECT_FALSE(fs::exists(Journal() + ".tmpAbC123"));
  EXPECT_FALSE(fs::exists(p_.pending + ".tmpXyZ789"));
}

// Commit failed after its commit point (say the journal could not be
// removed): the rollback must keep the rows the moved position stands for.
TEST_F(TxnTest, ARollbackAfterTheCommitPointKeepsTheRows) {
  Write(p_.state, "old");
  Write(p_.csv, "header\n");
  ASSERT_EQ(std::nullopt, Begin(p_, "run A").error);
  Append(p_.csv, "a1\n");
  Write(p_.pending, "new");
  ASSERT_EQ(0, ::rename(p_.pending.c_str(), p_.state.c_str()));
  TxnResult r = Rollback(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_TRUE(r.committed);
  EXPECT_EQ("header\na1\n", Read(p_.csv));
  EXPECT_FALSE(fs::exists(Journal()));
}

// The journal next to a dataset is that dataset's, however the directory is
// spelled (a trailing slash in working_dir, a symlinked directory).
TEST_F(TxnTest, TheJournalIsTheDatasetsWhateverItsSpelling) {
  Write(p_.state, "old");
  Write(p_.csv, "header\n");
  ASSERT_EQ(std::nullopt, Begin(p_, "run A").error);
  Append(p_.csv, "a1\n");
  fs::create_directory_symlink(root_, root_ + "/alias");
  TxnPaths other = Other();
  other.csv = root_ + "/alias//maillogsentinel.csv";
  EXPECT_TRUE(SameDataset(p_.csv, other.csv));
  EXPECT_FALSE(SameDataset(p_.csv, root_ + "/other.csv"));
  TxnResult r = Recover(other);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_EQ("header\n", Read(p_.csv));
  EXPECT_FALSE(fs::exists(Journal()));
}

// A dataset replaced since the journal was written (restored from a backup,
// moved aside and recreated) is not the file the journal describes.
TEST_F(TxnTest, AReplacedDatasetIsLeftAlone) {
  Write(p_.csv, "header\nrow\n");
  ASSERT_EQ(std::nullopt, Begin(p_, "run A").error);
  fs::rename(p_.csv, root_ + "/aside.csv");
  Write(p_.csv, "header\nrestored row 1\nrestored row 2\n");
  TxnResult r = Recover(p_);
  EXPECT_EQ(std::nullopt, r.error);
  EXPECT_NE(std::string::npos, r.note.find("was replaced since run A began; left alone")) << r.note;
  EXPECT_EQ("header\nrestored row 1\nrestored row 2\n", Read(p_.csv));
  EXPECT_FALSE(fs::exists(Journal()));
}

// A journal is no licence to remove files: only its own state file's PENDING.
TEST_F(TxnTest, APlantedJournalRemovesNothingElse) {
  Write(p_.csv, "header\n");
  Write(root_ + "/precious", "x");
  Write(Journal(),
        EncodeJournal({p_.csv, 7, std::nullopt, "x", p_.state, std::nullopt, root_ + "/precious"}));
  EXPECT_EQ(std::nullopt, Recover(p_).error);
  EXPECT_EQ("x", Read(root_ + "/precious"));
}

TEST_F(TxnTest, TheDatasetLockIsExclusiveAndSaysWhenItWaits) {
  FileLock a, b;
  ASSERT_EQ(FileLock::Status::kLocked, LockDataset(a, p_.csv, 0));
  int waited = 0;
  EXPECT_EQ(FileLock::Status::kBusy, LockDataset(b, p_.csv, 1.2, [&] { ++waited; }));
  EXPECT_EQ(1, waited);
  a.Release();
  EXPECT_EQ(FileLock::Status::kLocked, LockDataset(b, p_.csv, 0));
}

TEST_F(TxnTest, TheDatasetLockIsNeverASymlink) {
  fs::create_symlink(root_ + "/elsewhere", DatasetLockPath(p_.csv));
  FileLock a;
  EXPECT_EQ(FileLock::Status::kError, LockDataset(a, p_.csv, 0));
  EXPECT_EQ(DatasetLockPath(p_.csv) + ": is a symbolic link; refusing to use it as a lock",
            a.error());
  EXPECT_FALSE(fs::exists(root_ + "/elsewhere"));
}

// A run killed after each step of the protocol: Recover always leaves either
// the state before the run or the state after it, never a mix.
TEST_F(TxnTest, EveryCrashPointRecoversToBeforeOrAfter) {
  for (int crash_after = 0; crash_after <= 5; ++crash_after) {
    Write(p_.state, "old");
    Write(p_.csv, "header\nrow1\n");
    fs::remove(Journal());
    int step = 0;
    auto go = [&] { return step++ < crash_after; };
    if (go()) {
      ASSERT_EQ(std::nullopt, Begin(p_, "me").error);
    }
    if (go()) Append(p_.csv, "row2\n");
    if (go()) Write(p_.pending, "new");
    if (go()) {
      ASSERT_EQ(0, ::rename(p_.pending.c_str(), p_.state.c_str()));
    }
    if (go()) fs::remove(Journal());
    ASSERT_EQ(std::nullopt, Recover(p_).error) << crash_after;
    auto state = Read(p_.state);
    auto csv = Read(p_.csv);
    if (state == "old") {
      EXPECT_EQ("header\nrow1\n", csv) << crash_after;
    } else {
      EXPECT_EQ("new", state) << crash_after;
      EXPECT_EQ("header\nrow1\nrow2\n", csv) << crash_after;
    }
    EXPECT_FALSE(fs::exists(Journal()));
  }
}

}  // namespace
}  // namespace mls
