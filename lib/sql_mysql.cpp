#include "sql_mysql.h"

#include <mysql.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "number.h"

namespace mls {
namespace {

constexpr unsigned kConnectTimeoutSeconds = 20;
constexpr std::size_t kParamsPerRow = 3 + kSqlEventCols.size();

class Statement {
 public:
  explicit Statement(MYSQL* db) : st_(mysql_stmt_init(db)) {}
  ~Statement() {
    if (st_) mysql_stmt_close(st_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  MYSQL_STMT* get() const { return st_; }

 private:
  MYSQL_STMT* st_;
};

// The bound values of one execution: MYSQL_BIND entries pointing into the
// batch's strings and into `ints` (sized up front: never reallocated).
class Params {
 public:
  explicit Params(std::size_t n) : binds_(n), ints_(n), lengths_(n) {}
  void Text(const std::string& v) {
    MYSQL_BIND& b = binds_[next_];
    b = MYSQL_BIND{};
    b.buffer_type = MYSQL_TYPE_STRING;
    b.buffer = const_cast<char*>(v.data());
    b.buffer_length = v.size();
    lengths_[next_] = v.size();
    b.length = &lengths_[next_];
    ++next_;
  }
  void Int(long long v) {
    MYSQL_BIND& b = binds_[next_];
    b = MYSQL_BIND{};
    ints_[next_] = v;
    b.buffer_type = MYSQL_TYPE_LONGLONG;
    b.buffer = &ints_[next_];
    ++next_;
  }
  void Null() {
    MYSQL_BIND& b = binds_[next_];
    b = MYSQL_BIND{};
    b.buffer_type = MYSQL_TYPE_NULL;
    ++next_;
  }
  MYSQL_BIND* data() { return binds_.data(); }
  void Reset() { next_ = 0; }

 private:
  std::vector<MYSQL_BIND> binds_;
  std::vector<long long> ints_;
  std::vector<unsigned long> lengths_;
  std::size_t next_ = 0;
};

std::string InsertSql(const SqlBatchInfo& info, std::size_t rows) {
  std::string row = "(?";
  for (std::size_t i = 1; i < kParamsPerRow; ++i) row += ", ?";
  row += ")";
  std::string sql =
      "INSERT INTO " + SqlQuotedName(info.table) + " (" + SqlEventColumnList() + ") VALUES ";
  sql.reserve(sql.size() + rows * (row.size() + 2) + 64);
  for (std::size_t i = 0; i < rows; ++i) {
    if (i > 0) sql += ", ";
    sql += row;
  }
  return sql + SqlDoNothingOnConflict(SqlDialect::kMysql, kSqlEventsKey);
}

std::string SessionSql() {
  return "SET SESSION sql_mode = '" + std::string(kSqlMysqlSqlMode) +
         "', SESSION time_zone = '+00:00'";
}

class MysqlBackend : public SqlBackend {
 public:
  MysqlBackend(MYSQL* db, std::string server, MysqlInsertMode mode, double lock_seconds)
      : db_(db),
        server_(std::move(server)),
        mode_(mode),
        lock_seconds_(static_cast<int>(std::ceil(lock_seconds))) {}
  ~MysqlBackend() override { mysql_close(db_); }

  SqlLoadResult Load(const SqlBatch& batch) override {
    SqlLoadResult r;
    const SqlBatchInfo& info = batch.info;
    // The schema first: DDL commits implicitly in MySQL, so it cannot be part
    // of the transaction (the batch file does the same). Only when a table is
    // missing: CREATE TABLE IF NOT EXISTS needs the CREATE privilege even then.
    bool present = false;
    if ((r.error = TablesPresent(info.table, present))) return r;
    if (!present)
      for (const std::string& stmt : SqlSchema(SqlDialect::kMysql, info.table))
        if ((r.error = Exec(stmt))) return r;
    const std::string lock = "'mls-sql:" + info.table + "'";  // an SQL identifier: no quote
    if ((r.error = Lock(lock))) return r;
    r.error = Exec("START TRANSACTION");
    if (!r.error) r.error = LoadInTransaction(batch, r);
    if (!r.error) r.error = Exec("COMMIT");
    if (r.error) {
      mysql_query(db_, "ROLLBACK");
      r.inserted = 0;
      r.already_imported = false;
    }
    mysql_query(db_, ("DO RELEASE_LOCK(" + lock + ")").c_str());
    return r;
  }

 private:
  std::optional<std::string> LoadInTransaction(const SqlBatch& batch, SqlLoadResult& r) {
    const SqlBatchInfo& info = batch.info;
    const std::string journal = SqlQuotedName(SqlJournalTable(info.table));
    {
      Statement find(db_);
      if (auto err = Prepare(find, "SELECT 1 FROM " + journal +
                                       " WHERE source = ? AND dataset = ? AND first_offset = ? AND "
                                       "end_offset = ?"))
        return err;
      Params p(4);
      BindKey(p, info);
      if (mysql_stmt_bind_param(find.get(), p.data()) || mysql_stmt_execute(find.get()) ||
          mysql_stmt_store_result(find.get()))
        return StmtMessage(find);
      if (mysql_stmt_num_rows(find.get()) > 0) {
        r.already_imported = true;
        return std::nullopt;
      }
    }

    if (auto err =
            mode_ == MysqlInsertMode::kBulk ? InsertBulk(batch, r) : InsertMultiRow(batch, r))
      return err;

    Statement record(db_);
    if (auto err =
            Prepare(record, "INSERT INTO " + journal + " (" + std::string(kSqlJournalColumns) +
                                ") VALUES (?, ?, ?, ?, ?, ?, ?)"))
      return err;
    Params j(7);
    BindKey(j, info);
    j.Int(static_cast<long long>(info.rows));
    j.Text(info.file);
    j.Text(info.sha256);
    if (mysql_stmt_bind_param(record.get(), j.data()) || mysql_stmt_execute(record.get()))
      return StmtMessage(record);
    return std::nullopt;
  }

  // Prepared multi-row INSERTs: kSqlMysqlRowsPerStatement rows each, the tail
  // with a second statement.
  std::optional<std::string> InsertMultiRow(const SqlBatch& batch, SqlLoadResult& r) {
    const SqlBatchInfo& info = batch.info;
    const std::size_t total = batch.rows.size();
    const std::size_t full = std::min(total, kSqlMysqlRowsPerStatement);
    Statement insert(db_), tail(db_);
    if (auto err = Prepare(insert, InsertSql(info, full))) return err;
    Params p(full * kParamsPerRow);
    for (std::size_t begin = 0; begin < total;) {
      std::size_t n = std::min(full, total - begin);
      Statement* st = &insert;
      if (n < full) {
        if (auto err = Prepare(tail, InsertSql(info, n))) return err;
        st = &tail;
      }
      p.Reset();
      for (std::size_t i = begin; i < begin + n; ++i) {
        const SqlStoredRow& row = batch.rows[i];
        p.Text(info.server);
        p.Text(info.dataset);
        p.Int(static_cast<long long>(row.offset));
        for (Col c : kSqlEventCols) {
          const std::optional<std::string>& v = row.values[c];
          if (!v)
            p.Null();
          else if (SqlIntegerColumn(c))  // the reader checked the digits (0 .. INT64_MAX)
            p.Int(ParseNumber<long long>(*v).value_or(0));
          else
            p.Text(*v);
        }
      }
      if (mysql_stmt_bind_param(st->get(), p.data()) || mysql_stmt_execute(st->get()))
        return StmtMessage(*st);
      // ON DUPLICATE KEY UPDATE with no change counts 0: the rows new to the table.
      r.inserted += mysql_stmt_affected_rows(st->get());
      begin += n;
    }

    return std::nullopt;
  }

  // MariaDB's bulk execution (COM_STMT_BULK_EXECUTE): one single-row INSERT,
  // executed for kSqlMysqlBulkRows rows at a time with column-wise arrays of
  // bound values (NULL by indicator).
  std::optional<std::string> InsertBulk(const SqlBatch& batch, SqlLoadResult& r) {
    const SqlBatchInfo& info = batch.info;
    Statement insert(db_);
    if (auto err = Prepare(insert, InsertSql(info, 1))) return err;
    const std::size_t total = batch.rows.size();
    const std::size_t chunk = std::min(total, kSqlMysqlBulkRows);
    std::vector<MYSQL_BIND> binds(kParamsPerRow);
    std::vector<std::vector<const char*>> text(kParamsPerRow, std::vector<const char*>(chunk));
    std::vector<std::vector<unsigned long>> lengths(kParamsPerRow,
                                                    std::vector<unsigned long>(chunk));
    std::vector<std::vector<char>> null(kParamsPerRow, std::vector<char>(chunk));
    std::vector<std::vector<long long>> ints(kParamsPerRow, std::vector<long long>(chunk));
    auto text_col = [&](std::size_t k) {
      binds[k] = MYSQL_BIND{};
      binds[k].buffer_type = MYSQL_TYPE_STRING;
      binds[k].buffer = text[k].data();
      binds[k].length = lengths[k].data();
      binds[k].u.indicator = null[k].data();
    };
    auto int_col = [&](std::size_t k) {
      binds[k] = MYSQL_BIND{};
      binds[k].buffer_type = MYSQL_TYPE_LONGLONG;
      binds[k].buffer = ints[k].data();
      binds[k].u.indicator = null[k].data();
    };
    text_col(0);
    text_col(1);
    int_col(2);
    for (std::size_t j = 0; j < kSqlEventCols.size(); ++j)
      SqlIntegerColumn(kSqlEventCols[j]) ? int_col(3 + j) : text_col(3 + j);
    for (std::size_t k = 0; k < 2; ++k) {
      const std::string& v = k == 0 ? info.server : info.dataset;
      std::fill(text[k].begin(), text[k].end(), v.data());
      std::fill(lengths[k].begin(), lengths[k].end(), v.size());
    }
    for (std::size_t begin = 0; begin < total;) {
      // At most `chunk` rows and about kSqlMysqlBulkBytes of values: one
      // execution is one packet, which must stay under max_allowed_packet.
      const std::size_t most = std::min(chunk, total - begin);
      std::size_t n = 0;
      for (std::size_t bytes = 0; n < most && (n == 0 || bytes < kSqlMysqlBulkBytes); ++n) {
        const std::size_t i = n;
        const SqlStoredRow& row = batch.rows[begin + i];
        bytes += 64;
        ints[2][i] = static_cast<long long>(row.offset);
        for (std::size_t j = 0; j < kSqlEventCols.size(); ++j) {
          const Col c = kSqlEventCols[j];
          const std::size_t k = 3 + j;
          const std::optional<std::string>& v = row.values[c];
          null[k][i] = v ? STMT_INDICATOR_NONE : STMT_INDICATOR_NULL;
          if (!v) continue;
          if (SqlIntegerColumn(c)) {  // the reader checked the digits (0 .. INT64_MAX)
            ints[k][i] = ParseNumber<long long>(*v).value_or(0);
          } else {
            text[k][i] = v->data();
            lengths[k][i] = v->size();
            bytes += v->size() + 4;
          }
        }
      }
      unsigned int size = static_cast<unsigned int>(n);
      if (mysql_stmt_attr_set(insert.get(), STMT_ATTR_ARRAY_SIZE, &size) ||
          mysql_stmt_bind_param(insert.get(), binds.data()) || mysql_stmt_execute(insert.get()))
        return StmtMessage(insert);
      // ON DUPLICATE KEY UPDATE with no change counts 0: the rows new to the table.
      r.inserted += mysql_stmt_affected_rows(insert.get());
      begin += n;
    }
    return std::nullopt;
  }

  // Whether the events table and its journal are both in the current database.
  std::optional<std::string> TablesPresent(const std::string& table, bool& present) {
    Statement find(db_);
    if (auto err = Prepare(find,
                           "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                           "TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?)"))
      return err;
    const std::string journal = SqlJournalTable(table);
    Params p(2);
    p.Text(table);
    p.Text(journal);
    long long count = 0;
    MYSQL_BIND out{};
    out.buffer_type = MYSQL_TYPE_LONGLONG;
    out.buffer = &count;
    if (mysql_stmt_bind_param(find.get(), p.data()) || mysql_stmt_execute(find.get()) ||
        mysql_stmt_bind_result(find.get(), &out) || mysql_stmt_fetch(find.get()) != 0)
      return StmtMessage(find);
    present = count == 2;
    return std::nullopt;
  }

  // GET_LOCK(name, timeout): 1 = ours; 0 = timed out; NULL = an error.
  std::optional<std::string> Lock(const std::string& name) {
    const std::string sql = "SELECT GET_LOCK(" + name + ", " + std::to_string(lock_seconds_) + ")";
    if (mysql_query(db_, sql.c_str())) return Message();
    MYSQL_RES* res = mysql_store_result(db_);
    if (!res) return Message();
    MYSQL_ROW row = mysql_fetch_row(res);
    bool ok = row && row[0] && std::string_view(row[0]) == "1";
    mysql_free_result(res);
    if (!ok)
      return server_ + ": another import holds the lock " + name + " (waited " +
             std::to_string(lock_seconds_) + " s)";
    return std::nullopt;
  }

  static void BindKey(Params& p, const SqlBatchInfo& info) {
    p.Text(info.server);
    p.Text(info.dataset);
    p.Int(static_cast<long long>(info.first));
    p.Int(static_cast<long long>(info.end));
  }
  std::optional<std::string> Prepare(Statement& st, const std::string& sql) {
    if (!st.get()) return Message();
    if (mysql_stmt_prepare(st.get(), sql.data(), sql.size())) return StmtMessage(st);
    return std::nullopt;
  }
  std::optional<std::string> Exec(const std::string& sql) {
    if (mysql_real_query(db_, sql.data(), sql.size())) return Message();
    return std::nullopt;
  }
  std::string Message() const { return server_ + ": " + mysql_error(db_); }
  std::string StmtMessage(const Statement& st) const {
    return server_ + ": " + mysql_stmt_error(st.get());
  }

  MYSQL* db_;
  std::string server_;
  MysqlInsertMode mode_;
  int lock_seconds_;  // GET_LOCK's wait: --lock-timeout, rounded up
};

// A column's buffer before the first value that does not fit (then it grows
// to that value's size).
constexpr std::size_t kReaderCellBytes = 256;

class MysqlReader : public SqlReader {
 public:
  MysqlReader(MYSQL* db, std::string server) : db_(db), server_(std::move(server)) {}
  ~MysqlReader() override { mysql_close(db_); }

  std::optional<std::string> Select(std::string_view sql, const std::vector<std::string>& params,
                                    const RowFn& row) override {
    // Closing the statement (also on an early stop or an error) reads and
    // drops the rows not fetched: the connection is ready for the next query.
    Statement st(db_);
    if (!st.get()) return Message();
    if (mysql_stmt_prepare(st.get(), sql.data(), sql.size())) return StmtMessage(st);
    const unsigned long want = mysql_stmt_param_count(st.get());
    if (want != params.size())  // bind_param reads param_count entries
      return server_ + ": the statement has " + std::to_string(want) + " parameters, " +
             std::to_string(params.size()) + " given";
    Params p(params.size());
    for (const std::string& v : params) p.Text(v);
    if ((want > 0 && mysql_stmt_bind_param(st.get(), p.data())) || mysql_stmt_execute(st.get()))
      return StmtMessage(st);
    const unsigned n = mysql_stmt_field_count(st.get());
    if (n == 0) return std::nullopt;  // no result set
    // Every column fetched as a string (the client converts numbers and times
    // to their text), into a buffer of ours that grows when a value is longer.
    std::vector<std::string> buf(n, std::string(kReaderCellBytes, '\0'));
    std::vector<MYSQL_BIND> binds(n);
    std::vector<unsigned long> length(n);
    std::vector<my_bool> null(n), truncated(n);
    auto bind = [&](unsigned i) {
      MYSQL_BIND& b = binds[i];
      b = MYSQL_BIND{};
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = buf[i].data();
      b.buffer_length = buf[i].size();
      b.length = &length[i];
      b.is_null = &null[i];
      b.error = &truncated[i];
    };
    for (unsigned i = 0; i < n; ++i) bind(i);
    if (mysql_stmt_bind_result(st.get(), binds.data())) return StmtMessage(st);
    std::vector<std::string_view> cells(n);
    for (;;) {
      // Without mysql_stmt_store_result: each fetch reads one row off the network.
      const int rc = mysql_stmt_fetch(st.get());
      if (rc == MYSQL_NO_DATA) break;
      if (rc != 0 && rc != MYSQL_DATA_TRUNCATED) return StmtMessage(st);
      // A value longer than its buffer (whether or not the library reports
      // truncation): grow the buffer and fetch that column again. The column
      // first, the new binding after: mysql_stmt_bind_result replaces the
      // statement's bindings, row position included.
      bool grown = false;
      for (unsigned i = 0; i < n; ++i) {
        if (null[i] || length[i] <= buf[i].size()) continue;
        buf[i].resize(length[i]);
        bind(i);
        if (mysql_stmt_fetch_column(st.get(), &binds[i], i, 0)) return StmtMessage(st);
        grown = true;
      }
      if (grown && mysql_stmt_bind_result(st.get(), binds.data())) return StmtMessage(st);
      for (unsigned i = 0; i < n; ++i)
        cells[i] = null[i] ? std::string_view() : std::string_view(buf[i].data(), length[i]);
      if (!row(cells)) break;
    }
    return std::nullopt;
  }

  SqlDialect dialect() const override { return SqlDialect::kMysql; }

  std::optional<std::string> Exec(const std::string& sql) {
    if (mysql_real_query(db_, sql.data(), sql.size())) return Message();
    return std::nullopt;
  }

 private:
  std::string Message() const { return server_ + ": " + mysql_error(db_); }
  std::string StmtMessage(const Statement& st) const {
    return server_ + ": " + mysql_stmt_error(st.get());
  }

  MYSQL* db_;
  std::string server_;
};

struct Connected {
  MYSQL* db = nullptr;
  std::optional<std::string> error;
};

// One session as the importer's and the reader's (one TLS rule, one message
// form): LOAD DATA LOCAL off, utf8mb4, no reconnect, TLS as sslmode says, and
// what a mysql batch file pins (SessionSql).
Connected Connect(const SqlConnection& c) {
  Connected r;
  const std::string server = SqlServerName(c);
  MYSQL* db = mysql_init(nullptr);
  if (!db) {
    r.error = server + ": out of memory";
    return r;
  }
  // Never LOAD DATA LOCAL: the server could ask for any file the client can read.
  my_bool off = 0, on = 1;
  unsigned timeout = kConnectTimeoutSeconds;
  unsigned local_infile = 0;
  mysql_optionsv(db, MYSQL_OPT_LOCAL_INFILE, &local_infile);
  mysql_optionsv(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_optionsv(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_optionsv(db, MYSQL_OPT_RECONNECT, &off);  // a new session would lose its settings
  if (c.sslmode != "disable") {
    mysql_optionsv(db, MYSQL_OPT_SSL_ENFORCE, &on);
    if (c.sslmode == "verify-ca" || c.sslmode == "verify-full") {
      mysql_optionsv(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
      if (!c.sslrootcert.empty()) mysql_optionsv(db, MYSQL_OPT_SSL_CA, c.sslrootcert.c_str());
    } else {
      mysql_optionsv(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off);
    }
  }
  auto opt = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
  if (!mysql_real_connect(db, opt(c.host), opt(c.user), opt(c.password), opt(c.name),
                          static_cast<unsigned>(c.port), nullptr, 0)) {
    r.error = server + ": " + mysql_error(db);
    mysql_close(db);
    return r;
  }
  const std::string session = SessionSql();
  if (mysql_real_query(db, session.data(), session.size())) {
    r.error = server + ": " + mysql_error(db);
    mysql_close(db);
    return r;
  }
  r.db = db;
  return r;
}

}  // namespace

SqlOpenResult OpenMysqlBackend(const SqlConnection& c, MysqlInsertMode mode) {
  SqlOpenResult r;
  Connected db = Connect(c);
  if (db.error) {
    r.error = db.error;
    return r;
  }
  if (mode == MysqlInsertMode::kAuto)  // bulk execution: MariaDB servers only
    mode = mariadb_connection(db.db) ? MysqlInsertMode::kBulk : MysqlInsertMode::kMultiRow;
  r.backend = std::make_unique<MysqlBackend>(db.db, SqlServerName(c), mode, c.lock_timeout_seconds);
  return r;
}

SqlReaderOpenResult OpenMysqlReader(const SqlConnection& c) {
  SqlReaderOpenResult r;
  Connected db = Connect(c);
  if (db.error) {
    r.error = db.error;
    return r;
  }
  auto reader = std::make_unique<MysqlReader>(db.db, SqlServerName(c));
  // Defence in depth: the reader only reads, and the server holds it to that.
  if ((r.error = reader->Exec("SET SESSION TRANSACTION READ ONLY"))) return r;
  r.reader = std::move(reader);
  return r;
}

}  // namespace mls
