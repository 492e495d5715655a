#include "report_db.h"

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dataset.h"
#include "event.h"
#include "fd_io.h"
#include "ip.h"
#include "number.h"
#include "sql_reader.h"

namespace mls {
namespace {

// Rows of one quarter-hour fall in one bucket: local hours and days start on
// a quarter-hour in every zone in use (offsets are whole quarter-hours).
constexpr int kQuantumSeconds = 900;

// From this many rows (the catalogue's estimate) a table's size is estimated.
constexpr std::uint64_t kEstimateRows = 1000000;

// The dialect's pieces of SQL.
struct Dialect {
  SqlDialect d;
  std::string table;  // quoted
  std::string name;   // as configured

  // The n-th bound value (1-based): $n for PostgreSQL, ? for the others
  // (whose values are bound in the order they appear).
  std::string P(std::size_t n) const {
    return d == SqlDialect::kPostgresql ? "$" + std::to_string(n) : "?";
  }
  // The row's time as whole seconds since the epoch, for `alias.`.
  std::string Epoch(std::string_view alias = "") const {
    const std::string a(alias);
    switch (d) {
      case SqlDialect::kPostgresql:
        return "floor(extract(epoch FROM " + a + "event_time))::bigint";
      case SqlDialect::kMysql:
        return a + "event_epoch";  // stored, indexed (SqlSchema)
      case SqlDialect::kSqlite:
        break;
    }
    return "CAST(strftime('%s', " + a + "event_time) AS INTEGER)";
  }
  // The earliest and latest time of a group, in whole seconds (PostgreSQL:
  // the conversion once a group, not once a row).
  std::string MinEpoch() const {
    return d == SqlDialect::kPostgresql ? "floor(extract(epoch FROM min(event_time)))::bigint"
                                        : "min(" + Epoch() + ")";
  }
  std::string MaxEpoch() const {
    return d == SqlDialect::kPostgresql ? "floor(extract(epoch FROM max(event_time)))::bigint"
                                        : "max(" + Epoch() + ")";
  }
  // "the time >= first AND < second": on the indexed column itself.
  std::string Range(std::size_t first, std::size_t second, std::string_view alias = "") const {
    const std::string a(alias);
    if (d == SqlDialect::kPostgresql) {
      return a + "event_time >= to_timestamp(" + P(first) + "::bigint) AND " + a +
             "event_time < to_timestamp(" + P(second) + "::bigint)";
    }
    return Epoch(alias) + " >= " + P(first) + " AND " + Epoch(alias) + " < " + P(second);
  }
  std::string Before(std::size_t n, std::string_view alias) const {
    if (d == SqlDialect::kPostgresql)
      return std::string(alias) + "event_time < to_timestamp(" + P(n) + "::bigint)";
    return Epoch(alias) + " < " + P(n);
  }
  std::string Ip(std::string_view alias = "") const {
    return d == SqlDialect::kPostgresql ? "host(" + std::string(alias) + "ip)"
                                        : std::string(alias) + "ip";
  }
  std::string Text(std::string_view column) const {
    const std::string c(column);
    switch (d) {
      case SqlDialect::kPostgresql:
        return c + "::text";
      case SqlDialect::kMysql:
        return "CAST(" + c + " AS CHAR)";
      case SqlDialect::kSqlite:
        break;
    }
    return "CAST(" + c + " AS TEXT)";
  }
  std::string IsoTime() const {
    if (d == SqlDialect::kPostgresql)
      return "to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')";
    return "event_time";  // the text as stored
  }
};

// Builds one query's text and its values in order.
class Query {
 public:
  explicit Query(const Dialect& d) : d_(d) {}
  // A bound value; returns its placeholder.
  std::string Value(std::string v) {
    params_.push_back(std::move(v));
    return d_.P(params_.size());
  }
  std::string Value(std::time_t t) { return Value(std::to_string(t)); }
  // " AND <alias>log_server IN (...)" for --server, "" without.
  std::string Servers(const std::vector<std::string>& servers, std::string_view alias = "") {
    if (servers.empty()) return "";
    std::string s = " AND " + std::string(alias) + "log_server IN (";
    for (std::size_t i = 0; i < servers.size(); ++i) s += (i ? ", " : "") + Value(servers[i]);
    return s + ")";
  }
  std::string Range(std::time_t since, std::time_t until, std::string_view alias = "") {
    Value(since);
    Value(until);
    return d_.Range(params_.size() - 1, params_.size(), alias);
  }
  std::string Before(std::time_t t, std::string_view alias) {
    Value(t);
    return d_.Before(params_.size(), alias);
  }
  const std::vector<std::string>& params() const { return params_; }

 private:
  const Dialect& d_;
  std::vector<std::string> params_;
};

std::optional<std::time_t> Seconds(std::string_view cell) {
  return ParseNumber<std::int64_t>(cell);
}

class DatabaseBuilder {
 public:
  DatabaseBuilder(SqlReader& db, const Dialect& d, const ReportOptions& o, ReportBuild& out)
      : db_(db), d_(d), o_(o), out_(out) {}

  void Run() {
    ReportData& d = out_.data;
    d.window = o_.window;
    if (auto e = CheckWindow(o_.window)) {
      out_.error = *e;
      return;
    }
    ReportAggregator agg(o_, d);
    if (o_.feed_only) {  // the firewall's minute timer: the window's addresses only
      if (Window(agg)) agg.Fill();
      return;
    }
    if (Window(agg) && Previous(agg) && SeenBefore(agg) && Table() && Rows()) agg.Fill();
  }

 private:
  bool Select(const std::string& sql, const std::vector<std::string>& params,
              const SqlReader::RowFn& row) {
    if (auto e = db_.Select(sql, params, row)) {
      out_.error = *e;
      return false;
    }
    if (out_.error) return false;  // a row the callback refused
    return true;
  }

  // The window's rows (of the --server servers). Values are bound in the
  // order they are added: one statement each (the operands of + may be
  // evaluated in any order).
  std::string WindowWhere(Query& q) const {
    std::string where = q.Range(o_.window.since, o_.window.until);
    where += q.Servers(o_.servers);
    return where;
  }

  // The window's rows grouped by every cell the report uses, then, apart, by
  // quarter-hour for the chart (both at once would make about as many groups
  // as rows; PostgreSQL's GROUPING SETS sorted the second set: slower than a
  // second query).
  bool Window(ReportAggregator& agg) {
    Query q(d_);
    const std::string where = WindowWhere(q);
    const std::string keys = "ip, username, log_server, rdns, rdns_status, country, asn, as_org";
    const std::string quarter = Quarter();
    std::string sql = "SELECT " + d_.Ip() + ", username, log_server, rdns, rdns_status, country, " +
                      d_.Text("asn") + ", as_org, count(*), " + d_.MinEpoch() + ", " +
                      d_.MaxEpoch() + " FROM " + d_.table + " WHERE " + where + " GROUP BY " + keys;
    const std::size_t columns = 11;
    bool ok = Select(sql, q.params(), [&](std::span<const std::string_view> c) {
      if (c.size() != columns)
        return Fail("the window's query gave " + std::to_string(c.size()) + " columns");
      std::optional<std::uint64_t> n = ParseNumber<std::uint64_t>(c[8]);
      std::optional<std::time_t> first = Seconds(c[9]), last = Seconds(c[10]);
      if (!n || !first || !last)
        return Fail("the window's query gave a count or time that is no number");
      DatasetCells cells;
      cells.c[kDServer] = c[2];
      cells.c[kDUser] = c[1];
      cells.c[kDRdns] = c[3];
      cells.c[kDRdnsStatus] = c[4];
      cells.c[kDCountry] = c[5];
      cells.c[kDAsn] = c[6];
      cells.c[kDAsOrg] = c[7];
      const bool is_ip = canon_.Canon(c[0], cells.c[kDIp]);
      agg.AddUnbucketed(cells, *first, *last, *n, is_ip);
      return true;
    });
    if (!ok || o_.feed_only) return ok;  // a ban list has no chart
    Query b(d_);
    const std::string bucket_where = WindowWhere(b);
    return Select("SELECT count(*), " + d_.MinEpoch() + " FROM " + d_.table + " WHERE " +
                      bucket_where + " GROUP BY " + quarter,
                  b.params(), [&](std::span<const std::string_view> c) {
                    std::optional<std::uint64_t> n =
                        c.size() == 2 ? ParseNumber<std::uint64_t>(c[0]) : std::nullopt;
                    std::optional<std::time_t> t = c.size() == 2 ? Seconds(c[1]) : std::nullopt;
                    if (!n || !t) return Fail("the chart's query gave no count or time");
                    agg.AddBucket(*t, *n);
                    return true;
                  });
  }

  // The quarter-hour of a row: every row of one falls in one bucket of the chart.
  std::string Quarter() const {
    return d_.Epoch() + (d_.d == SqlDialect::kMysql ? " DIV " : " / ") +
           std::to_string(kQuantumSeconds);
  }

  bool Previous(ReportAggregator& agg) {
    const ReportWindow& p = out_.data.previous_window;
    if (p.until <= p.since) return true;
    Query q(d_);
    std::string where = q.Range(p.since, p.until);
    where += q.Servers(o_.servers);
    const std::string sql =
        "SELECT log_server, count(*) FROM " + d_.table + " WHERE " + where + " GROUP BY log_server";
    return Select(sql, q.params(), [&](std::span<const std::string_view> c) {
      std::optional<std::uint64_t> n =
          c.size() == 2 ? ParseNumber<std::uint64_t>(c[1]) : std::nullopt;
      if (!n) return Fail("the previous window's query gave no count");
      agg.AddPrevious(c[0], *n);
      return true;
    });
  }

  // The window's addresses that have a row before it: not new.
  bool SeenBefore(ReportAggregator& agg) {
    if (agg.empty()) return true;
    agg.StartSeenBefore();
    Query q(d_);
    const std::string window = WindowWhere(q);
    std::string before = q.Before(o_.window.since, "e.");
    before += q.Servers(o_.servers, "e.");
    const std::string sql = "SELECT " + d_.Ip("w.") + " FROM (SELECT DISTINCT ip FROM " + d_.table +
                            " WHERE " + window + ") w WHERE EXISTS (SELECT 1 FROM " + d_.table +
                            " e WHERE e.ip = w.ip AND " + before + ")";
    return Select(sql, q.params(), [&](std::span<const std::string_view> c) {
      if (c.empty()) return Fail("the new addresses' query gave no column");
      std::string_view ip;
      canon_.Canon(c[0], ip);
      agg.MarkSeenBefore(ip);
      return true;
    });
  }

  // The table as a whole (within --server): rows, first and last time; with
  // --server, per server, to warn about a name no row has (a typo). Without
  // --server, a PostgreSQL or MariaDB table of kEstimateRows rows or more gives
  // the catalogue's estimate of its rows (counting them would take seconds).
  bool Table() {
    if (o_.servers.empty() && d_.d != SqlDialect::kSqlite) {
      bool estimated = false;
      if (!Estimate(estimated)) return false;
      if (estimated) return true;
    }
    ReportData& d = out_.data;
    Query q(d_);
    const std::string span = d_.MinEpoch() + ", " + d_.MaxEpoch() + " FROM " + d_.table;
    const std::string sql = o_.servers.empty() ? "SELECT '', count(*), " + span
                                               : "SELECT log_server, count(*), " + span + " WHERE" +
                                                     q.Servers(o_.servers).substr(4) +
                                                     " GROUP BY log_server";  // " AND x"
    std::vector<bool> seen(o_.servers.size(), false);
    bool ok = Select(sql, q.params(), [&](std::span<const std::string_view> c) {
      std::optional<std::uint64_t> n =
          c.size() == 4 ? ParseNumber<std::uint64_t>(c[1]) : std::nullopt;
      if (!n) return Fail("the table's query gave no count");
      for (std::size_t i = 0; i < o_.servers.size(); ++i)
        seen[i] = seen[i] || o_.servers[i] == c[0];
      if (*n == 0) return true;
      std::optional<std::time_t> first = Seconds(c[2]), last = Seconds(c[3]);
      if (!first || !last) return Fail("the table's query gave a time that is no number");
      d.dataset_first = d.dataset_rows == 0 ? *first : std::min(d.dataset_first, *first);
      d.dataset_last = d.dataset_rows == 0 ? *last : std::max(d.dataset_last, *last);
      d.dataset_rows += *n;
      return true;
    });
    for (std::size_t i = 0; ok && i < seen.size(); ++i) {
      if (!seen[i]) out_.warnings.push_back(UnknownServerWarning(o_.servers[i]));
    }
    return ok;
  }

  // The catalogue's row count, and the first and last time from the time
  // index; `estimated` false (nothing set) when the table is small enough to
  // count.
  bool Estimate(bool& estimated) {
    ReportData& d = out_.data;
    Query q(d_);
    std::string estimate;
    if (d_.d == SqlDialect::kPostgresql) {
      estimate = "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(" +
                 q.Value(d_.table) + ")";
    } else {
      estimate =
          "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
          "TABLE_NAME = " +
          q.Value(d_.name);
    }
    const std::string sql =
        "SELECT (" + estimate + "), " + d_.MinEpoch() + ", " + d_.MaxEpoch() + " FROM " + d_.table;
    return Select(sql, q.params(), [&](std::span<const std::string_view> c) {
      std::optional<std::int64_t> rows =
          c.size() == 3 ? ParseNumber<std::int64_t>(c[0]) : std::nullopt;
      if (!rows || *rows < static_cast<std::int64_t>(kEstimateRows)) return true;
      std::optional<std::time_t> f = Seconds(c[1]), l = Seconds(c[2]);
      if (!f || !l) return true;
      estimated = true;
      d.dataset_rows = static_cast<std::uint64_t>(*rows);
      d.dataset_rows_estimated = true;
      d.dataset_first = *f;
      d.dataset_last = *l;
      return true;
    });
  }

  // --send: the window's rows as dataset CSV rows, oldest first.
  bool Rows() {
    if (o_.rows_fd < 0) return true;
    Query q(d_);
    const std::string where = WindowWhere(q);
    std::string sql = "SELECT log_server, " + d_.IsoTime() + ", " + d_.Ip() +
                      ", username, rdns, rdns_status, country, " + d_.Text("asn") +
                      ", as_org, method, client, " + d_.Text("port") + ", service, reason FROM " +
                      d_.table + " WHERE " + where + " ORDER BY " + d_.Epoch() +
                      ", source, dataset, row_offset";
    std::string pending(kCsvHeader);
    pending += '\n';
    std::vector<std::string> fields(kEnrichedColumns);
    bool ok = Select(sql, q.params(), [&](std::span<const std::string_view> c) {
      if (c.size() != kEnrichedColumns) return Fail("the rows' query gave too few columns");
      for (std::size_t i = 0; i < kEnrichedColumns; ++i) fields[kDatasetToCol[i]].assign(c[i]);
      CsvAppendEvent(fields, pending);
      ++out_.rows_written;
      if (pending.size() >= (std::size_t{64} << 10)) return Flush(pending);
      return true;
    });
    return ok && Flush(pending);
  }

  bool Flush(std::string& pending) {
    if (!WriteAll(o_.rows_fd, pending))
      return Fail(ErrnoMessage("writing the window's rows", errno));
    pending.clear();
    return true;
  }

  bool Fail(std::string message) {
    if (!out_.error) out_.error = std::move(message);
    return false;
  }

  SqlReader& db_;
  const Dialect& d_;
  const ReportOptions& o_;
  ReportBuild& out_;
  IpCanonicaliser canon_;
};

}  // namespace

ReportBuild BuildDatabaseReport(const Config& config, const ReportOptions& options) {
  ReportBuild out;
  tzset();
  out.data.dataset_table = true;
  if ((out.error = DatabaseConnectionError(config, "to report from"))) return out;
  const SqlConnection connection = DatabaseConnection(config);
  out.data.dataset_path = std::string(SqlDialectName(connection.dialect)) + " " +
                          SqlServerName(connection) + ", table " + config.db_table;
  SqlReaderOpenResult db = OpenSqlReader(connection);
  if (db.error) {
    out.error = *db.error;
    return out;
  }
  const Dialect dialect{connection.dialect, SqlQuotedName(config.db_table), config.db_table};
  DatabaseBuilder(*db.reader, dialect, options, out).Run();
  if (out.error) out.error = "the database " + out.data.dataset_path + ": " + *out.error;
  return out;
}

}  // namespace mls
