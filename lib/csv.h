#pragma once
// The dataset format (maillogsentinel.csv, see mls-store(1)): ';'-separated,
// RFC 4180 quoting, one header line, rows terminated by '\n'.
//
// Writing: a cell containing ';', '"', CR or LF is quoted (quotes doubled). A cell
// starting with '=', '+', '-', '@', TAB, CR or '\'' gets one leading '\'' so that
// spreadsheets never evaluate it (the '\'' case keeps the rule reversible).
// Reading undoes exactly that: a leading '\'' followed by one of those characters
// is dropped; any other cell is returned as is.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event.h"

namespace mls {

// The dataset's header line (without its '\n'), in column order.
inline constexpr std::string_view kCsvHeader =
    "server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso;method;client;port;"
    "service;reason";
// The header the older Python tool wrote: its rows are read, never appended to.
inline constexpr std::string_view kLegacyCsvHeader =
    "server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso";

// Dataset column i (header order) holds event column kDatasetToCol[i] (lib/event.h).
inline constexpr std::array<Col, kEnrichedColumns> kDatasetToCol = {
    kServer, kTime,  kIp,     kUser,   kRdns, kRdnsStatus, kCountry,
    kAsn,    kAsOrg, kMethod, kClient, kPort, kService,    kReason};

// Appends one cell, neutralised and quoted as needed.
void CsvAppendCell(std::string_view cell, std::string& out);

// Appends an event (9 or 14 fields in lib/event.h order) as one dataset row in
// header order, '\n'-terminated. With 9 fields the enrichment cells are empty.
void CsvAppendEvent(const std::vector<std::string>& fields, std::string& out);

// Undoes the formula neutralisation of one cell read back from the dataset.
std::string CsvUnneutralise(std::string_view cell);
// The same without a copy: a view into `cell`.
std::string_view CsvUnneutraliseView(std::string_view cell);

// True for the times mls-parse writes: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM).
bool IsIsoTime(std::string_view s);

// "DD/MM/YYYY HH:MM" (the older tool's local time) -> "YYYY-MM-DDTHH:MM:00" (no offset:
// local time). nullopt if `s` is not in that form.
std::optional<std::string> LegacyDateToIso(std::string_view s);

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

// Reads ';'-separated records from an fd in big blocks.
class CsvReader {
 public:
  explicit CsvReader(int fd, std::size_t max_record = std::size_t{16} << 20);
  // Next record: true with `cells` set, or true with `error` set (the record is
  // skipped and reading continues), false at end of input or after a read error
  // (then `error` is set, e.g. "read: Is a directory").
  bool Next(std::vector<std::string>& cells, std::optional<std::string>& error);
  std::size_t line() const { return record_line_; }  // first line of the last record
  // Bytes consumed from the fd, through the end of the last record returned.
  std::uint64_t offset() const { return consumed_; }

 private:
  bool Fill();
  int fd_;
  std::size_t max_record_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  std::size_t next_line_ = 1;
  std::size_t record_line_ = 0;
  std::uint64_t consumed_ = 0;
};

// Reads the dataset: checks the header (ours or the legacy one), then yields each
// row as 14 fields in lib/event.h order (time first). Legacy rows (date
// "DD/MM/YYYY HH:MM") get the date converted by LegacyDateToIso and their "null"
// and "N/A" cells emptied; rows written by mls-store are returned exactly.
struct DatasetRow {
  std::size_t line = 0;
  std::uint64_t end_offset = 0;     // file offset just past this row (a resume point)
  std::vector<std::string> fields;  // kEnrichedColumns, lib/event.h order
  bool legacy = false;
  std::optional<std::string> error;  // "line 7: expected 14 fields, got 3"; row skipped
};

class DatasetReader {
 public:
  // With start_offset 0 the fd is at the start of the file and the header is
  // read and checked. Otherwise the caller has positioned the fd at
  // start_offset, a row boundary of a file with our header (a previous
  // end_offset): rows are read from there, and line numbers count from it.
  explicit DatasetReader(int fd, std::uint64_t start_offset = 0) : csv_(fd), start_(start_offset) {
    if (start_offset > 0) {
      header_done_ = true;
      columns_ = 14;
    }
  }
  // False at end of input; a fatal problem (unreadable, foreign header) sets
  // fatal_error(). Rows with problems come back with `error` set.
  bool Next(DatasetRow& row);
  const std::optional<std::string>& fatal_error() const { return fatal_; }
  bool legacy_header() const { return legacy_header_; }

 private:
  bool ReadHeader();
  CsvReader csv_;
  std::uint64_t start_ = 0;
  bool header_done_ = false;
  bool legacy_header_ = false;
  std::size_t columns_ = 0;
  std::optional<std::string> fatal_;
  std::vector<std::string> cells_;
};

}  // namespace mls
