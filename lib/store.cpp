#include "store.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "atomic_file.h"
#include "csv.h"
#include "diag.h"
#include "fd_io.h"
#include "event.h"
#include "record_reader.h"

namespace mls {
namespace {

constexpr std::size_t kWriteChunk = std::size_t{1} << 20;
constexpr const char* kJournalMagic = "mls-store journal v1\n";

std::string Err(const std::string& what, int err = errno) { return ErrnoMessage(what, err); }

// Journal text: magic line, then "absent\n" or "size N\n". nullopt: unreadable
// (torn while being written, so the CSV was never touched); -1: absent.
std::optional<std::int64_t> ParseJournal(const std::string& text) {
  std::string_view t(text);
  std::string_view magic(kJournalMagic);
  if (t.substr(0, magic.size()) != magic) return std::nullopt;
  t.remove_prefix(magic.size());
  if (t == "absent\n") return -1;
  if (t.substr(0, 5) != "size " || t.size() < 7 || t.back() != '\n') return std::nullopt;
  t = t.substr(5, t.size() - 6);
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (ec != std::errc() || p != t.data() + t.size() || n < 0) return std::nullopt;
  return n;
}

}  // namespace

Recovery RecoverTornAppend(const std::string& csv) {
  Recovery r;
  const std::string journal = csv + ".journal";
  std::optional<std::string> text;
  if (auto err = ReadWholeFile(journal, text, /*missing_ok=*/true, 4096)) {
    r.error = *err;
    return r;
  }
  if (!text) return r;
  std::optional<std::int64_t> before = ParseJournal(*text);
  struct stat st {};
  bool exists = ::stat(csv.c_str(), &st) == 0;
  if (!exists && errno != ENOENT) {
    r.error = Err(csv);
    return r;
  }
  if (!before) {
    r.note = journal + ": incomplete journal (the append never started); removed it";
  } else if (*before < 0) {
    if (exists && ::unlink(csv.c_str()) != 0) {
      r.error = Err(csv + ": unlink");
      return r;
    }
    r.note = csv + ": rolled back a torn append (removed the file it had created)";
  } else if (!exists || st.st_size < *before) {
    r.note = csv + ": journal records " + std::to_string(*before) + " bytes but the file " +
             (exists ? "has " + std::to_string(st.st_size) : std::string("is missing")) +
             "; left it as it is";
  } else {
    int fd = ::open(csv.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::ftruncate(fd, *before) != 0 || ::fsync(fd) != 0) {
      r.error = Err(csv + ": truncate");
      if (fd >= 0) ::close(fd);
      return r;
    }
    ::close(fd);
    r.note = csv + ": rolled back a torn append (truncated from " + std::to_string(st.st_size) +
             " to " + std::to_string(*before) + " bytes)";
  }
  if (::unlink(journal.c_str()) != 0) {
    r.error = Err(journal + ": remove");
  } else if (auto err = SyncDir(DirName(csv))) {
    r.error = *err;
  }
  return r;
}

// ---- CsvAppender ------------------------------------------------------------

CsvAppender::~CsvAppender() {
  if (batch_open_) Rollback();
  if (fd_ >= 0) ::close(fd_);
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

std::optional<std::string> CsvAppender::Open(const std::string& csv,
                                             std::vector<std::string>* notes) {
  std::optional<std::string> err = OpenLocked(csv, notes);
  if (err) {  // release the file and the lock at once
    if (fd_ >= 0) ::close(fd_);
    if (dir_fd_ >= 0) ::close(dir_fd_);
    fd_ = dir_fd_ = -1;
  }
  return err;
}

std::optional<std::string> CsvAppender::OpenLocked(const std::string& csv,
                                                   std::vector<std::string>* notes) {
  csv_ = csv;
  journal_ = csv + ".journal";
  std::string dir = DirName(csv);
  dir_fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) return Err(dir);
  if (::flock(dir_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return csv + ": another mls-store is appending in " + dir;
    return Err(dir + ": lock");
  }
  Recovery rec = RecoverTornAppend(csv);
  if (rec.note && notes) notes->push_back(*rec.note);
  if (rec.error) return rec.error;

  fd_ = ::open(csv.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) {
    if (errno == ENOENT) return std::nullopt;  // created by the first batch
    return Err(csv);
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return Err(csv);
  if (!S_ISREG(st.st_mode)) return csv + ": not a regular file";
  size_ = st.st_size;
  if (size_ == 0) return std::nullopt;
  std::string head(kCsvHeader.size() + 1, '\0');
  ssize_t n = ::pread(fd_, head.data(), head.size(), 0);
  if (n < 0) return Err(csv + ": read");
  head.resize(static_cast<std::size_t>(n));
  if (head != std::string(kCsvHeader) + "\n") {
    std::string_view first(head);
    first = first.substr(0, first.find('\n'));
    if (first.size() < head.size() && !first.empty() && first.back() == '\r')
      first.remove_suffix(1);
    if (first == kLegacyCsvHeader && first.size() < head.size())
      return csv +
             ": has the older tool's 9-column header; refusing to append (start a new "
             "dataset; mls-report and mls-sql still read this one)";
    return csv + ": not a maillogsentinel dataset (unexpected header line); refusing to append";
  }
  char last = 0;
  if (::pread(fd_, &last, 1, size_ - 1) != 1) return Err(csv + ": read");
  if (last != '\n') return csv + ": last line is incomplete; refusing to append";
  return std::nullopt;
}

std::optional<std::string> CsvAppender::BeginBatch() {
  std::string text = kJournalMagic;
  text += fd_ < 0 ? std::string("absent\n") : "size " + std::to_string(size_) + "\n";
  int jfd = ::open(journal_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
  if (jfd < 0) return Err(journal_);
  bool ok = WriteAll(jfd, text) && ::fsync(jfd) == 0;
  int err = errno;
  ::close(jfd);
  if (!ok || ::fsync(dir_fd_) != 0) {
    if (ok) err = errno;
    ::unlink(journal_.c_str());
    return Err(journal_ + ": write", err);
  }
  batch_open_ = true;
  batch_start_ = size_;
  batch_created_file_ = false;
  if (fd_ < 0) {
    fd_ = ::open(csv_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd_ < 0) return Err(csv_);
    batch_created_file_ = true;
    if (::fchmod(fd_, 0640) != 0 || ::fsync(dir_fd_) != 0) return Err(csv_);
    buf_.insert(0, std::string(kCsvHeader) + "\n");
  }
  return std::nullopt;
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
  if (::unlink(journal_.c_str()) != 0) return Err(journal_ + ": remove");
  batch_open_ = false;
  committed_rows_ += pending_rows_;
  pending_rows_ = 0;
  if (::fsync(dir_fd_) != 0) return Err(DirName(csv_) + ": fsync");
  return std::nullopt;
}

std::optional<std::string> CsvAppender::Rollback() {
  buf_.clear();
  pending_rows_ = 0;
  if (!batch_open_) return std::nullopt;
  if (fd_ < 0) {
    // The journal was written but the file could not be created: nothing to undo.
  } else if (batch_created_file_) {
    if (::unlink(csv_.c_str()) != 0) return Err(csv_ + ": unlink");
    ::close(fd_);
    fd_ = -1;
  } else if (::ftruncate(fd_, batch_start_) != 0 || ::fsync(fd_) != 0) {
    return Err(csv_ + ": truncate");  // the journal stays: the next start rolls back
  }
  size_ = batch_start_;
  if (::unlink(journal_.c_str()) != 0 || ::fsync(dir_fd_) != 0) return Err(journal_ + ": remove");
  batch_open_ = false;
  return std::nullopt;
}

// ---- RunStore ---------------------------------------------------------------

StoreResult RunStore(const StoreOptions& opt) {
  StoreResult result;
  CsvAppender app;
  std::vector<std::string> notes;
  std::optional<std::string> err = app.Open(opt.csv, &notes);
  for (const std::string& n : notes) Warn(n);
  if (err) {
    Warn(*err);
    result.failed = true;
    return result;
  }
  bool write_failed = false;
  auto fail_write = [&](const std::string& e) {
    Warn(e);
    result.failed = write_failed = true;
    if (auto r = app.Rollback()) Warn(*r + " (the next run rolls it back)");
  };
  auto on_record = [&](std::size_t line, std::vector<std::string>& f) {
    if (write_failed) return;
    if (f.size() != kEventColumns && f.size() != kEnrichedColumns) {
      Warn("line " + std::to_string(line) + ": expected 9 or 14 fields, got " +
           std::to_string(f.size()));
      ++result.malformed;
    } else if (!IsIsoTime(f[kTime])) {
      Warn("line " + std::to_string(line) + ": field 1 (time) is not an ISO 8601 time");
      ++result.malformed;
    } else if (auto e = app.Add(f)) {
      fail_write(*e);
    }
  };
  auto on_error = [&](std::size_t line, const std::string& e) {
    Warn("line " + std::to_string(line) + ": " + e);
    ++result.malformed;
  };
  RecordReader reader(opt.input_fd, on_record, on_error);
  std::int64_t last_commit = opt.now_ms() - opt.commit_interval_ms;  // first batch: at once
  while (!write_failed) {
    if (app.pending()) {
      std::int64_t wait = last_commit + opt.commit_interval_ms - opt.now_ms();
      pollfd p{opt.input_fd, POLLIN, 0};
      if (wait <= 0 || ::poll(&p, 1, static_cast<int>(wait)) == 0) {
        if (auto e = app.Commit()) fail_write(*e);
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
    if (auto e = app.Commit()) fail_write(*e);
  result.appended = app.committed_rows();
  return result;
}

}  // namespace mls
