#pragma once
// mls-report --source database: the report of the central events table that
// mls-sql --import fills from every server ([database], the table's schema in
// lib/sql_batch.h), with the database doing the work:
//
//   the window     one GROUP BY over the rows in [since, until) (a range on the
//                  indexed time column), grouped by every cell the report uses
//                  and by quarter-hour, so that a group falls in one bucket:
//                  its count, first and last time go to the same
//                  ReportAggregator as the CSV's rows, so both sources count
//                  the same rows the same way;
//   previous       the previous window's rows counted per server (the same range);
//   new addresses  the window's addresses with a row before it (EXISTS on the
//                  address index);
//   the table      rows, first and last time;
//   --send         the window's rows in time order, as dataset CSV rows.
//
// --server adds "log_server IN (...)" to every query. Every value is bound,
// never spliced into the SQL. Rows stream from the server (lib/sql_reader.h):
// the client's memory grows with the window's distinct keys, as with a CSV.
// Reading needs SELECT on the events table only (maillogsentinel.conf(5)).
//
// What cannot be the same as the CSV report: the dataset section (a table, not
// a file), logins after failures (the logins are not exported to SQL: the
// section says "not tracked"), and which enrichment an address shows when two
// of its rows in the same second disagree (the CSV takes the later line).

#include <string>

#include "config.h"
#include "report.h"

namespace mls {

// The report of `options` from the database `config`'s [database] names.
// data.dataset_path names the table ("postgresql user@host:port/db, table T");
// a database that cannot be reached or read is an error (ReportBuild::error),
// never an empty report.
ReportBuild BuildDatabaseReport(const Config& config, const ReportOptions& options);

}  // namespace mls
