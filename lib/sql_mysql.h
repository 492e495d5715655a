#pragma once
// The MariaDB/MySQL backend of mls-sql --import (libmariadb, Connector/C 3.3):
// SqlBackend::Load as prepared multi-row INSERTs with every value bound
// (kSqlMysqlRowsPerStatement rows a statement, the tail with a second one),
// under a named lock (GET_LOCK) so that two importers never load one batch
// twice, in one transaction. The session pins what a mysql batch file pins
// (SET NAMES utf8mb4, kSqlMysqlSqlMode, time_zone '+00:00'). LOAD DATA LOCAL
// is switched off in the client library (a hostile server could ask for any
// file). TLS (SqlConnection::sslmode): require = encrypted, the certificate
// not checked; verify-ca and verify-full = encrypted, the certificate checked
// against sslrootcert (or the system's CAs) AND its name against the host
// (Connector/C checks both or neither, so verify-ca is verify-full here).

#include <cstddef>

#include "sql_backend.h"

namespace mls {

inline constexpr std::size_t kSqlMysqlRowsPerStatement = 500;

// Connects (nothing loaded yet); the error names the server (SqlServerName),
// never the password, and carries the client library's message.
SqlOpenResult OpenMysqlBackend(const SqlConnection& connection);

}  // namespace mls
