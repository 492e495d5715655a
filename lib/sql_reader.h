#pragma once
// Read-only queries against the events database (mls-report --source
// database): OpenSqlReader connects with mls-sql's connection code (one
// connect, one TLS rule, one message form) and returns a SqlReader (the
// interface is in lib/sql_backend.h, beside SqlBackend; each dialect's
// implementation beside its import backend).

#include "sql_backend.h"

namespace mls {

// Connects by the connection's dialect (same keys, TLS and messages as mls-sql's
// import; PostgreSQL application_name "mls-report"). SQLite opens the file
// read-only (SQLITE_OPEN_READONLY; a missing file is an error, never created).
// The session is read-only as a defence in depth: PostgreSQL SET SESSION
// CHARACTERISTICS AS TRANSACTION READ ONLY; MariaDB, after the importer's
// session settings (utf8mb4, its sql_mode, time_zone '+00:00'), SET SESSION
// TRANSACTION READ ONLY.
SqlReaderOpenResult OpenSqlReader(const SqlConnection& connection);

}  // namespace mls
