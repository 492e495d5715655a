#pragma once
// Read-only queries against the events database (mls-report --source
// database): OpenSqlReader connects with mls-sql's connection code (one
// connect, one TLS rule, one message form) and returns a SqlReader (the
// interface is in lib/sql_backend.h, beside SqlBackend; each dialect's
// implementation beside its import backend).

#include <optional>
#include <string>

#include "config.h"
#include "sql_backend.h"

namespace mls {

// The database the configuration's [database] names: db_type, db_name
// (SQLite: default <working_dir>/maillogsentinel.sqlite), host, port, user,
// password, TLS. An unsupported db_type gives SQLite's defaults: check first.
SqlConnection DatabaseConnection(const Config& config);
// Why that database cannot be used, or nullopt: a db_type this version does
// not support, a server database without db_name ("what" says what for: "to
// import into", "to report from").
std::optional<std::string> DatabaseConnectionError(const Config& config, std::string_view what);

// Connects by the connection's dialect (same keys, TLS and messages as mls-sql's
// import; PostgreSQL application_name "mls-report"). SQLite opens the file
// read-only (SQLITE_OPEN_READONLY; a missing file is an error, never created).
// The session is read-only as a defence in depth: PostgreSQL SET SESSION
// CHARACTERISTICS AS TRANSACTION READ ONLY; MariaDB, after the importer's
// session settings (utf8mb4, its sql_mode, time_zone '+00:00'), SET SESSION
// TRANSACTION READ ONLY.
SqlReaderOpenResult OpenSqlReader(const SqlConnection& connection);

}  // namespace mls
