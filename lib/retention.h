#pragma once
// Retention ([general] retention_days, maillogsentinel.conf(5)): the rows older
// than a cutoff leave the head of the dataset, optionally into a gzip archive.
//
// A prune is a writer of the dataset (lib/txn.h): its caller holds the
// dataset's lock. It finishes another writer's journal first, as every writer
// does, then replaces the CSV by a copy without its oldest rows
// (WriteFileAtomically: temp file in the same directory, fsync, rename, fsync
// of the directory): a kill at any moment leaves the old or the new file, both
// complete. Only a prefix goes: the rows up to the last one older than the
// cutoff before the first row that is not (a row at or after the cutoff is
// never dropped, nor any row after it; unreadable lines between old rows go
// with them, into the archive too).
//
// The record, `<csv>.retention`: pruning moves the rows' byte offsets, which
// mls-sql's export cursor and the database's UNIQUE key (source, dataset,
// row_offset) use (lib/sql_export.h). The record keeps the dataset's history
// so that offsets stay those of the dataset as it was never pruned (logical
// offset = physical offset + base, for the rows of a pruned file):
//   origin_id    "DEVICE:INODE" of the file before the first prune
//   origin_head  its header line and first row, the bytes (the export's "head")
//   previous_*   the file the last prune replaced: id, base, tail (absent
//                after the first prune of a file never pruned: base 0)
//   current_*    the file it wrote: id, its base (bytes of rows pruned before
//                its first row, in all), tail (the up to 256 bytes of history
//                just before its first row, for the export's tail check)
//   archive      the archive that prune wrote, or absent
// It is written (atomically) once the new file exists under its temporary
// name, before the archive and before the rename: both files, old and new,
// have their entry whichever survives a crash. Fields as lib/txn.h's journal,
// after the line "maillogsentinel-retention 1\n".
//
// Interrupted prune: if the CSV is still the `previous` file, the prune died
// before its rename; the next prune removes the archive it may have written
// (those rows are still in the dataset) and starts again. Temporary files
// (CSV, record, archive) are removed under the lock.

#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mls {

// The bytes of history before an offset that the export's tail check hashes.
inline constexpr std::uint64_t kHistoryTailBytes = 256;

std::string RetentionRecordPath(const std::string& csv);  // <csv>.retention

struct RetentionFile {
  std::string id;          // "DEVICE:INODE"
  std::uint64_t base = 0;  // bytes pruned before its first row; 0: never pruned
  std::string tail;        // history just before its first row (base > 0)
  bool operator==(const RetentionFile&) const = default;
};

struct RetentionRecord {
  std::string origin_id;
  std::string origin_head;
  std::optional<RetentionFile> previous;
  RetentionFile current;
  std::optional<std::string> archive;
  bool operator==(const RetentionRecord&) const = default;
};

std::string EncodeRetentionRecord(const RetentionRecord& record);
std::optional<RetentionRecord> DecodeRetentionRecord(std::string_view text);
// The record next to `csv` (nullopt when there is none). Errors: unreadable, malformed.
std::optional<std::string> LoadRetentionRecord(const std::string& csv,
                                               std::optional<RetentionRecord>& record);

// Where one dataset file (by "DEVICE:INODE") stands in its history.
struct DatasetHistory {
  bool pruned = false;  // false: the file is its own origin, offsets are its own
  std::string origin_id;
  std::string origin_head;
  std::uint64_t base = 0;
  std::string tail;
};
// The entry of `record` for the file `id`; a file without one (no record, a
// record of a replaced dataset) is its own origin.
DatasetHistory HistoryOf(const std::optional<RetentionRecord>& record, std::string_view id);

// The up to kHistoryTailBytes bytes of the dataset's history just before
// physical offset `offset` (>= data_start, the first row's) of the file `fd`
// whose history is `h`. nullopt with errno on a read error.
std::optional<std::string> HistoryTail(int fd, std::uint64_t data_start, const DatasetHistory& h,
                                       std::uint64_t offset);

// "DEVICE:INODE" of a file.
std::string FileIdOf(std::uint64_t device, std::uint64_t inode);

// ---- pruning ---------------------------------------------------------------

struct PruneOptions {
  std::string csv;
  std::time_t cutoff = 0;   // rows before this instant go
  std::time_t slack = 0;    // nothing happens unless the first row is before cutoff - slack
  std::string archive_dir;  // the dropped rows' gzip archive goes there; empty: none
  bool logins = false;      // the file is a logins dataset (DatasetKind::kLogins)
  // Tests: called after each step ("record", "archive", "replaced"); true
  // stops the prune there as a crash would (the error says where).
  std::function<bool(std::string_view step)> step;
};

struct PruneResult {
  std::optional<std::string> error;
  std::uint64_t rows = 0;          // rows dropped (with unreadable lines among them)
  std::uint64_t unreadable = 0;    // unreadable lines dropped with them
  std::uint64_t bytes = 0;         // bytes dropped
  std::string archive;             // the archive written, if any
  std::vector<std::string> notes;  // an interrupted prune finished, temp files removed
};

// With the dataset's lock held by the caller (LockDataset, lib/txn.h).
PruneResult PruneDataset(const PruneOptions& options);

// The archive's name for rows from `first` to `last`:
// maillogsentinel-YYYYMMDD-YYYYMMDD.csv.gz (UTC days).
std::string ArchiveName(std::time_t first, std::time_t last);

}  // namespace mls
