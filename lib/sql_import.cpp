#include "sql_import.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <future>

#include "fd_io.h"
#include "lock.h"
#include "sql_mysql.h"
#include "sql_postgresql.h"
#include "sql_sqlite.h"

namespace mls {
namespace {

bool IsBatchName(std::string_view n) {
  return n.size() > 8 && n.substr(0, 4) == "mls-" && n.substr(n.size() - 4) == ".sql";
}

// The batch files in `dir`, sorted by name.
std::optional<std::string> ListBatches(const std::string& dir, std::vector<std::string>& names) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT) return std::nullopt;  // nothing exported yet
    return ErrnoMessage(dir, errno);
  }
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    struct stat st;
    if (IsBatchName(n) && ::fstatat(::dirfd(d), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode))
      names.push_back(n);
    errno = 0;
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return ErrnoMessage(dir, err);
  std::sort(names.begin(), names.end());
  return std::nullopt;
}

std::optional<std::string> MoveToImported(const std::string& dir, const std::string& name) {
  const std::string imported = SqlImportedDir(dir);
  if (::rename((dir + "/" + name).c_str(), (imported + "/" + name).c_str()) != 0)
    return ErrnoMessage(imported + "/" + name, errno);
  if (auto err = SyncDir(imported)) return err;
  return SyncDir(dir);
}

}  // namespace

std::string SqlServerName(const SqlConnection& c) {
  if (c.dialect == SqlDialect::kSqlite) return c.name;
  std::string s = c.user.empty() ? std::string() : c.user + "@";
  s += c.host.empty() ? std::string("localhost") : c.host;
  if (c.port != 0) s += ":" + std::to_string(c.port);
  return s + "/" + c.name;
}

SqlOpenResult OpenSqlBackend(const SqlConnection& connection) {
  switch (connection.dialect) {
    case SqlDialect::kSqlite:
      return OpenSqliteBackend(connection.name);
    case SqlDialect::kMysql:
      return OpenMysqlBackend(connection);
    case SqlDialect::kPostgresql:
      return OpenPostgresqlBackend(connection);
  }
  return {nullptr, "importing into " + std::string(SqlDialectName(connection.dialect)) +
                       " is not supported by this version (load the files with its client)"};
}

SqlImportResult ImportSql(const SqlImportOptions& o) {
  SqlImportResult r;
  std::vector<std::string> names;
  if (auto err = ListBatches(o.export_dir, names)) {
    r.error = err;
    return r;
  }
  if (names.empty()) return r;
  FileLock lock;
  switch (lock.Acquire(SqlImportLockPath(o.export_dir), o.lock_timeout_seconds)) {
    case FileLock::Status::kLocked:
      break;
    case FileLock::Status::kBusy:
      r.error = SqlImportLockPath(o.export_dir) + ": another import is running";
      return r;
    case FileLock::Status::kError:
      r.error = lock.error();
      return r;
  }
  names.clear();  // again, under the lock: another import may have moved some
  if (auto err = ListBatches(o.export_dir, names)) {
    r.error = err;
    return r;
  }
  if (names.empty()) return r;
  const std::string imported = SqlImportedDir(o.export_dir);
  if (::mkdir(imported.c_str(), 0750) != 0 && errno != EEXIST) {
    r.error = ErrnoMessage(imported, errno);
    return r;
  }
  SqlOpenResult db = OpenSqlBackend(o.connection);
  if (db.error) {
    r.error = db.error;
    return r;
  }
  // The next file is read and checked (ReadSqlBatch: the whole file, its
  // SHA-256, every row) on a second thread while the database loads the
  // current one: at most two batches in memory. (launch::deferred as well:
  // without a thread, it is read when needed.)
  auto read = [&](const std::string& name) {
    return std::async(std::launch::async | std::launch::deferred, ReadSqlBatch,
                      o.export_dir + "/" + name);
  };
  std::future<SqlBatch> next = read(names.front());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    const std::string path = o.export_dir + "/" + name;
    SqlBatch batch = next.get();
    if (i + 1 < names.size()) next = read(names[i + 1]);
    if (batch.error) {
      r.failures.push_back(*batch.error);
      continue;
    }
    if (batch.info.dialect != o.connection.dialect || batch.info.table != o.table) {
      r.failures.push_back(path + ": written for " +
                           std::string(SqlDialectName(batch.info.dialect)) + " table " +
                           batch.info.table + ", not for this database's " +
                           std::string(SqlDialectName(o.connection.dialect)) + " table " + o.table);
      continue;
    }
    SqlLoadResult load = db.backend->Load(batch);
    if (load.error) {
      r.failures.push_back(path + ": not imported (rolled back): " + *load.error);
      continue;
    }
    if (load.already_imported) {
      ++r.already;
    } else {
      ++r.imported;
      r.rows += load.inserted;
    }
    if (auto err = MoveToImported(o.export_dir, name))
      r.failures.push_back(path + ": imported, but not moved: " + *err);
  }
  return r;
}

}  // namespace mls
