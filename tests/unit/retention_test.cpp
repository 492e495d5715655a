#include "retention.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "dataset.h"
#include "sql_export.h"
#include "test_files.h"
#include "test_gunzip.h"
#include "txn.h"

namespace mls {
namespace {

constexpr std::time_t kDay = 86400;
constexpr std::time_t kNow = 1764936000;  // 2025-12-05T12:00:00Z

// A row `days` days before kNow, told apart by `user`.
std::string Row(double days, const std::string& user) {
  std::time_t t = kNow - static_cast<std::time_t>(days * kDay);
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
  std::vector<std::string> f(kEnrichedColumns);
  f[kTime] = stamp;
  f[kServer] = "mx1";
  f[kIp] = "192.0.2.7";
  f[kUser] = user;
  f[kMethod] = "LOGIN";
  f[kPort] = "1234";
  f[kAsn] = "64496";
  std::string out;
  CsvAppendEvent(f, out);
  return out;
}

std::string Header() { return std::string(kCsvHeader) + "\n"; }

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::uint64_t Inode(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_ino;
}

class Retention : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE("", dir_);
    csv_ = dir_ + "/maillogsentinel.csv";
    p_.csv = csv_;
    p_.cutoff = kNow - 30 * kDay;
    p_.slack = 0;
    p_.archive_dir = dir_ + "/archive";
    for (const char* s : {"/state", "/state2"}) ::mkdir((dir_ + s).c_str(), 0755);
    e_.csv = csv_;
    e_.state_dir = dir_ + "/state";
    e_.export_dir = dir_ + "/out";
    e_.server = "mx1";
    e_.table = "events";
    e_.now = kNow;
    e_.lock_timeout_seconds = 0;
  }

  PruneResult Prune() {
    PruneResult r = PruneDataset(p_);
    EXPECT_FALSE(r.error) << *r.error;
    return r;
  }
  // Exports; the rows' users by their key (dataset, offset), and the result.
  std::map<std::pair<std::string, std::uint64_t>, std::string> Export(
      SqlExportResult* out = nullptr) {
    SqlExportResult r = ExportSql(e_);
    EXPECT_FALSE(r.error) << *r.error;
    std::map<std::pair<std::string, std::uint64_t>, std::string> rows;
    for (const std::string& f : r.files) {
      SqlBatch b = ReadSqlBatch(f);
      EXPECT_FALSE(b.error) << *b.error;
      for (const SqlStoredRow& row : b.rows)
        rows[{b.info.dataset, row.offset}] = row.values[kUser].value_or("NULL");
    }
    if (out) *out = r;
    return rows;
  }
  void Append(const std::string& rows) { WriteAll(csv_, ReadAll(csv_) + rows); }

  ScratchDir scratch_{"mls-retention"};
  const std::string dir_ = scratch_.path();
  std::string csv_;
  PruneOptions p_;
  SqlExportOptions e_;
};

TEST(RetentionRecord, RoundTrip) {
  RetentionRecord r;
  r.origin_id = "2049:77";
  r.origin_head = Header() + "a;b\n\x01 binary \n";
  r.current = {"2049:80", 1234, std::string("tail\nwith\0nul", 13)};
  EXPECT_EQ(r, DecodeRetentionRecord(EncodeRetentionRecord(r)));
  r.previous = RetentionFile{"2049:77", 0, ""};
  r.archive = "/var/lib/maillogsentinel/archive/maillogsentinel-20250101-20250102.csv.gz";
  std::string text = EncodeRetentionRecord(r);
  EXPECT_EQ(r, DecodeRetentionRecord(text));
  for (std::size_t cut = 0; cut < text.size(); ++cut)
    EXPECT_FALSE(DecodeRetentionRecord(text.substr(0, cut))) << cut;
  EXPECT_FALSE(DecodeRetentionRecord(text + "x"));
}

TEST(RetentionRecord, ArchiveNameByUtcDays) {
  EXPECT_EQ("maillogsentinel-20251205-20251206.csv.gz", ArchiveName(kNow, kNow + kDay));
}

TEST_F(Retention, DropsExactlyTheOldPrefixAndArchivesIt) {
  std::string old_rows = Row(40, "old1") + Row(35, "old2") + Row(30.5, "old3");
  std::string new_rows = Row(29.5, "new1") + Row(1, "new2");
  WriteAll(csv_, Header() + old_rows + new_rows);
  ::chmod(csv_.c_str(), 0604);
  PruneResult r = Prune();
  EXPECT_EQ(3u, r.rows);
  EXPECT_EQ(old_rows.size(), r.bytes);
  EXPECT_EQ(Header() + new_rows, ReadAll(csv_));
  struct stat st {};
  ::stat(csv_.c_str(), &st);
  EXPECT_EQ(0604u, st.st_mode & 07777);  // the dataset's mode kept
  ASSERT_EQ(std::vector<std::string>{"maillogsentinel-20251026-20251105.csv.gz"},
            Files(p_.archive_dir));
  EXPECT_EQ(p_.archive_dir + "/maillogsentinel-20251026-20251105.csv.gz", r.archive);
  EXPECT_EQ(Header() + old_rows, Gunzip(ReadAll(r.archive)));
  // Nothing more is due: the dataset is left alone (same file).
  std::uint64_t ino = Inode(csv_);
  EXPECT_EQ(0u, Prune().rows);
  EXPECT_EQ(ino, Inode(csv_));
  EXPECT_EQ(1u, Files(p_.archive_dir).size());
}

TEST_F(Retention, NeverDropsARowAtOrAfterTheCutoffNorAnythingAfterIt) {
  // Out of order (another server's clock, another config): the old row after
  // a new one stays, and so does everything after the first new row.
  std::string kept = Row(30, "at-cutoff") + Row(50, "late-old") + Row(2, "new");
  WriteAll(csv_, Header() + Row(31, "old") + kept);
  EXPECT_EQ(1u, Prune().rows);
  EXPECT_EQ(Header() + kept, ReadAll(csv_));
}

TEST_F(Retention, UnreadableLinesGoOnlyBetweenOldRows) {
  std::string kept = "broken;line\n" + Row(1, "new");
  WriteAll(csv_, Header() + Row(40, "a") + "garbage\n" + Row(39, "b") + kept);
  PruneResult r = Prune();
  EXPECT_EQ(2u, r.rows);
  EXPECT_EQ(1u, r.unreadable);
  EXPECT_EQ(Header() + kept, ReadAll(csv_));
  EXPECT_EQ(Header() + Row(40, "a") + "garbage\n" + Row(39, "b"), Gunzip(ReadAll(r.archive)));
}

TEST_F(Retention, NothingUntilTheFirstRowIsPastTheSlack) {
  p_.slack = kDay;
  std::string data = Header() + Row(30.5, "half-a-day-past") + Row(1, "new");
  WriteAll(csv_, data);
  EXPECT_EQ(0u, Prune().rows);
  EXPECT_EQ(data, ReadAll(csv_));
  WriteAll(csv_, Header() + Row(31.5, "a") + Row(30.5, "b") + Row(1, "new"));
  EXPECT_EQ(2u, Prune().rows);  // due: then every row past the cutoff goes
  EXPECT_EQ(Header() + Row(1, "new"), ReadAll(csv_));
}

TEST_F(Retention, NoArchiveWhenNotAsked) {
  p_.archive_dir.clear();
  WriteAll(csv_, Header() + Row(40, "a") + Row(1, "b"));
  PruneResult r = Prune();
  EXPECT_EQ(1u, r.rows);
  EXPECT_EQ("", r.archive);
  EXPECT_TRUE(Files(dir_ + "/archive").empty());
}

TEST_F(Retention, EmptyMissingOrAllNewDatasetsAreLeftAlone) {
  EXPECT_EQ(0u, Prune().rows);  // no file
  WriteAll(csv_, "");
  EXPECT_EQ(0u, Prune().rows);
  WriteAll(csv_, Header() + Row(1, "a"));
  EXPECT_EQ(0u, Prune().rows);
  EXPECT_EQ(Header() + Row(1, "a"), ReadAll(csv_));
  struct stat st;
  EXPECT_NE(0, ::stat(RetentionRecordPath(csv_).c_str(), &st));
}

TEST_F(Retention, AllRowsOldLeavesTheHeader) {
  WriteAll(csv_, Header() + Row(40, "a") + Row(39, "b"));
  EXPECT_EQ(2u, Prune().rows);
  EXPECT_EQ(Header(), ReadAll(csv_));
}

TEST_F(Retention, AnotherWritersJournalIsFinishedFirst) {
  WriteAll(csv_, Header() + Row(40, "a") + Row(1, "b"));
  Journal j;
  j.csv = csv_;
  j.owner = "mls-store pid 1";
  ASSERT_FALSE(BeginAppend(j).error);
  Append(Row(0, "uncommitted"));  // its writer died before committing
  PruneResult r = Prune();
  EXPECT_EQ(1u, r.rows);
  EXPECT_EQ(Header() + Row(1, "b"), ReadAll(csv_));
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(std::string::npos, r.notes[0].find("truncated")) << r.notes[0];
}

// The history's tail before a row of the pruned file is the original file's.
TEST_F(Retention, HistoryTailIsTheOriginalBytes) {
  std::string original = Header();
  std::vector<std::uint64_t> ends;
  for (int i = 0; i < 12; ++i) {
    original += Row(60 - i * 5, "user" + std::to_string(i));
    ends.push_back(original.size());
  }
  WriteAll(csv_, original);
  p_.cutoff = kNow - 36 * kDay;  // rows 0..4 (60..40 days) go
  ASSERT_EQ(5u, Prune().rows);
  std::optional<RetentionRecord> record;
  ASSERT_FALSE(LoadRetentionRecord(csv_, record));
  ASSERT_TRUE(record);
  struct stat st {};
  ::stat(csv_.c_str(), &st);
  DatasetHistory h = HistoryOf(record, FileIdOf(st.st_dev, st.st_ino));
  ASSERT_TRUE(h.pruned);
  EXPECT_EQ(ends[4] - Header().size(), h.base);
  int fd = ::open(csv_.c_str(), O_RDONLY);
  for (std::size_t i = 4; i < ends.size(); ++i) {
    std::uint64_t logical = ends[i];
    std::uint64_t from = logical > kHistoryTailBytes ? logical - kHistoryTailBytes : 0;
    EXPECT_EQ(original.substr(from, logical - from),
              HistoryTail(fd, Header().size(), h, logical - h.base))
        << i;
  }
  ::close(fd);
  // A second prune keeps the origin and adds to the base.
  p_.cutoff = kNow - 21 * kDay;  // rows 5..7 go
  ASSERT_EQ(3u, Prune().rows);
  ASSERT_FALSE(LoadRetentionRecord(csv_, record));
  ::stat(csv_.c_str(), &st);
  DatasetHistory h2 = HistoryOf(record, FileIdOf(st.st_dev, st.st_ino));
  EXPECT_EQ(h.origin_id, h2.origin_id);
  EXPECT_EQ(original.substr(0, ends[0]), h2.origin_head);
  EXPECT_EQ(ends[7] - Header().size(), h2.base);
  fd = ::open(csv_.c_str(), O_RDONLY);
  for (std::size_t i = 7; i < ends.size(); ++i) {
    std::uint64_t from = ends[i] > kHistoryTailBytes ? ends[i] - kHistoryTailBytes : 0;
    EXPECT_EQ(original.substr(from, ends[i] - from),
              HistoryTail(fd, Header().size(), h2, ends[i] - h2.base))
        << i;
  }
  ::close(fd);
}

// The export goes on after prunes under the same identity and offsets: every
// row once, with the key it would have had without retention.
TEST_F(Retention, ExportStaysExactlyOnceAcrossPrunes) {
  std::string data = Header();
  std::map<std::uint64_t, std::string> offsets;  // the rows' offsets without retention
  auto add = [&](double days, const std::string& user) {
    offsets[data.size()] = user;
    data += Row(days, user);
    Append(Row(days, user));
  };
  WriteAll(csv_, Header());
  add(50, "a");
  add(45, "b");
  add(40, "c");
  auto first = Export();
  ASSERT_EQ(3u, first.size());
  const std::string dataset = first.begin()->first.first;
  add(35, "d");
  add(2, "e");
  p_.cutoff = kNow - 42 * kDay;  // a, b
  ASSERT_EQ(2u, Prune().rows);
  auto second = Export();
  std::map<std::pair<std::string, std::uint64_t>, std::string> want;
  for (auto& [off, user] : offsets)
    if (user == "d" || user == "e") want[{dataset, off}] = user;
  EXPECT_EQ(want, second);
  add(1, "f");
  p_.cutoff = kNow - 30 * kDay;  // c, d (c exported, d exported)
  ASSERT_EQ(2u, Prune().rows);
  add(0.5, "g");
  auto third = Export();
  want.clear();
  for (auto& [off, user] : offsets)
    if (user == "f" || user == "g") want[{dataset, off}] = user;
  EXPECT_EQ(want, third);
  EXPECT_TRUE(Export().empty());

  // A new cursor (another state dir) starts at the first row left, with the
  // same offsets.
  e_.state_dir = dir_ + "/state2";
  auto fresh = Export();
  std::set<std::uint64_t> got, expected;
  for (auto& [key, user] : fresh) got.insert(key.second);
  for (auto& [off, user] : offsets)
    if (user == "e" || user == "f" || user == "g") expected.insert(off);
  EXPECT_EQ(expected, got);
}

TEST_F(Retention, RowsPrunedBeforeTheirExportAreNamedAndSkipped) {
  WriteAll(csv_, Header() + Row(50, "a"));
  ASSERT_EQ(1u, Export().size());
  Append(Row(45, "b") + Row(2, "c"));
  ASSERT_EQ(2u, Prune().rows);  // a (exported), b (not)
  SqlExportResult r;
  auto rows = Export(&r);
  ASSERT_EQ(1u, rows.size());
  EXPECT_EQ("c", rows.begin()->second);
  EXPECT_EQ(Row(45, "b").size(), r.pruned_bytes);
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(std::string::npos, r.notes[0].find("pruned")) << r.notes[0];
  EXPECT_TRUE(Export().empty());
}

// A prune stopped after each of its steps, as a kill -9 would: the dataset is
// the old one or the new one, complete; the export loads every row once; the
// next prune finishes the work and leaves one archive with the dropped rows.
TEST_F(Retention, CrashAtEveryStep) {
  for (const char* step : {"record", "archive", "replaced"}) {
    SCOPED_TRACE(step);
    ScratchDir scratch("mls-retention-crash");
    const std::string d = scratch.path();
    csv_ = p_.csv = e_.csv = d + "/maillogsentinel.csv";
    p_.archive_dir = d + "/archive";
    e_.state_dir = d;
    e_.export_dir = d + "/out";
    const std::string old_rows = Row(50, "a") + Row(45, "b") + Row(40, "c");
    const std::string before = Header() + old_rows + Row(20, "d");
    WriteAll(csv_, Header() + Row(50, "a") + Row(45, "b"));
    auto exported = Export();  // a, b
    ASSERT_EQ(2u, exported.size());
    WriteAll(csv_, before);
    const std::string after = Header() + Row(20, "d");

    p_.step = [&](std::string_view s) { return s == step; };
    PruneResult stopped = PruneDataset(p_);
    ASSERT_TRUE(stopped.error);
    const std::string now = ReadAll(csv_);
    EXPECT_TRUE(now == before || now == after);
    EXPECT_EQ(now == after, std::string(step) == "replaced");

    Append(Row(10, "e"));  // a later run's rows
    for (auto& kv : Export()) exported.insert(kv);
    std::multiset<std::string> users;
    for (auto& [key, user] : exported) users.insert(user);
    // c was exported if the export came before the prune replaced the file;
    // after, c was pruned unexported (in the archive).
    if (now == before)
      EXPECT_EQ((std::multiset<std::string>{"a", "b", "c", "d", "e"}), users);
    else
      EXPECT_EQ((std::multiset<std::string>{"a", "b", "d", "e"}), users);

    p_.step = {};
    PruneResult done = Prune();
    EXPECT_EQ(now == before ? 3u : 0u, done.rows);
    EXPECT_EQ(Header() + Row(20, "d") + Row(10, "e"), ReadAll(csv_));
    std::vector<std::string> archives = Files(p_.archive_dir);
    ASSERT_EQ(1u, archives.size());
    EXPECT_EQ(Header() + old_rows, Gunzip(ReadAll(p_.archive_dir + "/" + archives[0])));
    std::vector<std::string> left = Files(d);
    for (const std::string& f : left) EXPECT_EQ(std::string::npos, f.find(".tmp")) << f;
    Append(Row(5, "f"));
    auto last = Export();
    ASSERT_EQ(1u, last.size());
    EXPECT_EQ("f", last.begin()->second);
    for (auto& kv : last) EXPECT_EQ(0u, exported.count(kv.first));
  }
}

}  // namespace
}  // namespace mls
