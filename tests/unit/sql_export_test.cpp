#include "sql_export.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "dataset.h"
#include "test_files.h"
#include "txn.h"

namespace mls {
namespace {

std::string Row(int i, const std::string& user = "alice") {
  std::vector<std::string> f(kEnrichedColumns);
  f[kTime] =
      "2026-11-25T20:18:" + std::string(i < 10 ? "0" : "") + std::to_string(i % 60) + "+00:00";
  f[kServer] = "mx1";
  f[kIp] = "192.0.2." + std::to_string(i % 250);
  f[kUser] = user;
  f[kMethod] = "LOGIN";
  f[kPort] = std::to_string(1000 + i);
  f[kAsn] = "64496";
  std::string out;
  CsvAppendEvent(f, out);
  return out;
}

std::string Header() { return std::string(kCsvHeader) + "\n"; }

class SqlExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE("", dir_);
    ::mkdir((dir_ + "/state").c_str(), 0755);
    o_.csv = dir_ + "/d.csv";
    o_.state_dir = dir_ + "/state";
    o_.export_dir = dir_ + "/out";
    o_.server = "mx1";
    o_.table = "events";
    o_.now = 1764936000;  // 2025-12-05T12:00:00Z
    o_.lock_timeout_seconds = 0;
  }

  // Exports and returns the rows of the files written (all parsed back).
  std::vector<SqlStoredRow> Export(SqlExportResult* out = nullptr) {
    SqlExportResult r = ExportSql(o_);
    EXPECT_FALSE(r.error) << *r.error;
    std::vector<SqlStoredRow> rows;
    for (const std::string& f : r.files) {
      SqlBatch b = ReadSqlBatch(f);
      EXPECT_FALSE(b.error) << *b.error;
      last_dataset_ = b.info.dataset;
      rows.insert(rows.end(), b.rows.begin(), b.rows.end());
    }
    if (out) *out = r;
    return rows;
  }
  std::vector<std::string> Users(const std::vector<SqlStoredRow>& rows) {
    std::vector<std::string> users;
    for (const SqlStoredRow& r : rows) users.push_back(r.values[kUser].value_or("NULL"));
    return users;
  }

  ScratchDir scratch_{"mls-sql-export"};
  const std::string dir_ = scratch_.path();
  SqlExportOptions o_;
  std::string last_dataset_;
};

TEST_F(SqlExportTest, NoDatasetNoHeaderNoRows) {
  EXPECT_TRUE(Export().empty());
  WriteAll(o_.csv, "");
  EXPECT_TRUE(Export().empty());
  WriteAll(o_.csv, Header());
  EXPECT_TRUE(Export().empty());
  struct stat st;
  EXPECT_NE(0, ::stat(o_.export_dir.c_str(), &st));  // nothing written, not even the dir
}

TEST_F(SqlExportTest, NewRowsOnlyThenNothing) {
  WriteAll(o_.csv, Header() + Row(1, "a") + Row(2, "b"));
  SqlExportResult r;
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), Users(Export(&r)));
  ASSERT_EQ(1u, r.files.size());
  EXPECT_EQ(o_.export_dir + "/mls-mx1-20251205T120000Z-000001.sql", r.files[0]);
  std::string first_dataset = last_dataset_;
  EXPECT_TRUE(Export(&r).empty());
  EXPECT_TRUE(r.files.empty());
  std::ofstream(o_.csv, std::ios::app) << Row(3, "c");
  std::vector<SqlStoredRow> rows = Export(&r);
  EXPECT_EQ((std::vector<std::string>{"c"}), Users(rows));
  ASSERT_EQ(1u, r.files.size());
  EXPECT_EQ(o_.export_dir + "/mls-mx1-20251205T120000Z-000002.sql", r.files[0]);
  EXPECT_EQ(first_dataset, last_dataset_);
  EXPECT_EQ(Header().size() + Row(1, "a").size() + Row(2, "b").size(), rows[0].offset);
}

TEST_F(SqlExportTest, FilesSortInCreationOrder) {
  std::vector<std::string> names;
  WriteAll(o_.csv, Header());
  for (int i = 0; i < 12; ++i) {
    std::ofstream(o_.csv, std::ios::app) << Row(i);
    o_.now += i % 3 == 0 ? 1 : 0;  // several in one second
    SqlExportResult r = ExportSql(o_);
    ASSERT_FALSE(r.error);
    ASSERT_EQ(1u, r.files.size());
    names.push_back(r.files[0]);
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(names.end(), std::unique(names.begin(), names.end()));
}

TEST_F(SqlExportTest, BigExportsSplitIntoFiles) {
  std::string data = Header();
  for (int i = 0; i < 25; ++i) data += Row(i, "u" + std::to_string(i));
  WriteAll(o_.csv, data);
  o_.max_rows_per_file = 10;
  SqlExportResult r;
  EXPECT_EQ(25u, Export(&r).size());
  EXPECT_EQ(3u, r.files.size());
}

TEST_F(SqlExportTest, TruncatedDatasetStartsOver) {
  WriteAll(o_.csv, Header() + Row(1, "a") + Row(2, "b") + Row(3, "c"));
  Export();
  std::string before = last_dataset_;
  ASSERT_EQ(0,
            ::truncate(o_.csv.c_str(), static_cast<off_t>(Header().size() + Row(1, "a").size())));
  std::ofstream(o_.csv, std::ios::app) << Row(4, "d");
  o_.now += 5;
  SqlExportResult r;
  EXPECT_EQ((std::vector<std::string>{"a", "d"}), Users(Export(&r)));
  EXPECT_NE(before, last_dataset_);
  ASSERT_EQ(1u, r.notes.size());
  EXPECT_NE(std::string::npos, r.notes[0].find("not the dataset of the last export"));
}

TEST_F(SqlExportTest, ShorterDatasetStartsOver) {
  WriteAll(o_.csv, Header() + Row(1, "a") + Row(2, "b"));
  Export();
  WriteAll(o_.csv, Header() + Row(1, "a"));  // same inode, shorter than the cursor
  EXPECT_EQ((std::vector<std::string>{"a"}), Users(Export()));
}

TEST_F(SqlExportTest, ReplacedDatasetStartsOver) {
  WriteAll(o_.csv, Header() + Row(1, "a"));
  Export();
  std::string before = last_dataset_;
  WriteAll(dir_ + "/new.csv", Header() + Row(1, "a") + Row(2, "b"));
  ASSERT_EQ(0, ::rename((dir_ + "/new.csv").c_str(), o_.csv.c_str()));
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), Users(Export()));
  EXPECT_NE(before, last_dataset_);
}

TEST_F(SqlExportTest, RewrittenInPlaceStartsOver) {
  WriteAll(o_.csv, Header() + Row(1, "a") + Row(2, "b"));
  Export();
  WriteAll(o_.csv, Header() + Row(1, "x") + Row(2, "y") + Row(3, "z"));  // reset, same inode
  EXPECT_EQ((std::vector<std::string>{"x", "y", "z"}), Users(Export()));
  // Only the last exported row changed: the tail check sees it.
  WriteAll(o_.csv, Header() + Row(1, "x") + Row(2, "y") + Row(3, "Z") + Row(4, "w"));
  EXPECT_EQ((std::vector<std::string>{"x", "y", "Z", "w"}), Users(Export()));
}

TEST_F(SqlExportTest, OnlyCommittedCompleteRows) {
  std::string committed = Header() + Row(1, "a");
  std::string row2 = Row(2, "b");
  // A writer's transaction in progress (or dead): its journal says where it began.
  WriteAll(o_.csv, committed + row2 + "mx1;2026-11-25T20:18:09+00:00;unfinished");
  Journal j;
  j.csv = o_.csv;
  j.csv_size = committed.size();
  j.owner = "test";
  WriteAll(DatasetJournalPath(o_.csv), EncodeJournal(j));
  EXPECT_EQ((std::vector<std::string>{"a"}), Users(Export()));
  ::unlink(DatasetJournalPath(o_.csv).c_str());  // committed: row 2 is the dataset's now
  EXPECT_EQ((std::vector<std::string>{"b"}), Users(Export()));  // not the unfinished line
  std::ofstream(o_.csv, std::ios::app) << ";x\n";
  EXPECT_TRUE(Export().empty());  // the finished line is not a valid row: skipped
}

TEST_F(SqlExportTest, TheOlderToolsDatasetIsExportedToo) {
  WriteAll(o_.csv, std::string(kLegacyCsvHeader) + "\n" +
                       "mx1;25/11/2026 20:18;192.0.2.1;bob;null;N/A;FR;64496;Org\n");
  std::vector<SqlStoredRow> rows = Export();
  ASSERT_EQ(1u, rows.size());
  const SqlStoredRow& r = rows[0];
  ASSERT_TRUE(r.values[kTime]);
  EXPECT_TRUE(IsIsoTime(*r.values[kTime])) << *r.values[kTime];
  EXPECT_EQ(0u, r.values[kTime]->find("2026-11-25T"));
  EXPECT_EQ("bob", r.values[kUser]);
  EXPECT_FALSE(r.values[kRdns]);        // "null": no value
  EXPECT_FALSE(r.values[kRdnsStatus]);  // "N/A": no value
  EXPECT_EQ("64496", r.values[kAsn]);
  EXPECT_FALSE(r.values[kPort]);  // not in the older format
}

TEST_F(SqlExportTest, SkippedRowsAreReported) {
  std::string bad = Row(2, "b");
  bad.replace(bad.find("64496"), 5, "+1");
  WriteAll(o_.csv, Header() + Row(1, "a") + bad + Row(3, "c"));
  SqlExportResult r;
  EXPECT_EQ((std::vector<std::string>{"a", "c"}), Users(Export(&r)));
  EXPECT_EQ(1u, r.skipped);
  ASSERT_EQ(1u, r.notes.size());
  EXPECT_NE(std::string::npos, r.notes[0].find("asn is not a number: +1")) << r.notes[0];
}

// A crash after the batch file's rename, before the cursor moved: the next
// export repeats the rows under the same identity and offsets (the UNIQUE key
// then keeps one of each) and never reuses the file's name.
TEST_F(SqlExportTest, CrashBeforeTheCursorMovedRepeatsTheSameKeys) {
  WriteAll(o_.csv, Header() + Row(1, "a"));
  Export();
  std::string cursor = ReadAll(SqlExportCursorPath(o_.state_dir));
  std::ofstream(o_.csv, std::ios::app) << Row(2, "b");
  SqlExportResult r1, r2;
  std::vector<SqlStoredRow> first = Export(&r1);
  std::string dataset = last_dataset_;
  WriteAll(SqlExportCursorPath(o_.state_dir), cursor);  // as if the cursor never moved
  std::vector<SqlStoredRow> again = Export(&r2);
  ASSERT_EQ(1u, first.size());
  ASSERT_EQ(1u, again.size());
  EXPECT_EQ(first[0].offset, again[0].offset);
  EXPECT_EQ(first[0].values, again[0].values);
  EXPECT_EQ(dataset, last_dataset_);
  EXPECT_NE(r1.files, r2.files);
}

TEST_F(SqlExportTest, MalformedCursorIsAnError) {
  WriteAll(o_.csv, Header() + Row(1, "a"));
  WriteAll(SqlExportCursorPath(o_.state_dir), "garbage\n");
  SqlExportResult r = ExportSql(o_);
  ASSERT_TRUE(r.error);
  EXPECT_NE(std::string::npos, r.error->find("malformed export cursor")) << *r.error;
  EXPECT_TRUE(r.files.empty());
}

TEST_F(SqlExportTest, UnwritableExportDirMovesNothing) {
  WriteAll(o_.csv, Header() + Row(1, "a"));
  o_.export_dir = dir_ + "/missing/out";
  SqlExportResult r = ExportSql(o_);
  ASSERT_TRUE(r.error);
  o_.export_dir = dir_ + "/out";
  EXPECT_EQ(1u, Export().size());  // the cursor had not moved
}

TEST_F(SqlExportTest, RemovesAKilledExportsTemporaryFiles) {
  WriteAll(o_.csv, Header() + Row(1, "a"));
  ::mkdir(o_.export_dir.c_str(), 0755);
  const std::string stale = o_.export_dir + "/mls-mx1-20251205T120000Z-000001.sql.tmpAbC123";
  const std::string cursor_tmp = SqlExportCursorPath(o_.state_dir) + ".tmpAbC123";
  const std::string other = o_.export_dir + "/mls-mx2-20251205T120000Z-000001.sql.tmpAbC123";
  for (const std::string& f : {stale, cursor_tmp, other}) WriteAll(f, "x");
  Export();
  struct stat st;
  EXPECT_NE(0, ::stat(stale.c_str(), &st));
  EXPECT_NE(0, ::stat(cursor_tmp.c_str(), &st));
  EXPECT_EQ(0, ::stat(other.c_str(), &st));  // another server's export may be writing it
}

TEST(SqlExportCursor, RoundTripAndStrictness) {
  SqlExportCursor c;
  c.dataset = "1:2:0123456789abcdef:20261205T120000Z";
  c.device = 1;
  c.inode = 2;
  c.head = std::string(64, 'a');
  c.offset = 99;
  c.tail = std::string(64, 'b');
  c.seq = 7;
  std::string text = EncodeSqlExportCursor(c);
  EXPECT_EQ(c, DecodeSqlExportCursor(text));
  for (std::size_t n = 0; n < text.size(); ++n)
    EXPECT_FALSE(DecodeSqlExportCursor(text.substr(0, n))) << n;
  EXPECT_FALSE(DecodeSqlExportCursor(text + "x"));
  std::string bad = text;
  bad.replace(bad.find("offset 99"), 9, "offset -1");
  EXPECT_FALSE(DecodeSqlExportCursor(bad));
}

}  // namespace
}  // namespace mls
