#pragma once
// Exactly once for every writer of a dataset (HACKING.md "Exactly once").
//
// The unit is the dataset (the CSV), not the run: several configs (state
// dirs, logs, servers) and a standalone mls-store may write into one CSV.
//
// - The lock: `<csv>.lock` (flock, lib/lock.h). Every writer holds it for its
//   whole transaction; nothing is appended or cut back without it.
// - The journal: `<csv>.journal`, written (atomically, fsync'ed) under the lock
//   before the first byte is appended, removed at the end. It records the CSV's
//   size before the transaction and, for the driver, the commit point: the
//   rename of the run's PENDING position over its STATE file.
// - Recovery, always under the lock, by whichever writer takes it next: a
//   journal left behind belongs to a writer that died holding the lock, so the
//   bytes after the recorded size are that writer's own, and nobody else's. If
//   its commit point was reached (its STATE differs from what the journal
//   recorded) they are kept; otherwise the CSV is cut back to the recorded size.
//
// Journal text: the line "maillogsentinel-txn 2\n", then length-prefixed
// fields, each "NAME LEN\n" + LEN bytes + "\n", or "NAME -\n" when absent:
//   csv       the dataset's path
//   csv_size  its size in decimal before the transaction, or absent
//   csv_id    "DEVICE:INODE" of that file, or absent: a file replaced since is
//             left alone by the recovery
//   owner     who wrote it ("maillogsentinel pid 12", "mls-store pid 7"), for messages
//   state     the commit point's file (the driver's STATE), or absent: a
//             standalone append, committed exactly when the journal is removed
//   state_bytes  that file's bytes before the transaction, or absent (no file)
//   pending   the driver's PENDING file, or absent
// Older journals are still recovered: version 1 (state_dir/txn.journal) and
// "mls-store journal v1" (the size or "absent" of a standalone append).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config.h"
#include "lock.h"

namespace mls {

std::string DatasetLockPath(const std::string& csv);     // <csv>.lock
std::string DatasetJournalPath(const std::string& csv);  // <csv>.journal

struct Journal {
  std::string csv;
  std::optional<std::uint64_t> csv_size;  // nullopt: the CSV did not exist
  std::optional<std::string> csv_id;      // "DEVICE:INODE" when it existed
  std::string owner;
  std::optional<std::string> state;        // nullopt: standalone append
  std::optional<std::string> state_bytes;  // nullopt: no state file (first run)
  std::optional<std::string> pending;
  bool never_started = false;  // an earlier mls-store's incomplete journal (not encoded)
  bool operator==(const Journal&) const = default;
};

std::string EncodeJournal(const Journal& journal);

// The journal's field encoding, for other records of the dataset (lib/retention.h):
// "NAME LEN\n" + LEN bytes + "\n", or "NAME -\n" when absent. GetTxnField reads
// one at the front of `text` (false if it is not there or malformed).
void PutTxnField(std::string& out, std::string_view name, const std::optional<std::string>& v);
bool GetTxnField(std::string_view& text, std::string_view name, std::optional<std::string>& v);

// Removes the temporary files WriteFileAtomically leaves when killed
// ("PATH.tmpXXXXXX" beside `path`); only with the lock that guards `path`.
void RemoveTempFiles(const std::string& path);
// nullopt when `text` is not a complete, well-formed journal of any version.
// `csv` fills in the dataset's path for the formats that do not record it.
std::optional<Journal> DecodeJournal(std::string_view text, const std::string& csv);

struct TxnResult {
  std::optional<std::string> error;  // "PATH: strerror", "PATH: malformed journal"
  std::string note;                  // what was done, for the log; empty when nothing happened
  bool committed = false;            // the transaction had reached its commit point: kept
};

// Takes the dataset's lock: waits up to `timeout_seconds` (negative: forever)
// for another writer to finish. With `waiting`, it is called once if the lock
// is still busy after a second, so a long wait is never silent.
FileLock::Status LockDataset(FileLock& lock, const std::string& csv, double timeout_seconds,
                             const std::function<void()>& waiting = {});

// ---- the dataset level: any writer, with the dataset's lock held -----------

// Reads the journal next to `csv` (nullopt in `journal` when there is none).
// Errors: unreadable, or not a journal of any version.
std::optional<std::string> LoadDatasetJournal(const std::string& csv,
                                              std::optional<Journal>& journal);

// Finishes a transaction a dead writer left (see above). No journal: nothing.
// The journal next to `csv` is that dataset's, whatever path it recorded (the
// same directory may be spelled in several ways).
TxnResult RecoverDataset(const std::string& csv);

// Whether `a` and `b` name the same dataset: the same file name in the same
// directory (by device and inode).
bool SameDataset(const std::string& a, const std::string& b);

// Writes the journal for a transaction starting now (the CSV's current size is
// recorded; `journal.csv_size` is ignored). Refuses if one exists.
TxnResult BeginAppend(Journal journal);

// A standalone append is durable: fsyncs the CSV, removes the journal (the
// commit point), fsyncs the directory.
TxnResult EndAppend(const std::string& csv);

// Undoes the transaction the journal describes, as if its writer died before
// its commit point: the CSV is cut back (or removed if it did not exist), the
// journal removed last.
TxnResult UndoAppend(const std::string& csv);

// ---- the driver's run (state file + dataset) ------------------------------

struct TxnPaths {
  std::string state;    // state_dir/state.offset (the commit point)
  std::string pending;  // state_dir/state.offset.pending
  std::string csv;      // working_dir/maillogsentinel.csv
  // The logins dataset beside it (LoginsDatasetPath), under its own lock and
  // journal, and the same commit point: both journals name STATE and its bytes,
  // so each recovery decides alike and the two files are kept or cut back
  // together. Recovered whenever a journal is there; written when `logins`.
  std::string logins_csv;
  bool logins = false;
  std::string dataset;         // state_dir/txn.dataset: the CSV of the run in progress
  std::string legacy_journal;  // state_dir/txn.journal, written by versions before 2
};

TxnPaths MakeTxnPaths(const Config& config);

// With the dataset's lock held, and the logins dataset's. Recovers the dataset; then, when the last
// run of this state dir was interrupted while writing another dataset (the config changed since),
// that dataset under its own lock (waiting up to `other_lock_seconds`); and a version-1 journal an
// older version left.
TxnResult Recover(const TxnPaths& paths, double other_lock_seconds = 10);

// Removes a stale PENDING, records the dataset in TxnPaths::dataset, and
// writes the dataset's journal with the state file as the commit point.
// `owner` goes into the journal.
TxnResult Begin(const TxnPaths& paths, const std::string& owner);

// Success: fsyncs the CSV, renames PENDING over STATE (the commit point; the
// directory fsync'ed), then removes the journal. No PENDING is an error unless
// the CSV is exactly as the journal recorded it (nothing to commit).
TxnResult Commit(const TxnPaths& paths);

// Failure: finishes the transaction by its commit point, as a recovery would:
// if PENDING was already renamed over STATE (Commit failed after its commit
// point), the rows are kept (`committed`); otherwise the CSV is cut back.
// PENDING is removed.
TxnResult Rollback(const TxnPaths& paths);

}  // namespace mls
