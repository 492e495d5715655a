#include "sql_import.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock.h"
#include "test_files.h"

namespace mls {
namespace {

SqlBatchRow Row(std::uint64_t offset, const std::string& user) {
  SqlBatchRow r;
  r.offset = offset;
  r.fields[kTime] = "2026-11-25T20:18:08+00:00";
  r.fields[kServer] = "mx1";
  r.fields[kIp] = "192.0.2.7";
  r.fields[kUser] = user;
  r.fields[kPort] = "587";
  return r;
}

class SqlImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE("", dir_);
    ::mkdir(o_.export_dir.c_str(), 0755);
    o_.table = "events";
    o_.connection.name = dir_ + "/db.sqlite";
    o_.lock_timeout_seconds = 0;
  }

  // Writes a batch file of rows [first, first + n) with users u<i>.
  std::string Batch(const std::string& name, std::uint64_t first, int n,
                    const std::string& server = "mx1") {
    SqlBatchInfo info;
    info.server = server;
    info.dataset = "1:2:abc:20261205T120000Z";
    info.table = "events";
    info.file = name;
    std::vector<SqlBatchRow> rows;
    for (int i = 0; i < n; ++i)
      rows.push_back(Row(first + static_cast<std::uint64_t>(i), "u" + std::to_string(first + i)));
    info.end = first + static_cast<std::uint64_t>(n);
    SqlBatchText t = WriteSqlBatch(info, rows);
    EXPECT_FALSE(t.error);
    WriteAll(o_.export_dir + "/" + name, t.text);
    return o_.export_dir + "/" + name;
  }

  std::string Query(const std::string& sql) {
    sqlite3* db = nullptr;
    std::string out;
    EXPECT_EQ(SQLITE_OK, sqlite3_open(o_.connection.name.c_str(), &db));
    char* msg = nullptr;
    sqlite3_exec(
        db, sql.c_str(),
        [](void* p, int n, char** v, char**) {
          auto* s = static_cast<std::string*>(p);
          for (int i = 0; i < n; ++i) *s += std::string(i ? "|" : "") + (v[i] ? v[i] : "NULL");
          *s += "\n";
          return 0;
        },
        &out, &msg);
    if (msg) {
      out += std::string("error: ") + msg;
      sqlite3_free(msg);
    }
    sqlite3_close(db);
    return out;
  }
  bool Exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }

  ScratchDir scratch_{"mls-sql-import"};
  const std::string dir_ = scratch_.path();
  SqlImportOptions o_{dir_ + "/out", "", {}, 0};
};

TEST_F(SqlImportTest, NothingToImport) {
  SqlImportResult r = ImportSql(o_);
  EXPECT_FALSE(r.error);
  EXPECT_EQ(0u, r.imported);
  EXPECT_FALSE(Exists(o_.connection.name));  // not even created
  o_.export_dir = dir_ + "/none";
  EXPECT_FALSE(ImportSql(o_).error);
}

TEST_F(SqlImportTest, ImportsInOrderOnceAndMoves) {
  std::string a = Batch("mls-mx1-1.sql", 10, 3);
  std::string b = Batch("mls-mx1-2.sql", 13, 2);
  SqlImportResult r = ImportSql(o_);
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_TRUE(r.failures.empty());
  EXPECT_EQ(2u, r.imported);
  EXPECT_EQ(5u, r.rows);
  EXPECT_FALSE(Exists(a));
  EXPECT_TRUE(Exists(o_.export_dir + "/imported/mls-mx1-1.sql"));
  EXPECT_EQ("u10\nu11\nu12\nu13\nu14\n", Query("SELECT username FROM events ORDER BY rowid"));
  EXPECT_EQ("587|integer\n", Query("SELECT DISTINCT port, typeof(port) FROM events"));
  EXPECT_EQ("mls-mx1-1.sql|10|13|3\nmls-mx1-2.sql|13|15|2\n",
            Query("SELECT file, first_offset, end_offset, row_count FROM events_imports "
                  "ORDER BY file"));
  // The same file again (copied back): the journal has it, moved, nothing loaded.
  Batch("mls-mx1-1.sql", 10, 3);
  r = ImportSql(o_);
  EXPECT_EQ(0u, r.imported);
  EXPECT_EQ(1u, r.already);
  EXPECT_FALSE(Exists(a));
  EXPECT_EQ("5\n", Query("SELECT count(*) FROM events"));
}

// Rows repeated under another range (an export killed before its cursor
// moved): the UNIQUE key keeps one of each, the new rows are loaded.
TEST_F(SqlImportTest, RepeatedRowsLoadOnce) {
  Batch("mls-mx1-1.sql", 10, 3);
  Batch("mls-mx1-2.sql", 10, 5);
  SqlImportResult r = ImportSql(o_);
  EXPECT_EQ(2u, r.imported);
  EXPECT_EQ(5u, r.rows);
  EXPECT_EQ("5\n", Query("SELECT count(*) FROM events"));
  EXPECT_EQ("2\n", Query("SELECT count(*) FROM events_imports"));
}

TEST_F(SqlImportTest, TheSameAsTheFileLoadedBySqlite) {
  std::string a = Batch("mls-mx1-1.sql", 10, 3);
  std::string text = ReadAll(a);
  sqlite3* db = nullptr;
  ASSERT_EQ(SQLITE_OK, sqlite3_open(o_.connection.name.c_str(), &db));
  ASSERT_EQ(SQLITE_OK, sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr));
  sqlite3_close(db);
  std::string by_hand = Query("SELECT * FROM events; SELECT * FROM events_imports");
  SqlImportResult r = ImportSql(o_);  // the journal has it already
  EXPECT_EQ(1u, r.already);
  EXPECT_EQ(by_hand, Query("SELECT * FROM events; SELECT * FROM events_imports"));
  ::unlink(o_.connection.name.c_str());
  ::rename((o_.export_dir + "/imported/mls-mx1-1.sql").c_str(), a.c_str());
  r = ImportSql(o_);  // into an empty database
  EXPECT_EQ(1u, r.imported);
  EXPECT_EQ(by_hand, Query("SELECT * FROM events; SELECT * FROM events_imports"));
}

TEST_F(SqlImportTest, ATamperedFileFailsTheOthersAreImported) {
  Batch("mls-mx1-1.sql", 10, 2);
  std::string bad = Batch("mls-mx1-2.sql", 12, 2);
  Batch("mls-mx1-3.sql", 14, 2);
  std::string text = ReadAll(bad);
  text.replace(text.find("'u12'"), 5, "'u99'");
  WriteAll(bad, text);
  SqlImportResult r = ImportSql(o_);
  ASSERT_FALSE(r.error);
  ASSERT_EQ(1u, r.failures.size());
  EXPECT_NE(std::string::npos, r.failures[0].find(bad + ": line ")) << r.failures[0];
  EXPECT_NE(std::string::npos, r.failures[0].find("SHA-256")) << r.failures[0];
  EXPECT_EQ(2u, r.imported);
  EXPECT_TRUE(Exists(bad));  // left for a later retry
  EXPECT_EQ("u10\nu11\nu14\nu15\n", Query("SELECT username FROM events ORDER BY row_offset"));
}

TEST_F(SqlImportTest, ADatabaseErrorRollsTheWholeFileBack) {
  // A table the batch's rows partly violate (a CHECK the second row breaks).
  std::vector<std::string> schema = SqlSchema(SqlDialect::kSqlite, "events");
  std::string create = schema[0];
  create.insert(create.rfind(')'), ", CHECK (username <> 'u11')");
  sqlite3* db = nullptr;
  ASSERT_EQ(SQLITE_OK, sqlite3_open(o_.connection.name.c_str(), &db));
  ASSERT_EQ(SQLITE_OK, sqlite3_exec(db, create.c_str(), nullptr, nullptr, nullptr));
  sqlite3_close(db);
  std::string a = Batch("mls-mx1-1.sql", 10, 3);
  Batch("mls-mx1-2.sql", 20, 1);
  SqlImportResult r = ImportSql(o_);
  ASSERT_EQ(1u, r.failures.size());
  EXPECT_NE(std::string::npos, r.failures[0].find("not imported (rolled back)")) << r.failures[0];
  EXPECT_NE(std::string::npos, r.failures[0].find("CHECK constraint failed")) << r.failures[0];
  EXPECT_TRUE(Exists(a));
  EXPECT_EQ("u20\n", Query("SELECT username FROM events"));  // nothing of u10, u12
  EXPECT_EQ("mls-mx1-2.sql\n", Query("SELECT file FROM events_imports"));
}

TEST_F(SqlImportTest, AFileForAnotherTableIsRefused) {
  std::string a = Batch("mls-mx1-1.sql", 10, 1);
  o_.table = "other";
  SqlImportResult r = ImportSql(o_);
  ASSERT_EQ(1u, r.failures.size());
  EXPECT_EQ(a + ": written for sqlite table events, not for this database's sqlite table other",
            r.failures[0]);
  EXPECT_TRUE(Exists(a));
}

TEST_F(SqlImportTest, OnlyBatchNamesAreRead) {
  WriteAll(o_.export_dir + "/notes.txt", "x");
  WriteAll(o_.export_dir + "/mls-mx1-1.sql.tmpAbC123", "partial");
  SqlImportResult r = ImportSql(o_);
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.failures.empty());
  EXPECT_EQ(0u, r.imported);
}

TEST_F(SqlImportTest, AnotherImportHoldsTheLock) {
  Batch("mls-mx1-1.sql", 10, 1);
  FileLock lock;
  ASSERT_EQ(FileLock::Status::kLocked, lock.Acquire(SqlImportLockPath(o_.export_dir), 0));
  SqlImportResult r = ImportSql(o_);
  ASSERT_TRUE(r.error);
  EXPECT_NE(std::string::npos, r.error->find("another import is running"));
  lock.Release();
  EXPECT_EQ(1u, ImportSql(o_).imported);
}

TEST_F(SqlImportTest, AnUnopenableDatabaseIsAnError) {
  Batch("mls-mx1-1.sql", 10, 1);
  o_.connection.name = dir_ + "/missing/db.sqlite";
  SqlImportResult r = ImportSql(o_);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(0u, r.error->find(o_.connection.name + ": ")) << *r.error;
}

}  // namespace
}  // namespace mls
