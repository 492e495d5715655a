#include "sql_reader.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "test_files.h"

namespace mls {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// Every row of `sql`, NULL as "", or the error as the only cell of one row
// prefixed "error: ".
Rows All(SqlReader& r, const std::string& sql, const std::vector<std::string>& params = {}) {
  Rows out;
  auto err = r.Select(sql, params, [&](std::span<const std::string_view> cells) {
    out.emplace_back(cells.begin(), cells.end());
    return true;
  });
  if (err) return {{"error: " + *err}};
  return out;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// ---- SQLite: a file written here, read through the reader --------------------

class SqlReaderSqlite : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    path_ = dir_.path() + "/events.db";
    sqlite3* db = nullptr;
    ASSERT_EQ(SQLITE_OK, sqlite3_open(path_.c_str(), &db));
    const char* sql =
        "CREATE TABLE events (id INTEGER PRIMARY KEY, user TEXT, asn INTEGER);"
        "INSERT INTO events VALUES (1, 'alice', 64496), (2, 'it''s; DROP TABLE events; --', NULL),"
        " (3, NULL, 64497);"
        "CREATE TABLE seq (n INTEGER PRIMARY KEY);"
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 10000)"
        " INSERT INTO seq SELECT n FROM s;";
    char* err = nullptr;
    ASSERT_EQ(SQLITE_OK, sqlite3_exec(db, sql, nullptr, nullptr, &err)) << err;
    sqlite3_close(db);
    SqlConnection c;
    c.dialect = SqlDialect::kSqlite;
    c.name = path_;
    SqlReaderOpenResult o = OpenSqlReader(c);
    ASSERT_FALSE(o.error) << *o.error;
    ASSERT_TRUE(o.reader);
    reader_ = std::move(o.reader);
  }
  ScratchDir dir_{"mls-sql-reader"};
  std::string path_;
  std::unique_ptr<SqlReader> reader_;
};

TEST_F(SqlReaderSqlite, ParamsAreBoundAsDataNeverAsSql) {
  EXPECT_EQ(SqlDialect::kSqlite, reader_->dialect());
  const std::string hostile = "it's; DROP TABLE events; --";
  EXPECT_EQ((Rows{{"2"}}), All(*reader_, "SELECT id FROM events WHERE user = ?", {hostile}));
  EXPECT_EQ(
      (Rows{{"1", "alice"}}),
      All(*reader_, "SELECT id, user FROM events WHERE user = ? AND asn = ?", {"alice", "64496"}));
  // The same text spliced would have been a syntax error or worse: here it
  // matches nothing, and the table is still there.
  EXPECT_EQ((Rows{}), All(*reader_, "SELECT id FROM events WHERE user = ?", {"' OR '1'='1"}));
  EXPECT_EQ((Rows{{"3"}}), All(*reader_, "SELECT count(*) FROM events"));
}

TEST_F(SqlReaderSqlite, NullIsAnEmptyCell) {
  EXPECT_EQ(
      (Rows{{"1", "alice", "64496"}, {"2", "it's; DROP TABLE events; --", ""}, {"3", "", "64497"}}),
      All(*reader_, "SELECT id, user, asn FROM events ORDER BY id"));
}

TEST_F(SqlReaderSqlite, StreamsEveryRowInOrder) {
  long long expect = 1;
  bool in_order = true;
  auto err = reader_->Select("SELECT n, 'row ' || n FROM seq ORDER BY n", {},
                             [&](std::span<const std::string_view> cells) {
                               in_order = in_order && cells.size() == 2 &&
                                          cells[0] == std::to_string(expect) &&
                                          cells[1] == "row " + std::to_string(expect);
                               ++expect;
                               return true;
                             });
  EXPECT_FALSE(err) << *err;
  EXPECT_TRUE(in_order);
  EXPECT_EQ(10001, expect);
}

TEST_F(SqlReaderSqlite, StopsWhenTheCallbackSaysSo) {
  int calls = 0;
  auto err = reader_->Select("SELECT n FROM seq ORDER BY n", {},
                             [&](std::span<const std::string_view>) { return ++calls < 5; });
  EXPECT_FALSE(err) << *err;
  EXPECT_EQ(5, calls);
  // The reader goes on working.
  EXPECT_EQ((Rows{{"10000"}}), All(*reader_, "SELECT max(n) FROM seq"));
}

TEST_F(SqlReaderSqlite, AnSqlErrorIsTheDatabasesMessage) {
  Rows r = All(*reader_, "SELECT nope FROM events");
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ("error: " + path_ + ": no such column: nope", r[0][0]);
  r = All(*reader_, "SELEKT 1");
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ(0u, r[0][0].find("error: " + path_ + ": ")) << r[0][0];
  // More parameters than the statement has (or fewer): refused, never half-bound.
  r = All(*reader_, "SELECT id FROM events WHERE user = ?", {"a", "b"});
  EXPECT_EQ("error: " + path_ + ": the statement has 1 parameters, 2 given", r[0][0]);
  r = All(*reader_, "SELECT id FROM events WHERE user = ?");
  EXPECT_EQ("error: " + path_ + ": the statement has 1 parameters, 0 given", r[0][0]);
}

TEST_F(SqlReaderSqlite, OneStatementOnly) {
  Rows r = All(*reader_, "SELECT 1; DELETE FROM events");
  EXPECT_EQ((Rows{{"error: " + path_ + ": more than one statement"}}), r);
  EXPECT_EQ((Rows{{"1"}}), All(*reader_, "SELECT 1; -- a comment\n"));
}

TEST_F(SqlReaderSqlite, TheFileIsReadOnly) {
  Rows r = All(*reader_, "DELETE FROM events");
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ("error: " + path_ + ": attempt to write a readonly database", r[0][0]);
  EXPECT_EQ((Rows{{"3"}}), All(*reader_, "SELECT count(*) FROM events"));
}

TEST(SqlReaderSqliteOpen, AMissingFileIsAnErrorAndIsNotCreated) {
  ScratchDir dir("mls-sql-reader");
  SqlConnection c;
  c.dialect = SqlDialect::kSqlite;
  c.name = dir.path() + "/missing.db";
  SqlReaderOpenResult o = OpenSqlReader(c);
  EXPECT_FALSE(o.reader);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(c.name + ": unable to open database file", *o.error);
  EXPECT_FALSE(Exists(c.name));
}

// ---- PostgreSQL (MLS_PG_ADMIN_URL, as tests/services/postgresql prints) -------

// A PostgreSQL server's connection for the reader, from MLS_PG_ADMIN_URL (TLS
// checked against MLS_PG_CA when it is set), and an admin connection of libpq
// for what the reader may not do.
class SqlReaderPostgresql : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("MLS_PG_ADMIN_URL");
    if (!url || !*url) GTEST_SKIP() << "MLS_PG_ADMIN_URL is not set (no PostgreSQL server)";
    char* errmsg = nullptr;
    PQconninfoOption* opts = PQconninfoParse(url, &errmsg);
    ASSERT_TRUE(opts) << (errmsg ? errmsg : "");
    conn_.dialect = SqlDialect::kPostgresql;
    for (PQconninfoOption* o = opts; o->keyword; ++o) {
      if (!o->val) continue;
      std::string k = o->keyword, v = o->val;
      if (k == "host") conn_.host = v;
      if (k == "port") conn_.port = std::atoi(v.c_str());
      if (k == "user") conn_.user = v;
      if (k == "password") conn_.password = v;
      if (k == "dbname") conn_.name = v;
    }
    PQconninfoFree(opts);
    if (const char* ca = std::getenv("MLS_PG_CA"); ca && *ca) {
      conn_.sslmode = "verify-full";
      conn_.sslrootcert = ca;
    }
    admin_ = PQconnectdb(url);
    ASSERT_EQ(CONNECTION_OK, PQstatus(admin_)) << PQerrorMessage(admin_);
    PQsetNoticeProcessor(
        admin_, [](void*, const char*) {}, nullptr);
    table_ = "mls_reader_unit_" + std::to_string(::getpid());
    Admin("DROP TABLE IF EXISTS " + table_);
    Admin("CREATE TABLE " + table_ + " (id BIGINT, name TEXT)");
    Admin("INSERT INTO " + table_ + " VALUES (1, 'it''s; DROP TABLE x; --'), (2, NULL)");
    Admin("CREATE SEQUENCE IF NOT EXISTS " + table_ + "_seq");
    SqlReaderOpenResult o = OpenSqlReader(conn_);
    ASSERT_FALSE(o.error) << *o.error;
    reader_ = std::move(o.reader);
  }
  void TearDown() override {
    reader_.reset();
    if (admin_) {
      if (!table_.empty()) {
        PQclear(PQexec(admin_, ("DROP TABLE IF EXISTS " + table_).c_str()));
        PQclear(PQexec(admin_, ("DROP SEQUENCE IF EXISTS " + table_ + "_seq").c_str()));
      }
      PQfinish(admin_);
    }
  }
  void Admin(const std::string& sql) {
    PGresult* r = PQexec(admin_, sql.c_str());
    EXPECT_EQ(PGRES_COMMAND_OK, PQresultStatus(r)) << sql << ": " << PQerrorMessage(admin_);
    PQclear(r);
  }
  SqlConnection conn_;
  PGconn* admin_ = nullptr;
  std::string table_;
  std::unique_ptr<SqlReader> reader_;
};

TEST_F(SqlReaderPostgresql, ParamsNullsStreamingErrorsAndReadOnly) {
  EXPECT_EQ(SqlDialect::kPostgresql, reader_->dialect());
  EXPECT_EQ((Rows{{"1"}}), All(*reader_, "SELECT id FROM " + table_ + " WHERE name = $1",
                               {"it's; DROP TABLE x; --"}));
  EXPECT_EQ((Rows{{"1", "it's; DROP TABLE x; --"}, {"2", ""}}),
            All(*reader_, "SELECT id, name FROM " + table_ + " ORDER BY id"));
  EXPECT_EQ((Rows{{"3", "", "t"}}),
            All(*reader_, "SELECT $1::int + $2::int, NULL, true", {"1", "2"}));
  EXPECT_EQ((Rows{{"mls-report"}}), All(*reader_, "SELECT current_setting('application_name')"));
  if (conn_.sslmode == "verify-full") {
    EXPECT_EQ((Rows{{"t"}}),
              All(*reader_, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"));
  }

  // 100k rows, in order, one at a time.
  long long expect = 1;
  bool in_order = true;
  auto err =
      reader_->Select("SELECT n, repeat('x', (n % 7)::int) FROM generate_series(1, $1::int) n",
                      {"100000"}, [&](std::span<const std::string_view> cells) {
                        in_order = in_order && cells[0] == std::to_string(expect) &&
                                   cells[1] == std::string(expect % 7, 'x');
                        ++expect;
                        return true;
                      });
  EXPECT_FALSE(err) << *err;
  EXPECT_TRUE(in_order);
  EXPECT_EQ(100001, expect);

  // Stopping early cancels the query; the next one works.
  int calls = 0;
  // (In the select list, generate_series streams; in FROM, it would be
  // materialized whole before the first row.)
  err = reader_->Select("SELECT generate_series(1, 100000000)", {},
                        [&](std::span<const std::string_view>) { return ++calls < 3; });
  EXPECT_FALSE(err) << *err;
  EXPECT_EQ(3, calls);
  EXPECT_EQ((Rows{{"42"}}), All(*reader_, "SELECT 42"));

  // Errors: the server's message after the server's name, never the password;
  // also one that comes after some rows.
  const std::string where = SqlServerName(conn_) + ": ";
  Rows r = All(*reader_, "SELECT nope FROM " + table_);
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ(0u, r[0][0].find("error: " + where + "ERROR: column \"nope\" does not exist LINE 1: "))
      << r[0][0];
  EXPECT_EQ(std::string::npos, r[0][0].find(conn_.password));
  calls = 0;
  err = reader_->Select("SELECT 1 / (3 - n) FROM generate_series(1, 5) n", {},
                        [&](std::span<const std::string_view>) {
                          ++calls;
                          return true;
                        });
  ASSERT_TRUE(err);
  EXPECT_EQ(where + "ERROR: division by zero", *err);
  EXPECT_EQ((Rows{{"ok"}}), All(*reader_, "SELECT 'ok'"));
  r = All(*reader_, "SELECT $1::text", {std::string("a\0b", 3)});
  EXPECT_EQ((Rows{{"error: " + where + "parameter $1 holds a NUL byte"}}), r);

  // The session is read-only: an INSERT is refused, and so is a function
  // that writes.
  r = All(*reader_, "INSERT INTO " + table_ + " VALUES (3, 'no')");
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ(0u, r[0][0].find("error: " + where + "ERROR: ")) << r[0][0];
  r = All(*reader_, "SELECT nextval('" + table_ + "_seq')");
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ("error: " + where + "ERROR: cannot execute nextval() in a read-only transaction",
            r[0][0]);
  EXPECT_EQ((Rows{{"2"}}), All(*reader_, "SELECT count(*) FROM " + table_));
}

TEST_F(SqlReaderPostgresql, AWrongPasswordNamesTheServerNeverThePassword) {
  SqlConnection c = conn_;
  c.password = "wrong-pw-123";
  SqlReaderOpenResult o = OpenSqlReader(c);
  EXPECT_FALSE(o.reader);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(0u, o.error->find(SqlServerName(c) + ": ")) << *o.error;
  EXPECT_EQ(std::string::npos, o.error->find("wrong-pw-123")) << *o.error;
}

// ---- MariaDB (MLS_MARIADB_SOCKET, MLS_MARIADB_PORT as tests/services/mariadb prints)

class SqlReaderMysql : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* sock = std::getenv("MLS_MARIADB_SOCKET");
    const char* port = std::getenv("MLS_MARIADB_PORT");
    if (!sock || !*sock || !port)
      GTEST_SKIP() << "MLS_MARIADB_SOCKET and MLS_MARIADB_PORT are not set (no MariaDB server)";
    root_ = mysql_init(nullptr);
    ASSERT_TRUE(mysql_real_connect(root_, "localhost", "root", nullptr, nullptr, 0, sock, 0))
        << mysql_error(root_);
    db_ = "mls_reader_" + std::to_string(::getpid());
    Query("DROP DATABASE IF EXISTS " + db_);
    Query("CREATE DATABASE " + db_);
    Query("CREATE OR REPLACE USER '" + db_ + "'@'127.0.0.1' IDENTIFIED BY 'unit-pw'");
    Query("GRANT ALL ON " + db_ + ".* TO '" + db_ + "'@'127.0.0.1'");
    Query("CREATE TABLE " + db_ + ".t (id BIGINT, name MEDIUMTEXT)");
    Query("INSERT INTO " + db_ + ".t VALUES (1, 'it''s; DROP TABLE t; --'), (2, NULL)");
    conn_.dialect = SqlDialect::kMysql;
    conn_.name = db_;
    conn_.host = "127.0.0.1";
    conn_.port = std::atoi(port);
    conn_.user = db_;
    conn_.password = "unit-pw";
    if (const char* ca = std::getenv("MLS_MARIADB_CA"); ca && *ca) {
      conn_.sslmode = "verify-full";
      conn_.sslrootcert = ca;
    }
    SqlReaderOpenResult o = OpenSqlReader(conn_);
    ASSERT_FALSE(o.error) << *o.error;
    reader_ = std::move(o.reader);
  }
  void TearDown() override {
    reader_.reset();
    if (root_) {
      if (!db_.empty()) {
        mysql_query(root_, ("DROP DATABASE IF EXISTS " + db_).c_str());
        mysql_query(root_, ("DROP USER IF EXISTS '" + db_ + "'@'127.0.0.1'").c_str());
      }
      mysql_close(root_);
    }
  }
  void Query(const std::string& sql) {
    ASSERT_EQ(0, mysql_query(root_, sql.c_str())) << sql << ": " << mysql_error(root_);
  }
  MYSQL* root_ = nullptr;
  std::string db_;
  SqlConnection conn_;
  std::unique_ptr<SqlReader> reader_;
};

TEST_F(SqlReaderMysql, ParamsNullsStreamingErrorsAndReadOnly) {
  EXPECT_EQ(SqlDialect::kMysql, reader_->dialect());
  EXPECT_EQ((Rows{{"1"}}),
            All(*reader_, "SELECT id FROM t WHERE name = ?", {"it's; DROP TABLE t; --"}));
  EXPECT_EQ((Rows{{"1", "it's; DROP TABLE t; --"}, {"2", ""}}),
            All(*reader_, "SELECT id, name FROM t ORDER BY id"));
  EXPECT_EQ((Rows{{"3", "", "+00:00"}}),
            All(*reader_, "SELECT CAST(? AS SIGNED) + CAST(? AS SIGNED), NULL, @@session.time_zone",
                {"1", "2"}));
  EXPECT_EQ((Rows{{"utf8mb4", "1"}}),
            All(*reader_, "SELECT @@character_set_client, @@session.tx_read_only"));
  if (conn_.sslmode == "verify-full") {
    EXPECT_EQ((Rows{{"1"}}),
              All(*reader_,
                  "SELECT VARIABLE_VALUE <> '' FROM information_schema.SESSION_STATUS "
                  "WHERE VARIABLE_NAME = 'SSL_CIPHER'"));
  }

  // 100k rows, in order, one at a time off the network.
  long long expect = 1;
  bool in_order = true;
  auto err = reader_->Select("SELECT seq, REPEAT('x', seq % 7) FROM seq_1_to_100000 WHERE seq <= ?",
                             {"100000"}, [&](std::span<const std::string_view> cells) {
                               in_order = in_order && cells[0] == std::to_string(expect) &&
                                          cells[1] == std::string(expect % 7, 'x');
                               ++expect;
                               return true;
                             });
  EXPECT_FALSE(err) << *err;
  EXPECT_TRUE(in_order);
  EXPECT_EQ(100001, expect);

  // Values longer than a column's buffer: grown and fetched again, the
  // shorter ones and NULLs after them still right.
  expect = 1;
  in_order = true;
  err = reader_->Select(
      "SELECT seq, IF(seq % 3 = 0, NULL, REPEAT(CHAR(64 + seq % 26), seq * 701)), 'z' "
      "FROM seq_1_to_300",
      {}, [&](std::span<const std::string_view> cells) {
        std::string want =
            expect % 3 == 0 ? std::string() : std::string(expect * 701, char(64 + expect % 26));
        in_order =
            in_order && cells[0] == std::to_string(expect) && cells[1] == want && cells[2] == "z";
        ++expect;
        return true;
      });
  EXPECT_FALSE(err) << *err;
  EXPECT_TRUE(in_order);
  EXPECT_EQ(301, expect);

  // Stopping early; the next query works.
  int calls = 0;
  err = reader_->Select("SELECT seq FROM seq_1_to_100000", {},
                        [&](std::span<const std::string_view>) { return ++calls < 3; });
  EXPECT_FALSE(err) << *err;
  EXPECT_EQ(3, calls);
  EXPECT_EQ((Rows{{"42"}}), All(*reader_, "SELECT 42"));

  // Errors: the server's message after the server's name.
  const std::string where = SqlServerName(conn_) + ": ";
  EXPECT_EQ((Rows{{"error: " + where + "Table '" + db_ + ".nope' doesn't exist"}}),
            All(*reader_, "SELECT * FROM nope"));
  EXPECT_EQ((Rows{{"error: " + where + "the statement has 1 parameters, 0 given"}}),
            All(*reader_, "SELECT ?"));

  // The session is read-only.
  Rows r = All(*reader_, "INSERT INTO t VALUES (3, 'no')");
  EXPECT_EQ((Rows{{"error: " + where + "Cannot execute statement in a READ ONLY transaction"}}), r);
  EXPECT_EQ((Rows{{"2"}}), All(*reader_, "SELECT COUNT(*) FROM t"));
}

}  // namespace
}  // namespace mls
