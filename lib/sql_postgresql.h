#pragma once
// The PostgreSQL backend of mls-sql --import (lib/sql_backend.h): libpq, one
// connection per run (PQconnectdbParams with keywords, never a conninfo
// string built from the configuration; TLS as db_sslmode and db_sslrootcert
// say). Load: BEGIN; the schema if missing; pg_advisory_xact_lock on the
// table's name (concurrent importers of one database wait for each other, so
// a batch is never loaded twice); the journal row looked up with bound
// parameters; the rows by COPY FROM STDIN (text format): straight into the
// events table when none of the batch's key range is there (the usual case),
// else into a temporary staging table, then INSERT ... SELECT ... ON CONFLICT
// (KEY) DO NOTHING into the events table; the journal row; COMMIT. On any error: ROLLBACK, and the
// server's own message (whitespace collapsed, shown with DisplayText) after
// SqlServerName(), never the password.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sql_backend.h"

namespace mls {

SqlOpenResult OpenPostgresqlBackend(const SqlConnection& connection);

// The reader of lib/sql_reader.h: the same connection (application_name
// mls-report), the session read-only; Select sends the query with its
// parameters (PQsendQueryParams, text values and results) and reads it in
// single-row mode; a row callback that stops cancels the query (PQcancel).
SqlReaderOpenResult OpenPostgresqlReader(const SqlConnection& connection);

// ---- pure pieces (unit-tested) ------------------------------------------------

// One value in COPY's text format appended to `out`: backslash, TAB, LF and CR
// written as \\ \t \n \r, everything else as it is (the stored text is valid
// UTF-8 without NUL). NULL is written by the caller as \N.
void AppendCopyText(std::string_view value, std::string& out);

// The keywords and values handed to PQconnectdbParams for `c` (empty ones
// left out, so libpq's defaults apply): host, port, dbname, user, password,
// sslmode, sslrootcert, application_name (the tool: mls-sql, mls-report),
// connect_timeout=10, client_encoding=UTF8. `libpq_version` is PQlibVersion():
// from 16 on, a verify-* mode without a CA file passes sslrootcert=system (the
// system's CAs); before, libpq reads ~/.postgresql/root.crt.
std::vector<std::pair<std::string, std::string>> PostgresqlConnectParams(
    const SqlConnection& c, std::string_view application_name, int libpq_version);

// A libpq or server message for one line of ours: surrounding whitespace
// trimmed, every run of whitespace (line breaks too) one space, shown with
// DisplayText, and `password` (if not empty) replaced by "***".
std::string PostgresqlMessage(std::string_view message, std::string_view password);

}  // namespace mls
