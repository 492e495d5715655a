#pragma once
// mls-store: appends events to the CSV dataset (lib/csv.h), crash-safely.
//
// Journal protocol, per batch: `<csv>.journal` records the CSV size before the
// batch ("absent" if the file did not exist) and is fsynced with its directory
// before the CSV is touched; the rows are appended in big writes; the CSV is
// fsynced; the journal is removed and the directory fsynced. A journal found at
// start means a torn append: the CSV is cut back to the recorded size (or
// removed) first. A new CSV is created with mode 0640 and the header line.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mls {

// Rolls back a torn append if `<csv>.journal` exists. `note` says what was done
// ("FILE: rolled back a torn append (truncated from 900 to 512 bytes)").
struct Recovery {
  std::optional<std::string> note;
  std::optional<std::string> error;
};
Recovery RecoverTornAppend(const std::string& csv);

class CsvAppender {
 public:
  CsvAppender() = default;
  CsvAppender(const CsvAppender&) = delete;
  CsvAppender& operator=(const CsvAppender&) = delete;
  ~CsvAppender();  // rolls back an uncommitted batch

  // Locks the directory (one appender per directory), recovers a torn append
  // (notes get the message), and checks that an existing CSV is ours: our
  // header line and a complete last line. Errors name the file.
  std::optional<std::string> Open(const std::string& csv, std::vector<std::string>* notes);

  // Adds one event (9 or 14 fields, lib/event.h order) to the current batch.
  // The journal is written before the first byte reaches the CSV.
  std::optional<std::string> Add(const std::vector<std::string>& fields);
  // Makes the batch durable (write, fsync, drop the journal). No-op if empty.
  std::optional<std::string> Commit();
  // Cuts the CSV back to where the batch started and drops the journal.
  std::optional<std::string> Rollback();

  bool pending() const { return pending_rows_ > 0; }
  std::size_t committed_rows() const { return committed_rows_; }
  const std::string& path() const { return csv_; }

 private:
  std::optional<std::string> OpenLocked(const std::string& csv, std::vector<std::string>* notes);
  std::optional<std::string> Write();
  std::optional<std::string> BeginBatch();
  std::string csv_, journal_;
  int dir_fd_ = -1;
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
  std::size_t malformed = 0;  // input records skipped
  bool failed = false;        // open, read or write failure (already reported)
};

// Reads TSV events from input_fd and appends them; diagnostics go to stderr
// through Warn() ("line 12: expected 9 or 14 fields, got 13").
StoreResult RunStore(const StoreOptions& options);

}  // namespace mls
