#pragma once
// mls-sql --export (mls-sql(1)): the dataset's rows added since the last export
// become new batch files (lib/sql_batch.h) in the export directory.
//
// The cursor, state_dir/sql-export.cursor, records where the last export
// stopped and which dataset that was: its device and inode, the SHA-256 of its
// header and first row ("head"), the offset just past the last exported row
// and the SHA-256 of the (up to) 256 bytes before it ("tail"). A dataset that
// was replaced (another inode), reset or rewritten (another head or tail) or
// truncated (shorter than the offset) is exported again from its first row,
// under a new dataset identity (DEVICE:INODE:HEAD16:STAMP), which goes into
// every row's UNIQUE key: the same row is never loaded twice, a new
// incarnation's rows are never taken for the old one's.
//
// Retention (lib/retention.h): a pruned dataset keeps the identity of the
// file before its first prune, and offsets are logical (physical + the bytes
// dropped before the file's first row, from <csv>.retention, read under the
// dataset's lock), so a row keeps its key and the cursor stays valid. A
// cursor behind the first row left (rows dropped before they were exported)
// goes on at that row, with a note and `pruned_bytes`.
//
// Order of writes, so that a crash at any moment loses and repeats nothing a
// database would see twice: a new identity is saved in the cursor before its
// first batch; each batch file is written atomically (temp file, fsync,
// rename, fsync of the directory), then the cursor moves past its rows
// (atomically). A crash between the two writes the same rows again in the next
// batch, under the same identity and offsets: the import ignores rows it has.
//
// Only committed rows are exported: under the dataset's lock (lib/txn.h) the
// export takes the dataset's size, or, if a writer's journal is there, the
// size that writer started from (its rows may yet be cut back); the rows below
// it are read afterwards without the lock (DatasetScanner, which also stops at
// an unfinished last line). Rows the scanner cannot read, and rows whose port
// or asn is not a whole number (SqlRowError), are skipped and reported
// (`skipped`; mls-sql then exits 1), as mls-report skips unreadable rows.
//
// One export per state dir at a time: state_dir/sql-export.lock. Holding it,
// an export first removes the temporary files a killed export left
// (mls-SERVER-*.tmpXXXXXX in the export directory, the cursor's in state_dir).
// File names: mls-SERVER-YYYYMMDDTHHMMSSZ-SEQ.sql (UTC, SEQ six digits or more,
// from the cursor): they sort in creation order for one server and never
// collide (an existing name takes the next SEQ).

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "sql_batch.h"

namespace mls {

struct SqlExportCursor {
  std::string dataset;  // the identity written into the batches
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::string head;  // SHA-256 of the header line and the first row
  std::uint64_t offset = 0;
  std::string tail;       // SHA-256 of the up to 256 bytes before `offset`
  std::uint64_t seq = 1;  // the next file's sequence number
  bool operator==(const SqlExportCursor&) const = default;
};

std::string EncodeSqlExportCursor(const SqlExportCursor& cursor);
// nullopt if `text` is not a complete cursor.
std::optional<SqlExportCursor> DecodeSqlExportCursor(std::string_view text);

struct SqlExportOptions {
  std::string csv;         // the dataset
  std::string state_dir;   // the cursor and the lock
  std::string export_dir;  // created (0750) if missing; its parent must exist
  std::string server;      // the exporting host, in names and rows
  std::string table;
  SqlDialect dialect = SqlDialect::kSqlite;
  std::time_t now = 0;               // for file names
  double lock_timeout_seconds = 60;  // the export lock and the dataset's lock
  std::size_t max_rows_per_file = 100000;
};

struct SqlExportResult {
  std::optional<std::string> error;
  std::vector<std::string> files;  // the batch files written, full paths, in order
  std::uint64_t rows = 0;          // rows written
  std::uint64_t skipped = 0;       // unreadable rows skipped
  std::vector<std::string> notes;  // skipped rows (the first few) and a restarted dataset
  std::uint64_t pruned_bytes = 0;  // rows pruned before they were exported (retention)
};

// SqlExportCursorPath, SqlExportLockPath: lib/config.h.

// Exports the new rows. On error, the batch files already written stay, and
// the cursor is past them: a rerun goes on from there.
SqlExportResult ExportSql(const SqlExportOptions& options);

}  // namespace mls
