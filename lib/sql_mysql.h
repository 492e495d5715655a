#pragma once
// The MariaDB/MySQL backend of mls-sql --import (libmariadb, Connector/C 3.3):
// SqlBackend::Load as prepared INSERTs with every value bound (MysqlInsertMode),
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
inline constexpr std::size_t kSqlMysqlBulkRows = 2000;
inline constexpr std::size_t kSqlMysqlBulkBytes = std::size_t{4} << 20;

// How rows are sent. kAuto: kBulk with a MariaDB server, else kMultiRow.
// kBulk: MariaDB's bulk execution of one single-row INSERT with arrays of
// bound values, kSqlMysqlBulkRows rows (or kSqlMysqlBulkBytes of values,
// whichever comes first: max_allowed_packet is 16 MiB by default) at a time,
// one round trip each.
// kMultiRow: prepared INSERTs of kSqlMysqlRowsPerStatement rows (the tail
// with a second statement), every value bound; any MySQL server.
enum class MysqlInsertMode { kAuto, kBulk, kMultiRow };

// Connects (nothing loaded yet); the error names the server (SqlServerName),
// never the password, and carries the client library's message.
SqlOpenResult OpenMysqlBackend(const SqlConnection& connection,
                               MysqlInsertMode mode = MysqlInsertMode::kAuto);

// The reader of lib/sql_reader.h: the same session, then SET SESSION
// TRANSACTION READ ONLY; Select prepares the query, binds the parameters as
// strings and fetches the rows unbuffered (one at a time off the network),
// every column as text.
SqlReaderOpenResult OpenMysqlReader(const SqlConnection& connection);

}  // namespace mls
