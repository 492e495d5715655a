#pragma once
// Exactly-once for the extraction run (HACKING.md "Exactly once").
//
// Journal file (state_dir/txn.journal, written atomically), a sequence of
// length-prefixed fields, each "NAME LEN\n" + LEN bytes + "\n", or "NAME -\n"
// for an absent value, after the line "maillogsentinel-txn 1\n":
//   csv       the dataset's path
//   csv_size  its size in decimal before the run, or absent
//   pending   the pending position file
//   state     the state file's bytes before the run, or absent
// The commit point is the rename of PENDING over STATE: Recover compares STATE
// with the journal to learn whether the last run got there.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config.h"

namespace mls {

struct TxnPaths {
  std::string journal;  // state_dir/txn.journal
  std::string state;    // state_dir/state.offset
  std::string pending;  // state_dir/state.offset.pending
  std::string csv;      // working_dir/maillogsentinel.csv
};

TxnPaths MakeTxnPaths(const Config& config);

struct Journal {
  std::string csv;
  std::optional<std::uint64_t> csv_size;  // nullopt: the CSV did not exist
  std::string pending;
  std::optional<std::string> state;  // nullopt: no state file (first run)
  bool operator==(const Journal&) const = default;
};

std::string EncodeJournal(const Journal& journal);
// nullopt when `text` is not a complete, well-formed journal.
std::optional<Journal> DecodeJournal(std::string_view text);

struct TxnResult {
  std::optional<std::string> error;  // "PATH: strerror", "PATH: malformed journal"
  std::string note;                  // what was done, for the log; empty when nothing happened
};

// Step 2: finishes whatever the last run left. No journal: nothing to do.
// STATE differs from the journal: it committed; the journal is dropped.
// Otherwise it did not: rolled back as in Rollback.
TxnResult Recover(const TxnPaths& paths);

// Step 3: removes a stale PENDING, records the CSV size and the state file,
// and writes the journal (fsync'ed). Call with no journal present.
TxnResult Begin(const TxnPaths& paths);

// Step 5 success: renames PENDING over STATE (fsyncs the CSV first and the
// directory after), then removes the journal. No PENDING is an error unless
// the CSV is exactly as the journal recorded it (nothing to commit): then the
// journal is just removed.
TxnResult Commit(const TxnPaths& paths);

// Step 5 failure: truncates the CSV back to the recorded size (or removes it
// when it did not exist), removes CSV.journal and PENDING, then the journal.
TxnResult Rollback(const TxnPaths& paths);

}  // namespace mls
