#include "retention.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "atomic_file.h"
#include "dataset.h"
#include "fd_io.h"
#include "gzip.h"
#include "number.h"
#include "txn.h"

namespace mls {
namespace {

constexpr std::string_view kMagic = "maillogsentinel-retention 1\n";

void PutFile(std::string& out, std::string_view prefix, const std::optional<RetentionFile>& f) {
  std::string p(prefix);
  PutTxnField(out, p + "_id", f ? std::optional(f->id) : std::nullopt);
  PutTxnField(out, p + "_base", f ? std::optional(std::to_string(f->base)) : std::nullopt);
  PutTxnField(out, p + "_tail", f ? std::optional(f->tail) : std::nullopt);
}

bool GetFile(std::string_view& text, std::string_view prefix, std::optional<RetentionFile>& f) {
  std::string p(prefix);
  std::optional<std::string> id, base, tail;
  if (!GetTxnField(text, p + "_id", id) || !GetTxnField(text, p + "_base", base) ||
      !GetTxnField(text, p + "_tail", tail))
    return false;
  f.reset();
  if (!id && !base && !tail) return true;
  if (!id || !base || !tail || id->empty()) return false;
  std::optional<std::uint64_t> b = ParseNumber<std::uint64_t>(*base);
  if (!b) return false;
  f = RetentionFile{*id, *b, *tail};
  return true;
}

// Closes an fd and unmaps a mapping when the prune returns.
struct Mapped {
  int fd = -1;
  void* map = MAP_FAILED;
  std::size_t size = 0;
  ~Mapped() {
    if (map != MAP_FAILED) ::munmap(map, size);
    if (fd >= 0) ::close(fd);
  }
};

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 || errno != ENOENT;
}

// A name in `dir` for the archive of rows from `first` to `last` that no file has.
std::string FreeArchivePath(const std::string& dir, std::time_t first, std::time_t last) {
  std::string name = ArchiveName(first, last);
  std::string path = dir + "/" + name;
  std::string stem = name.substr(0, name.size() - std::string_view(".csv.gz").size());
  for (int n = 2; Exists(path); ++n) path = dir + "/" + stem + "." + std::to_string(n) + ".csv.gz";
  return path;
}

}  // namespace

std::string RetentionRecordPath(const std::string& csv) { return csv + ".retention"; }

std::string FileIdOf(std::uint64_t device, std::uint64_t inode) {
  return std::to_string(device) + ":" + std::to_string(inode);
}

std::string EncodeRetentionRecord(const RetentionRecord& r) {
  std::string out(kMagic);
  PutTxnField(out, "origin_id", r.origin_id);
  PutTxnField(out, "origin_head", r.origin_head);
  PutFile(out, "previous", r.previous);
  PutFile(out, "current", r.current);
  PutTxnField(out, "archive", r.archive);
  return out;
}

std::optional<RetentionRecord> DecodeRetentionRecord(std::string_view text) {
  if (!text.starts_with(kMagic)) return std::nullopt;
  text.remove_prefix(kMagic.size());
  RetentionRecord r;
  std::optional<std::string> origin_id, origin_head;
  std::optional<RetentionFile> current;
  if (!GetTxnField(text, "origin_id", origin_id) || !origin_id || origin_id->empty() ||
      !GetTxnField(text, "origin_head", origin_head) || !origin_head ||
      !GetFile(text, "previous", r.previous) || !GetFile(text, "current", current) || !current ||
      !GetTxnField(text, "archive", r.archive) || !text.empty())
    return std::nullopt;
  r.origin_id = *origin_id;
  r.origin_head = *origin_head;
  r.current = *current;
  return r;
}

std::optional<std::string> LoadRetentionRecord(const std::string& csv,
                                               std::optional<RetentionRecord>& record) {
  record.reset();
  const std::string path = RetentionRecordPath(csv);
  std::optional<std::string> text;
  if (auto err = ReadWholeFile(path, text, /*missing_ok=*/true, std::size_t{4} << 20)) return err;
  if (!text) return std::nullopt;
  record = DecodeRetentionRecord(*text);
  if (!record)
    return path +
           ": malformed retention record (mls-sql --export cannot translate its cursor; remove "
           "it only after checking the dataset)";
  return std::nullopt;
}

DatasetHistory HistoryOf(const std::optional<RetentionRecord>& record, std::string_view id) {
  DatasetHistory h;
  if (!record) return h;
  const RetentionFile* f = nullptr;
  if (record->current.id == id)
    f = &record->current;
  else if (record->previous && record->previous->id == id)
    f = &*record->previous;
  if (!f) return h;
  h.pruned = true;
  h.origin_id = record->origin_id;
  h.origin_head = record->origin_head;
  h.base = f->base;
  h.tail = f->tail;
  return h;
}

std::optional<std::string> HistoryTail(int fd, std::uint64_t data_start, const DatasetHistory& h,
                                       std::uint64_t offset) {
  std::uint64_t from = offset > kHistoryTailBytes ? offset - kHistoryTailBytes : 0;
  if (h.base == 0) return ReadRange(fd, from, offset);  // a file never pruned
  std::optional<std::string> bytes = ReadRange(fd, std::max(from, data_start), offset);
  if (!bytes) return std::nullopt;
  std::uint64_t need = std::min(kHistoryTailBytes, offset + h.base);
  std::size_t older =
      static_cast<std::size_t>(std::min<std::uint64_t>(need - bytes->size(), h.tail.size()));
  return h.tail.substr(h.tail.size() - older) + *bytes;
}

std::string ArchiveName(std::time_t first, std::time_t last) {
  auto day = [](std::time_t t) {
    struct tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
    return std::string(buf);
  };
  return "maillogsentinel-" + day(first) + "-" + day(last) + ".csv.gz";
}

PruneResult PruneDataset(const PruneOptions& o) {
  PruneResult r;
  auto fail = [&r](std::string e) {
    r.error = std::move(e);
    return r;
  };
  TxnResult txn = RecoverDataset(o.csv);  // another writer's journal first
  if (txn.error) return fail(*txn.error);
  if (!txn.note.empty()) r.notes.push_back(txn.note);
  RemoveTempFiles(o.csv);
  RemoveTempFiles(RetentionRecordPath(o.csv));

  Mapped m;
  m.fd = ::open(o.csv.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (m.fd < 0) {
    if (errno == ENOENT) return r;  // no dataset yet
    return fail(ErrnoMessage(o.csv, errno));
  }
  struct stat st;
  if (::fstat(m.fd, &st) != 0) return fail(ErrnoMessage(o.csv, errno));
  if (!S_ISREG(st.st_mode)) return fail(o.csv + ": not a regular file");
  const std::string id = FileIdOf(st.st_dev, st.st_ino);
  std::optional<RetentionRecord> record;
  if (auto err = LoadRetentionRecord(o.csv, record)) return fail(*err);
  if (record && record->current.id != id && record->previous && record->previous->id == id) {
    // The last prune died before its rename: its archive holds rows the
    // dataset still has.
    if (record->archive) {
      RemoveTempFiles(*record->archive);
      if (::unlink(record->archive->c_str()) == 0)
        r.notes.push_back("removed " + *record->archive +
                          ", the archive of a prune interrupted before it replaced " + o.csv +
                          " (its rows are still there)");
    }
  }
  const DatasetHistory history = HistoryOf(record, id);

  const std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  DatasetScanner scan(m.fd);
  scan.set_limit(size);
  if (!scan.ReadHeader(o.logins ? DatasetKind::kLogins : DatasetKind::kFailures)) {
    if (scan.error()) return fail(o.csv + ": " + *scan.error());
    return r;  // empty, or no complete header
  }
  const std::uint64_t data_start = scan.data_start();
  std::uint64_t first_end = 0, cut = data_start, unreadable = 0;
  std::time_t first_time = 0, last_time = 0;
  bool started = false;
  DatasetRecord rec;
  while (scan.Next(rec)) {
    if (first_end == 0) first_end = rec.end_offset;
    if (rec.error) {
      ++unreadable;  // dropped only if an old row follows it
      continue;
    }
    if (!started) {
      if (rec.time >= o.cutoff - o.slack) break;  // not due yet
      started = true;
      first_time = rec.time;
    }
    if (rec.time >= o.cutoff) break;
    ++r.rows;
    r.unreadable += unreadable;
    unreadable = 0;
    cut = rec.end_offset;
    last_time = rec.time;
  }
  if (scan.error()) return fail(o.csv + ": " + *scan.error());
  if (cut == data_start) {
    r.unreadable = 0;
    return r;
  }

  m.size = static_cast<std::size_t>(size);
  m.map = ::mmap(nullptr, m.size, PROT_READ, MAP_SHARED, m.fd, 0);
  if (m.map == MAP_FAILED) return fail(ErrnoMessage(o.csv + ": mmap", errno));
  const std::string_view all(static_cast<const char*>(m.map), m.size);
  const std::string_view header = all.substr(0, data_start);
  const std::string_view dropped = all.substr(data_start, cut - data_start);
  const std::string_view kept = all.substr(cut);

  RetentionRecord next;
  next.origin_id = history.pruned ? history.origin_id : id;
  next.origin_head = history.pruned ? history.origin_head : std::string(all.substr(0, first_end));
  next.previous = RetentionFile{id, history.base, history.tail};
  std::optional<std::string> tail = HistoryTail(m.fd, data_start, history, cut);
  if (!tail) return fail(ErrnoMessage(o.csv, errno));
  next.current.base = history.base + (cut - data_start);
  next.current.tail = *tail;
  if (!o.archive_dir.empty()) {
    if (auto err = MakeDirs(o.archive_dir, 0750)) return fail(*err);
    next.archive = FreeArchivePath(o.archive_dir, first_time, last_time);
  }
  auto stopped = [&](std::string_view step) -> std::optional<std::string> {
    if (o.step && o.step(step)) return "stopped after step " + std::string(step) + " (test)";
    return std::nullopt;
  };

  // The new file exists under its temporary name: the record names it, then
  // the archive, then the rename.
  auto before_rename = [&](const std::string& tmp) -> std::optional<std::string> {
    struct stat t;
    if (::lstat(tmp.c_str(), &t) != 0) return ErrnoMessage(tmp, errno);
    next.current.id = FileIdOf(t.st_dev, t.st_ino);
    if (auto err =
            WriteFileAtomically(RetentionRecordPath(o.csv), EncodeRetentionRecord(next), 0640))
      return err;
    if (auto err = stopped("record")) return err;
    if (next.archive) {
      std::string gz;
      std::string name = next.archive->substr(next.archive->rfind('/') + 1);
      if (auto err = GzipParts({header, dropped}, gz, name.substr(0, name.size() - 3)))
        return *next.archive + ": " + *err;
      if (auto err = WriteFileAtomically(*next.archive, gz, 0640)) return err;
    }
    return stopped("archive");
  };
  const std::string_view parts[] = {header, kept};
  if (auto err = WriteFileAtomically(o.csv, parts, st.st_mode & 07777, before_rename))
    return fail(*err);
  r.bytes = cut - data_start;
  if (next.archive) r.archive = *next.archive;
  if (auto err = stopped("replaced")) return fail(*err);
  return r;
}

}  // namespace mls
