#include "sql_postgresql.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "text_safety.h"

namespace mls {
namespace {

// COPY data goes to libpq in chunks of about this size (one PQputCopyData each).
constexpr std::size_t kCopyChunkBytes = std::size_t{1} << 20;

// The staging table's name (temporary: the session's own schema, dropped at COMMIT).
constexpr const char* kStaging = "mls_import_staging";

// The advisory lock's first key ("mlsq"); the second is hashtext(table).
constexpr const char* kLockKey = "1835824241";

class Result {
 public:
  explicit Result(PGresult* r) : r_(r) {}
  ~Result() { PQclear(r_); }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  PGresult* get() const { return r_; }
  ExecStatusType status() const { return PQresultStatus(r_); }

 private:
  PGresult* r_;
};

void IgnoreNotice(void*, const char*) {}

// The result's error message, or the connection's (also when the connection
// is lost: it has the server's last word, e.g. "FATAL: terminating connection
// due to administrator command"), after `where`.
std::string ConnectionMessage(PGconn* conn, const PGresult* res, const std::string& where,
                              std::string_view password) {
  const char* m = res && PQstatus(conn) == CONNECTION_OK ? PQresultErrorMessage(res) : "";
  if (!m || !*m) m = PQerrorMessage(conn);
  if (!m || !*m) m = "unknown error";
  return where + ": " + PostgresqlMessage(m, password);
}

struct Connected {
  PGconn* conn = nullptr;
  std::optional<std::string> error;
};

// One connection as PostgresqlConnectParams says (the importer's and the
// reader's: one TLS rule, one message form). Notices are dropped: the
// schema's "already exists, skipping" ones are not for the user.
Connected Connect(const SqlConnection& c, std::string_view application_name) {
  Connected r;
  std::vector<std::pair<std::string, std::string>> params =
      PostgresqlConnectParams(c, application_name, PQlibVersion());
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : params) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  // expand_dbname = 0: a db_name is a name, never read as a conninfo string.
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 0);
  if (!conn) {
    r.error = SqlServerName(c) + ": out of memory";
    return r;
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    r.error = SqlServerName(c) + ": " + PostgresqlMessage(PQerrorMessage(conn), c.password);
    PQfinish(conn);
    return r;
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  r.conn = conn;
  return r;
}

class PostgresqlBackend : public SqlBackend {
 public:
  PostgresqlBackend(PGconn* conn, const SqlConnection& c)
      : conn_(conn),
        where_(SqlServerName(c)),
        password_(c.password),
        lock_ms_(std::max<long long>(1, std::llround(c.lock_timeout_seconds * 1000))) {}
  ~PostgresqlBackend() override { PQfinish(conn_); }

  SqlLoadResult Load(const SqlBatch& batch) override {
    SqlLoadResult r;
    if (auto err = Exec("BEGIN")) {
      r.error = err;
      return r;
    }
    r.error = LoadInTransaction(batch, r);
    if (!r.error) r.error = Commit();
    if (r.error) {
      PQclear(PQexec(conn_, "ROLLBACK"));  // fails harmlessly on a lost connection
      r.inserted = 0;
      r.already_imported = false;
    }
    return r;
  }

 private:
  std::optional<std::string> LoadInTransaction(const SqlBatch& batch, SqlLoadResult& r) {
    const SqlBatchInfo& info = batch.info;
    const std::string table = SqlQuotedName(info.table);
    const std::string journal = SqlQuotedName(SqlJournalTable(info.table));
    // First the lock: two sessions creating the same table at once would
    // otherwise collide in the catalog. Waited for at most --lock-timeout
    // (PostgreSQL's 0 would mean forever: 1 ms is one try).
    if (auto err = Exec("SET LOCAL lock_timeout = " + std::to_string(lock_ms_))) return err;
    {
      const char* values[] = {info.table.c_str()};
      if (auto err = ExecParams(
              std::string("SELECT pg_advisory_xact_lock(") + kLockKey + ", hashtext($1))", 1,
              values, PGRES_TUPLES_OK))
        return err;
    }
    for (const std::string& stmt : SqlSchema(info.dialect, info.table))
      if (auto err = Exec(stmt)) return err;

    const std::string first = std::to_string(info.first), end = std::to_string(info.end);
    const char* key[] = {info.server.c_str(), info.dataset.c_str(), first.c_str(), end.c_str()};
    {
      Result found(PQexecParams(conn_,
                                ("SELECT 1 FROM " + journal +
                                 " WHERE source = $1 AND dataset = $2 AND first_offset = $3 AND "
                                 "end_offset = $4")
                                    .c_str(),
                                4, nullptr, key, nullptr, nullptr, 0));
      if (found.status() != PGRES_TUPLES_OK) return Message(found.get());
      if (PQntuples(found.get()) > 0) {
        r.already_imported = true;
        return std::nullopt;
      }
    }

    const std::string columns = SqlEventColumnList();
    // No row of the batch's key range in the table (the usual case): COPY
    // straight into it, every row is new. Otherwise through the staging table,
    // so that the rows present are skipped as ON CONFLICT DO NOTHING does.
    // (Under the lock no other importer adds rows; a writer by hand that does
    // meanwhile makes the COPY fail on the UNIQUE key: rolled back, retried.)
    bool some_present = false;
    {
      Result present(PQexecParams(conn_,
                                  ("SELECT 1 FROM " + table +
                                   " WHERE source = $1 AND dataset = $2 AND row_offset >= $3 AND "
                                   "row_offset < $4 LIMIT 1")
                                      .c_str(),
                                  4, nullptr, key, nullptr, nullptr, 0));
      if (present.status() != PGRES_TUPLES_OK) return Message(present.get());
      some_present = PQntuples(present.get()) > 0;
    }
    if (!some_present) {
      if (auto err = Copy(batch, "COPY " + table + " (" + columns + ") FROM STDIN")) return err;
      r.inserted = batch.rows.size();
    } else {
      if (auto err = Exec(std::string("CREATE TEMP TABLE ") + kStaging + " (LIKE " + table +
                          ") ON COMMIT DROP"))
        return err;
      if (auto err = Copy(batch, std::string("COPY ") + kStaging + " (" + columns + ") FROM STDIN"))
        return err;
      Result ins(PQexec(conn_, ("INSERT INTO " + table + " (" + columns + ") SELECT " + columns +
                                " FROM " + kStaging + SqlDoNothingOnConflict(kSqlEventsKey))
                                   .c_str()));
      if (ins.status() != PGRES_COMMAND_OK) return Message(ins.get());
      r.inserted = std::strtoull(PQcmdTuples(ins.get()), nullptr, 10);
    }

    const std::string rows = std::to_string(info.rows);
    const char* record[] = {info.server.c_str(), info.dataset.c_str(), first.c_str(),
                            end.c_str(),         rows.c_str(),         info.file.c_str(),
                            info.sha256.c_str()};
    return ExecParams("INSERT INTO " + journal + " (" + std::string(kSqlJournalColumns) +
                          ") VALUES ($1, $2, $3, $4, $5, $6, $7)",
                      7, record, PGRES_COMMAND_OK);
  }

  // COPY ... FROM STDIN of the batch's rows, in big chunks.
  std::optional<std::string> Copy(const SqlBatch& batch, const std::string& sql) {
    {
      Result start(PQexec(conn_, sql.c_str()));
      if (start.status() != PGRES_COPY_IN) return Message(start.get());
    }
    std::string source, dataset;
    AppendCopyText(batch.info.server, source);
    AppendCopyText(batch.info.dataset, dataset);
    std::string buf;
    buf.reserve(kCopyChunkBytes + 64 * 1024);
    bool sent = true;
    for (const SqlStoredRow& row : batch.rows) {
      buf += source;
      buf += '\t';
      buf += dataset;
      buf += '\t';
      buf += std::to_string(row.offset);
      for (Col c : kSqlEventCols) {
        buf += '\t';
        const std::optional<std::string>& v = row.values[c];
        if (!v)
          buf += "\\N";
        else
          AppendCopyText(*v, buf);
      }
      buf += '\n';
      if (buf.size() >= kCopyChunkBytes) {
        if (!(sent = Put(buf))) break;
        buf.clear();
      }
    }
    if (sent && !buf.empty()) sent = Put(buf);
    if (!sent) {
      // Ends the COPY with an error of ours so the server is back to normal.
      std::string err = Message(nullptr);
      PQputCopyEnd(conn_, "mls-sql: sending the rows failed");
      while (PGresult* res = PQgetResult(conn_)) PQclear(res);
      return err;
    }
    if (PQputCopyEnd(conn_, nullptr) != 1) return Message(nullptr);
    std::optional<std::string> err;
    while (PGresult* res = PQgetResult(conn_)) {
      if (!err && PQresultStatus(res) != PGRES_COMMAND_OK) err = Message(res);
      PQclear(res);
    }
    return err;
  }

  bool Put(const std::string& data) {
    return PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) == 1;
  }

  std::optional<std::string> Commit() {
    Result res(PQexec(conn_, "COMMIT"));
    if (res.status() != PGRES_COMMAND_OK) return Message(res.get());
    // A transaction that failed unseen ends with "ROLLBACK" here, not an error.
    if (std::strcmp(PQcmdStatus(res.get()), "COMMIT") != 0)
      return where_ + ": the transaction was rolled back by the server";
    return std::nullopt;
  }

  std::optional<std::string> Exec(const std::string& sql) {
    Result res(PQexec(conn_, sql.c_str()));
    if (res.status() != PGRES_COMMAND_OK) return Message(res.get());
    return std::nullopt;
  }

  std::optional<std::string> ExecParams(const std::string& sql, int n, const char* const* values,
                                        ExecStatusType want) {
    Result res(PQexecParams(conn_, sql.c_str(), n, nullptr, values, nullptr, nullptr, 0));
    if (res.status() != want) return Message(res.get());
    return std::nullopt;
  }

  std::string Message(const PGresult* res) const {
    return ConnectionMessage(conn_, res, where_, password_);
  }

  PGconn* conn_;
  std::string where_;
  std::string password_;
  long long lock_ms_;  // lock_timeout for the advisory lock: --lock-timeout, at least 1 ms
};

class PostgresqlReader : public SqlReader {
 public:
  PostgresqlReader(PGconn* conn, const SqlConnection& c)
      : conn_(conn), where_(SqlServerName(c)), password_(c.password) {}
  ~PostgresqlReader() override { PQfinish(conn_); }

  std::optional<std::string> Select(std::string_view sql, const std::vector<std::string>& params,
                                    const RowFn& row) override {
    if (params.size() > kMaxParams) return where_ + ": too many parameters";
    const std::string text(sql);  // NUL-terminated for libpq
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const std::string& p : params) {
      // libpq reads a value up to its NUL (and PostgreSQL text holds none):
      // a shorter value than the caller's is never sent.
      if (p.find('\0') != std::string::npos)
        return where_ + ": parameter $" + std::to_string(values.size() + 1) + " holds a NUL byte";
      values.push_back(p.c_str());
    }
    // Text values, types left to the server, text results (resultFormat 0).
    if (!PQsendQueryParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0))
      return Message(nullptr);
    if (!PQsetSingleRowMode(conn_)) {
      std::string err = Message(nullptr);
      while (PGresult* res = PQgetResult(conn_)) PQclear(res);
      return err;
    }
    std::optional<std::string> err;
    bool stopped = false;
    std::vector<std::string_view> cells;
    // Every result up to the last (nullptr): the connection is then ready
    // for the next query, whatever happened.
    while (PGresult* got = PQgetResult(conn_)) {
      Result res(got);
      if (stopped || err) continue;  // what comes after a stop or an error is dropped
      switch (res.status()) {
        case PGRES_SINGLE_TUPLE: {
          const int n = PQnfields(got);
          cells.resize(static_cast<std::size_t>(n));
          for (int i = 0; i < n; ++i)
            cells[static_cast<std::size_t>(i)] =
                PQgetisnull(got, 0, i)
                    ? std::string_view()
                    : std::string_view(PQgetvalue(got, 0, i),
                                       static_cast<std::size_t>(PQgetlength(got, 0, i)));
          if (!row(cells)) {
            stopped = true;
            Cancel();
          }
          break;
        }
        case PGRES_TUPLES_OK:  // the end of the rows (or a result without any)
        case PGRES_COMMAND_OK:
          break;
        default:
          err = Message(got);
          break;
      }
    }
    return stopped ? std::nullopt : err;
  }

  SqlDialect dialect() const override { return SqlDialect::kPostgresql; }

  std::optional<std::string> Exec(const std::string& sql) {
    Result res(PQexec(conn_, sql.c_str()));
    if (res.status() != PGRES_COMMAND_OK) return Message(res.get());
    return std::nullopt;
  }

 private:
  static constexpr std::size_t kMaxParams = 65535;  // the protocol's limit

  // Asks the server to stop the running query (the rows still coming are
  // read and dropped by Select). A cancel that arrives after the query ended
  // is ignored by the server; one that fails leaves the rows to be drained.
  void Cancel() {
    if (PGcancel* c = PQgetCancel(conn_)) {
      char buf[256];
      PQcancel(c, buf, sizeof buf);
      PQfreeCancel(c);
    }
  }

  std::string Message(const PGresult* res) const {
    return ConnectionMessage(conn_, res, where_, password_);
  }

  PGconn* conn_;
  std::string where_;
  std::string password_;
};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

void AppendCopyText(std::string_view v, std::string& out) {
  std::size_t i = 0;
  while (i < v.size()) {
    std::size_t run = i;
    while (run < v.size()) {
      char b = v[run];
      if (b == '\\' || b == '\t' || b == '\n' || b == '\r') break;
      ++run;
    }
    out.append(v.data() + i, run - i);
    if (run == v.size()) break;
    switch (v[run]) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += "\\r";
        break;
    }
    i = run + 1;
  }
}

std::vector<std::pair<std::string, std::string>> PostgresqlConnectParams(
    const SqlConnection& c, std::string_view application_name, int libpq_version) {
  std::vector<std::pair<std::string, std::string>> p;
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty()) p.emplace_back(key, value);
  };
  add("host", c.host);
  add("port", c.port != 0 ? std::to_string(c.port) : std::string());
  add("dbname", c.name);
  add("user", c.user);
  add("password", c.password);
  add("sslmode", c.sslmode);
  std::string rootcert = c.sslrootcert;
  if (rootcert.empty() && c.sslmode.rfind("verify-", 0) == 0 && libpq_version >= 160000)
    rootcert = "system";
  add("sslrootcert", rootcert);
  add("application_name", std::string(application_name));
  add("connect_timeout", "10");
  add("client_encoding", "UTF8");
  return p;
}

std::string PostgresqlMessage(std::string_view message, std::string_view password) {
  std::string s;
  bool space = false;
  for (char c : message) {
    if (IsSpace(c)) {
      space = !s.empty();
      continue;
    }
    if (space) s += ' ';
    space = false;
    s += c;
  }
  if (!password.empty()) {
    for (std::size_t at = s.find(password); at != std::string::npos; at = s.find(password, at + 3))
      s.replace(at, password.size(), "***");
  }
  return DisplayText(s);
}

SqlOpenResult OpenPostgresqlBackend(const SqlConnection& c) {
  SqlOpenResult r;
  Connected db = Connect(c, "mls-sql");
  if (db.error) {
    r.error = db.error;
    return r;
  }
  r.backend = std::make_unique<PostgresqlBackend>(db.conn, c);
  return r;
}

SqlReaderOpenResult OpenPostgresqlReader(const SqlConnection& c) {
  SqlReaderOpenResult r;
  Connected db = Connect(c, "mls-report");
  if (db.error) {
    r.error = db.error;
    return r;
  }
  auto reader = std::make_unique<PostgresqlReader>(db.conn, c);
  // Defence in depth: the reader only reads, and the server holds it to that.
  if ((r.error = reader->Exec("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"))) return r;
  // Room to hash the report's groups in memory rather than sort them.
  if ((r.error = reader->Exec("SET work_mem = '128MB'"))) return r;
  r.reader = std::move(reader);
  return r;
}

}  // namespace mls
