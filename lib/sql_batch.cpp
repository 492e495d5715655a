#include "sql_batch.h"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "config.h"
#include "dataset.h"
#include "fd_io.h"
#include "ip.h"
#include "number.h"
#include "text_safety.h"
#include "utf8.h"

namespace mls {
namespace {

constexpr std::string_view kMagic = "-- maillogsentinel sql batch ";
constexpr std::size_t kMaxBatchBytes = std::size_t{4} << 30;

bool IsNameChars(std::string_view s, std::string_view extra, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              extra.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}
bool IsServerName(std::string_view s) { return IsNameChars(s, "._-", 253); }
bool IsDatasetId(std::string_view s) { return IsNameChars(s, ":._-", 128); }

constexpr char kHex[] = "0123456789ABCDEF";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A statement inserts up to kRowsPerInsert rows and stops at the first row
// that takes its text past kInsertBytes (a MariaDB client sends a statement
// whole, within max_allowed_packet; psql and sqlite3 parse it whole).
constexpr std::size_t kRowsPerInsert = 1000;
constexpr std::size_t kInsertBytes = std::size_t{1} << 20;

// What starts an INSERT statement, on its own line.
std::string InsertHead(const SqlBatchInfo& info) {
  return "INSERT INTO " + SqlQuotedName(info.table) + " (" + SqlEventColumnList() + ") VALUES\n";
}
// What starts each row's values: the two key values every row shares.
std::string RowHead(const SqlBatchInfo& info) {
  // Both checked (CheckInfo): no quote can occur.
  return "('" + info.server + "', '" + info.dataset + "', ";
}
// What ends an INSERT statement after its last row's ")".
std::string InsertTail(SqlDialect d) {
  return "\n" + SqlDoNothingOnConflict(d, kSqlEventsKey).substr(1) + ";\n";
}

// The session settings that pin the literal rule's meaning, before the
// transaction starts.
std::string SessionSettings(SqlDialect d) {
  switch (d) {
    case SqlDialect::kPostgresql:
      return "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n";
    case SqlDialect::kMysql:
      return "SET NAMES utf8mb4;\nSET SESSION sql_mode = '" + std::string(kSqlMysqlSqlMode) +
             "';\nSET SESSION time_zone = '+00:00';\n";
    case SqlDialect::kSqlite:
      break;
  }
  return "";
}

std::string Prologue(const SqlBatchInfo& info) {
  std::string s = SessionSettings(info.dialect);
  std::string schema;
  for (const std::string& stmt : SqlSchema(info.dialect, info.table)) schema += stmt + ";\n";
  // mysql: DDL commits implicitly, so the schema comes before the transaction.
  if (info.dialect == SqlDialect::kMysql) return s + schema + "START TRANSACTION;\n";
  return s + "BEGIN;\n" + schema;
}

std::string Epilogue(const SqlBatchInfo& info) {
  return "INSERT INTO " + SqlQuotedName(SqlJournalTable(info.table)) + " (" +
         std::string(kSqlJournalColumns) + ") VALUES ('" + info.server + "', '" + info.dataset +
         "', " + std::to_string(info.first) + ", " + std::to_string(info.end) + ", " +
         std::to_string(info.rows) + ", '" + info.file + "', '" + info.sha256 + "')" +
         SqlDoNothingOnConflict(info.dialect, kSqlJournalKey) + ";\nCOMMIT;\n";
}

std::string Header(const SqlBatchInfo& info) {
  std::string s(kMagic);
  s += std::to_string(kSqlBatchVersion) + "\n";
  s += "-- dialect: " + std::string(SqlDialectName(info.dialect)) + "\n";
  s += "-- server: " + info.server + "\n";
  s += "-- dataset: " + info.dataset + "\n";
  s += "-- table: " + info.table + "\n";
  s += "-- file: " + info.file + "\n";
  s += "-- range: " + std::to_string(info.first) + "-" + std::to_string(info.end) + "\n";
  s += "-- rows: " + std::to_string(info.rows) + "\n";
  s += "-- body-sha256: " + info.sha256 + "\n";
  return s;
}

std::optional<std::string> CheckInfo(const SqlBatchInfo& info) {
  if (!IsServerName(info.server))
    return "server name is not [A-Za-z0-9._-], 1 to 253 bytes: " + info.server;
  if (!IsDatasetId(info.dataset))
    return "dataset identity is not [A-Za-z0-9:._-], 1 to 128 bytes: " + info.dataset;
  if (!IsNameChars(info.file, "._-", 255))
    return "batch file name is not [A-Za-z0-9._-], 1 to 255 bytes: " + info.file;
  if (!ValidSqlIdentifier(info.table))
    return "table name is not an SQL identifier ([A-Za-z_][A-Za-z0-9_]*, at most 55 bytes): " +
           info.table;
  return std::nullopt;
}

// ---- reading ------------------------------------------------------------------

class Cursor {
 public:
  Cursor(std::string_view text, std::size_t line) : s_(text), line_(line) {}
  bool Eat(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    Advance(lit.size());
    return true;
  }
  bool AtEnd() const { return pos_ == s_.size(); }
  // The line the cursor is on (counted when asked: only messages need it).
  std::size_t line() const { return LineAt(pos_); }
  std::size_t pos() const { return pos_; }
  std::size_t LineAt(std::size_t pos) const {
    return line_ + static_cast<std::size_t>(std::count(s_.begin(), s_.begin() + pos, '\n'));
  }
  // The digits of a canonical unsigned decimal number.
  std::optional<std::string_view> Digits() {
    std::size_t b = pos_, e = pos_;
    while (e < s_.size() && s_[e] >= '0' && s_[e] <= '9') ++e;
    if (e == b || (s_[b] == '0' && e - b > 1) || e - b > 20) return std::nullopt;
    Advance(e - b);
    return s_.substr(b, e - b);
  }
  // A standard string literal's content, quotes undoubled; at its opening quote.
  std::optional<std::string> Literal() {
    if (!Eat("'")) return std::nullopt;
    std::string out;
    for (;;) {
      std::size_t q = s_.find('\'', pos_);
      if (q == std::string_view::npos) return std::nullopt;
      out.append(s_.substr(pos_, q - pos_));
      Advance(q + 1 - pos_);
      if (pos_ < s_.size() && s_[pos_] == '\'') {
        out += '\'';
        Advance(1);
        continue;
      }
      return out;
    }
  }

 private:
  void Advance(std::size_t n) { pos_ += n; }
  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t line_;
};

std::optional<std::string> HeaderField(std::string_view& text, std::string_view key,
                                       std::size_t line, std::string& value) {
  std::string prefix = "-- " + std::string(key) + ": ";
  std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos || text.substr(0, prefix.size()) != prefix)
    return "line " + std::to_string(line) + ": expected \"" + prefix + "...\"";
  value = std::string(text.substr(prefix.size(), nl - prefix.size()));
  text.remove_prefix(nl + 1);
  return std::nullopt;
}

}  // namespace

std::optional<SqlDialect> ParseSqlDialect(std::string_view name) {
  if (name == "sqlite") return SqlDialect::kSqlite;
  if (name == "postgresql") return SqlDialect::kPostgresql;
  if (name == "mysql") return SqlDialect::kMysql;
  return std::nullopt;
}

std::string_view SqlDialectName(SqlDialect d) {
  switch (d) {
    case SqlDialect::kSqlite:
      return "sqlite";
    case SqlDialect::kPostgresql:
      return "postgresql";
    case SqlDialect::kMysql:
      return "mysql";
  }
  return "?";
}

std::string SqlJournalTable(std::string_view table) { return std::string(table) + "_imports"; }

namespace {

// The literal rule's stored text of `raw` appended to `out`; with
// `double_quotes`, each single quote doubled as well (the SQL literal's body).
void AppendStored(std::string_view raw, bool double_quotes, std::string& out) {
  for (std::size_t i = 0; i < raw.size();) {
    // The common case first: a run of ASCII that stays as it is.
    std::size_t run = i;
    while (run < raw.size()) {
      unsigned char b = static_cast<unsigned char>(raw[run]);
      if (b == 0 || b == '\\' || b >= 0x80 || (b == '\'' && double_quotes)) break;
      ++run;
    }
    out.append(raw.data() + i, run - i);
    i = run;
    if (i == raw.size()) break;
    unsigned char b = static_cast<unsigned char>(raw[i]);
    if (b == '\'') {
      out += "''";
      ++i;
    } else if (b == '\\') {
      out += "\\\\";
      ++i;
    } else if (b == 0) {
      out += "\\x00";
      ++i;
    } else if (std::size_t n = Utf8Length(raw, i)) {
      out.append(raw.substr(i, n));
      i += n;
    } else {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
      ++i;
    }
  }
}

}  // namespace

std::string SqlStoredText(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  AppendStored(raw, false, out);
  return out;
}

std::optional<std::string> SqlRawText(std::string_view stored) {
  std::string out;
  out.reserve(stored.size());
  for (std::size_t i = 0; i < stored.size();) {
    unsigned char b = static_cast<unsigned char>(stored[i]);
    if (b == 0) return std::nullopt;
    if (b == '\\') {
      if (i + 1 < stored.size() && stored[i + 1] == '\\') {
        out += '\\';
        i += 2;
        continue;
      }
      if (i + 3 >= stored.size() || stored[i + 1] != 'x') return std::nullopt;
      int hi = HexValue(stored[i + 2]), lo = HexValue(stored[i + 3]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 4;
      continue;
    }
    if (b < 0x80) {
      out += stored[i++];
      continue;
    }
    std::size_t n = Utf8Length(stored, i);
    if (n == 0) return std::nullopt;
    out.append(stored.substr(i, n));
    i += n;
  }
  // Canonical form only: what SqlStoredText makes of the result must be `stored`
  // (rejects an escaped byte that would have been valid UTF-8 as it stands).
  if (SqlStoredText(out) != stored) return std::nullopt;
  return out;
}

bool IsSqlStoredText(std::string_view stored) {
  // The common case: no escape at all. Then it is SqlStoredText's output
  // exactly when it holds no NUL and is valid UTF-8.
  bool plain = true;
  for (std::size_t i = 0; i < stored.size() && plain;) {
    unsigned char b = static_cast<unsigned char>(stored[i]);
    if (b == 0 || b == '\\') {
      plain = false;
    } else if (b < 0x80) {
      ++i;
    } else if (std::size_t n = Utf8Length(stored, i)) {
      i += n;
    } else {
      return false;
    }
  }
  return plain || SqlRawText(stored).has_value();
}

std::string_view SqlColumnName(Col c) {
  switch (c) {
    case kTime:
      return "event_time";
    case kUser:
      return "username";
    case kServer:
      return "log_server";
    default:
      return kColumnNames[c];
  }
}

std::string SqlQuotedName(std::string_view name) { return "\"" + std::string(name) + "\""; }

std::string SqlDoNothingOnConflict(std::string_view key) {
  return " ON CONFLICT (" + std::string(key) + ") DO NOTHING";
}

std::string SqlDoNothingOnConflict(SqlDialect d, std::string_view key) {
  if (d != SqlDialect::kMysql) return SqlDoNothingOnConflict(key);
  std::size_t comma = key.rfind(", ");
  std::string col(comma == std::string_view::npos ? key : key.substr(comma + 2));
  return " ON DUPLICATE KEY UPDATE " + col + " = " + col;
}

std::string SqlEventColumnList() {
  std::string s = "source, dataset, row_offset";
  for (Col c : kSqlEventCols) {
    s += ", ";
    s += SqlColumnName(c);
  }
  return s;
}

bool SqlIntegerColumn(Col c) { return c == kPort || c == kAsn; }

namespace {

// SqlSchema's mysql branch (see sql_batch.h for the choices).
std::vector<std::string> SqlMysqlSchema(std::string_view table) {
  const std::string name(table), t = SqlQuotedName(table);
  const std::string options = ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
  std::string create = "CREATE TABLE IF NOT EXISTS " + t +
                       " (source VARCHAR(253) NOT NULL, dataset VARCHAR(128) NOT NULL, "
                       "row_offset BIGINT NOT NULL";
  for (Col c : kSqlEventCols) {
    create += ", ";
    create += SqlColumnName(c);
    if (SqlIntegerColumn(c))
      create += " BIGINT";
    else if (c == kIp)
      create += " VARCHAR(45)";
    else if (c == kTime)
      create += " TEXT";
    else  // TEXT holds 64 KiB; a stored value can be 4 times its log line's bytes
      create += " MEDIUMTEXT";
  }
  // The ISO 8601 text (checked by the reader and the writer) as seconds since
  // the epoch, with functions MariaDB allows in a stored generated column.
  create +=
      ", event_epoch BIGINT AS ((TO_DAYS(LEFT(event_time, 10)) - 719528) * 86400"
      " + CAST(SUBSTRING(event_time, 12, 2) AS SIGNED) * 3600"
      " + CAST(SUBSTRING(event_time, 15, 2) AS SIGNED) * 60"
      " + CAST(SUBSTRING(event_time, 18, 2) AS SIGNED)"
      " - IF(RIGHT(event_time, 1) = 'Z', 0, IF(SUBSTRING(event_time, -6, 1) = '-', -60, 60)"
      " * (CAST(SUBSTRING(event_time, -5, 2) AS SIGNED) * 60"
      " + CAST(RIGHT(event_time, 2) AS SIGNED)))) STORED";
  create += ", UNIQUE " + SqlQuotedName(name + "_key") + " (" + std::string(kSqlEventsKey) + ")";
  create += ", INDEX " + SqlQuotedName(name + "_time") + " (event_epoch)";
  create += ", INDEX " + SqlQuotedName(name + "_ip") + " (ip)";
  create += ", INDEX " + SqlQuotedName(name + "_server") + " (source, log_server(255))";
  create += options;
  return {
      create,
      "CREATE TABLE IF NOT EXISTS " + SqlQuotedName(SqlJournalTable(table)) +
          " (source VARCHAR(253) NOT NULL, dataset VARCHAR(128) NOT NULL, first_offset BIGINT "
          "NOT NULL, end_offset BIGINT NOT NULL, row_count BIGINT NOT NULL, file VARCHAR(255) "
          "NOT NULL, sha256 CHAR(64) NOT NULL, PRIMARY KEY (" +
          std::string(kSqlJournalKey) + ")" + options,
  };
}

}  // namespace

std::vector<std::string> SqlSchema(SqlDialect d, std::string_view table) {
  if (d == SqlDialect::kMysql) return SqlMysqlSchema(table);
  const bool pg = d == SqlDialect::kPostgresql;
  const std::string integer = pg ? " BIGINT" : " INTEGER";
  std::string t = SqlQuotedName(table);
  std::string create = "CREATE TABLE IF NOT EXISTS " + t +
                       " (source TEXT NOT NULL, dataset TEXT NOT NULL, row_offset" + integer +
                       " NOT NULL";
  for (Col c : kSqlEventCols) {
    create += ", ";
    create += SqlColumnName(c);
    if (SqlIntegerColumn(c))
      create += integer;
    else if (pg && c == kTime)
      create += " TIMESTAMPTZ";
    else if (pg && c == kIp)
      create += " INET";
    else
      create += " TEXT";
  }
  create += ", UNIQUE (" + std::string(kSqlEventsKey) + "))";
  std::string name(table);
  return {
      create,
      "CREATE INDEX IF NOT EXISTS " + SqlQuotedName(name + "_time") + " ON " + t + " (event_time)",
      "CREATE INDEX IF NOT EXISTS " + SqlQuotedName(name + "_ip") + " ON " + t + " (ip)",
      "CREATE INDEX IF NOT EXISTS " + SqlQuotedName(name + "_server") + " ON " + t +
          " (source, log_server)",
      "CREATE TABLE IF NOT EXISTS " + SqlQuotedName(SqlJournalTable(table)) +
          " (source TEXT NOT NULL, dataset TEXT NOT NULL, first_offset" + integer +
          " NOT NULL, end_offset" + integer + " NOT NULL, row_count" + integer +
          " NOT NULL, file TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (" +
          std::string(kSqlJournalKey) + "))",
  };
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += "0123456789abcdef"[md[i] >> 4];
    out += "0123456789abcdef"[md[i] & 15];
  }
  return out;
}

std::optional<std::string> SqlRowError(std::span<const std::string> fields) {
  static const std::string kEmpty;
  auto cell = [&](Col c) -> const std::string& {
    return static_cast<std::size_t>(c) < fields.size() ? fields[c] : kEmpty;
  };
  if (!cell(kIp).empty() && !IsIpAddress(cell(kIp)))
    return "ip is not an IP address: " + DisplayText(cell(kIp));
  if (cell(kTime).empty() || !IsIsoTime(cell(kTime)))
    return "time is not an ISO 8601 time: " + DisplayText(cell(kTime));
  for (Col c : kSqlEventCols) {
    const std::string& v = cell(c);
    if (v.empty() || !SqlIntegerColumn(c)) continue;
    // Canonical decimal digits ("0", or no leading zero), at most INT64_MAX.
    if ((v[0] == '0' && v.size() > 1) ||
        !ParseNumberIn<std::uint64_t>(v, 0, std::numeric_limits<std::int64_t>::max()))
      return std::string(kColumnNames[c]) + " is not a number: " + DisplayText(v);
  }
  return std::nullopt;
}

std::optional<std::string> SqlRowError(const SqlBatchRow& row) { return SqlRowError(row.fields); }

SqlBatchWriter::SqlBatchWriter(const SqlBatchInfo& info) { Reset(info); }

void SqlBatchWriter::Reset(const SqlBatchInfo& info) {
  info_ = info;
  header_.clear();
  body_.clear();
  epilogue_.clear();
  last_ = 0;
  in_statement_ = statement_start_ = 0;
  info_.rows = 0;
  info_.first = 0;
  info_.sha256.clear();
  error_ = CheckInfo(info_);
  if (error_) return;
  body_ += Prologue(info_);
  head_ = InsertHead(info_);
  row_head_ = RowHead(info_);
}

std::optional<std::string> SqlBatchWriter::Add(std::uint64_t offset,
                                               std::span<const std::string> fields) {
  if (error_) return error_;
  if (!epilogue_.empty()) return "the batch is finished";
  if (info_.rows > 0 && offset <= last_) return "offsets do not increase";
  if (auto err = SqlRowError(fields)) return err;
  if (info_.rows == 0) info_.first = offset;
  ++info_.rows;
  last_ = offset;
  if (in_statement_ == 0) {
    statement_start_ = body_.size();
    body_ += head_;
  } else {
    body_ += ",\n";
  }
  body_ += row_head_;
  char digits[24];
  body_.append(digits, std::to_chars(digits, digits + sizeof digits, offset).ptr);
  for (Col c : kSqlEventCols) {
    body_ += ", ";
    if (static_cast<std::size_t>(c) >= fields.size() || fields[c].empty()) {
      body_ += "NULL";
    } else if (SqlIntegerColumn(c)) {
      body_ += fields[c];
    } else {
      body_ += '\'';
      AppendStored(fields[c], true, body_);
      body_ += '\'';
    }
  }
  body_ += ')';
  if (++in_statement_ == kRowsPerInsert || body_.size() - statement_start_ >= kInsertBytes) {
    body_ += InsertTail(info_.dialect);
    in_statement_ = 0;
  }
  return std::nullopt;
}

std::optional<std::string> SqlBatchWriter::Finish(std::uint64_t end) {
  if (error_) return error_;
  if (!epilogue_.empty()) return "the batch is finished";
  if (info_.rows == 0) return "no rows";
  if (end <= last_) return "the range's end " + std::to_string(end) + " is not past the last row";
  if (in_statement_ > 0) body_ += InsertTail(info_.dialect);
  in_statement_ = 0;
  info_.end = end;
  info_.sha256 = Sha256Hex(body_);
  header_ = Header(info_);
  epilogue_ = Epilogue(info_);
  return std::nullopt;
}

SqlBatchText WriteSqlBatch(const SqlBatchInfo& in, const std::vector<SqlBatchRow>& rows) {
  SqlBatchText result;
  SqlBatchWriter w(in);
  for (const SqlBatchRow& row : rows) {
    if (row.offset >= in.end) {
      result.error = "row at byte " + std::to_string(row.offset) + ": not before the range's end " +
                     std::to_string(in.end);
      return result;
    }
    if (auto err = w.Add(row.offset, row.fields)) {
      result.error = w.error() ? *err : "row at byte " + std::to_string(row.offset) + ": " + *err;
      return result;
    }
  }
  if (auto err = w.Finish(in.end)) {
    result.error = err;
    return result;
  }
  result.text = w.header() + w.body() + w.epilogue();
  return result;
}

SqlBatch ParseSqlBatch(std::string_view text, std::string_view name) {
  SqlBatch batch;
  auto fail = [&](std::size_t line, const std::string& msg) {
    batch.rows.clear();
    batch.error = std::string(name) + ": line " + std::to_string(line) + ": " + msg;
    return batch;
  };
  std::string_view rest = text;
  std::size_t nl = rest.find('\n');
  if (rest.substr(0, kMagic.size()) != kMagic || nl == std::string_view::npos)
    return fail(1, "not a maillogsentinel SQL batch file");
  if (rest.substr(kMagic.size(), nl - kMagic.size()) != std::to_string(kSqlBatchVersion))
    return fail(1, "unsupported batch format version " +
                       std::string(rest.substr(kMagic.size(), nl - kMagic.size())));
  rest.remove_prefix(nl + 1);
  SqlBatchInfo& info = batch.info;
  std::string dialect, range, rows;
  const std::pair<std::string_view, std::string*> fields[] = {
      {"dialect", &dialect},  {"server", &info.server},     {"dataset", &info.dataset},
      {"table", &info.table}, {"file", &info.file},         {"range", &range},
      {"rows", &rows},        {"body-sha256", &info.sha256}};
  std::size_t line = 2;
  for (const auto& [key, value] : fields) {
    if (auto err = HeaderField(rest, key, line, *value)) {
      batch.error = std::string(name) + ": " + *err;
      return batch;
    }
    ++line;
  }
  std::optional<SqlDialect> d = ParseSqlDialect(dialect);
  if (!d) return fail(2, "unknown dialect: " + dialect);
  info.dialect = *d;
  if (auto err = CheckInfo(info)) return fail(3, *err);
  std::size_t dash = range.find('-');
  std::optional<std::uint64_t> first, end, count;
  if (dash != std::string::npos) {
    first = ParseNumber<std::uint64_t>(std::string_view(range).substr(0, dash));
    end = ParseNumber<std::uint64_t>(std::string_view(range).substr(dash + 1));
  }
  // Numbers as the writer writes them, without leading zeros (found by
  // fuzz/sql_batch.cpp: "rows: 02" was read).
  if (!first || !end || *first >= *end ||
      range != std::to_string(*first) + "-" + std::to_string(*end))
    return fail(7, "bad range: " + range);
  count = ParseNumber<std::uint64_t>(rows);
  if (!count || *count == 0 || rows != std::to_string(*count))
    return fail(8, "bad row count: " + rows);
  info.first = *first;
  info.end = *end;
  info.rows = *count;
  const std::string epilogue = Epilogue(info);
  if (rest.size() < epilogue.size() || rest.substr(rest.size() - epilogue.size()) != epilogue)
    return fail(line,
                "the file does not end with this batch's journal record and COMMIT "
                "(changed or truncated)");
  rest.remove_suffix(epilogue.size());
  if (Sha256Hex(rest) != info.sha256)
    return fail(9, "the body's SHA-256 is not the header's (file changed)");

  Cursor cur(rest, line);
  if (!cur.Eat(Prologue(info))) return fail(cur.line(), "not the expected schema statements");
  const std::string head = InsertHead(info), row_head = RowHead(info),
                    tail = InsertTail(info.dialect);
  // The rows the header announces, as far as the text can hold them (a row
  // takes well over 64 bytes): no doubling vector (bench/heap-profile), and a
  // header that lies cannot make a large allocation.
  batch.rows.reserve(
      static_cast<std::size_t>(std::min<std::uint64_t>(info.rows, text.size() / 64)));
  std::uint64_t last = 0;
  std::array<std::string, kEnrichedColumns> checked;  // reused: no allocation per row
  while (cur.Eat(head)) {
    for (;;) {
      const std::size_t row_pos = cur.pos();
      auto row_fail = [&](const std::string& msg) { return fail(cur.LineAt(row_pos), msg); };
      if (!cur.Eat(row_head)) return row_fail("expected a row of this batch's server and dataset");
      SqlStoredRow row;
      std::optional<std::string_view> off = cur.Digits();
      std::optional<std::uint64_t> offset;
      if (off) offset = ParseNumber<std::uint64_t>(*off);
      if (!offset) return row_fail("bad row offset");
      if (!batch.rows.empty() && *offset <= last) return row_fail("row offsets do not increase");
      if (batch.rows.empty() && *offset != info.first)
        return row_fail("the first row is not at the range's start");
      if (*offset >= info.end) return row_fail("row offset past the range's end");
      last = *offset;
      row.offset = *offset;
      for (Col c : kSqlEventCols) {
        if (!cur.Eat(", "))
          return row_fail("expected \", \" before " + std::string(kColumnNames[c]));
        if (cur.Eat("NULL")) continue;
        if (SqlIntegerColumn(c)) {
          std::optional<std::string_view> digits = cur.Digits();
          if (!digits ||
              !ParseNumberIn<std::uint64_t>(*digits, 0, std::numeric_limits<std::int64_t>::max()))
            return row_fail("bad " + std::string(kColumnNames[c]));
          row.values[c] = std::string(*digits);
          continue;
        }
        std::optional<std::string> lit = cur.Literal();
        if (!lit || lit->empty() || !IsSqlStoredText(*lit))
          return row_fail("bad " + std::string(kColumnNames[c]) + " literal");
        row.values[c] = std::move(*lit);
      }
      if (!cur.Eat(")")) return row_fail("expected \")\" after the row's last value");
      // The writer's own row checks (found by fuzz/sql_batch.cpp: a time that is
      // no time was read, and would be imported). Only the columns they look
      // at: a valid time, address or number has no escape, so its stored text
      // is its raw text.
      for (Col c : {kTime, kIp, kPort, kAsn})
        checked[c] = row.values[c] ? std::string_view(*row.values[c]) : std::string_view();
      if (auto err = SqlRowError(checked)) return row_fail(*err);
      batch.rows.push_back(std::move(row));
      if (batch.rows.size() > info.rows) return row_fail("more rows than the header says");
      if (cur.Eat(tail)) break;
      if (!cur.Eat(",\n")) return row_fail("expected \",\" or the statement's end after a row");
    }
  }
  if (batch.rows.size() != info.rows)
    return fail(cur.line(), std::to_string(batch.rows.size()) + " rows, the header says " +
                                std::to_string(info.rows));
  if (!cur.AtEnd()) return fail(cur.line(), "expected a row");
  return batch;
}

SqlBatch ReadSqlBatch(const std::string& path) {
  std::optional<std::string> content;
  if (auto err = ReadWholeFile(path, content, false, kMaxBatchBytes)) {
    SqlBatch batch;
    batch.error = *err;
    return batch;
  }
  return ParseSqlBatch(*content, path);
}

}  // namespace mls
