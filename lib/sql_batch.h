#pragma once
// The SQL batch file (mls-sql(1), BATCH FILES): dataset rows as a SQL script
// that the dialect's own client loads by hand, and the strict reader that
// mls-sql --import uses instead (it never executes the file's text).
//
// A batch file is, byte for byte:
//
//   -- maillogsentinel sql batch 1
//   -- dialect: sqlite
//   -- server: SERVER          the exporting host ([A-Za-z0-9._-], 1..253 bytes)
//   -- dataset: ID             the dataset's identity ([A-Za-z0-9:._-], 1..128 bytes)
//   -- table: TABLE            ValidSqlIdentifier (lib/config.h)
//   -- file: NAME              the batch file's name when written ([A-Za-z0-9._-])
//   -- range: FIRST-END        dataset byte offsets: first row's start, last row's end
//   -- rows: N
//   -- body-sha256: HEX        SHA-256 of BODY (lower-case hex)
//   BODY
//   EPILOGUE
//
// BODY: the dialect's prologue (postgresql: SET client_encoding = 'UTF8' and
// standard_conforming_strings = on; mysql: SET NAMES utf8mb4, the session's
// sql_mode (kSqlMysqlSqlMode) and time_zone '+00:00', so that the literals and
// "quoted" names mean what they mean in PostgreSQL whatever the server's
// defaults; BEGIN; the schema if missing: SqlSchema (mysql: the schema, then
// START TRANSACTION, as DDL commits implicitly there), then the rows in INSERT
// statements of up to 1000 rows (and about 1 MiB) each:
//   INSERT INTO "TABLE" (COLUMNS) VALUES
//   ('SERVER', 'DATASET', OFFSET, VALUE, ...),
//   ...
//   ('SERVER', 'DATASET', OFFSET, VALUE, ...)
//   ON CONFLICT (KEY) DO NOTHING;      (mysql: ON DUPLICATE KEY UPDATE row_offset = row_offset)
// (a row already present is skipped: the table's UNIQUE key is kSqlEventsKey).
// EPILOGUE: the import journal's row for this batch (source, dataset, range,
// row count, file, checksum; skipped if present) and COMMIT. Loading it twice
// changes nothing.
//
// The literal rule, the same for every dialect: a value is stored as text that
// is valid UTF-8 without NUL (SqlStoredText): a backslash becomes "\\", a NUL
// byte and every byte that is not part of valid UTF-8 becomes "\xNN" (upper-case
// hex); everything else (quotes, CR, LF, TAB, any valid UTF-8) is kept as it is.
// SqlRawText reverses it exactly. The stored text is written as a standard SQL
// string literal: '...' with single quotes doubled, nothing else escaped (a
// MySQL batch pins NO_BACKSLASH_ESCAPES). An empty cell is NULL; port and asn
// are integers.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "event.h"

namespace mls {

inline constexpr int kSqlBatchVersion = 1;

// The sql_mode a mysql batch file and mls-sql --import's session set:
// "quoted" names are identifiers, a backslash in '...' is an ordinary
// character, a value that does not fit its column is an error, not a warning.
inline constexpr std::string_view kSqlMysqlSqlMode =
    "ANSI_QUOTES,NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION";

enum class SqlDialect { kSqlite, kPostgresql, kMysql };

// "sqlite", "postgresql", "mysql" (db_type's values; mysql is MariaDB or
// MySQL); nullopt for anything else.
std::optional<SqlDialect> ParseSqlDialect(std::string_view name);
std::string_view SqlDialectName(SqlDialect d);

// A name checked by ValidSqlIdentifier in double quotes (standard SQL; MySQL
// batches set ANSI_QUOTES).
std::string SqlQuotedName(std::string_view name);
// The import journal's table for an events table: TABLE + "_imports".
std::string SqlJournalTable(std::string_view table);

// The literal rule (see above).
std::string SqlStoredText(std::string_view raw);
// The inverse; nullopt if `stored` is not something SqlStoredText produces.
std::optional<std::string> SqlRawText(std::string_view stored);
// Whether `stored` is something SqlStoredText produces (SqlRawText succeeds).
bool IsSqlStoredText(std::string_view stored);

// The events table's columns after the three key columns (source, dataset,
// row_offset), in this order: one per event column (lib/event.h), named for SQL.
inline constexpr std::array<Col, kEnrichedColumns> kSqlEventCols = {
    kTime,    kServer, kIp,   kUser,       kMethod,  kClient, kPort,
    kService, kReason, kRdns, kRdnsStatus, kCountry, kAsn,    kAsOrg};
// Column name of an event column (kColumnNames except: time -> event_time,
// user -> username, server -> log_server: words some backends reserve).
std::string_view SqlColumnName(Col c);
// The events table's columns in order: "source, dataset, row_offset, event_time, ...".
std::string SqlEventColumnList();
// The events table's UNIQUE key.
inline constexpr std::string_view kSqlEventsKey = "source, dataset, row_offset";
// The import journal's columns, in order, and its primary key.
inline constexpr std::string_view kSqlJournalColumns =
    "source, dataset, first_offset, end_offset, row_count, file, sha256";
inline constexpr std::string_view kSqlJournalKey = "source, dataset, first_offset, end_offset";
// " ON CONFLICT (KEY) DO NOTHING": a row whose key is present is skipped, and
// only that (SQLite's INSERT OR IGNORE would also hide CHECK and NOT NULL
// failures). The same text in SQLite (3.24+) and PostgreSQL.
std::string SqlDoNothingOnConflict(std::string_view key);
// The dialect's form of it: mysql has no ON CONFLICT, so " ON DUPLICATE KEY
// UPDATE COL = COL" with COL the key's last column (a no-op update: the row
// already there is kept, the new one skipped; the tables have no other unique
// key, and nothing else is hidden as INSERT IGNORE would hide strict-mode
// errors); the others as above.
std::string SqlDoNothingOnConflict(SqlDialect d, std::string_view key);
// Whether the column is an integer (port, asn).
bool SqlIntegerColumn(Col c);

// The statements that create the events table, its indexes and the import
// journal if missing (each without its ';'). Types: sqlite TEXT and INTEGER;
// postgresql TIMESTAMPTZ (event_time), INET (ip), BIGINT, TEXT.
// mysql (MariaDB 10.5+, InnoDB, utf8mb4 with the binary collation): BIGINT,
// MEDIUMTEXT (TEXT holds only 64 KiB), key columns VARCHAR (source 253, dataset 128), ip
// VARCHAR(45) (INET6 would refuse IPv4 text), event_time TEXT: the dataset's ISO 8601 text as it is
// (MariaDB has no type with an offset, and its DATETIME refuses an offset in a literal), plus
// event_epoch, a stored generated BIGINT: the instant in seconds since 1970-01-01 UTC (fractions
// dropped), indexed for time ranges. The indexes are part of CREATE TABLE (no CREATE INDEX IF NOT
// EXISTS needed). The column list of inserts (SqlEventColumnList) is the same for every dialect.
std::vector<std::string> SqlSchema(SqlDialect d, std::string_view table);

// One dataset row: its byte offset in the dataset (part of the UNIQUE key) and
// its cells as raw bytes, lib/event.h order (kEnrichedColumns); empty = NULL.
struct SqlBatchRow {
  std::uint64_t offset = 0;
  std::array<std::string, kEnrichedColumns> fields;
};

// Why the row cannot go into a batch, or nullopt: a time that is not ISO 8601
// (IsIsoTime), an ip that is not an address (IsIpAddress), port or asn not a
// whole decimal number as the database would store it ("asn is not a
// number: +1"); values shown with DisplayText. The same for every dialect.
std::optional<std::string> SqlRowError(std::span<const std::string> fields);  // missing = empty
std::optional<std::string> SqlRowError(const SqlBatchRow& row);

// What the header says.
struct SqlBatchInfo {
  SqlDialect dialect = SqlDialect::kSqlite;
  std::string server;
  std::string dataset;
  std::string table;
  std::string file;
  std::uint64_t first = 0;  // the first row's offset
  std::uint64_t end = 0;    // just past the last row
  std::uint64_t rows = 0;
  std::string sha256;  // of the body, lower-case hex
};

struct SqlBatchText {
  std::string text;
  std::optional<std::string> error;  // "row at byte N: port is not a number: ..."
};

// Builds a batch file row by row, in one pass (mls-sql --export): Add each
// row, Finish, then write header(), body() and epilogue() in this order.
class SqlBatchWriter {
 public:
  // info's dialect, server, dataset, table and file; an invalid one is error().
  explicit SqlBatchWriter(const SqlBatchInfo& info);
  // Starts another batch, keeping the memory already allocated.
  void Reset(const SqlBatchInfo& info);
  const std::optional<std::string>& error() const { return error_; }
  // Appends a row: its offset (greater than the last one's) and its cells in
  // lib/event.h order (missing trailing cells are empty). Why it cannot
  // (error(), offsets, SqlRowError), and then nothing was added; or nullopt.
  std::optional<std::string> Add(std::uint64_t offset, std::span<const std::string> fields);
  std::uint64_t rows() const { return info_.rows; }
  // Ends the batch: `end` is the offset just past the last row (the range's
  // end). Computes the checksum, the header and the epilogue.
  std::optional<std::string> Finish(std::uint64_t end);
  const SqlBatchInfo& info() const { return info_; }
  const std::string& header() const { return header_; }
  const std::string& body() const { return body_; }
  const std::string& epilogue() const { return epilogue_; }

 private:
  SqlBatchInfo info_;
  std::optional<std::string> error_;
  std::string head_, row_head_;
  std::string header_, body_, epilogue_;
  std::uint64_t last_ = 0;
  std::size_t in_statement_ = 0, statement_start_ = 0;
};

// The whole batch file for `rows` (at least one, offsets increasing); `end` is
// the offset just past the last row. info.rows, info.first and info.sha256 are
// computed; the other members come from `info`.
SqlBatchText WriteSqlBatch(const SqlBatchInfo& info, const std::vector<SqlBatchRow>& rows);

// A row read back: its offset and its values as the database stores them
// (SqlStoredText form; integer columns as their digits); nullopt = NULL.
struct SqlStoredRow {
  std::uint64_t offset = 0;
  std::array<std::optional<std::string>, kEnrichedColumns> values;  // lib/event.h order
};

struct SqlBatch {
  SqlBatchInfo info;
  std::vector<SqlStoredRow> rows;
  std::optional<std::string> error;  // "PATH: line 9: ..." ; nothing else is valid then
};

// Reads a batch file strictly: its own format only (the header, the checksum,
// the prologue and epilogue exactly as WriteSqlBatch writes them, the rows'
// shape, the row count and range); anything else is an error.
SqlBatch ParseSqlBatch(std::string_view text, std::string_view name);
SqlBatch ReadSqlBatch(const std::string& path);

// Lower-case hex SHA-256 of `data` (OpenSSL libcrypto).
std::string Sha256Hex(std::string_view data);

}  // namespace mls
