#include "sql_export.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "atomic_file.h"
#include "dataset.h"
#include "fd_io.h"
#include "lock.h"
#include "number.h"
#include "retention.h"
#include "txn.h"

namespace mls {
namespace {

constexpr std::string_view kCursorMagic = "maillogsentinel sql-export cursor 1\n";
constexpr std::size_t kMaxNotes = 10;

class Fd {
 public:
  Fd() = default;
  ~Fd() { reset(-1); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

std::string Stamp(std::time_t now) {
  struct tm tm {};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// Removes the temporary files (lib/atomic_file.h: NAME.tmpXXXXXX) an export
// killed while writing left in `dir` for names starting with `prefix`; only
// with the export lock held, and only this server's (another server's export
// may share the directory).
void RemoveStaleTemps(const std::string& dir, std::string_view prefix) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    std::size_t tmp = n.rfind(".tmp");
    if (n.substr(0, prefix.size()) == prefix && tmp != std::string_view::npos &&
        n.size() == tmp + 10)
      ::unlinkat(::dirfd(d), e->d_name, 0);
  }
  ::closedir(d);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 || errno != ENOENT;
}

// Under the dataset's lock: opens the dataset as `fd` (not open: no dataset
// yet), its committed size (see the header) and its history (lib/retention.h;
// read under the lock, so that it describes the file opened).
std::optional<std::string> OpenCommitted(const SqlExportOptions& o, Fd& fd, struct stat& st,
                                         std::uint64_t& size, DatasetHistory& history) {
  FileLock lock;
  switch (LockDataset(lock, o.csv, o.lock_timeout_seconds)) {
    case FileLock::Status::kLocked:
      break;
    case FileLock::Status::kBusy:
      return DatasetLockPath(o.csv) + ": another writer holds the dataset's lock";
    case FileLock::Status::kError:
      return lock.error();
  }
  fd.reset(::open(o.csv.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    return ErrnoMessage(o.csv, errno);
  }
  if (::fstat(fd.get(), &st) != 0) return ErrnoMessage(o.csv, errno);
  size = static_cast<std::uint64_t>(st.st_size);
  std::optional<Journal> journal;
  if (auto err = LoadDatasetJournal(o.csv, journal)) return err;
  std::string id = FileIdOf(st.st_dev, st.st_ino);
  if (journal && (!journal->csv_id || *journal->csv_id == id))
    size = std::min(size, journal->csv_size.value_or(0));
  std::optional<RetentionRecord> record;
  if (auto err = LoadRetentionRecord(o.csv, record)) return err;
  history = HistoryOf(record, id);
  return std::nullopt;
}

class Exporter {
 public:
  Exporter(const SqlExportOptions& o, SqlExportResult& r) : o_(o), r_(r) {}

  std::optional<std::string> Run() {
    FileLock export_lock;
    switch (export_lock.Acquire(SqlExportLockPath(o_.state_dir), o_.lock_timeout_seconds)) {
      case FileLock::Status::kLocked:
        break;
      case FileLock::Status::kBusy:
        return SqlExportLockPath(o_.state_dir) + ": another export is running";
      case FileLock::Status::kError:
        return export_lock.error();
    }
    RemoveStaleTemps(o_.state_dir, "sql-export.cursor.tmp");
    RemoveStaleTemps(o_.export_dir, "mls-" + o_.server + "-");
    std::optional<std::string> text;
    if (auto err = ReadWholeFile(cursor_path_, text, true, 1 << 16)) return err;
    std::optional<SqlExportCursor> saved;
    if (text) {
      saved = DecodeSqlExportCursor(*text);
      if (!saved)
        return cursor_path_ +
               ": malformed export cursor (remove it to export the whole "
               "dataset again)";
    }
    Fd fd;
    struct stat st;
    std::uint64_t limit = 0;
    if (auto err = OpenCommitted(o_, fd, st, limit, history_)) return err;
    if (fd.get() < 0) return std::nullopt;  // no dataset yet: nothing new

    DatasetScanner head_scan(fd.get());
    head_scan.set_limit(limit);
    if (!head_scan.ReadHeader()) {
      if (head_scan.error()) return o_.csv + ": " + *head_scan.error();
      return std::nullopt;  // empty or no complete header yet
    }
    DatasetRecord first;
    if (!head_scan.Next(first)) {
      if (head_scan.error()) return o_.csv + ": " + *head_scan.error();
      return std::nullopt;  // no row yet
    }
    data_start_ = head_scan.data_start();
    // The identity is the dataset's as it was before any prune: offsets are
    // logical (physical + base), the same for a row before and after a prune.
    SqlExportCursor cur;
    if (history_.pruned) {
      std::string_view origin = history_.origin_id;
      std::size_t colon = origin.find(':');
      cur.device = ParseNumber<std::uint64_t>(origin.substr(0, colon)).value_or(0);
      cur.inode = ParseNumber<std::uint64_t>(origin.substr(colon + 1)).value_or(0);
      cur.head = Sha256Hex(history_.origin_head);
    } else {
      std::optional<std::string> head_bytes = ReadRange(fd.get(), 0, first.end_offset);
      if (!head_bytes) return ErrnoMessage(o_.csv, errno);
      cur.device = st.st_dev;
      cur.inode = st.st_ino;
      cur.head = Sha256Hex(*head_bytes);
    }
    const std::uint64_t base = history_.base, first_row = base + data_start_;
    bool same = false;
    if (saved && saved->device == cur.device && saved->inode == cur.inode &&
        saved->head == cur.head && saved->offset >= data_start_ && saved->offset <= limit + base) {
      if (saved->offset < first_row) {
        same = true;  // its next rows were pruned before this export (see the header)
      } else {
        std::optional<std::string> tail = TailHash(fd.get(), saved->offset - base);
        if (!tail) return ErrnoMessage(o_.csv, errno);
        same = *tail == saved->tail;
      }
    }
    if (same) {
      cur = *saved;
      if (cur.offset < first_row) {
        Note(o_.csv + ": " + std::to_string(first_row - cur.offset) +
             " bytes of rows were pruned (retention_days) before they were exported; they are "
             "not in the batches (see the retention archive)");
        r_.pruned_bytes = first_row - cur.offset;
        std::optional<std::string> tail = TailHash(fd.get(), data_start_);
        if (!tail) return ErrnoMessage(o_.csv, errno);
        cur.offset = first_row;
        cur.tail = *tail;
        if (auto err = SaveCursor(cur)) return err;
      }
    } else {
      if (saved)
        Note(o_.csv +
             ": not the dataset of the last export (replaced, reset or truncated): "
             "exporting it from its first row");
      cur.dataset = std::to_string(cur.device) + ":" + std::to_string(cur.inode) + ":" +
                    cur.head.substr(0, 16) + ":" + Stamp(o_.now);
      cur.offset = first_row;
      std::optional<std::string> tail = TailHash(fd.get(), data_start_);
      if (!tail) return ErrnoMessage(o_.csv, errno);
      cur.tail = *tail;
      cur.seq = saved ? saved->seq : 1;
      if (auto err = SaveCursor(cur)) return err;  // the new identity first
    }
    const std::uint64_t start = cur.offset - base;  // physical
    if (start >= limit) return std::nullopt;
    if (::lseek(fd.get(), static_cast<off_t>(start), SEEK_SET) < 0)
      return ErrnoMessage(o_.csv, errno);
    DatasetScanner scan(fd.get(), start, 0, head_scan.columns());
    scan.set_limit(limit);
    return ExportFrom(fd.get(), scan, cur);
  }

 private:
  std::optional<std::string> ExportFrom(int fd, DatasetScanner& scan, SqlExportCursor& cur) {
    std::optional<SqlBatchWriter> batch;  // kept from file to file: its memory is reused
    bool open = false;                    // whether `batch` holds this file's rows
    const std::uint64_t base = history_.base;
    std::uint64_t start = cur.offset - base, end = start;  // physical
    DatasetRecord rec;
    DatasetCells cells;
    std::vector<std::string> fields;
    while (scan.Next(rec)) {
      if (rec.error) {
        ++r_.skipped;
        Note(o_.csv + ": row at byte " + std::to_string(start) + " skipped: " + *rec.error);
      } else {
        scan.Split(rec, cells);
        scan.ToEvent(cells, fields);
        if (!open) {
          if (auto err = StartBatch(batch, cur)) return err;
          open = true;
        }
        if (auto err = batch->Add(start + base, fields)) {
          if (batch->error()) return o_.csv + ": " + *err;
          ++r_.skipped;
          Note(o_.csv + ": row at byte " + std::to_string(start) + " skipped: " + *err);
        }
      }
      start = end = rec.end_offset;
      if (open && batch->rows() >= o_.max_rows_per_file) {
        if (auto err = Flush(fd, &*batch, end, cur)) return err;
        open = false;
      }
    }
    if (scan.error()) return o_.csv + ": " + *scan.error();
    return Flush(fd, open ? &*batch : nullptr, end, cur);
  }

  // A new batch file's writer, its name the first free one.
  std::optional<std::string> StartBatch(std::optional<SqlBatchWriter>& batch,
                                        SqlExportCursor& cur) {
    if (auto err = MakeDir()) return err;
    SqlBatchInfo info;
    info.dialect = o_.dialect;
    info.server = o_.server;
    info.dataset = cur.dataset;
    info.table = o_.table;
    for (;; ++cur.seq) {
      char seq[32];
      std::snprintf(seq, sizeof seq, "%06llu", static_cast<unsigned long long>(cur.seq));
      info.file = "mls-" + o_.server + "-" + Stamp(o_.now) + "-" + seq + ".sql";
      const std::string path = o_.export_dir + "/" + info.file;
      if (!Exists(path) && !Exists(SqlImportedDir(o_.export_dir) + "/" + info.file)) break;
    }
    if (batch)
      batch->Reset(info);
    else
      batch.emplace(info);
    if (batch->error()) return o_.csv + ": " + *batch->error();
    return std::nullopt;
  }

  // Writes the batch's rows (ending at physical offset `end`) as its file, if
  // there is a batch with rows, then moves the cursor to `end`.
  std::optional<std::string> Flush(int fd, SqlBatchWriter* batch, std::uint64_t end,
                                   SqlExportCursor& cur) {
    if (end + history_.base == cur.offset) return std::nullopt;
    if (batch && batch->rows() > 0) {
      if (auto err = batch->Finish(end + history_.base)) return o_.csv + ": " + *err;
      const std::string path = o_.export_dir + "/" + batch->info().file;
      const std::string_view parts[] = {batch->header(), batch->body(), batch->epilogue()};
      if (auto err = WriteFileAtomically(path, parts, 0640)) return err;
      r_.files.push_back(path);
      r_.rows += batch->rows();
      ++cur.seq;
    }
    std::optional<std::string> tail = TailHash(fd, end);
    if (!tail) return ErrnoMessage(o_.csv, errno);
    cur.offset = end + history_.base;
    cur.tail = *tail;
    return SaveCursor(cur);
  }

  // The hash of the history's bytes before physical offset `offset`.
  std::optional<std::string> TailHash(int fd, std::uint64_t offset) {
    std::optional<std::string> bytes = HistoryTail(fd, data_start_, history_, offset);
    if (!bytes) return std::nullopt;
    return Sha256Hex(*bytes);
  }

  std::optional<std::string> SaveCursor(const SqlExportCursor& cur) {
    return WriteFileAtomically(cursor_path_, EncodeSqlExportCursor(cur), 0640);
  }

  std::optional<std::string> MakeDir() {
    if (::mkdir(o_.export_dir.c_str(), 0750) != 0 && errno != EEXIST)
      return ErrnoMessage(o_.export_dir, errno);
    return std::nullopt;
  }

  void Note(std::string note) {
    if (r_.notes.size() < kMaxNotes) r_.notes.push_back(std::move(note));
  }

  const SqlExportOptions& o_;
  SqlExportResult& r_;
  const std::string cursor_path_ = SqlExportCursorPath(o_.state_dir);
  DatasetHistory history_;  // the dataset file's place in its history (lib/retention.h)
  std::uint64_t data_start_ = 0;
};

}  // namespace

std::string EncodeSqlExportCursor(const SqlExportCursor& c) {
  std::string s(kCursorMagic);
  s += "dataset " + c.dataset + "\n";
  s += "device " + std::to_string(c.device) + "\n";
  s += "inode " + std::to_string(c.inode) + "\n";
  s += "head " + c.head + "\n";
  s += "offset " + std::to_string(c.offset) + "\n";
  s += "tail " + c.tail + "\n";
  s += "seq " + std::to_string(c.seq) + "\n";
  return s;
}

std::optional<SqlExportCursor> DecodeSqlExportCursor(std::string_view text) {
  if (text.substr(0, kCursorMagic.size()) != kCursorMagic) return std::nullopt;
  text.remove_prefix(kCursorMagic.size());
  auto field = [&](std::string_view key) -> std::optional<std::string_view> {
    std::size_t nl = text.find('\n');
    if (nl == std::string_view::npos || text.substr(0, key.size() + 1) != std::string(key) + " ")
      return std::nullopt;
    std::string_view v = text.substr(key.size() + 1, nl - key.size() - 1);
    text.remove_prefix(nl + 1);
    return v;
  };
  auto hash = [](std::string_view h) {
    return h.size() == 64 && h.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  };
  SqlExportCursor c;
  std::optional<std::string_view> dataset = field("dataset"), device = field("device"),
                                  inode = field("inode"), head = field("head"),
                                  offset = field("offset"), tail = field("tail"),
                                  seq = field("seq");
  if (!dataset || !device || !inode || !head || !offset || !tail || !seq || !text.empty() ||
      dataset->empty() || !hash(*head) || !hash(*tail))
    return std::nullopt;
  std::optional<std::uint64_t> d = ParseNumber<std::uint64_t>(*device),
                               i = ParseNumber<std::uint64_t>(*inode),
                               o = ParseNumber<std::uint64_t>(*offset),
                               q = ParseNumber<std::uint64_t>(*seq);
  if (!d || !i || !o || !q) return std::nullopt;
  c.dataset = std::string(*dataset);
  c.device = *d;
  c.inode = *i;
  c.head = std::string(*head);
  c.offset = *o;
  c.tail = std::string(*tail);
  c.seq = *q;
  return c;
}

SqlExportResult ExportSql(const SqlExportOptions& options) {
  SqlExportResult result;
  Exporter exporter(options, result);
  result.error = exporter.Run();
  return result;
}

}  // namespace mls
