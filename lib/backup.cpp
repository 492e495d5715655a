#include "backup.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "atomic_file.h"
#include "dataset.h"
#include "fd_io.h"
#include "paths.h"
#include "retention.h"
#include "txn.h"

namespace mls {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string BaseName(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

// The names in `dir` (sorted), or none when it cannot be read.
std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return names;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

class Planner {
 public:
  // Adds `path` under directory key `key` if it exists and is not already planned.
  void Add(const std::string& key, const std::string& path, bool is_lock = false) {
    if (!Exists(path) || !seen_.insert(path).second) return;
    (is_lock ? locks_ : items_).push_back({path, key + "/" + BaseName(path), is_lock});
  }
  // Every name in `dir` that starts with `prefix` (and ends with `suffix`).
  void AddMatching(const std::string& key, const std::string& dir, const std::string& prefix,
                   const std::string& suffix = "") {
    for (const std::string& n : Names(dir))
      if (n.starts_with(prefix) && n.ends_with(suffix) && n.size() > prefix.size())
        Add(key, dir + "/" + n);
  }
  std::vector<ArchiveItem> Done() {
    items_.insert(items_.end(), locks_.begin(), locks_.end());
    return std::move(items_);
  }

 private:
  std::set<std::string> seen_;
  std::vector<ArchiveItem> items_, locks_;
};

std::optional<std::string> Move(const std::string& from, const std::string& to);

// Across filesystems: a copy with the original's mode and times, fsync'ed,
// then the original removed.
std::optional<std::string> CopyFile(const std::string& from, const std::string& to,
                                    const struct stat& st) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (in < 0) return ErrnoMessage(from, errno);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
  if (out < 0) {
    int e = errno;
    ::close(in);
    return ErrnoMessage(to, e);
  }
  std::optional<std::string> err;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ReadSome(in, buf, sizeof buf);
    if (n < 0) {
      err = ErrnoMessage(from, errno);
      break;
    }
    if (n == 0) break;
    if (!WriteAll(out, std::string_view(buf, static_cast<std::size_t>(n)))) {
      err = ErrnoMessage(to, errno);
      break;
    }
  }
  if (!err && ::fchmod(out, st.st_mode & 07777) != 0) err = ErrnoMessage(to, errno);
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (!err && ::futimens(out, times) != 0) err = ErrnoMessage(to, errno);
  if (!err && ::fsync(out) != 0) err = ErrnoMessage(to, errno);
  ::close(in);
  if (::close(out) != 0 && !err) err = ErrnoMessage(to, errno);
  if (err) {
    ::unlink(to.c_str());
    return err;
  }
  if (::unlink(from.c_str()) != 0) return ErrnoMessage(from, errno);
  return std::nullopt;
}

std::optional<std::string> MoveDirEntries(const std::string& from, const std::string& to,
                                          const struct stat& st) {
  if (::mkdir(to.c_str(), st.st_mode & 07777) != 0) return ErrnoMessage(to, errno);
  for (const std::string& n : Names(from))
    if (auto err = Move(from + "/" + n, to + "/" + n)) return err;
  if (auto err = SyncDir(to)) return err;
  if (::rmdir(from.c_str()) != 0) return ErrnoMessage(from, errno);
  return std::nullopt;
}

std::optional<std::string> Move(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) == 0) return std::nullopt;
  if (errno != EXDEV) return ErrnoMessage(from, errno);
  struct stat st;
  if (::lstat(from.c_str(), &st) != 0) return ErrnoMessage(from, errno);
  if (S_ISDIR(st.st_mode)) return MoveDirEntries(from, to, st);
  if (S_ISREG(st.st_mode)) return CopyFile(from, to, st);
  return from + ": neither a file nor a directory; not moved";
}

}  // namespace

std::vector<ArchiveItem> PlanArchive(const Config& c, bool purge) {
  Planner p;
  const std::string csv = c.CsvPath();
  const std::string logins = LoginsDatasetPath(csv);
  for (const std::string& d : {csv, logins}) {
    p.Add("working_dir", d);
    p.Add("working_dir", DatasetJournalPath(d));
    p.Add("working_dir", RetentionRecordPath(d));
  }
  p.Add("working_dir", c.ArchiveDir());
  p.Add("working_dir", c.LogPath());
  p.AddMatching("working_dir", c.working_dir, BaseName(c.LogPath()) + ".");
  p.Add("state_dir", c.StatePath());
  p.Add("state_dir", c.PendingPath());
  for (const std::string& f : {MakeTxnPaths(c).dataset, MakeTxnPaths(c).legacy_journal})
    p.Add("state_dir", f);
  if (!purge) return p.Done();

  p.Add("state_dir", c.DnsCachePath());
  p.Add("state_dir", SqlExportCursorPath(c.state_dir));
  if (!c.sql_export_dir.empty()) {
    p.AddMatching("sql_export_dir", c.sql_export_dir, "mls-", ".sql");
    p.AddMatching("sql_export_dir", c.sql_export_dir, "mls-");  // temporary files
    p.Add("sql_export_dir", SqlImportedDir(c.sql_export_dir));
  }
  if (c.db_type == "sqlite") {
    const std::string db =
        c.db_name.empty() ? c.working_dir + "/maillogsentinel.sqlite" : c.db_name;
    if (DirName(db) == c.working_dir)
      for (const char* suffix : {"", "-journal", "-wal", "-shm"}) p.Add("working_dir", db + suffix);
  }
  // Temporary files a killed run left: NAME.tmpXXXXXX of the files above.
  for (const std::string& f : {csv, logins, c.StatePath(), c.DnsCachePath()})
    p.AddMatching(f == csv || f == logins ? "working_dir" : "state_dir", DirName(f),
                  BaseName(f) + ".tmp");
  p.AddMatching("state_dir", c.state_dir, BaseName(SqlExportCursorPath(c.state_dir)) + ".tmp");
  p.AddMatching("working_dir", c.working_dir, BaseName(RetentionRecordPath(csv)) + ".tmp");
  p.Add("state_dir", c.StateLockPath(), true);
  p.Add("working_dir", DatasetLockPath(csv), true);
  p.Add("working_dir", DatasetLockPath(logins), true);
  p.Add("state_dir", SqlExportLockPath(c.state_dir), true);
  if (!c.sql_export_dir.empty()) p.Add("sql_export_dir", SqlImportLockPath(c.sql_export_dir), true);
  return p.Done();
}

ArchiveResult MoveArtefacts(const std::vector<ArchiveItem>& items, const std::string& backup_dir) {
  ArchiveResult r;
  std::set<std::string> dirs;
  std::string manifest;
  for (const ArchiveItem& item : items) {
    const std::string to = backup_dir + "/" + item.dest;
    const std::string to_dir = DirName(to);
    if (::mkdir(to_dir.c_str(), 0700) != 0 && errno != EEXIST) {
      r.error = ErrnoMessage(to_dir, errno);
      break;
    }
    if (Exists(to)) {
      r.error = to + ": already exists; " + item.path + " not moved";
      break;
    }
    if (auto err = Move(item.path, to)) {
      r.error = err;
      break;
    }
    r.moved.push_back(item.path);
    manifest += item.dest + "\t" + item.path + "\n";
    dirs.insert(DirName(item.path));
    dirs.insert(to_dir);
  }
  for (const std::string& d : dirs) {
    if (auto err = SyncDir(d); err && !r.error) r.error = err;
  }
  if (!r.moved.empty()) {
    if (auto err = WriteFileAtomically(backup_dir + "/MANIFEST", manifest, 0600); err && !r.error)
      r.error = err;
  }
  return r;
}

}  // namespace mls
