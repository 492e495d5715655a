#include "sql_sqlite.h"

#include <sqlite3.h>

#include <limits>
#include <string_view>
#include <vector>

#include "number.h"

namespace mls {
namespace {

constexpr int kBusyTimeoutMs = 60000;

class Statement {
 public:
  Statement() = default;
  ~Statement() { sqlite3_finalize(st_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt** out() { return &st_; }
  sqlite3_stmt* get() const { return st_; }

 private:
  sqlite3_stmt* st_ = nullptr;
};

class SqliteBackend : public SqlBackend {
 public:
  SqliteBackend(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteBackend() override { sqlite3_close(db_); }

  SqlLoadResult Load(const SqlBatch& batch) override {
    SqlLoadResult r;
    if (auto err = Exec("BEGIN IMMEDIATE")) {
      r.error = err;
      return r;
    }
    r.error = LoadInTransaction(batch, r);
    if (!r.error) r.error = Exec("COMMIT");
    if (r.error) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      r.inserted = 0;
      r.already_imported = false;
    }
    return r;
  }

 private:
  std::optional<std::string> LoadInTransaction(const SqlBatch& batch, SqlLoadResult& r) {
    const SqlBatchInfo& info = batch.info;
    for (const std::string& stmt : SqlSchema(info.dialect, info.table))
      if (auto err = Exec(stmt)) return err;
    const std::string journal = SqlQuotedName(SqlJournalTable(info.table));
    Statement find;
    if (auto err = Prepare("SELECT 1 FROM " + journal +
                               " WHERE source = ?1 AND dataset = ?2 AND first_offset = ?3 AND "
                               "end_offset = ?4",
                           find))
      return err;
    BindKey(find.get(), info);
    int rc = sqlite3_step(find.get());
    if (rc == SQLITE_ROW) {
      r.already_imported = true;
      return std::nullopt;
    }
    if (rc != SQLITE_DONE) return Message();

    std::string sql =
        "INSERT INTO " + SqlQuotedName(info.table) + " (" + SqlEventColumnList() + ") VALUES (?";
    for (std::size_t i = 1; i < 3 + kSqlEventCols.size(); ++i) sql += ", ?";
    sql += ")" + SqlDoNothingOnConflict(kSqlEventsKey);
    Statement insert;
    if (auto err = Prepare(sql, insert)) return err;
    sqlite3_stmt* st = insert.get();
    Text(st, 1, info.server);
    Text(st, 2, info.dataset);
    for (const SqlStoredRow& row : batch.rows) {
      sqlite3_bind_int64(st, 3, static_cast<sqlite3_int64>(row.offset));
      int index = 4;
      for (Col c : kSqlEventCols) {
        const std::optional<std::string>& v = row.values[c];
        if (!v) {
          sqlite3_bind_null(st, index);
        } else if (SqlIntegerColumn(c)) {
          // The reader checked the digits (0 .. INT64_MAX).
          sqlite3_bind_int64(st, index, ParseNumber<sqlite3_int64>(*v).value_or(0));
        } else {
          Text(st, index, *v);
        }
        ++index;
      }
      if (sqlite3_step(st) != SQLITE_DONE) return Message();
      r.inserted += static_cast<std::uint64_t>(sqlite3_changes(db_));
      sqlite3_reset(st);
    }

    Statement record;
    if (auto err = Prepare("INSERT INTO " + journal + " (" + std::string(kSqlJournalColumns) +
                               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           record))
      return err;
    BindKey(record.get(), info);
    sqlite3_bind_int64(record.get(), 5, static_cast<sqlite3_int64>(info.rows));
    Text(record.get(), 6, info.file);
    Text(record.get(), 7, info.sha256);
    if (sqlite3_step(record.get()) != SQLITE_DONE) return Message();
    return std::nullopt;
  }

  void BindKey(sqlite3_stmt* st, const SqlBatchInfo& info) {
    Text(st, 1, info.server);
    Text(st, 2, info.dataset);
    sqlite3_bind_int64(st, 3, static_cast<sqlite3_int64>(info.first));
    sqlite3_bind_int64(st, 4, static_cast<sqlite3_int64>(info.end));
  }
  static void Text(sqlite3_stmt* st, int index, const std::string& v) {
    sqlite3_bind_text64(st, index, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
  }
  std::optional<std::string> Prepare(const std::string& sql, Statement& st) {
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), st.out(), nullptr) !=
        SQLITE_OK)
      return Message();
    return std::nullopt;
  }
  std::optional<std::string> Exec(const std::string& sql) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return Message();
    return std::nullopt;
  }
  std::string Message() const { return path_ + ": " + sqlite3_errmsg(db_); }

  sqlite3* db_;
  std::string path_;
};

class SqliteReader : public SqlReader {
 public:
  SqliteReader(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteReader() override { sqlite3_close(db_); }

  std::optional<std::string> Select(std::string_view sql, const std::vector<std::string>& params,
                                    const RowFn& row) override {
    if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
      return path_ + ": the statement is too long";
    Statement st;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), st.out(), &tail) !=
        SQLITE_OK)
      return Message();
    if (!st.get()) return path_ + ": no statement";  // only spaces or comments
    // One statement: the tail must hold nothing more than spaces and comments
    // (sqlite3_prepare_v2 would silently leave the rest unrun).
    const char* end = sql.data() + sql.size();
    while (tail && tail < end) {
      Statement next;
      if (sqlite3_prepare_v2(db_, tail, static_cast<int>(end - tail), next.out(), &tail) !=
          SQLITE_OK)
        return Message();
      if (next.get()) return path_ + ": more than one statement";
    }
    const int want = sqlite3_bind_parameter_count(st.get());
    if (static_cast<std::size_t>(want) != params.size())
      return path_ + ": the statement has " + std::to_string(want) + " parameters, " +
             std::to_string(params.size()) + " given";
    for (int i = 0; i < want; ++i) {
      const std::string& v = params[static_cast<std::size_t>(i)];
      if (sqlite3_bind_text64(st.get(), i + 1, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8) !=
          SQLITE_OK)
        return Message();
    }
    const int n = sqlite3_column_count(st.get());
    std::vector<std::string_view> cells(static_cast<std::size_t>(n));
    for (;;) {
      const int rc = sqlite3_step(st.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return Message();
      for (int i = 0; i < n; ++i) {
        // The text first, then its size (the order SQLite's documentation asks for).
        const unsigned char* text = sqlite3_column_text(st.get(), i);
        cells[static_cast<std::size_t>(i)] =
            text ? std::string_view(reinterpret_cast<const char*>(text),
                                    static_cast<std::size_t>(sqlite3_column_bytes(st.get(), i)))
                 : std::string_view();
      }
      if (!row(cells)) break;
    }
    return std::nullopt;
  }

  SqlDialect dialect() const override { return SqlDialect::kSqlite; }

 private:
  std::string Message() const { return path_ + ": " + sqlite3_errmsg(db_); }

  sqlite3* db_;
  std::string path_;
};

struct Opened {
  sqlite3* db = nullptr;
  std::optional<std::string> error;  // "PATH: unable to open database file"
};

// The importer's and the reader's way to open the file (`flags`: read-write
// and create, or read-only), waiting up to kBusyTimeoutMs for another's lock.
Opened Open(const std::string& path, int flags) {
  Opened r;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    r.error = path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return r;
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  r.db = db;
  return r;
}

}  // namespace

SqlOpenResult OpenSqliteBackend(const std::string& path) {
  SqlOpenResult r;
  Opened db = Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (db.error) {
    r.error = db.error;
    return r;
  }
  r.backend = std::make_unique<SqliteBackend>(db.db, path);
  return r;
}

SqlReaderOpenResult OpenSqliteReader(const std::string& path) {
  SqlReaderOpenResult r;
  // Read-only and never created: a missing file is an error.
  Opened db = Open(path, SQLITE_OPEN_READONLY);
  if (db.error) {
    r.error = db.error;
    return r;
  }
  r.reader = std::make_unique<SqliteReader>(db.db, path);
  return r;
}

}  // namespace mls
