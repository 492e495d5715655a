#pragma once
// The SQLite backend of mls-sql --import (lib/sql_backend.h): libsqlite3, one
// prepared INSERT ... ON CONFLICT DO NOTHING bound per row, inside BEGIN IMMEDIATE ... COMMIT
// (SQLite's own lock makes concurrent importers of one file wait, up to a
// minute). The database keeps SQLite's defaults: a rollback journal and
// synchronous=FULL, so a committed batch survives a crash.

#include <string>

#include "sql_backend.h"

namespace mls {

SqlOpenResult OpenSqliteBackend(const std::string& path);

// The reader of lib/sql_reader.h: the file opened read-only (never created);
// Select takes exactly one statement, parameters bound as text.
SqlReaderOpenResult OpenSqliteReader(const std::string& path);

}  // namespace mls
