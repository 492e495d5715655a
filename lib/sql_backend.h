#pragma once
// A database mls-sql --import loads batches into (mls-sql(1), IMPORT). One
// implementation per db_type: SQLite (lib/sql_sqlite.h), PostgreSQL (libpq,
// COPY: lib/sql_postgresql.h), MariaDB/MySQL (lib/sql_mysql.h, bound bulk or
// multi-row statements).
//
// The contract of Load, for every backend: one transaction that creates the
// schema if missing (SqlSchema), finds the batch's journal row (its key:
// source, dataset, first and end offset) and, if it is absent, inserts the
// rows with bound values only (never SQL text built from them; a row whose
// UNIQUE key is present is skipped, as the file's ON CONFLICT DO NOTHING does) and
// the journal row; then commits. On any error the transaction is rolled back
// whole and the error is the database's own message. The result is the
// same as the batch file loaded by the database's own client.
//
// SqlReader: read-only queries against the same database (mls-report
// --source database; OpenSqlReader in lib/sql_reader.h). It lives here, beside
// SqlBackend, so that the backends' modules can implement it without an
// include cycle through sql_reader.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sql_batch.h"

namespace mls {

struct SqlLoadResult {
  std::optional<std::string> error;  // the database's message; nothing was changed
  bool already_imported = false;     // the journal had it: nothing was loaded
  std::uint64_t inserted = 0;        // rows new to the table
};

class SqlBackend {
 public:
  virtual ~SqlBackend() = default;
  virtual SqlLoadResult Load(const SqlBatch& batch) = 0;
};

// Where the database is ([database] keys of maillogsentinel.conf(5)).
// The password is in no message: backends name the server as
// SqlServerName() does and pass the database's own error text on.
struct SqlConnection {
  SqlDialect dialect = SqlDialect::kSqlite;
  std::string name;  // sqlite: the database file's path; else the database's name
  std::string host;  // empty: the client library's default (a local socket)
  int port = 0;      // 0: the backend's usual port
  std::string user;
  std::string password;
  std::string sslmode = "disable";  // disable require verify-ca verify-full (Config::DbSslMode)
  std::string sslrootcert;          // PEM CA file; empty: the system's CAs
  // How long a Load waits for another importer's lock in the database
  // (PostgreSQL advisory lock, MariaDB GET_LOCK): --lock-timeout.
  double lock_timeout_seconds = 60;
};

// "user@host:port/name" (or the path for sqlite), for messages; never the password.
std::string SqlServerName(const SqlConnection& c);

struct SqlOpenResult {
  std::unique_ptr<SqlBackend> backend;
  std::optional<std::string> error;  // "PATH: unable to open database file"
};

// Read-only queries against the events database (mls-report --source database).
class SqlReader {
 public:
  virtual ~SqlReader() = default;
  // One row's cells as text; a NULL is an empty view. Return false to stop early.
  using RowFn = std::function<bool(std::span<const std::string_view> cells)>;
  // Runs one SELECT with `params` bound as text values (PostgreSQL: $1, $2...;
  // MariaDB and SQLite: ? in order) -- never spliced into the SQL text. Rows are
  // streamed to `row` as they arrive, so memory stays bounded whatever the result's
  // size (PostgreSQL: PQsendQueryParams + PQsetSingleRowMode, which keeps
  // parallel plans (a cursor's never are); MariaDB: a prepared
  // statement fetched unbuffered, without mysql_stmt_store_result, growing a column's
  // buffer and re-fetching it with mysql_stmt_fetch_column when it was truncated;
  // SQLite: sqlite3_prepare_v2 / bind_text / step). On error: the database's own
  // message (as the import backends format it: server name, never the password).
  // The views are valid only during the call. An error can come after some rows
  // were streamed (e.g. a division by zero at the 1000th): the caller drops
  // what it built. Stopping early is not an error (PostgreSQL: the query is
  // cancelled; MariaDB: the rest of the result is read and dropped).
  virtual std::optional<std::string> Select(std::string_view sql,
                                            const std::vector<std::string>& params,
                                            const RowFn& row) = 0;
  virtual SqlDialect dialect() const = 0;
};

struct SqlReaderOpenResult {
  std::unique_ptr<SqlReader> reader;
  std::optional<std::string> error;
};

// The implementations' constructors (OpenSqliteBackend, ...) live in their
// modules; OpenSqlBackend (lib/sql_import.h) picks one by dialect, and
// OpenSqlReader (lib/sql_reader.h) one reader (OpenSqliteReader, ...).

}  // namespace mls
