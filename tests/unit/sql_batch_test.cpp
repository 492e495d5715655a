#include "sql_batch.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "config.h"

namespace mls {
namespace {

// Every byte an attacker can put in a cell.
std::vector<std::string> HostileValues() {
  return {
      "it's",
      "''; DROP TABLE t; --",
      "back\\slash\\",
      "\\x00",
      "\\\\x41",
      std::string("nul\0byte", 8),
      std::string("\0", 1),
      "cr\rlf\nend\r\n",
      "tab\there",
      "bad\xff\xfeutf8",
      "\xc3",                      // truncated sequence
      "\xed\xa0\x80",              // surrogate
      "\xc0\xaf",                  // overlong
      "caf\xc3\xa9 \xe2\x80\xae",  // valid UTF-8, bidi override kept
      std::string(300, 'u'),
      "=cmd|' /C calc'!A0",
      "+1",
      "-1",
      "@SUM(1)",
      "'quoted'",
      "\");",
      "NULL",
      "\x1b[31mred",
      "\x7f",
  };
}

TEST(SqlStoredText, Rule) {
  EXPECT_EQ("plain", SqlStoredText("plain"));
  EXPECT_EQ("it's", SqlStoredText("it's"));
  EXPECT_EQ("a\\\\b", SqlStoredText("a\\b"));
  EXPECT_EQ("a\\x00b", SqlStoredText(std::string("a\0b", 3)));
  EXPECT_EQ("\\xFF\\xC3", SqlStoredText("\xff\xc3"));
  EXPECT_EQ("caf\xc3\xa9", SqlStoredText("caf\xc3\xa9"));
  EXPECT_EQ("cr\rlf\n", SqlStoredText("cr\rlf\n"));
}

TEST(SqlStoredText, RoundTripsEveryHostileValue) {
  for (const std::string& v : HostileValues()) {
    std::string stored = SqlStoredText(v);
    EXPECT_EQ(std::string::npos, stored.find('\0')) << v;
    std::optional<std::string> raw = SqlRawText(stored);
    ASSERT_TRUE(raw) << stored;
    EXPECT_EQ(v, *raw);
  }
}

TEST(SqlStoredText, RoundTripsEveryByte) {
  for (int b = 0; b < 256; ++b) {
    std::string v = "x";
    v += static_cast<char>(b);
    v += "y";
    std::optional<std::string> raw = SqlRawText(SqlStoredText(v));
    ASSERT_TRUE(raw) << b;
    EXPECT_EQ(v, *raw) << b;
  }
}

TEST(SqlRawText, RejectsWhatTheRuleNeverWrites) {
  EXPECT_FALSE(SqlRawText("a\\b"));        // lone backslash
  EXPECT_FALSE(SqlRawText("a\\"));         // at the end
  EXPECT_FALSE(SqlRawText("\\x4"));        // short
  EXPECT_FALSE(SqlRawText("\\xff"));       // lower-case hex
  EXPECT_FALSE(SqlRawText("\\x41"));       // 'A' is never escaped
  EXPECT_FALSE(SqlRawText("\\xC3\\xA9"));  // valid UTF-8 is never escaped
  EXPECT_FALSE(SqlRawText("\xff"));        // invalid UTF-8 as it is
  EXPECT_FALSE(SqlRawText(std::string("\0", 1)));
  EXPECT_TRUE(SqlRawText("\\xC3"));  // a lone lead byte is
}

// IsSqlStoredText is SqlRawText's verdict, without building the raw text.
TEST(SqlRawText, IsSqlStoredTextAgrees) {
  std::vector<std::string> cases = {"a\\b",  "a\\",        "\\x4",        "\\xff",
                                    "\\x41", "\\xC3\\xA9", "\xff",        std::string("\0", 1),
                                    "\\xC3", "plain",      "caf\xc3\xa9", "a\\\\b",
                                    "",      "\xc3",       "\xe2\x82"};
  for (const std::string& v : HostileValues()) cases.push_back(SqlStoredText(v));
  for (int b = 0; b < 256; ++b) cases.push_back("x" + std::string(1, static_cast<char>(b)) + "y");
  for (const std::string& c : cases) EXPECT_EQ(SqlRawText(c).has_value(), IsSqlStoredText(c)) << c;
}

TEST(SqlIdentifier, Rule) {
  EXPECT_TRUE(ValidSqlIdentifier("maillogsentinel_events"));
  EXPECT_TRUE(ValidSqlIdentifier("_t1"));
  EXPECT_FALSE(ValidSqlIdentifier(""));
  EXPECT_FALSE(ValidSqlIdentifier("1t"));
  EXPECT_FALSE(ValidSqlIdentifier("t\"; DROP"));
  EXPECT_FALSE(ValidSqlIdentifier("a-b"));
  EXPECT_FALSE(ValidSqlIdentifier("a.b"));
  EXPECT_TRUE(ValidSqlIdentifier(std::string(55, 'a')));
  EXPECT_FALSE(ValidSqlIdentifier(std::string(56, 'a')));
  EXPECT_EQ(63u, SqlJournalTable(std::string(55, 'a')).size());
}

SqlBatchInfo Info() {
  SqlBatchInfo info;
  info.server = "mx1.example.org";
  info.dataset = "2049:1234:0123abcd";
  info.table = "events";
  info.file = "mls-mx1.example.org-20261205T120000Z-000001.sql";
  return info;
}

SqlBatchRow Row(std::uint64_t offset) {
  SqlBatchRow r;
  r.offset = offset;
  r.fields[kTime] = "2026-11-25T20:18:08+00:00";
  r.fields[kServer] = "mx1";
  r.fields[kIp] = "192.0.2.7";
  r.fields[kUser] = "alice";
  r.fields[kMethod] = "LOGIN";
  r.fields[kClient] = "unknown";
  r.fields[kPort] = "49582";
  r.fields[kService] = "postfix/submission/smtpd";
  r.fields[kReason] = "UGFzc3dvcmQ6";
  r.fields[kRdns] = "host.example.com";
  r.fields[kRdnsStatus] = "OK";
  r.fields[kCountry] = "US";
  r.fields[kAsn] = "15169";
  r.fields[kAsOrg] = "Google LLC";
  return r;
}

// A row per hostile value, the value in every free-text column (time, ip,
// port and asn are checked: SqlRowError).
std::vector<SqlBatchRow> HostileRows() {
  std::vector<SqlBatchRow> rows;
  std::uint64_t off = 100;
  for (const std::string& v : HostileValues()) {
    SqlBatchRow r = Row(off);
    for (Col c : kSqlEventCols)
      if (!SqlIntegerColumn(c) && c != kTime && c != kIp) r.fields[c] = v;
    rows.push_back(r);
    off += 1000;
  }
  SqlBatchRow empty = Row(off);  // every cell but the time absent
  for (std::string& f : empty.fields) f.clear();
  empty.fields[kTime] = "2026-11-25T20:18:08Z";
  rows.push_back(empty);
  return rows;
}

void ExpectSameRows(const std::vector<SqlBatchRow>& in, const std::vector<SqlStoredRow>& out) {
  ASSERT_EQ(in.size(), out.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(in[i].offset, out[i].offset);
    for (std::size_t c = 0; c < kEnrichedColumns; ++c) {
      if (in[i].fields[c].empty()) {
        EXPECT_FALSE(out[i].values[c]) << i << " " << c;
        continue;
      }
      ASSERT_TRUE(out[i].values[c]) << i << " " << c;
      std::optional<std::string> raw = SqlRawText(*out[i].values[c]);
      ASSERT_TRUE(raw);
      EXPECT_EQ(in[i].fields[c], *raw) << i << " " << c;
    }
  }
}

TEST(SqlBatch, WritesTheHeader) {
  std::vector<SqlBatchRow> rows = {Row(40), Row(200)};
  SqlBatchInfo info = Info();
  info.end = 400;
  SqlBatchText t = WriteSqlBatch(info, rows);
  ASSERT_FALSE(t.error) << *t.error;
  std::string_view text = t.text;
  EXPECT_EQ(0u, text.find("-- maillogsentinel sql batch 1\n"
                          "-- dialect: sqlite\n"
                          "-- server: mx1.example.org\n"
                          "-- dataset: 2049:1234:0123abcd\n"
                          "-- table: events\n"
                          "-- file: mls-mx1.example.org-20261205T120000Z-000001.sql\n"
                          "-- range: 40-400\n"
                          "-- rows: 2\n"
                          "-- body-sha256: "));
  EXPECT_NE(std::string::npos, text.find("\nBEGIN;\n"));
  EXPECT_EQ(text.size() - 9, text.rfind("\nCOMMIT;\n"));
}

TEST(SqlBatch, RoundTripsHostileValuesExactly) {
  std::vector<SqlBatchRow> rows = HostileRows();
  SqlBatchInfo info = Info();
  info.end = rows.back().offset + 1;
  SqlBatchText t = WriteSqlBatch(info, rows);
  ASSERT_FALSE(t.error) << *t.error;
  SqlBatch b = ParseSqlBatch(t.text, "b.sql");
  ASSERT_FALSE(b.error) << *b.error;
  EXPECT_EQ(rows.size(), b.info.rows);
  EXPECT_EQ(100u, b.info.first);
  EXPECT_EQ(info.end, b.info.end);
  EXPECT_EQ(info.server, b.info.server);
  EXPECT_EQ(info.dataset, b.info.dataset);
  EXPECT_EQ(info.file, b.info.file);
  ExpectSameRows(rows, b.rows);
}

TEST(SqlBatch, RefusesBadInput) {
  SqlBatchInfo info = Info();
  info.end = 1000;
  EXPECT_TRUE(WriteSqlBatch(info, {}).error);
  EXPECT_TRUE(WriteSqlBatch(info, {Row(5), Row(5)}).error);  // offsets must increase
  EXPECT_TRUE(WriteSqlBatch(info, {Row(1000)}).error);       // past the end
  SqlBatchRow bad_port = Row(5);
  bad_port.fields[kPort] = "80x";
  EXPECT_EQ("row at byte 5: port is not a number: 80x", WriteSqlBatch(info, {bad_port}).error);
  EXPECT_EQ("port is not a number: 80x", SqlRowError(bad_port));
  bad_port.fields[kPort] = "-1";
  EXPECT_TRUE(SqlRowError(bad_port));
  bad_port.fields[kPort] = "9223372036854775808";
  EXPECT_TRUE(SqlRowError(bad_port));
  bad_port.fields[kPort] = "9223372036854775807";
  EXPECT_FALSE(SqlRowError(bad_port));
  SqlBatchRow bad = Row(5);
  bad.fields[kIp] = "192.0.2.300";
  EXPECT_EQ("ip is not an IP address: 192.0.2.300", SqlRowError(bad));
  bad.fields[kIp] = "";  // absent: NULL
  EXPECT_FALSE(SqlRowError(bad));
  bad.fields[kTime] = "25/11/2026 20:18";
  EXPECT_EQ("time is not an ISO 8601 time: 25/11/2026 20:18", SqlRowError(bad));
  bad.fields[kTime] = "";
  EXPECT_TRUE(SqlRowError(bad));
  bad_port.fields[kPort] = "080";  // not canonical: would not read back the same
  EXPECT_TRUE(WriteSqlBatch(info, {bad_port}).error);
  for (const std::string& server :
       std::vector<std::string>{"", "a b", "x'y", "a\nb", std::string(254, 'a')}) {
    SqlBatchInfo i = info;
    i.server = server;
    EXPECT_TRUE(WriteSqlBatch(i, {Row(1)}).error) << server;
  }
  SqlBatchInfo i = info;
  i.table = "t\"x";
  EXPECT_TRUE(WriteSqlBatch(i, {Row(1)}).error);
  i = info;
  i.dataset = "a'b";
  EXPECT_TRUE(WriteSqlBatch(i, {Row(1)}).error);
  i = info;
  i.file = "../x";
  EXPECT_TRUE(WriteSqlBatch(i, {Row(1)}).error);
}

class SqlBatchReader : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<SqlBatchRow> rows = {Row(10), Row(20), Row(30)};
    SqlBatchInfo info = Info();
    info.end = 40;
    SqlBatchText t = WriteSqlBatch(info, rows);
    ASSERT_FALSE(t.error);
    text_ = t.text;
    ASSERT_FALSE(ParseSqlBatch(text_, "b.sql").error);
  }
  std::optional<std::string> Error(const std::string& text) {
    SqlBatch b = ParseSqlBatch(text, "b.sql");
    if (b.error) {
      EXPECT_TRUE(b.rows.empty());
    }
    return b.error;
  }
  std::string Replace(std::string_view from, std::string_view to) {
    std::string s = text_;
    std::size_t at = s.find(from);
    EXPECT_NE(std::string::npos, at) << from;
    s.replace(at, from.size(), to);
    return s;
  }
  std::string text_;
};

TEST(SqlBatch, PostgresqlDialect) {
  EXPECT_EQ(SqlDialect::kPostgresql, ParseSqlDialect("postgresql"));
  EXPECT_EQ("postgresql", SqlDialectName(SqlDialect::kPostgresql));
  EXPECT_FALSE(ParseSqlDialect("oracle"));
  std::vector<SqlBatchRow> rows = HostileRows();
  SqlBatchInfo info = Info();
  info.dialect = SqlDialect::kPostgresql;
  info.end = rows.back().offset + 1;
  SqlBatchText t = WriteSqlBatch(info, rows);
  ASSERT_FALSE(t.error) << *t.error;
  EXPECT_NE(std::string::npos, t.text.find("\n-- dialect: postgresql\n"));
  EXPECT_NE(std::string::npos, t.text.find("\nSET client_encoding = 'UTF8';\n"
                                           "SET standard_conforming_strings = on;\nBEGIN;\n"));
  EXPECT_NE(std::string::npos, t.text.find("event_time TIMESTAMPTZ, log_server TEXT, ip INET"));
  EXPECT_EQ(std::string::npos, t.text.find(" INTEGER"));
  SqlBatch b = ParseSqlBatch(t.text, "b.sql");
  ASSERT_FALSE(b.error) << *b.error;
  EXPECT_EQ(SqlDialect::kPostgresql, b.info.dialect);
  ExpectSameRows(rows, b.rows);
  // The same file claiming another dialect is refused (its prologue is not that one's).
  std::string other = t.text;
  other.replace(other.find("dialect: postgresql"), 19, "dialect: sqlite");
  EXPECT_TRUE(ParseSqlBatch(other, "b.sql").error);
}

// A mysql file: the body between its header and epilogue, with the checksum
// recomputed after `edit` (so that only the reader's own checks can refuse it).
std::string MysqlWithBody(const std::string& text, std::string_view from, std::string_view to) {
  std::size_t body = text.find("SET NAMES");
  std::size_t epi = text.rfind("INSERT INTO \"events_imports\"");
  std::string b = text.substr(body, epi - body);
  std::size_t at = b.find(from);
  EXPECT_NE(std::string::npos, at) << from;
  if (at != std::string::npos) b.replace(at, from.size(), to);
  std::string s = text.substr(0, body) + b + text.substr(epi);
  s.replace(s.find("-- body-sha256: ") + 16, 64, Sha256Hex(b));
  return s;
}

TEST(SqlBatch, MysqlDialect) {
  EXPECT_EQ(SqlDialect::kMysql, ParseSqlDialect("mysql"));
  EXPECT_EQ("mysql", SqlDialectName(SqlDialect::kMysql));
  std::vector<SqlBatchRow> rows = HostileRows();
  SqlBatchInfo info = Info();
  info.dialect = SqlDialect::kMysql;
  info.end = rows.back().offset + 1;
  SqlBatchText t = WriteSqlBatch(info, rows);
  ASSERT_FALSE(t.error) << *t.error;
  EXPECT_NE(std::string::npos, t.text.find("\n-- dialect: mysql\n"));
  // The session is pinned first, the schema (DDL commits implicitly) before the transaction.
  const std::string pinned =
      "\nSET NAMES utf8mb4;\nSET SESSION sql_mode = "
      "'ANSI_QUOTES,NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION';"
      "\nSET SESSION time_zone = '+00:00';\nCREATE TABLE IF NOT EXISTS \"events\" (";
  EXPECT_NE(std::string::npos, t.text.find(pinned));
  EXPECT_EQ(std::string::npos, t.text.find("BEGIN;"));
  EXPECT_LT(t.text.find("CREATE TABLE IF NOT EXISTS \"events_imports\""),
            t.text.find("START TRANSACTION;\nINSERT INTO \"events\""));
  EXPECT_NE(std::string::npos,
            t.text.find("row_offset BIGINT NOT NULL, event_time TEXT, log_server MEDIUMTEXT, ip "
                        "VARCHAR(45), username MEDIUMTEXT"));
  EXPECT_NE(std::string::npos, t.text.find("source VARCHAR(253) NOT NULL, dataset VARCHAR(128)"));
  EXPECT_NE(std::string::npos, t.text.find(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
                                           "COLLATE=utf8mb4_bin;\n"));
  EXPECT_NE(std::string::npos, t.text.find("UNIQUE \"events_key\" (source, dataset, row_offset)"));
  EXPECT_NE(std::string::npos, t.text.find("INDEX \"events_time\" (event_epoch)"));
  EXPECT_NE(std::string::npos,
            t.text.find(")\nON DUPLICATE KEY UPDATE row_offset = row_offset;\n"));
  EXPECT_NE(std::string::npos, t.text.find(") ON DUPLICATE KEY UPDATE end_offset = end_offset;\n"
                                           "COMMIT;\n"));
  EXPECT_EQ(std::string::npos, t.text.find("ON CONFLICT"));
  EXPECT_EQ(std::string::npos, t.text.find("IGNORE"));
  SqlBatch b = ParseSqlBatch(t.text, "b.sql");
  ASSERT_FALSE(b.error) << *b.error;
  EXPECT_EQ(SqlDialect::kMysql, b.info.dialect);
  ExpectSameRows(rows, b.rows);
  // The same body claiming another dialect is refused.
  std::string other = t.text;
  other.replace(other.find("dialect: mysql"), 14, "dialect: postgresql");
  EXPECT_TRUE(ParseSqlBatch(other, "b.sql").error);
  // A prologue that does not pin the same session (checksum valid) is refused.
  for (auto [from, to] : std::vector<std::pair<std::string_view, std::string_view>>{
           {"NO_BACKSLASH_ESCAPES,", ""},
           {"SET NAMES utf8mb4;\n", ""},
           {"SET NAMES utf8mb4", "SET NAMES latin1"},
           {"'+00:00'", "'+01:00'"},
           {"START TRANSACTION;\n", ""},
           {"COLLATE=utf8mb4_bin", "COLLATE=utf8mb4_general_ci"},
           {"UPDATE row_offset = row_offset", "UPDATE username = 'x'"}}) {
    std::string s = MysqlWithBody(t.text, from, to);
    SqlBatch bad = ParseSqlBatch(s, "b.sql");
    ASSERT_TRUE(bad.error) << from;
    EXPECT_EQ(std::string::npos, bad.error->find("SHA-256")) << *bad.error;
  }
  EXPECT_FALSE(ParseSqlBatch(MysqlWithBody(t.text, "SET NAMES", "SET NAMES"), "b.sql").error);
}

TEST(SqlBatch, ConflictClauseByDialect) {
  EXPECT_EQ(" ON CONFLICT (source, dataset, row_offset) DO NOTHING",
            SqlDoNothingOnConflict(SqlDialect::kSqlite, kSqlEventsKey));
  EXPECT_EQ(" ON CONFLICT (source, dataset, row_offset) DO NOTHING",
            SqlDoNothingOnConflict(SqlDialect::kPostgresql, kSqlEventsKey));
  EXPECT_EQ(" ON DUPLICATE KEY UPDATE row_offset = row_offset",
            SqlDoNothingOnConflict(SqlDialect::kMysql, kSqlEventsKey));
  EXPECT_EQ(" ON DUPLICATE KEY UPDATE end_offset = end_offset",
            SqlDoNothingOnConflict(SqlDialect::kMysql, kSqlJournalKey));
  std::vector<std::string> schema = SqlSchema(SqlDialect::kMysql, "t");
  ASSERT_EQ(2u, schema.size());
  EXPECT_EQ(0u, schema[1].find("CREATE TABLE IF NOT EXISTS \"t_imports\" ("));
  EXPECT_NE(std::string::npos,
            schema[1].find("PRIMARY KEY (source, dataset, first_offset, end_offset)"));
  EXPECT_NE(std::string::npos, schema[0].find("INDEX \"t_server\" (source, log_server(255))"));
  EXPECT_NE(std::string::npos, schema[0].find("INDEX \"t_ip\" (ip)"));
}

TEST_F(SqlBatchReader, ChecksumMismatch) {
  std::optional<std::string> err = Error(Replace("alice", "alicf"));
  ASSERT_TRUE(err);
  EXPECT_NE(std::string::npos, err->find("SHA-256")) << *err;
}

TEST_F(SqlBatchReader, EveryTruncation) {
  for (std::size_t n = 0; n < text_.size(); ++n) EXPECT_TRUE(Error(text_.substr(0, n))) << n;
  EXPECT_TRUE(Error(text_ + "\n"));
  EXPECT_TRUE(Error(text_ + text_));
}

TEST_F(SqlBatchReader, EveryByteFlip) {
  for (std::size_t n = 0; n < text_.size(); ++n) {
    std::string s = text_;
    s[n] ^= 0x01;
    EXPECT_TRUE(Error(s)) << n;
  }
}

TEST_F(SqlBatchReader, HeaderLies) {
  EXPECT_TRUE(Error(Replace("rows: 3", "rows: 2")));
  EXPECT_TRUE(Error(Replace("rows: 3", "rows: 4")));
  EXPECT_TRUE(Error(Replace("range: 10-40", "range: 11-40")));
  EXPECT_TRUE(Error(Replace("range: 10-40", "range: 10-30")));
  EXPECT_TRUE(Error(Replace("batch 1", "batch 2")));
  EXPECT_TRUE(Error(Replace("dialect: sqlite", "dialect: oracle")));
  EXPECT_TRUE(Error(Replace("-- rows: 3\n", "-- rows: 03\n")));  // found by fuzz/sql_batch.cpp
  EXPECT_TRUE(Error(Replace("-- range: 10-40\n", "-- range: 010-40\n")));
  EXPECT_TRUE(Error(Replace("table: events", "table: other")));
  EXPECT_TRUE(Error("not a batch\n"));
  EXPECT_TRUE(Error(""));
}

// Found by fuzz/sql_batch.cpp: a row the writer would refuse (a time that is
// no time, an address that is none), in a batch whose checksum matches, was
// read and would be imported. A number with a leading zero was refused already.
TEST_F(SqlBatchReader, RowsTheWriterWouldRefuseAreRefused) {
  auto rehash = [](std::string s) {
    std::size_t h = s.find("-- body-sha256: ") + 16;
    std::string old = s.substr(h, 64);
    std::size_t body = s.find('\n', s.find("-- body-sha256: ")) + 1;
    std::size_t epi = s.rfind("INSERT INTO \"events_imports\"");
    std::string sum = Sha256Hex(s.substr(body, epi - body));
    for (std::size_t at = s.find(old); at != std::string::npos; at = s.find(old, at + 64))
      s.replace(at, 64, sum);
    return s;
  };
  ASSERT_FALSE(Error(rehash(text_)));
  std::optional<std::string> err =
      Error(rehash(Replace("'2026-11-25T20:18:08+00:00'", "'2026-11-25T20:18:[[08+00:00'")));
  ASSERT_TRUE(err);
  EXPECT_NE(std::string::npos, err->find("time is not an ISO 8601 time")) << *err;
  err = Error(rehash(Replace("'192.0.2.7'", "'192.0.2.x'")));
  ASSERT_TRUE(err);
  EXPECT_NE(std::string::npos, err->find("ip is not an IP address")) << *err;
  err = Error(rehash(Replace(", 49582,", ", 049582,")));
  ASSERT_TRUE(err);
  EXPECT_NE(std::string::npos, err->find("port")) << *err;
}

// A well-formed batch whose rows are not in the writer's shape, with a
// matching checksum: the reader still refuses it.
TEST_F(SqlBatchReader, ForeignStatementsWithAValidChecksum) {
  std::size_t body = text_.find("BEGIN;");
  std::size_t epi = text_.rfind("INSERT INTO \"events_imports\"");
  std::string body_text = text_.substr(body, epi - body);
  for (std::string_view evil : {"DROP TABLE events;\n", "SELECT 1;\n"}) {
    std::string b = body_text + std::string(evil);
    std::string s = text_.substr(0, body) + b + text_.substr(epi);
    std::size_t h = s.find("-- body-sha256: ") + 16;
    s.replace(h, 64, Sha256Hex(b));
    std::optional<std::string> err = Error(s);
    ASSERT_TRUE(err) << evil;
  }
}

// Rows go in INSERT statements of at most 1000 rows; the reader takes the
// file back whole, and SQLite loads it with every row.
TEST(SqlBatch, MultiRowStatements) {
  std::vector<SqlBatchRow> rows;
  for (std::uint64_t off = 10; rows.size() < 2500; off += 7) rows.push_back(Row(off));
  SqlBatchInfo info = Info();
  info.end = rows.back().offset + 7;
  SqlBatchText t = WriteSqlBatch(info, rows);
  ASSERT_FALSE(t.error) << *t.error;
  std::size_t statements = 0;
  for (std::size_t at = 0; (at = t.text.find("INSERT INTO \"events\" (", at)) != std::string::npos;
       ++at)
    ++statements;
  EXPECT_EQ(3u, statements);
  EXPECT_NE(std::string::npos, t.text.find("'Google LLC'),\n('mx1.example.org', "));
  EXPECT_NE(std::string::npos,
            t.text.find("'Google LLC')\nON CONFLICT (source, dataset, row_offset) DO NOTHING;\n"
                        "INSERT INTO \"events\" (source, "));
  SqlBatch b = ParseSqlBatch(t.text, "b.sql");
  ASSERT_FALSE(b.error) << *b.error;
  ExpectSameRows(rows, b.rows);

  sqlite3* db = nullptr;
  ASSERT_EQ(SQLITE_OK, sqlite3_open(":memory:", &db));
  ASSERT_EQ(SQLITE_OK, sqlite3_exec(db, t.text.c_str(), nullptr, nullptr, nullptr));
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(SQLITE_OK, sqlite3_prepare_v2(db, "SELECT count(*) FROM events", -1, &st, nullptr));
  ASSERT_EQ(SQLITE_ROW, sqlite3_step(st));
  EXPECT_EQ(2500, sqlite3_column_int(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);

  // A row separator where a statement ends, or the other way round: refused
  // (with a checksum that matches the changed body).
  auto with_body = [&](std::string s) {
    std::size_t body = s.find("BEGIN;");
    std::size_t epi = s.rfind("INSERT INTO \"events_imports\"");
    std::size_t h = s.find("-- body-sha256: ") + 16;
    s.replace(h, 64, Sha256Hex(s.substr(body, epi - body)));
    return s;
  };
  std::string joined = t.text;
  std::size_t end1 = joined.find(")\nON CONFLICT");
  joined.replace(end1,
                 std::string_view(")\nON CONFLICT (source, dataset, row_offset) DO NOTHING;\n"
                                  "INSERT INTO \"events\" (")
                     .size(),
                 "),\nINSERT INTO \"events\" (");
  EXPECT_TRUE(ParseSqlBatch(with_body(joined), "b.sql").error);
  std::string split = t.text;
  std::size_t sep = split.find("),\n('mx1");
  split.replace(sep, 3, ")\n");
  EXPECT_TRUE(ParseSqlBatch(with_body(split), "b.sql").error);
}

TEST(SqlBatch, WriterRowByRow) {
  SqlBatchInfo info = Info();
  SqlBatchWriter w(info);
  ASSERT_FALSE(w.error());
  SqlBatchRow bad = Row(5);
  bad.fields[kAsn] = "AS15169";
  EXPECT_EQ("asn is not a number: AS15169", w.Add(5, bad.fields));
  EXPECT_EQ(0u, w.rows());  // nothing added
  EXPECT_EQ(std::nullopt, w.Add(7, Row(7).fields));
  EXPECT_EQ("offsets do not increase", w.Add(7, Row(7).fields));
  std::vector<std::string> short_row = {"2026-11-25T20:18:08+00:00", "mx1", "192.0.2.9"};
  EXPECT_EQ(std::nullopt, w.Add(9, short_row));  // the missing cells are NULL
  EXPECT_EQ("the range's end 9 is not past the last row", w.Finish(9));
  ASSERT_EQ(std::nullopt, w.Finish(20));
  EXPECT_EQ("the batch is finished", w.Add(30, Row(30).fields));
  std::string text = w.header() + w.body() + w.epilogue();
  SqlBatch b = ParseSqlBatch(text, "b.sql");
  ASSERT_FALSE(b.error) << *b.error;
  ASSERT_EQ(2u, b.rows.size());
  EXPECT_EQ(7u, b.info.first);
  EXPECT_EQ(20u, b.info.end);
  EXPECT_FALSE(b.rows[1].values[kUser]);
  // Reset: another batch from the same writer, nothing of the first left.
  info.file = "mls-mx1.example.org-20261205T120000Z-000002.sql";
  w.Reset(info);
  EXPECT_EQ(std::nullopt, w.Add(40, Row(40).fields));
  ASSERT_EQ(std::nullopt, w.Finish(50));
  b = ParseSqlBatch(w.header() + w.body() + w.epilogue(), "b.sql");
  ASSERT_FALSE(b.error) << *b.error;
  EXPECT_EQ(1u, b.rows.size());
  EXPECT_EQ(40u, b.info.first);
  EXPECT_EQ(info.file, b.info.file);
  info.server = "bad server";
  EXPECT_TRUE(SqlBatchWriter(info).error());
}

TEST(SqlBatch, ReadSqlBatchNamesTheFile) {
  SqlBatch b = ReadSqlBatch("/nonexistent/b.sql");
  ASSERT_TRUE(b.error);
  EXPECT_EQ(0u, b.error->find("/nonexistent/b.sql: "));
}

// The file as a script, loaded by SQLite itself (what `sqlite3 db < file` does):
// the same values as the reader returns; loading it twice changes nothing.
TEST(SqlBatch, SqliteLoadsTheScriptWithTheSameValues) {
  std::vector<SqlBatchRow> rows = HostileRows();
  SqlBatchInfo info = Info();
  info.end = rows.back().offset + 1;
  SqlBatchText t = WriteSqlBatch(info, rows);
  ASSERT_FALSE(t.error);
  SqlBatch b = ParseSqlBatch(t.text, "b.sql");
  ASSERT_FALSE(b.error);

  sqlite3* db = nullptr;
  ASSERT_EQ(SQLITE_OK, sqlite3_open(":memory:", &db));
  for (int pass = 0; pass < 2; ++pass) {
    char* msg = nullptr;
    ASSERT_EQ(SQLITE_OK, sqlite3_exec(db, t.text.c_str(), nullptr, nullptr, &msg))
        << (msg ? msg : "");
  }
  std::string sql = "SELECT row_offset, source, dataset";
  for (Col c : kSqlEventCols) sql += ", " + std::string(SqlColumnName(c));
  sql += " FROM events ORDER BY row_offset";
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(SQLITE_OK, sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr));
  std::size_t i = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    ASSERT_LT(i, b.rows.size());
    EXPECT_EQ(b.rows[i].offset, static_cast<std::uint64_t>(sqlite3_column_int64(st, 0)));
    EXPECT_EQ(info.server, reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
    EXPECT_EQ(info.dataset, reinterpret_cast<const char*>(sqlite3_column_text(st, 2)));
    for (std::size_t k = 0; k < kSqlEventCols.size(); ++k) {
      Col c = kSqlEventCols[k];
      int col = static_cast<int>(k) + 3;
      const std::optional<std::string>& want = b.rows[i].values[c];
      if (!want) {
        EXPECT_EQ(SQLITE_NULL, sqlite3_column_type(st, col)) << i << " " << c;
        continue;
      }
      EXPECT_EQ(SqlIntegerColumn(c) ? SQLITE_INTEGER : SQLITE_TEXT, sqlite3_column_type(st, col));
      const char* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
      std::string got(p, static_cast<std::size_t>(sqlite3_column_bytes(st, col)));
      EXPECT_EQ(*want, got) << i << " " << c;
    }
    ++i;
  }
  EXPECT_EQ(rows.size(), i);
  sqlite3_finalize(st);
  ASSERT_EQ(SQLITE_OK, sqlite3_prepare_v2(db, "SELECT count(*), min(file) FROM events_imports", -1,
                                          &st, nullptr));
  ASSERT_EQ(SQLITE_ROW, sqlite3_step(st));
  EXPECT_EQ(1, sqlite3_column_int(st, 0));
  EXPECT_EQ(info.file, reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace mls
