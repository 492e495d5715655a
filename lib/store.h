#pragma once
// mls-store: appends events to the CSV dataset (lib/dataset.h), crash-safely, as one
// of possibly many writers of that dataset (lib/txn.h).
//
// Standalone, every batch is a transaction of its own: take the dataset's lock
// (`<csv>.lock`), recover what a dead writer left, write the journal
// (`<csv>.journal`), append the rows in big writes, fsync, remove the journal,
// release the lock. Between batches the lock is free, so drivers and other
// appenders interleave whole batches, never bytes.
//
// Under the driver (`held_lock_fd`), the driver holds the lock and owns the
// journal for its whole run; the appender only appends, and the driver commits
// or rolls back.
//
// A new or empty CSV gets the header line first; a new one is created 0640.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dataset.h"
#include "lock.h"

namespace mls {

struct AppenderOptions {
  // >= 0: an inherited descriptor holding the dataset's lock (the driver's run).
  int held_lock_fd = -1;
  // How long a batch waits for the lock (negative: as long as it takes).
  double lock_timeout_seconds = -1;
  // Called once per long wait, with the lock's path.
  std::function<void(const std::string&)> waiting;
  // What recovery did ("recovered FILE: truncated ... (rows of mls-store pid 7, ...)").
  std::function<void(const std::string&)> note;
  // Which dataset the file is: its header, and the records it takes.
  DatasetKind kind = DatasetKind::kFailures;
};

class CsvAppender {
 public:
  CsvAppender() = default;
  CsvAppender(const CsvAppender&) = delete;
  CsvAppender& operator=(const CsvAppender&) = delete;
  ~CsvAppender();  // rolls back an uncommitted batch

  // Under the lock: recovers what a dead writer left (options.note hears of it),
  // and checks that an existing CSV is ours: our header line and a complete
  // last line. Errors name the file. Under the driver, checks that the
  // inherited descriptor holds the lock and that the driver's journal exists.
  std::optional<std::string> Open(const std::string& csv, const AppenderOptions& options = {});

  // Adds one event (9 or 14 fields, lib/event.h order; a login record, 8 or 13,
  // to a logins dataset) to the current batch.
  // The batch begins (lock, recovery, checks, journal) before the first byte
  // reaches the CSV.
  std::optional<std::string> Add(const std::vector<std::string>& fields);
  // Makes the batch durable (write, fsync, drop the journal, unlock). No-op if empty.
  std::optional<std::string> Commit();
  // Cuts the CSV back to where the batch started, drops the journal, unlocks.
  std::optional<std::string> Rollback();

  bool pending() const { return pending_rows_ > 0; }
  std::size_t committed_rows() const { return committed_rows_; }
  const std::string& path() const { return csv_; }

 private:
  std::optional<std::string> Lock();
  std::optional<std::string> CheckFile();
  std::string_view Header() const {
    return options_.kind == DatasetKind::kLogins ? kLoginsCsvHeader : kCsvHeader;
  }
  std::optional<std::string> Write();
  std::optional<std::string> BeginBatch();
  void EndBatch();
  std::string csv_;
  AppenderOptions options_;
  FileLock lock_;
  int fd_ = -1;  // -1 while the CSV does not exist
  std::int64_t size_ = 0;
  bool batch_open_ = false;
  bool batch_created_file_ = false;
  std::int64_t batch_start_ = 0;
  std::string buf_;
  std::size_t pending_rows_ = 0;
  std::size_t committed_rows_ = 0;
};

struct StoreOptions {
  std::string csv;
  AppenderOptions appender;
  // Login records (mls-parse --logins) go to the logins dataset beside `csv`
  // (LoginsDatasetPath), opened at the first one. Under the driver, its lock
  // is held too (logins_appender.held_lock_fd); without it there, a login
  // record is an error (the run does not track logins).
  AppenderOptions logins_appender;
  int input_fd = 0;
  // Monotonic milliseconds. Rows read are committed as a batch at most
  // commit_interval_ms after the previous commit (so a live trickle is durable
  // within that time, and a fast stream costs one fsync per interval), and at
  // end of input. While the input is idle, no batch is open.
  std::function<std::int64_t()> now_ms;
  std::int64_t commit_interval_ms = 1000;
};

struct StoreResult {
  std::size_t appended = 0;   // rows made durable
  std::size_t logins = 0;     // login rows made durable (the logins dataset)
  std::size_t malformed = 0;  // input records skipped
  bool failed = false;        // open, read or write failure (already reported)
};

// Reads TSV events from input_fd and appends them; diagnostics go to stderr
// through Warn() ("line 12: expected 9 or 14 fields, got 13").
StoreResult RunStore(const StoreOptions& options);

}  // namespace mls
