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

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

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

// The implementations' constructors (OpenSqliteBackend, ...) live in their
// modules; OpenSqlBackend (lib/sql_import.h) picks one by dialect.

}  // namespace mls
