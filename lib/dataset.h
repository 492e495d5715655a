#pragma once
// The dataset (maillogsentinel.csv, see mls-store(1)): its one definition, for
// its writer (mls-store, lib/store.h) and its reader (mls-report, lib/report.h).
//
// Format: ';'-separated, RFC 4180 quoting, one header line (ours, or the older
// tool's 9-column one: its rows are read, never appended to), rows terminated
// by '\n' (a CR before it is dropped when reading).
//
// Writing: a cell containing ';', '"', CR or LF is quoted (quotes doubled). A cell
// starting with '=', '+', '-', '@', TAB, CR or '\'' gets one leading '\'' so that
// spreadsheets never evaluate it (the '\'' case keeps the rule reversible).
// Reading undoes exactly that: a leading '\'' followed by one of those characters
// is dropped; any other cell is returned as is.
//
// A row is valid when it has the header's number of cells and its date cell
// names a real instant (RowTimes: the one calendar rule, lib/syslog_time.h's
// DaysInMonth). mls-store refuses events whose time is not such an ISO time,
// so every row it writes is one mls-report counts.

#include <array>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event.h"
#include "syslog_time.h"

namespace mls {

// ---- header and columns ------------------------------------------------------

// The dataset's header line (without its '\n'), in column order.
inline constexpr std::string_view kCsvHeader =
    "server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso;method;client;port;"
    "service;reason";
// The header the older Python tool wrote: its rows are read, never appended to.
inline constexpr std::string_view kLegacyCsvHeader =
    "server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso";
inline constexpr std::size_t kLegacyColumns = 9;

// The logins dataset (mls-parse --logins, [logins] track): successful logins,
// in a file of their own beside the failures (LoginsDatasetPath), with the same
// rules (writer, lock, journal, quoting, formulas) and the failures' columns
// but the last (no reason). Its own header, so neither reader takes the other
// file for its own.
inline constexpr std::string_view kLoginsCsvHeader =
    "server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso;method;client;port;"
    "service";
inline constexpr std::size_t kLoginsDatasetColumns = 13;

// Which file a reader expects (DatasetScanner::ReadHeader).
enum class DatasetKind { kFailures, kLogins };

// The logins dataset beside the failures' `csv`: "DIR/NAME.csv" ->
// "DIR/NAME-logins.csv" (a name without ".csv" gets "-logins.csv" appended).
// The failures' lock and journal rules cover it: whoever writes `csv` writes it.
std::string LoginsDatasetPath(const std::string& csv);

// Dataset column i (header order) holds event column kDatasetToCol[i] (lib/event.h).
inline constexpr std::array<Col, kEnrichedColumns> kDatasetToCol = {
    kServer, kTime,  kIp,     kUser,   kRdns, kRdnsStatus, kCountry,
    kAsn,    kAsOrg, kMethod, kClient, kPort, kService,    kReason};

// Dataset column (header order) of an event column.
constexpr std::size_t DatasetIndex(Col c) {
  for (std::size_t i = 0; i < kDatasetToCol.size(); ++i)
    if (kDatasetToCol[i] == c) return i;
  return kDatasetToCol.size();
}
inline constexpr std::size_t kDServer = DatasetIndex(kServer);
inline constexpr std::size_t kDTime = DatasetIndex(kTime);
inline constexpr std::size_t kDIp = DatasetIndex(kIp);
inline constexpr std::size_t kDUser = DatasetIndex(kUser);
inline constexpr std::size_t kDRdns = DatasetIndex(kRdns);
inline constexpr std::size_t kDRdnsStatus = DatasetIndex(kRdnsStatus);
inline constexpr std::size_t kDCountry = DatasetIndex(kCountry);
inline constexpr std::size_t kDAsn = DatasetIndex(kAsn);
inline constexpr std::size_t kDAsOrg = DatasetIndex(kAsOrg);

// ---- writing -----------------------------------------------------------------

// Appends one cell, neutralised and quoted as needed.
void CsvAppendCell(std::string_view cell, std::string& out);

// Appends an event (9 or 14 fields in lib/event.h order) as one dataset row in
// header order, '\n'-terminated. With 9 fields the enrichment cells are empty.
// A login record (8 or 13 fields) gives a row of the logins dataset (13 cells).
void CsvAppendEvent(const std::vector<std::string>& fields, std::string& out);

// Whether mls-store may append the event (TSV fields, lib/event.h order): 9 or
// 14 fields (a login record: 8 or 13), and a time that IsIsoTime accepts. The
// reason, or nullopt: "expected 9 or 14 fields (a login: 8 or 13), got 12",
// "field 1 (time) is not an ISO 8601 time",
// "field 1 (time) 2026-02-31T10:00:00+00:00 names a day or clock that does not exist".
std::optional<std::string> CheckEvent(const std::vector<std::string>& fields);

// ---- cells and times -----------------------------------------------------------

// Undoes the formula neutralisation of one cell read back from the dataset.
std::string_view CsvUnneutraliseView(std::string_view cell);
std::string CsvUnneutralise(std::string_view cell);

// The times mls-parse writes and the dataset keeps:
// YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), naming a day that exists
// (DaysInMonth), hour <= 23, minute <= 59, second <= 60.
bool IsIsoTime(std::string_view s);

// A row's date cell -> instant: ISO (IsIsoTime; ours) or "DD/MM/YYYY HH:MM"
// (the older tool's local time, read by LocalToInstant's rule, lib/local_time.h).
// Keeps the day of the last ISO date and the instant of the last legacy minute:
// rows come roughly in date order.
class RowTimes {
 public:
  // False if the date is neither (or names no real day or clock).
  bool Parse(std::string_view s, std::time_t& t, bool& legacy);
  // After Parse of a legacy date: the same instant in ISO 8601 with its local
  // offset (what the row would hold had mls-store written it).
  std::string_view iso() const { return std::string_view(iso_, kIsoTimeLength); }

 private:
  [[gnu::always_inline]] inline bool ParseIso(std::string_view s, std::time_t& t);
  char date_[10] = {};  // the last ISO date seen ("YYYY-MM-DD") and its day number
  std::int64_t date_days_ = 0;
  bool date_valid_ = false;
  std::int64_t cached_local_ = std::numeric_limits<std::int64_t>::min();
  std::time_t cached_t_ = 0;
  char iso_[kIsoTimeLength] = {};
};

// Splits one RFC 4180 record (';'-separated) at the start of `data`. Cells are
// unquoted but not unneutralised. A record ends at an unquoted LF (a CR right
// before it is dropped) or, when `at_eof`, at the end of `data`.
struct CsvSplit {
  enum Status { kRecord, kIncomplete, kError } status = kIncomplete;
  std::size_t consumed = 0;  // bytes of the record, line end included
  std::size_t lines = 0;     // LFs consumed (quoted newlines count)
  std::string error;         // for kError, e.g. "unterminated quoted field"
};
CsvSplit CsvSplitRecord(std::string_view data, bool at_eof, std::vector<std::string>& cells);

// ---- reading -------------------------------------------------------------------

// One record of the dataset as DatasetScanner::Next returns it.
struct DatasetRecord {
  // Unquoted records: the bytes without the line end. Quoted ones: empty, and
  // `cells` holds the split cells (not unneutralised).
  std::string_view text;
  const std::vector<std::string>* cells = nullptr;
  std::size_t fields = 0;
  std::size_t semi[3] = {0, 0, 0};  // unquoted: offsets of the first three ';' in text
  std::size_t line = 0;             // its first line
  std::uint64_t end_offset = 0;     // file offset just past the record (a resume point)
  // Why the row cannot be read ("expected 14 fields, got 3", "date is neither
  // ISO 8601 nor DD/MM/YYYY HH:MM", "unbalanced quote: ..."): it is skipped.
  std::optional<std::string> error;
  std::time_t time = 0;      // valid rows: the instant of the date cell
  bool legacy_date = false;  // valid rows: the date is "DD/MM/YYYY HH:MM"
};

// One valid row's cells in header order, unneutralised; in a legacy file the
// "null" and "N/A" cells (the older tool's "no value") are empty.
struct DatasetCells {
  std::array<std::string_view, kEnrichedColumns> c{};
  bool legacy_date = false;
};

// Reads the dataset from an fd in big blocks, without copying unquoted records
// (the common case: a vectorised scan for LF, '"' and ';'). The broken-quote
// policy: a quote that opens a cell and does not close on its line, where
// the record it would make has the wrong number of cells, is a broken line:
// that line alone is skipped and reading goes on at the next one. An
// unterminated quote at the end of the file likewise skips its line, unless it
// is the unfinished last line. A record longer than 1 MiB is skipped.
class DatasetScanner {
 public:
  // From the start of the file: ReadHeader first.
  explicit DatasetScanner(int fd) : DatasetScanner(fd, 0, 1, 0) {}
  // Resuming at a previous record's end_offset (the fd positioned there), at
  // line `line`, in a file with `columns` columns.
  DatasetScanner(int fd, std::uint64_t offset, std::size_t line, std::size_t columns);

  // Reads and checks the header line. False when no row can follow: an empty
  // file, an unterminated header, a read error or a foreign header (error()
  // says which of the last two: "line 1: not a maillogsentinel dataset
  // (unexpected header)"). `kind` is the file expected: failures (ours or the
  // older tool's) or logins; the other kind's header is an error too.
  bool ReadHeader(DatasetKind kind = DatasetKind::kFailures);
  std::size_t columns() const { return columns_; }
  bool legacy_file() const { return columns_ == kLegacyColumns; }
  std::uint64_t data_start() const { return data_start_; }  // offset of the first row

  // The next record; false at the end of input (or of set_limit), at an
  // unfinished last line (an append in progress: never a row) and after a
  // read error (error()). A record with `error` set is to be skipped.
  bool Next(DatasetRecord& rec);

  // A valid record's cell (header order), unneutralised, legacy "no value"
  // emptied; a view into the record.
  std::string_view Cell(const DatasetRecord& rec, std::size_t column) const;
  void Split(const DatasetRecord& rec, DatasetCells& out) const;
  // The row as an event (kEnrichedColumns fields, lib/event.h order), as
  // mls-store would take it: a legacy date as ISO with its local offset. For
  // the last record Next returned.
  void ToEvent(const DatasetCells& cells, std::vector<std::string>& fields) const;

  // Stops before this file offset (a record ending past it is not returned).
  void set_limit(std::uint64_t limit) { limit_ = limit; }
  const std::optional<std::string>& error() const { return error_; }

 private:
  [[gnu::always_inline]] inline bool NextRaw(DatasetRecord& rec, bool& terminated);
  void Take(DatasetRecord& rec, std::size_t bytes, std::size_t lines);
  bool SkipOverlong(DatasetRecord& rec, bool& terminated);
  bool Fill();
  void Check(DatasetRecord& rec);

  int fd_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
  std::uint64_t offset_;  // file offset of buf_[pos_]
  std::uint64_t limit_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t data_start_ = 0;
  std::size_t line_;
  std::size_t columns_;  // 0 until the header is read
  std::vector<std::string> cells_;
  std::optional<std::string> error_;
  RowTimes times_;
};

}  // namespace mls
