#include "store.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "atomic_file.h"
#include "dataset.h"
#include "diag.h"
#include "event.h"
#include "fd_io.h"
#include "paths.h"
#include "record_reader.h"
#include "txn.h"

namespace mls {
namespace {

constexpr std::size_t kWriteChunk = std::size_t{1} << 20;

std::string Err(const std::string& what, int err = errno) { return ErrnoMessage(what, err); }

}  // namespace

// ---- CsvAppender ------------------------------------------------------------

CsvAppender::~CsvAppender() {
  if (batch_open_) Rollback();
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> CsvAppender::Open(const std::string& csv,
                                             const AppenderOptions& options) {
  csv_ = csv;
  options_ = options;
  std::optional<std::string> err;
  if (options_.held_lock_fd >= 0) {
    if (lock_.Adopt(DatasetLockPath(csv_), options_.held_lock_fd) != FileLock::Status::kLocked) {
      return lock_.error() + " (--dataset-lock-fd is for the driver's own mls-store)";
    }
    // The holder's transaction must be a driver's run (a journal with a commit
    // point): appending under anything else could not be rolled back right.
    std::optional<Journal> j;
    if (LoadDatasetJournal(csv_, j) || !j || !j->state) {
      err = DatasetJournalPath(csv_) +
            ": the lock holder has no transaction open; refusing to append";
    } else {
      err = CheckFile();
    }
  } else {
    err = Lock();
    if (!err) err = CheckFile();
    lock_.Release();
  }
  if (err && fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  return err;
}

// Standalone: the dataset's lock, then whatever a dead writer left is finished.
std::optional<std::string> CsvAppender::Lock() {
  auto waiting = [this] {
    if (options_.waiting) options_.waiting(DatasetLockPath(csv_));
  };
  switch (LockDataset(lock_, csv_, options_.lock_timeout_seconds, waiting)) {
    case FileLock::Status::kLocked:
      break;
    case FileLock::Status::kBusy:
      return csv_ + ": another writer holds " + DatasetLockPath(csv_);
    case FileLock::Status::kError:
      return lock_.error();
  }
  TxnResult rec = RecoverDataset(csv_);
  if (!rec.note.empty() && options_.note) options_.note(rec.note);
  if (rec.error) {
    lock_.Release();
    return rec.error;
  }
  return std::nullopt;
}

// With the lock held: (re)opens the CSV (never through a symlink) and checks
// that it is ours. Another writer may have appended, or replaced it, since.
std::optional<std::string> CsvAppender::CheckFile() {
  if (fd_ >= 0) ::close(fd_);
  size_ = 0;
  fd_ = ::open(csv_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  if (fd_ < 0) {
    if (errno == ENOENT) return std::nullopt;  // created by the first batch
    if (errno == ELOOP) return csv_ + ": is a symbolic link; refusing to write through it";
    return Err(csv_);
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return Err(csv_);
  if (!S_ISREG(st.st_mode)) return csv_ + ": not a regular file";
  size_ = st.st_size;
  if (size_ == 0) return std::nullopt;  // an empty dataset is a new dataset
  const std::string_view header = Header();
  std::string head(std::max(kCsvHeader.size(), kLoginsCsvHeader.size()) + 1, '\0');
  ssize_t n = ::pread(fd_, head.data(), head.size(), 0);
  if (n < 0) return Err(csv_ + ": read");
  head.resize(static_cast<std::size_t>(n));
  if (!head.starts_with(std::string(header) + "\n")) {
    std::string_view first(head);
    first = first.substr(0, first.find('\n'));
    if (first.size() < head.size() && !first.empty() && first.back() == '\r')
      first.remove_suffix(1);
    if ((first == kCsvHeader || first == kLoginsCsvHeader) && first.size() < head.size())
      return csv_ + (first == kCsvHeader ? ": the failures' dataset" : ": the logins' dataset") +
             ", not the " + (options_.kind == DatasetKind::kLogins ? "logins'" : "failures'") +
             "; refusing to append";
    if (first == kLegacyCsvHeader && first.size() < head.size())
      return csv_ +
             ": has the older tool's 9-column header; refusing to append (start a new "
             "dataset; mls-report and mls-sql still read this one)";
    return csv_ + ": not a maillogsentinel dataset (unexpected header line); refusing to append";
  }
  char last = 0;
  if (::pread(fd_, &last, 1, size_ - 1) != 1) return Err(csv_ + ": read");
  if (last != '\n') return csv_ + ": last line is incomplete; refusing to append";
  return std::nullopt;
}

std::optional<std::string> CsvAppender::BeginBatch() {
  if (options_.held_lock_fd >= 0) {
    // The driver's transaction: its journal covers every byte of the run.
    struct stat st {};
    if (fd_ >= 0 && ::fstat(fd_, &st) == 0) size_ = st.st_size;
  } else {
    if (auto e = Lock()) return e;
    std::optional<std::string> err = CheckFile();
    if (!err) {
      Journal j;
      j.csv = csv_;
      j.owner = "mls-store pid " + std::to_string(::getpid());
      TxnResult b = BeginAppend(std::move(j));
      err = b.error;
    }
    if (err) {
      lock_.Release();
      return err;
    }
  }
  batch_open_ = true;
  batch_start_ = size_;
  batch_created_file_ = false;
  if (fd_ < 0) {
    fd_ = ::open(csv_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd_ < 0) return Err(csv_);
    batch_created_file_ = true;
    if (::fchmod(fd_, 0640) != 0) return Err(csv_);
    if (auto e = SyncDir(DirName(csv_))) return e;
  }
  if (size_ == 0) buf_.insert(0, std::string(Header()) + "\n");
  return std::nullopt;
}

void CsvAppender::EndBatch() {
  batch_open_ = false;
  if (options_.held_lock_fd < 0) lock_.Release();
}

std::optional<std::string> CsvAppender::Write() {
  if (!batch_open_)
    if (auto e = BeginBatch()) return e;
  if (!WriteAll(fd_, buf_)) return Err(csv_ + ": write");
  size_ += static_cast<std::int64_t>(buf_.size());
  buf_.clear();
  return std::nullopt;
}

std::optional<std::string> CsvAppender::Add(const std::vector<std::string>& fields) {
  CsvAppendEvent(fields, buf_);
  ++pending_rows_;
  if (buf_.size() >= kWriteChunk) return Write();
  return std::nullopt;
}

std::optional<std::string> CsvAppender::Commit() {
  if (pending_rows_ == 0) return std::nullopt;
  if (!buf_.empty())
    if (auto e = Write()) return e;
  if (::fsync(fd_) != 0) return Err(csv_ + ": fsync");
  if (options_.held_lock_fd < 0)
    if (TxnResult r = EndAppend(csv_); r.error) return r.error;
  EndBatch();
  committed_rows_ += pending_rows_;
  pending_rows_ = 0;
  return std::nullopt;
}

std::optional<std::string> CsvAppender::Rollback() {
  buf_.clear();
  pending_rows_ = 0;
  if (!batch_open_) return std::nullopt;
  std::optional<std::string> err;
  if (options_.held_lock_fd >= 0) {
    // Only our own bytes: the driver's lock kept every other writer out.
    if (batch_created_file_) {
      if (::unlink(csv_.c_str()) != 0) err = Err(csv_ + ": unlink");
    } else if (fd_ >= 0 && (::ftruncate(fd_, batch_start_) != 0 || ::fsync(fd_) != 0)) {
      err = Err(csv_ + ": truncate");
    }
  } else if (TxnResult r = UndoAppend(csv_); r.error) {
    err = r.error;  // the journal stays: the next writer rolls back
  }
  if (batch_created_file_ && fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  size_ = batch_start_;
  EndBatch();
  return err;
}

// ---- RunStore ---------------------------------------------------------------

StoreResult RunStore(const StoreOptions& opt) {
  StoreResult result;
  CsvAppender app, logins;
  AppenderOptions appender = opt.appender;
  if (!appender.note) appender.note = [](const std::string& n) { Warn(n); };
  std::optional<std::string> err = app.Open(opt.csv, appender);
  if (err) {
    Warn(*err);
    result.failed = true;
    return result;
  }
  // The logins dataset, opened at the first login record.
  bool logins_open = false;
  auto open_logins = [&]() -> std::optional<std::string> {
    if (logins_open) return std::nullopt;
    AppenderOptions lo = opt.logins_appender;
    lo.kind = DatasetKind::kLogins;
    if (!lo.note) lo.note = appender.note;
    if (opt.appender.held_lock_fd >= 0 && lo.held_lock_fd < 0)
      return "a login record, but this run does not track logins ([logins] track)";
    if (auto e = logins.Open(LoginsDatasetPath(opt.csv), lo)) return e;
    logins_open = true;
    return std::nullopt;
  };
  bool write_failed = false;
  auto fail_write = [&](const std::string& e) {
    Warn(e);
    result.failed = write_failed = true;
    if (auto r = app.Rollback()) Warn(*r + " (the next run rolls it back)");
    if (auto r = logins.Rollback()) Warn(*r + " (the next run rolls it back)");
  };
  auto commit = [&]() -> std::optional<std::string> {
    if (auto e = app.Commit()) return e;
    return logins.Commit();
  };
  auto on_record = [&](std::size_t line, std::vector<std::string>& f) {
    if (write_failed) return;
    if (auto bad = CheckEvent(f)) {
      Warn("line " + std::to_string(line) + ": " + *bad);
      ++result.malformed;
    } else if (!IsLoginRecord(f.size())) {
      if (auto e = app.Add(f)) fail_write(*e);
    } else if (auto e = open_logins()) {
      fail_write(*e);
    } else if (auto e2 = logins.Add(f)) {
      fail_write(*e2);
    }
  };
  auto on_error = [&](std::size_t line, const std::string& e) {
    Warn("line " + std::to_string(line) + ": " + e);
    ++result.malformed;
  };
  RecordReader reader(opt.input_fd, on_record, on_error);
  std::int64_t last_commit = opt.now_ms() - opt.commit_interval_ms;  // first batch: at once
  while (!write_failed) {
    if (app.pending() || logins.pending()) {
      std::int64_t wait = last_commit + opt.commit_interval_ms - opt.now_ms();
      pollfd p{opt.input_fd, POLLIN, 0};
      if (wait <= 0 || ::poll(&p, 1, static_cast<int>(wait)) == 0) {
        if (auto e = commit()) fail_write(*e);
        last_commit = opt.now_ms();
        continue;
      }
    }
    RecordReader::Status s = reader.ReadOnce();
    if (s == RecordReader::Status::kError) {
      Warn(reader.error());
      result.failed = true;
    }
    if (s != RecordReader::Status::kOk) break;
  }
  // Records read before a read error are valid: they are kept.
  if (!write_failed)
    if (auto e = commit()) fail_write(*e);
  result.appended = app.committed_rows();
  result.logins = logins.committed_rows();
  return result;
}

}  // namespace mls
