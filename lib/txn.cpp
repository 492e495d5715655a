#include "txn.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "atomic_file.h"
#include "dataset.h"
#include "diag.h"
#include "fd_io.h"
#include "number.h"
#include "paths.h"

namespace mls {
namespace {

constexpr std::string_view kMagic = "maillogsentinel-txn 2\n";
constexpr std::string_view kMagicV1 = "maillogsentinel-txn 1\n";
constexpr std::string_view kStoreMagicV1 = "mls-store journal v1\n";

std::optional<std::uint64_t> ParseSize(std::string_view s) { return ParseNumber<std::uint64_t>(s); }

// "mls-store journal v1\n" + "absent\n" | "size N\n".
std::optional<Journal> DecodeStoreV1(std::string_view t, const std::string& csv) {
  Journal j;
  j.csv = csv;
  j.owner = "mls-store (an earlier version)";
  if (t == "absent\n") return j;
  if (t.substr(0, 5) != "size " || t.size() < 7 || t.back() != '\n') return std::nullopt;
  j.csv_size = ParseSize(t.substr(5, t.size() - 6));
  if (!j.csv_size) return std::nullopt;
  return j;
}

// Journals and state files are small.
std::optional<std::string> ReadFile(const std::string& path, std::optional<std::string>& content) {
  return ReadWholeFile(path, content, /*missing_ok=*/true, std::size_t{16} << 20);
}

// The size of `path` without following a final symlink; nullopt when absent.
std::optional<std::string> FileSize(const std::string& path, std::optional<std::uint64_t>& size) {
  size.reset();
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    return ErrnoMessage(path, errno);
  }
  if (S_ISLNK(st.st_mode)) return path + ": is a symbolic link; refusing to write through it";
  if (!S_ISREG(st.st_mode)) return path + ": not a regular file";
  size = static_cast<std::uint64_t>(st.st_size);
  return std::nullopt;
}

// "DEVICE:INODE" of `path` (not following a final symlink), nullopt if absent.
std::optional<std::string> FileId(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

std::optional<std::string> RemoveIfPresent(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoMessage(path, errno);
  return std::nullopt;
}

std::optional<std::string> LoadJournal(const std::string& path, const std::string& csv,
                                       std::optional<Journal>& journal) {
  journal.reset();
  std::optional<std::string> text;
  if (auto err = ReadFile(path, text)) return err;
  if (!text) return std::nullopt;
  journal = DecodeJournal(*text, csv);
  std::string_view t(*text);
  if (!journal && (kStoreMagicV1.starts_with(t) || t.starts_with(kStoreMagicV1))) {
    // An earlier mls-store wrote its journal in place and fsync'ed it before
    // touching the CSV: an incomplete one means the append never started.
    journal = Journal{};
    journal->csv = csv;
    journal->never_started = true;
    return std::nullopt;
  }
  if (!journal)
    return path + ": malformed transaction journal (remove it only after checking the CSV)";
  // A journal next to the dataset is that dataset's, however its path was spelled.
  if (path == DatasetJournalPath(csv)) journal->csv = csv;
  return std::nullopt;
}

// Cuts the dataset back to what `j` recorded; never grows it, never cuts
// below the recorded size. Does not touch the journal.
TxnResult CutBack(const Journal& j) {
  TxnResult r;
  std::optional<std::uint64_t> now;
  if (auto err = FileSize(j.csv, now)) return {err, ""};
  if (now && j.csv_id && FileId(j.csv) != j.csv_id) {
    r.note = j.csv + " was replaced since " +
             (j.owner.empty() ? std::string("the interrupted run") : j.owner) +
             " began; left alone";
    return r;
  }
  if (!j.csv_size) {
    if (now) {
      if (::unlink(j.csv.c_str()) != 0) return {ErrnoMessage(j.csv, errno), ""};
      if (auto err = SyncDir(DirName(j.csv))) return {err, ""};
      r.note = "removed " + j.csv + " (" + std::to_string(*now) + " bytes) created by " +
               (j.owner.empty() ? "an uncommitted run" : j.owner + ", which did not commit");
    }
  } else if (now && *now > *j.csv_size) {
    int fd = ::open(j.csv.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return {ErrnoMessage(j.csv, errno), ""};
    bool ok = ::ftruncate(fd, static_cast<off_t>(*j.csv_size)) == 0 && ::fsync(fd) == 0;
    int err = errno;
    ::close(fd);
    if (!ok) return {ErrnoMessage(j.csv, err), ""};
    r.note = "truncated " + j.csv + " from " + std::to_string(*now) + " to " +
             std::to_string(*j.csv_size) + " bytes (rows of " +
             (j.owner.empty() ? "an uncommitted run" : j.owner + ", which did not commit") + ")";
  } else if (!now || *now < *j.csv_size) {
    r.note = j.csv + " is smaller than before the uncommitted transaction (" +
             (now ? std::to_string(*now) : std::string("absent")) + " < " +
             std::to_string(*j.csv_size) + " bytes); left alone";
  }
  return r;
}

// Whether the writer of `j` reached its commit point.
std::optional<std::string> Committed(const Journal& j, bool& committed) {
  committed = false;
  if (!j.state) return std::nullopt;  // standalone: the journal's removal commits
  std::optional<std::string> now;
  if (auto err = ReadFile(*j.state, now)) {
    return "cannot tell whether " + (j.owner.empty() ? std::string("the last run") : j.owner) +
           " committed: " + *err + "; nothing changed";
  }
  committed = now != j.state_bytes;
  return std::nullopt;
}

// Finishes the transaction of the journal at `journal_path` as its writer would
// have: kept when committed, cut back otherwise; the journal removed last.
TxnResult Finish(const Journal& j, const std::string& journal_path, bool force_undo) {
  if (j.never_started) {
    if (auto err = RemoveIfPresent(journal_path)) return {err, ""};
    return {std::nullopt,
            journal_path + ": incomplete journal (the append never started); removed it"};
  }
  bool committed = false;
  if (!force_undo)
    if (auto err = Committed(j, committed)) return {err, ""};
  TxnResult r;
  if (committed) {
    // Its rename may not be durable yet (killed before its directory fsync):
    // make it so before the journal goes, or a power cut could bring back the
    // old position with the rows kept.
    if (auto err = SyncFile(*j.state)) return {err, ""};
    if (auto err = SyncDir(DirName(*j.state))) return {err, ""};
    r.note = (j.owner.empty() ? std::string("the last run") : j.owner) +
             " committed before it was interrupted; its rows are kept";
    r.committed = true;
  } else {
    r = CutBack(j);
    if (r.error) return r;
    // Best effort: another config's state dir may not be ours to write, and
    // its own next run removes a stale PENDING before it begins. Only the
    // PENDING of the journal's own state file: a journal is no licence to
    // remove anything else.
    if (j.pending && j.state && *j.pending == *j.state + ".pending") {
      (void)RemoveIfPresent(*j.pending);
      RemoveTempFiles(*j.pending);
    }
  }
  if (auto err = RemoveIfPresent(journal_path)) return {err, ""};
  if (auto err = SyncDir(DirName(journal_path))) return {err, ""};
  return r;
}

}  // namespace

void PutTxnField(std::string& out, std::string_view name, const std::optional<std::string>& v) {
  out.append(name);
  if (!v) {
    out += " -\n";
    return;
  }
  out += " " + std::to_string(v->size()) + "\n";
  out += *v;
  out += "\n";
}

// Reads "NAME LEN\nBYTES\n" or "NAME -\n" at the front of `text`.
bool GetTxnField(std::string_view& text, std::string_view name, std::optional<std::string>& v) {
  if (text.substr(0, name.size()) != name || text.size() <= name.size() ||
      text[name.size()] != ' ') {
    return false;
  }
  text.remove_prefix(name.size() + 1);
  std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return false;
  std::string_view len_text = text.substr(0, nl);
  text.remove_prefix(nl + 1);
  if (len_text == "-") {
    v.reset();
    return true;
  }
  std::optional<std::size_t> len = ParseNumber<std::size_t>(len_text);
  if (!len) return false;
  if (text.size() < *len + 1 || text[*len] != '\n') return false;
  v = std::string(text.substr(0, *len));
  text.remove_prefix(*len + 1);
  return true;
}

// Temporary files WriteFileAtomically leaves when killed ("PATH.tmpXXXXXX").
void RemoveTempFiles(const std::string& path) {
  std::string dir = DirName(path);
  std::string prefix = path.substr(path.find_last_of('/') + 1) + ".tmp";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name.size() == prefix.size() + 6 && name.substr(0, prefix.size()) == prefix) {
      ::unlinkat(::dirfd(d), e->d_name, 0);
    }
  }
  ::closedir(d);
}

std::string DatasetLockPath(const std::string& csv) { return csv + ".lock"; }

std::optional<std::string> LoadDatasetJournal(const std::string& csv,
                                              std::optional<Journal>& journal) {
  return LoadJournal(DatasetJournalPath(csv), csv, journal);
}

bool SameDataset(const std::string& a, const std::string& b) {
  if (a == b) return true;
  auto base = [](const std::string& p) { return p.substr(p.find_last_of('/') + 1); };
  if (base(a) != base(b)) return false;
  struct stat sa, sb;
  return ::stat(DirName(a).c_str(), &sa) == 0 && ::stat(DirName(b).c_str(), &sb) == 0 &&
         sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
std::string DatasetJournalPath(const std::string& csv) { return csv + ".journal"; }

std::string EncodeJournal(const Journal& j) {
  std::string out(kMagic);
  PutTxnField(out, "csv", j.csv);
  PutTxnField(out, "csv_size",
              j.csv_size ? std::optional(std::to_string(*j.csv_size)) : std::nullopt);
  PutTxnField(out, "csv_id", j.csv_id);
  PutTxnField(out, "owner", j.owner);
  PutTxnField(out, "state", j.state);
  PutTxnField(out, "state_bytes", j.state_bytes);
  PutTxnField(out, "pending", j.pending);
  return out;
}

std::optional<Journal> DecodeJournal(std::string_view text, const std::string& csv) {
  if (text.substr(0, kStoreMagicV1.size()) == kStoreMagicV1) {
    return DecodeStoreV1(text.substr(kStoreMagicV1.size()), csv);
  }
  bool v1 = text.substr(0, kMagicV1.size()) == kMagicV1;
  if (!v1 && text.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  text.remove_prefix(kMagic.size());
  Journal j;
  std::optional<std::string> path, size, owner, state;
  if (!GetTxnField(text, "csv", path) || !path || !GetTxnField(text, "csv_size", size)) {
    return std::nullopt;
  }
  if (v1) {
    // csv, csv_size, pending, state (the bytes); the commit point is the
    // state file next to PENDING, which the caller knows.
    if (!GetTxnField(text, "pending", j.pending) || !j.pending ||
        !GetTxnField(text, "state", j.state_bytes) || !text.empty()) {
      return std::nullopt;
    }
    std::string_view p = *j.pending;
    if (!p.ends_with(".pending")) return std::nullopt;
    j.state = std::string(p.substr(0, p.size() - 8));
    j.owner = "an interrupted run of an earlier version";
  } else if (!GetTxnField(text, "csv_id", j.csv_id) || !GetTxnField(text, "owner", owner) ||
             !owner || !GetTxnField(text, "state", j.state) ||
             !GetTxnField(text, "state_bytes", j.state_bytes) ||
             !GetTxnField(text, "pending", j.pending) || !text.empty()) {
    return std::nullopt;
  } else {
    j.owner = *owner;
  }
  j.csv = *path;
  if (size) {
    j.csv_size = ParseSize(*size);
    if (!j.csv_size) return std::nullopt;
  }
  return j;
}

FileLock::Status LockDataset(FileLock& lock, const std::string& csv, double timeout_seconds,
                             const std::function<void()>& waiting) {
  const std::string path = DatasetLockPath(csv);
  const double forever = 1e9;
  double total = timeout_seconds < 0 ? forever : timeout_seconds;
  if (!waiting || total <= 1) return lock.Acquire(path, total);
  FileLock::Status s = lock.Acquire(path, 1);
  if (s != FileLock::Status::kBusy) return s;
  waiting();
  return lock.Acquire(path, total - 1);
}

TxnResult RecoverDataset(const std::string& csv) {
  const std::string path = DatasetJournalPath(csv);
  RemoveTempFiles(path);
  std::optional<Journal> j;
  if (auto err = LoadJournal(path, csv, j)) return {err, ""};
  if (!j) return {};
  TxnResult r = Finish(*j, path, false);
  if (!r.error && !r.note.empty()) r.note = "recovered " + csv + ": " + r.note;
  return r;
}

TxnResult BeginAppend(Journal j) {
  const std::string path = DatasetJournalPath(j.csv);
  if (::access(path.c_str(), F_OK) == 0) {
    return {path + ": a transaction is already open (recover it first)", ""};
  }
  if (auto err = FileSize(j.csv, j.csv_size)) return {err, ""};
  j.csv_id = j.csv_size ? FileId(j.csv) : std::nullopt;
  if (auto err = WriteFileAtomically(path, EncodeJournal(j), 0640)) return {err, ""};
  return {};
}

TxnResult EndAppend(const std::string& csv) {
  std::optional<std::uint64_t> now;
  if (auto err = FileSize(csv, now)) return {err, ""};
  if (now)
    if (auto err = SyncFile(csv)) return {err, ""};
  const std::string path = DatasetJournalPath(csv);
  if (::unlink(path.c_str()) != 0) return {ErrnoMessage(path, errno), ""};
  if (auto err = SyncDir(DirName(path))) return {err, ""};
  return {};
}

TxnResult UndoAppend(const std::string& csv) {
  const std::string path = DatasetJournalPath(csv);
  std::optional<Journal> j;
  if (auto err = LoadJournal(path, csv, j)) return {err, ""};
  if (!j) return {};
  return Finish(*j, path, true);
}

TxnPaths MakeTxnPaths(const Config& config) {
  TxnPaths p;
  p.state = config.StatePath();
  p.pending = config.PendingPath();
  p.csv = config.CsvPath();
  p.logins_csv = LoginsDatasetPath(p.csv);
  p.logins = config.logins_track;
  p.dataset = config.state_dir + "/txn.dataset";
  p.legacy_journal = config.state_dir + "/txn.journal";
  return p;
}

TxnResult Recover(const TxnPaths& paths, double other_lock_seconds) {
  TxnResult r = RecoverDataset(paths.csv);
  if (r.error) return r;
  auto add_note = [&r](const std::string& n) {
    if (!n.empty()) r.note += (r.note.empty() ? "" : "; ") + n;
  };
  if (!paths.logins_csv.empty()) {
    TxnResult l = RecoverDataset(paths.logins_csv);
    if (l.error) return {l.error, r.note};
    add_note(l.note);
  }
  RemoveTempFiles(paths.dataset);
  std::optional<std::string> other;
  if (auto err = ReadFile(paths.dataset, other)) return {err, r.note};
  if (other && !SameDataset(*other, paths.csv)) {
    FileLock lock;
    if (LockDataset(lock, *other, other_lock_seconds) != FileLock::Status::kLocked) {
      return {"the last run of this state directory was interrupted while writing " + *other +
                  " (the config changed since) and its lock cannot be taken: " + lock.error(),
              r.note};
    }
    TxnResult o = RecoverDataset(*other);
    if (o.error) return {o.error, r.note};
    add_note(o.note);
    const std::string other_logins = LoginsDatasetPath(*other);
    FileLock logins_lock;
    if (LockDataset(logins_lock, other_logins, other_lock_seconds) != FileLock::Status::kLocked) {
      return {"the last run of this state directory was interrupted while writing " + other_logins +
                  " and its lock cannot be taken: " + logins_lock.error(),
              r.note};
    }
    TxnResult ol = RecoverDataset(other_logins);
    if (ol.error) return {ol.error, r.note};
    add_note(ol.note);
  }
  if (other) {
    if (auto err = RemoveIfPresent(paths.dataset)) return {err, r.note};
  }
  RemoveTempFiles(paths.legacy_journal);
  std::optional<Journal> old;
  if (auto err = LoadJournal(paths.legacy_journal, paths.csv, old)) return {err, ""};
  if (!old) return r;
  if (old->csv != paths.csv) {
    return {paths.legacy_journal + ": an interrupted run of an earlier version wrote to " +
                old->csv + ", not to " + paths.csv +
                "; run once with the old working_dir, or remove it after checking that CSV",
            ""};
  }
  TxnResult l = Finish(*old, paths.legacy_journal, false);
  if (l.error) return l;
  if (!l.note.empty()) add_note("recovered: " + l.note);
  return r;
}

TxnResult Begin(const TxnPaths& paths, const std::string& owner) {
  Journal j;
  j.csv = paths.csv;
  j.owner = owner;
  j.state = paths.state;
  j.pending = paths.pending;
  if (auto err = ReadFile(paths.state, j.state_bytes)) return {err, ""};
  if (auto err = RemoveIfPresent(paths.pending)) return {err, ""};
  RemoveTempFiles(paths.pending);
  if (auto err = WriteFileAtomically(paths.dataset, paths.csv, 0640)) return {err, ""};
  Journal logins = j;
  logins.csv = paths.logins_csv;
  if (TxnResult b = BeginAppend(std::move(j)); b.error || !paths.logins) return b;
  // Second: a run that dies between the two journals is cut back by the first.
  return BeginAppend(std::move(logins));
}

TxnResult Commit(const TxnPaths& paths) {
  const std::string journal_path = DatasetJournalPath(paths.csv);
  std::optional<Journal> j;
  if (auto err = LoadJournal(journal_path, paths.csv, j)) return {err, ""};
  if (!j) return {journal_path + ": no transaction to commit", ""};
  // The files of the transaction: the dataset, and the logins dataset if its
  // journal was written. Both durable before the commit point.
  std::vector<std::string> journals = {journal_path};
  bool changed = false;
  std::optional<Journal> lj;
  const std::string logins_journal = DatasetJournalPath(paths.logins_csv);
  if (paths.logins) {
    if (auto err = LoadJournal(logins_journal, paths.logins_csv, lj)) return {err, ""};
    if (!lj) return {logins_journal + ": no transaction to commit", ""};
    journals.push_back(logins_journal);
  }
  for (const Journal* t : {&*j, lj ? &*lj : nullptr}) {
    if (t == nullptr) continue;
    std::optional<std::uint64_t> now;
    if (auto err = FileSize(t->csv, now)) return {err, ""};
    if (now)
      if (auto err = SyncFile(t->csv)) return {err, ""};
    changed = changed || now != t->csv_size;
  }
  if (::access(paths.pending.c_str(), F_OK) != 0) {
    if (errno != ENOENT) return {ErrnoMessage(paths.pending, errno), ""};
    if (changed) {
      return {paths.pending + ": missing although the CSV changed; nothing committed", ""};
    }
  } else {
    if (::rename(paths.pending.c_str(), paths.state.c_str()) != 0) {
      return {ErrnoMessage(paths.state, errno), ""};
    }
    if (auto err = SyncDir(DirName(paths.state))) return {err, ""};
  }
  for (const std::string& jp : journals) {
    if (auto err = RemoveIfPresent(jp)) return {err, ""};
    if (auto err = SyncDir(DirName(jp))) return {err, ""};
  }
  (void)RemoveIfPresent(paths.dataset);  // a stale pointer only costs a look next time
  return {};
}

TxnResult Rollback(const TxnPaths& paths) {
  const std::string journal_path = DatasetJournalPath(paths.csv);
  std::optional<Journal> j;
  if (auto err = LoadJournal(journal_path, paths.csv, j)) return {err, ""};
  TxnResult r;
  if (j) r = Finish(*j, journal_path, /*force_undo=*/false);
  if (r.error) return r;
  if (!paths.logins_csv.empty()) {
    const std::string logins_journal = DatasetJournalPath(paths.logins_csv);
    std::optional<Journal> lj;
    if (auto err = LoadJournal(logins_journal, paths.logins_csv, lj)) return {err, r.note};
    if (lj) {
      TxnResult l = Finish(*lj, logins_journal, /*force_undo=*/false);
      if (l.error) return {l.error, r.note};
      if (!l.note.empty()) r.note += (r.note.empty() ? "" : "; ") + l.note;
    }
  }
  if (auto err = RemoveIfPresent(paths.pending)) return {err, r.note};
  (void)RemoveIfPresent(paths.dataset);
  return r;
}

}  // namespace mls
