#include "store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "dataset.h"
#include "diag.h"
#include "event.h"
#include "tsv.h"
#include "txn.h"

namespace mls {
namespace {

std::vector<std::string> Event(int i) {
  return {"2026-11-25T20:18:08+00:00",
          "mx1",
          "203.0.113." + std::to_string(i % 250),
          "user" + std::to_string(i),
          "LOGIN",
          "unknown",
          "",
          "postfix/smtpd",
          "failed"};
}

std::string Row(int i) {
  std::string out;
  CsvAppendEvent(Event(i), out);
  return out;
}

const std::string kHeaderLine = std::string(kCsvHeader) + "\n";

class Store : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mls-store-test.XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(tmpl));
    dir_ = tmpl;
    csv_ = dir_ + "/maillogsentinel.csv";
    journal_ = csv_ + ".journal";
    SetProgramName("mls-store");
  }
  void TearDown() override {
    ::unlink((csv_ + ".lock").c_str());
    ::unlink(csv_.c_str());
    ::unlink(journal_.c_str());
    ::rmdir(dir_.c_str());
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static void Put(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  static bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

  // Runs RunStore on `tsv` fed through a pipe; returns the result and stderr.
  StoreResult Run(const std::string& tsv, std::string* err) {
    int fds[2];
    EXPECT_EQ(0, ::pipe(fds));
    std::thread writer([&] {
      EXPECT_EQ(static_cast<ssize_t>(tsv.size()), ::write(fds[1], tsv.data(), tsv.size()));
      ::close(fds[1]);
    });
    StoreOptions opt;
    opt.csv = csv_;
    opt.input_fd = fds[0];
    opt.now_ms = [] { return std::int64_t{0}; };
    testing::internal::CaptureStderr();
    StoreResult r = RunStore(opt);
    std::string captured = testing::internal::GetCapturedStderr();
    if (err) *err = captured;
    writer.join();
    ::close(fds[0]);
    return r;
  }

  std::string dir_, csv_, journal_;
};

TEST_F(Store, CreatesTheFileWithHeaderAndMode0640WhateverTheUmask) {
  for (mode_t mask : {mode_t{0}, mode_t{077}}) {
    ::unlink(csv_.c_str());
    mode_t old = ::umask(mask);
    {
      CsvAppender app;
      ASSERT_EQ(std::nullopt, app.Open(csv_));
      ASSERT_EQ(std::nullopt, app.Add(Event(1)));
      ASSERT_EQ(std::nullopt, app.Commit());
      EXPECT_EQ(1u, app.committed_rows());
    }
    ::umask(old);
    struct stat st {};
    ASSERT_EQ(0, ::stat(csv_.c_str(), &st));
    EXPECT_EQ(0640u, st.st_mode & 07777) << "umask " << mask;
    EXPECT_EQ(kHeaderLine + Row(1), Slurp(csv_));
    EXPECT_FALSE(Exists(journal_));
  }
}

TEST_F(Store, NothingToAppendChangesNothing) {
  {
    CsvAppender app;
    ASSERT_EQ(std::nullopt, app.Open(csv_));
    EXPECT_EQ(std::nullopt, app.Commit());
  }
  EXPECT_FALSE(Exists(csv_));
  EXPECT_FALSE(Exists(journal_));
}

TEST_F(Store, AppendsToOurFileAndKeepsItsMode) {
  Put(csv_, kHeaderLine + Row(1));
  ::chmod(csv_.c_str(), 0600);
  CsvAppender app;
  ASSERT_EQ(std::nullopt, app.Open(csv_));
  ASSERT_EQ(std::nullopt, app.Add(Event(2)));
  ASSERT_EQ(std::nullopt, app.Add(Event(3)));
  ASSERT_EQ(std::nullopt, app.Commit());
  EXPECT_EQ(kHeaderLine + Row(1) + Row(2) + Row(3), Slurp(csv_));
  struct stat st {};
  ASSERT_EQ(0, ::stat(csv_.c_str(), &st));
  EXPECT_EQ(0600u, st.st_mode & 07777);
}

TEST_F(Store, RefusesForeignFiles) {
  Put(csv_, "name;age\nbob;3\n");
  CsvAppender a;
  EXPECT_EQ(csv_ + ": not a maillogsentinel dataset (unexpected header line); refusing to append",
            a.Open(csv_).value_or(""));

  Put(csv_, std::string(kLegacyCsvHeader) + "\nmx1;05/11/2026 07:03;1.2.3.4;;;;;;\n");
  CsvAppender b;
  EXPECT_EQ(csv_ +
                ": has the older tool's 9-column header; refusing to append (start a new dataset; "
                "mls-report and mls-sql still read this one)",
            b.Open(csv_).value_or(""));

  Put(csv_, kHeaderLine + "mx1;2026");
  CsvAppender c;
  EXPECT_EQ(csv_ + ": last line is incomplete; refusing to append",
            c.Open(csv_).value_or(""));

  Put(csv_, std::string(kCsvHeader));  // header without its newline
  CsvAppender d;
  EXPECT_EQ(csv_ + ": not a maillogsentinel dataset (unexpected header line); refusing to append",
            d.Open(csv_).value_or(""));
}

TEST_F(Store, AnEmptyExistingFileIsANewDataset) {
  // ': > maillogsentinel.csv' or 'touch': the first batch writes the header.
  Put(csv_, "");
  CsvAppender app;
  ASSERT_EQ(std::nullopt, app.Open(csv_));
  ASSERT_EQ(std::nullopt, app.Add(Event(1)));
  ASSERT_EQ(std::nullopt, app.Commit());
  EXPECT_EQ(kHeaderLine + Row(1), Slurp(csv_));
}

TEST_F(Store, RefusesToWriteThroughASymlink) {
  Put(dir_ + "/target", kHeaderLine);
  ASSERT_EQ(0, ::symlink((dir_ + "/target").c_str(), csv_.c_str()));
  CsvAppender app;
  EXPECT_EQ(csv_ + ": is a symbolic link; refusing to write through it",
            app.Open(csv_).value_or(""));
  EXPECT_EQ(kHeaderLine, Slurp(dir_ + "/target"));
  ::unlink((dir_ + "/target").c_str());
  ::unlink((csv_ + ".lock").c_str());
}

// Writers of one dataset take turns by whole batches; each batch appends
// after whatever the others committed, and a rollback cuts back only its own.
TEST_F(Store, WritersOfOneDatasetInterleaveWholeBatches) {
  AppenderOptions no_wait;
  no_wait.lock_timeout_seconds = 0;
  CsvAppender a, b;
  ASSERT_EQ(std::nullopt, a.Open(csv_, no_wait));
  ASSERT_EQ(std::nullopt, b.Open(csv_, no_wait));
  int i = 0;
  while (!Exists(journal_)) ASSERT_EQ(std::nullopt, a.Add(Event(i++)));  // a's batch is open
  ASSERT_EQ(std::nullopt, b.Add(Event(1000)));
  EXPECT_EQ(csv_ + ": another writer holds " + csv_ + ".lock", b.Commit().value_or(""));
  EXPECT_EQ(std::nullopt, b.Rollback());
  ASSERT_EQ(std::nullopt, a.Commit());
  const std::string after_a = Slurp(csv_);
  ASSERT_EQ(std::nullopt, b.Add(Event(1001)));
  ASSERT_EQ(std::nullopt, b.Commit());
  EXPECT_EQ(after_a + Row(1001), Slurp(csv_));
  ASSERT_EQ(std::nullopt, a.Add(Event(2000)));
  ASSERT_EQ(std::nullopt, a.Commit());
  EXPECT_EQ(after_a + Row(1001) + Row(2000), Slurp(csv_));
  // A rolled-back batch after b's: b's row stays.
  ASSERT_EQ(std::nullopt, b.Add(Event(1002)));
  ASSERT_EQ(std::nullopt, b.Commit());
  while (!Exists(journal_)) ASSERT_EQ(std::nullopt, a.Add(Event(i++)));
  ASSERT_EQ(std::nullopt, a.Rollback());
  EXPECT_EQ(after_a + Row(1001) + Row(2000) + Row(1002), Slurp(csv_));
  ::unlink((csv_ + ".lock").c_str());
}

TEST_F(Store, UnderTheDriverItAppendsInTheDriversTransaction) {
  FileLock lock;
  ASSERT_EQ(FileLock::Status::kLocked, LockDataset(lock, csv_, 0));
  // The stage's inherited copy of the driver's descriptor (same open file).
  AppenderOptions held;
  held.held_lock_fd = ::dup(lock.fd());
  {
    CsvAppender app;
    EXPECT_EQ(journal_ + ": the lock holder has no transaction open; refusing to append",
              app.Open(csv_, held).value_or(""));
  }
  Journal j;
  j.csv = csv_;
  j.owner = "the driver";
  // A standalone append's journal (no commit point) is not a driver's run.
  ASSERT_EQ(std::nullopt, BeginAppend(j).error);
  held.held_lock_fd = ::dup(lock.fd());
  {
    CsvAppender app;
    EXPECT_EQ(journal_ + ": the lock holder has no transaction open; refusing to append",
              app.Open(csv_, held).value_or(""));
  }
  ASSERT_EQ(0, ::unlink(journal_.c_str()));
  j.state = dir_ + "/state.offset";
  ASSERT_EQ(std::nullopt, BeginAppend(j).error);
  const std::string journal = Slurp(journal_);
  held.held_lock_fd = ::dup(lock.fd());  // (the stage's own copy)
  {
    CsvAppender app;
    ASSERT_EQ(std::nullopt, app.Open(csv_, held));
    ASSERT_EQ(std::nullopt, app.Add(Event(1)));
    ASSERT_EQ(std::nullopt, app.Commit());
  }
  EXPECT_EQ(kHeaderLine + Row(1), Slurp(csv_));
  EXPECT_EQ(journal, Slurp(journal_)) << "the driver's journal is the driver's";
  FileLock other_writer;
  EXPECT_EQ(FileLock::Status::kBusy, LockDataset(other_writer, csv_, 0))
      << "the appender must not release the owner's lock";
  // A descriptor that is not the lock's is refused.
  int other = ::open(csv_.c_str(), O_RDONLY);
  held.held_lock_fd = other;
  CsvAppender wrong;
  EXPECT_NE(std::string::npos, wrong.Open(csv_, held).value_or("").find("is not open on"));
  ::close(other);
  EXPECT_EQ(std::nullopt, UndoAppend(csv_).error);
  EXPECT_FALSE(Exists(csv_));
  ::unlink((csv_ + ".lock").c_str());
}

TEST_F(Store, JournalLivesOnlyWhileABatchIsWritten) {
  Put(csv_, kHeaderLine);
  CsvAppender app;
  ASSERT_EQ(std::nullopt, app.Open(csv_));
  std::size_t size = kHeaderLine.size();
  int i = 0;
  while (!Exists(journal_)) ASSERT_EQ(std::nullopt, app.Add(Event(i++)));  // > 1 MiB buffered
  auto j = DecodeJournal(Slurp(journal_), csv_);
  ASSERT_TRUE(j);
  EXPECT_EQ(size, j->csv_size.value_or(0));
  EXPECT_EQ("mls-store pid " + std::to_string(::getpid()), j->owner);
  EXPECT_FALSE(j->state);
  EXPECT_GT(Slurp(csv_).size(), size);
  ASSERT_EQ(std::nullopt, app.Commit());
  EXPECT_FALSE(Exists(journal_));
  EXPECT_EQ(static_cast<std::size_t>(i), app.committed_rows());
}

TEST_F(Store, RollbackRestoresTheFile) {
  Put(csv_, kHeaderLine + Row(0));
  const std::string before = Slurp(csv_);
  {
    CsvAppender app;
    ASSERT_EQ(std::nullopt, app.Open(csv_));
    while (!Exists(journal_)) ASSERT_EQ(std::nullopt, app.Add(Event(1)));
    EXPECT_EQ(std::nullopt, app.Rollback());
  }
  EXPECT_EQ(before, Slurp(csv_));
  EXPECT_FALSE(Exists(journal_));
}

TEST_F(Store, UncommittedBatchIsRolledBackOnDestruction) {
  {
    CsvAppender app;
    ASSERT_EQ(std::nullopt, app.Open(csv_));
    while (!Exists(journal_)) ASSERT_EQ(std::nullopt, app.Add(Event(1)));
    EXPECT_TRUE(Exists(csv_));
  }
  EXPECT_FALSE(Exists(csv_));  // it had created the file
  EXPECT_FALSE(Exists(journal_));
}

TEST_F(Store, RecoversATornAppend) {
  const std::string committed = kHeaderLine + Row(1);
  Put(csv_, committed + Row(2) + "mx1;2026-11-25T2");
  Put(journal_, "mls-store journal v1\nsize " + std::to_string(committed.size()) + "\n");
  std::vector<std::string> notes;
  AppenderOptions o;
  o.note = [&notes](const std::string& n) { notes.push_back(n); };
  CsvAppender app;
  ASSERT_EQ(std::nullopt, app.Open(csv_, o));
  ASSERT_EQ(1u, notes.size());
  EXPECT_EQ("recovered " + csv_ + ": truncated " + csv_ + " from " +
                std::to_string(committed.size() + Row(2).size() + 16) + " to " +
                std::to_string(committed.size()) +
                " bytes (rows of mls-store (an earlier version), which did not commit)",
            notes[0]);
  EXPECT_EQ(committed, Slurp(csv_));
  EXPECT_FALSE(Exists(journal_));
}

TEST_F(Store, RecoveryRemovesAFileTheTornAppendCreated) {
  Put(csv_, kHeaderLine + "mx1;20");
  Put(journal_, "mls-store journal v1\nabsent\n");
  TxnResult r = RecoverDataset(csv_);
  EXPECT_FALSE(r.error);
  EXPECT_NE(std::string::npos, r.note.find("removed " + csv_)) << r.note;
  EXPECT_FALSE(Exists(csv_));
  EXPECT_FALSE(Exists(journal_));
}

TEST_F(Store, RecoveryDropsAJournalThatWasNeverCompleted) {
  Put(csv_, kHeaderLine);
  for (const char* torn : {"", "mls-store jour", "mls-store journal v1\nsize 1"}) {
    Put(journal_, torn);
    TxnResult r = RecoverDataset(csv_);
    EXPECT_FALSE(r.error);
    EXPECT_EQ("recovered " + csv_ + ": " + journal_ +
                  ": incomplete journal (the append never started); removed it",
              r.note);
    EXPECT_EQ(kHeaderLine, Slurp(csv_));
    EXPECT_FALSE(Exists(journal_));
  }
}

TEST_F(Store, RecoveryNeverGrowsTheFile) {
  Put(csv_, kHeaderLine);
  Put(journal_, "mls-store journal v1\nsize 99999\n");
  TxnResult r = RecoverDataset(csv_);
  EXPECT_NE(std::string::npos, r.note.find("left alone")) << r.note;
  EXPECT_EQ(kHeaderLine, Slurp(csv_));
  EXPECT_FALSE(Exists(journal_));
}

TEST_F(Store, NoJournalNoRecovery) {
  TxnResult r = RecoverDataset(csv_);
  EXPECT_EQ("", r.note);
  EXPECT_FALSE(r.error);
}

TEST_F(Store, RunStoreStoresValidRecordsAndCountsMalformedOnes) {
  std::string tsv;
  TsvAppendRecord(Event(1), tsv);
  tsv += "only\tthree\tfields\n";
  std::vector<std::string> enriched = Event(2);
  for (const char* x : {"ptr.example", "OK", "FR", "64496", "=Org"}) enriched.push_back(x);
  TsvAppendRecord(enriched, tsv);
  tsv += "bad\\qescape\n";
  std::vector<std::string> badtime = Event(3);
  badtime[kTime] = "yesterday";
  TsvAppendRecord(badtime, tsv);
  std::string err;
  StoreResult r = Run(tsv, &err);
  EXPECT_FALSE(r.failed);
  EXPECT_EQ(2u, r.appended);
  EXPECT_EQ(3u, r.malformed);
  EXPECT_EQ(
      "mls-store: line 2: expected 9 or 14 fields (a login: 8 or 13), got 3\n"
      "mls-store: line 4: bad escape '\\q' in field 1\n"
      "mls-store: line 5: field 1 (time) is not an ISO 8601 time\n",
      err);
  std::string expected = kHeaderLine + Row(1);
  CsvAppendEvent(enriched, expected);
  EXPECT_EQ(expected, Slurp(csv_));
}

TEST_F(Store, RunStoreWithNoInputCreatesNothing) {
  StoreResult r = Run("", nullptr);
  EXPECT_FALSE(r.failed);
  EXPECT_EQ(0u, r.appended);
  EXPECT_FALSE(Exists(csv_));
}

TEST_F(Store, RunStoreRefusesAForeignFile) {
  Put(csv_, "a;b\n");
  std::string err;
  StoreResult r = Run(std::string(), &err);
  EXPECT_TRUE(r.failed);
  EXPECT_EQ("mls-store: " + csv_ +
                ": not a maillogsentinel dataset (unexpected header line); "
                "refusing to append\n",
            err);
  EXPECT_EQ("a;b\n", Slurp(csv_));
}

TEST_F(Store, WriteErrorRollsBackTheBatch) {
  Put(csv_, kHeaderLine + Row(0));
  const std::string before = Slurp(csv_);
  std::string tsv;
  for (int i = 0; i < 50; ++i) TsvAppendRecord(Event(i), tsv);

  struct rlimit old {};
  ASSERT_EQ(0, ::getrlimit(RLIMIT_FSIZE, &old));
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = before.size() + 100;
  ASSERT_EQ(0, ::setrlimit(RLIMIT_FSIZE, &small));
  std::string err;
  StoreResult r = Run(tsv, &err);
  ASSERT_EQ(0, ::setrlimit(RLIMIT_FSIZE, &old));
  std::signal(SIGXFSZ, old_handler);

  EXPECT_TRUE(r.failed);
  EXPECT_EQ(0u, r.appended);
  EXPECT_EQ("mls-store: " + csv_ + ": write: File too large\n", err);
  EXPECT_EQ(before, Slurp(csv_));
  EXPECT_FALSE(Exists(journal_));
}

}  // namespace
}  // namespace mls
