#include "sql_mysql.h"

#include <gtest/gtest.h>
#include <mysql.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "sql_import.h"

namespace mls {
namespace {

// A loopback port nobody listens on (bound, then closed).
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

SqlConnection Unreachable() {
  SqlConnection c;
  c.dialect = SqlDialect::kMysql;
  c.name = "mail";
  c.host = "127.0.0.1";
  c.port = ClosedPort();
  c.user = "mls";
  c.password = "s3cret-pw";
  return c;
}

TEST(SqlMysql, UnreachableServerNamesItNeverThePassword) {
  SqlConnection c = Unreachable();
  SqlOpenResult r = OpenMysqlBackend(c);
  ASSERT_FALSE(r.backend);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(0u, r.error->find("mls@127.0.0.1:" + std::to_string(c.port) + "/mail: ")) << *r.error;
  EXPECT_EQ(std::string::npos, r.error->find("s3cret-pw"));
  // OpenSqlBackend picks this backend for mysql.
  SqlOpenResult d = OpenSqlBackend(c);
  ASSERT_TRUE(d.error);
  EXPECT_EQ(*r.error, *d.error);
}

TEST(SqlMysql, TlsRequiredAgainstNoServerStillFailsCleanly) {
  SqlConnection c = Unreachable();
  c.sslmode = "verify-full";
  c.sslrootcert = "/nonexistent/ca.crt";
  SqlOpenResult r = OpenMysqlBackend(c);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(std::string::npos, r.error->find("s3cret-pw"));
}

// With a server (MLS_MARIADB_SOCKET, as tests/services/mariadb prints; root
// over the socket): Load's contract against the real thing.
class SqlMysqlServer : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* sock = std::getenv("MLS_MARIADB_SOCKET");
    const char* port = std::getenv("MLS_MARIADB_PORT");
    if (!sock || !*sock || !port)
      GTEST_SKIP() << "MLS_MARIADB_SOCKET and MLS_MARIADB_PORT are not set (no MariaDB server)";
    root_ = mysql_init(nullptr);
    ASSERT_TRUE(mysql_real_connect(root_, "localhost", "root", nullptr, nullptr, 0, sock, 0))
        << mysql_error(root_);
    db_ = "mls_unit_" + std::to_string(::getpid());
    Query("DROP DATABASE IF EXISTS " + db_);
    Query("CREATE DATABASE " + db_);
    Query("CREATE OR REPLACE USER '" + db_ + "'@'127.0.0.1' IDENTIFIED BY 'unit-pw'");
    Query("GRANT ALL ON " + db_ + ".* TO '" + db_ + "'@'127.0.0.1'");
    conn_.dialect = SqlDialect::kMysql;
    conn_.name = db_;
    conn_.host = "127.0.0.1";
    conn_.port = std::atoi(port);
    conn_.user = db_;
    conn_.password = "unit-pw";
  }
  void TearDown() override {
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
  // Every row, "offset|v|v|..." with NULL for NULL, in offset order.
  std::vector<std::string> Rows() {
    std::vector<std::string> out;
    std::string cols = "row_offset";
    for (Col c : kSqlEventCols) cols += ", " + std::string(SqlColumnName(c));
    EXPECT_EQ(
        0, mysql_query(
               root_, ("SELECT " + cols + " FROM " + db_ + ".events ORDER BY row_offset").c_str()));
    MYSQL_RES* res = mysql_store_result(root_);
    if (!res) return out;
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      unsigned long* len = mysql_fetch_lengths(res);
      std::string s;
      for (unsigned i = 0; i < mysql_num_fields(res); ++i) {
        if (i) s += '|';
        s += row[i] ? std::string(row[i], len[i]) : "NULL";
      }
      out.push_back(s);
    }
    mysql_free_result(res);
    return out;
  }
  SqlBatch Batch(std::uint64_t first, std::size_t n) {
    std::vector<SqlBatchRow> rows;
    const char* hostile[] = {"it's",        "back\\slash", "nul\0byte", "bad\xff utf8",
                             "caf\xc3\xa9", "\"dq\"",      "-- x",      "\n;DROP TABLE events;"};
    for (std::size_t i = 0; i < n; ++i) {
      SqlBatchRow r;
      r.offset = first + i * 10;
      r.fields[kTime] = "2026-11-25T10:00:0" + std::to_string(i % 10) + "+01:00";
      r.fields[kServer] = "mx1";
      r.fields[kIp] = i % 2 ? "192.0.2.1" : "2001:db8::1";
      r.fields[kUser] = i % 9 == 2 ? std::string("nul\0byte", 8) : hostile[i % 8];
      r.fields[kPort] = i % 3 ? std::to_string(1024 + i) : "";
      r.fields[kAsn] = "64496";
      r.fields[kReason] = hostile[(i + 3) % 8];
      rows.push_back(r);
    }
    SqlBatchInfo info;
    info.dialect = SqlDialect::kMysql;
    info.server = "mx1";
    info.dataset = "ds:1";
    info.table = "events";
    info.file = "mls-mx1-" + std::to_string(first) + ".sql";
    info.end = first + n * 10;
    SqlBatchText t = WriteSqlBatch(info, rows);
    EXPECT_FALSE(t.error);
    SqlBatch b = ParseSqlBatch(t.text, info.file);
    EXPECT_FALSE(b.error) << *b.error;
    return b;
  }
  void LoadsEveryRowOnce(MysqlInsertMode mode);
  void RollsBack(MysqlInsertMode mode);
  MYSQL* root_ = nullptr;
  std::string db_;
  SqlConnection conn_;
};

void SqlMysqlServer::LoadsEveryRowOnce(MysqlInsertMode mode) {
  Query("DROP TABLE IF EXISTS " + db_ + ".events, " + db_ + ".events_imports");
  SqlOpenResult o = OpenMysqlBackend(conn_, mode);
  ASSERT_FALSE(o.error) << *o.error;
  // More than one statement's (or bulk execution's) worth, and a tail.
  const std::size_t n = std::max(kSqlMysqlRowsPerStatement * 2, kSqlMysqlBulkRows) + 7;
  SqlBatch b = Batch(100, n);
  SqlLoadResult r = o.backend->Load(b);
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_FALSE(r.already_imported);
  EXPECT_EQ(n, r.inserted);
  std::vector<std::string> rows = Rows();
  ASSERT_EQ(n, rows.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::string expect = std::to_string(b.rows[i].offset);
    for (Col c : kSqlEventCols) expect += "|" + b.rows[i].values[c].value_or("NULL");
    EXPECT_EQ(expect, rows[i]) << i;
  }
  // Again: the journal has it.
  SqlLoadResult again = o.backend->Load(b);
  ASSERT_FALSE(again.error) << *again.error;
  EXPECT_TRUE(again.already_imported);
  EXPECT_EQ(0u, again.inserted);
  // A batch over the same rows with another range: only the new rows count.
  SqlBatch wider = Batch(100, n + 3);
  SqlLoadResult w = o.backend->Load(wider);
  ASSERT_FALSE(w.error) << *w.error;
  EXPECT_EQ(3u, w.inserted);
  EXPECT_EQ(n + 3, Rows().size());
  // The epoch column: 10:00:0S+01:00 is 09:00:0S UTC.
  ASSERT_EQ(0, mysql_query(root_, ("SELECT COUNT(*) FROM " + db_ +
                                   ".events WHERE event_epoch - 1795597200 = "
                                   "CAST(SUBSTRING(event_time, 19, 1) AS SIGNED)")
                                      .c_str()));
  MYSQL_RES* res = mysql_store_result(root_);
  ASSERT_TRUE(res);
  MYSQL_ROW row = mysql_fetch_row(res);
  EXPECT_EQ(std::to_string(n + 3), row[0]);
  mysql_free_result(res);
}

TEST_F(SqlMysqlServer, LoadsEveryRowOnceWithTheStoredValues) {
  LoadsEveryRowOnce(MysqlInsertMode::kAuto);  // bulk with MariaDB
}
TEST_F(SqlMysqlServer, LoadsEveryRowOnceWithTheStoredValuesMultiRow) {
  LoadsEveryRowOnce(MysqlInsertMode::kMultiRow);
}
TEST_F(SqlMysqlServer, LoadsEveryRowOnceWithTheStoredValuesBulk) {
  LoadsEveryRowOnce(MysqlInsertMode::kBulk);
}

// 24 rows of 1 MiB each: more than max_allowed_packet (16 MiB) in one bulk
// execution unless it is split by size.
TEST_F(SqlMysqlServer, BigValuesGoInSeveralPackets) {
  SqlOpenResult o = OpenMysqlBackend(conn_);
  ASSERT_FALSE(o.error) << *o.error;
  SqlBatch b = Batch(100, 24);
  for (SqlStoredRow& row : b.rows) row.values[kReason] = std::string(1 << 20, 'r');
  SqlLoadResult r = o.backend->Load(b);
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(24u, r.inserted);
  EXPECT_EQ(24u, Rows().size());
}

TEST_F(SqlMysqlServer, AnErrorRollsBackTheWholeBatch) {
  for (MysqlInsertMode mode : {MysqlInsertMode::kBulk, MysqlInsertMode::kMultiRow}) {
    Query("DROP TABLE IF EXISTS " + db_ + ".events, " + db_ + ".events_imports");
    RollsBack(mode);
  }
}

void SqlMysqlServer::RollsBack(MysqlInsertMode mode) {
  SqlOpenResult o = OpenMysqlBackend(conn_, mode);
  ASSERT_FALSE(o.error) << *o.error;
  ASSERT_FALSE(o.backend->Load(Batch(100, 3)).error);
  // A constraint that only the last rows of the next batch break (ports up to
  // 3123): the statements before it succeeded, and are rolled back.
  Query("ALTER TABLE " + db_ + ".events ADD CONSTRAINT port_limit CHECK (port < 3100)");
  SqlLoadResult r = o.backend->Load(Batch(100000, 2100));
  ASSERT_TRUE(r.error);
  EXPECT_NE(std::string::npos,
            r.error->find(db_ + "@127.0.0.1:" + std::to_string(conn_.port) + "/" + db_ + ": "))
      << *r.error;
  EXPECT_NE(std::string::npos, r.error->find("port_limit")) << *r.error;
  EXPECT_EQ(0u, r.inserted);
  EXPECT_EQ(3u, Rows().size());
}

}  // namespace
}  // namespace mls
