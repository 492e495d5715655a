#pragma once
// mls-sql --import (mls-sql(1), IMPORT): the batch files of the export
// directory into the database, each exactly once.
//
// Holding sql_export_dir/import.lock (one import of a directory at a time),
// for every file named mls-*.sql, in name order: read it strictly
// (ReadSqlBatch: a checksum mismatch or any malformation is an error; its
// dialect and table must be the configured ones), load it in one
// transaction (SqlBackend::Load: schema, rows, journal row; a file whose
// journal row is present loads nothing), then move it to imported/ (rename,
// both directories fsync'ed). A failing file is left where it is, reported
// with its reason, and the others are still tried. A crash after the commit
// and before the move is harmless: the journal has the file, it is moved by
// the next run.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "sql_backend.h"

namespace mls {

struct SqlImportOptions {
  std::string export_dir;
  std::string table;
  SqlConnection connection;
  double lock_timeout_seconds = 60;
};

struct SqlImportResult {
  std::optional<std::string> error;   // nothing could be tried (lock, directory, database)
  std::vector<std::string> failures;  // "FILE: reason", one per file left in place
  std::uint64_t imported = 0;         // files loaded
  std::uint64_t already = 0;          // files the journal had (moved, nothing loaded)
  std::uint64_t rows = 0;             // rows new to the table
};

// SqlImportLockPath (export_dir/import.lock), SqlImportedDir: lib/config.h.

// Connects to the database by its dialect (SQLite: opens or creates the file).
SqlOpenResult OpenSqlBackend(const SqlConnection& connection);

SqlImportResult ImportSql(const SqlImportOptions& options);

}  // namespace mls
