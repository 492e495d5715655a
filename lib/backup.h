#pragma once
// maillogsentinel --reset and --purge (maillogsentinel(8)): a configuration's
// persisted files moved, not copied, into a backup directory, so that the next
// run starts from nothing (all history again).
//
//   PlanArchive      which of the config's files exist and where each goes
//   MoveArtefacts    moves them (rename; across filesystems copy, fsync, unlink)
//
// The driver takes the locks first (every one it can name: the extraction's,
// the dataset's, mls-sql's export and import locks), so nothing moves under a
// running extraction, export or import; lock files are moved last.

#include <optional>
#include <string>
#include <vector>

#include "config.h"

namespace mls {

struct ArchiveItem {
  std::string path;      // where it is now
  std::string dest;      // where it goes, relative to the backup directory
  bool is_lock = false;  // a lock file: moved after everything else
};

// What --reset (purge = false) or --purge would move; only what exists, in
// the order it is moved. Destinations keep the file's name under the key of
// its directory ("working_dir/maillogsentinel.csv", "state_dir/state.offset",
// "sql_export_dir/imported").
//   --reset: the dataset (the CSV, its transaction journal, retention's record
//     and archive directory, lib/retention.h), the op log and
//     its rotated copies (maillogsentinel.log.*), the position (state.offset,
//     its pending file, txn.dataset, txn.journal).
//   --purge: also the DNS cache, mls-sql's export cursor, the batch files
//     (mls-*.sql) and imported/, the SQLite database when db_type is sqlite
//     and it lies in working_dir (with its -journal and -wal files), the
//     temporary files killed runs left (NAME.tmpXXXXXX), then the lock files.
std::vector<ArchiveItem> PlanArchive(const Config& config, bool purge);

struct ArchiveResult {
  std::optional<std::string> error;  // the first failure; the moves before it stand
  std::vector<std::string> moved;    // the items' paths that were moved, in order
};

// Moves `items` into `backup_dir` (which exists): rename(2), or across
// filesystems a copy (mode and times kept, fsync'ed) and then the original
// removed; directories entry by entry. Every directory touched is fsync'ed.
// Writes backup_dir/MANIFEST: one "DEST<TAB>ORIGINAL PATH" line per moved item.
ArchiveResult MoveArtefacts(const std::vector<ArchiveItem>& items, const std::string& backup_dir);

}  // namespace mls
