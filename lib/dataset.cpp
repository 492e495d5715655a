#include "dataset.h"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "diag.h"
#include "fd_io.h"
#include "local_time.h"

namespace mls {
namespace {

constexpr std::size_t kBlock = std::size_t{1} << 20;      // read(2) size
constexpr std::size_t kMaxRecord = std::size_t{1} << 20;  // longer records are skipped

bool NeedsNeutralising(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' || c == '\'';
}

unsigned Digit(char c) { return static_cast<unsigned>(static_cast<unsigned char>(c) - '0'); }

// Two/four digits at p (every one checked); -1 if any is not a digit.
int Num(const char* p, int n) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    unsigned d = Digit(p[i]);
    if (d > 9) return -1;
    v = v * 10 + static_cast<int>(d);
  }
  return v;
}

// The header line of `rec` as text (quoted cells joined again).
std::string HeaderText(const DatasetRecord& rec) {
  if (!rec.cells) return std::string(rec.text);
  std::string header;
  for (std::size_t i = 0; i < rec.cells->size(); ++i) {
    if (i > 0) header += ';';
    header += (*rec.cells)[i];
  }
  return header;
}

// Bits set in a 16-bit mask (std::popcount would be a libgcc call without -mpopcnt).
unsigned Popcount16(unsigned x) {
  x = x - ((x >> 1) & 0x5555u);
  x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
  x = (x + (x >> 4)) & 0x0F0Fu;
  return (x + (x >> 8)) & 0x1Fu;
}

// Scans p[0, n) up to the first LF or '"', counting the ';' before it.
struct Stop {
  std::size_t at;  // n if neither was found
  std::size_t semicolons;
  std::size_t semi[3];  // offsets of the first three ';' (valid up to `semicolons`)
};
Stop ScanToStop(const char* p, std::size_t n) {
  Stop s{n, 0, {0, 0, 0}};
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"'), semi = _mm_set1_epi8(';');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    unsigned stop = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, quote))));
    unsigned sc = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, semi)));
    if (stop != 0) {
      s.at = i + static_cast<unsigned>(std::countr_zero(stop));
      sc &= (1u << (s.at - i)) - 1;
    }
    for (; sc != 0 && s.semicolons < 3; sc &= sc - 1)
      s.semi[s.semicolons++] = i + static_cast<unsigned>(std::countr_zero(sc));
    s.semicolons += Popcount16(sc);
    if (stop != 0) return s;
  }
#endif
  for (; i < n; ++i) {
    if (p[i] == '\n' || p[i] == '"') {
      s.at = i;
      return s;
    }
    if (p[i] == ';') {
      if (s.semicolons < 3) s.semi[s.semicolons] = i;
      ++s.semicolons;
    }
  }
  return s;
}

}  // namespace

// ---- writing -------------------------------------------------------------------

void CsvAppendCell(std::string_view cell, std::string& out) {
  bool quote = cell.find_first_of(";\"\r\n") != std::string_view::npos;
  if (quote) out += '"';
  if (!cell.empty() && NeedsNeutralising(cell.front())) out += '\'';
  if (!quote) {
    out += cell;
    return;
  }
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string LoginsDatasetPath(const std::string& csv) {
  const std::string_view stem = std::string_view(csv).ends_with(".csv")
                                    ? std::string_view(csv).substr(0, csv.size() - 4)
                                    : std::string_view(csv);
  return std::string(stem) + "-logins.csv";
}

void CsvAppendEvent(const std::vector<std::string>& fields, std::string& out) {
  static const std::string kEmpty;
  // A login record has no reason (the last dataset column), and its
  // enrichment columns come one place earlier.
  const bool login = IsLoginRecord(fields.size());
  const std::size_t cells = login ? kLoginsDatasetColumns : kDatasetToCol.size();
  for (std::size_t i = 0; i < cells; ++i) {
    if (i > 0) out += ';';
    std::size_t col = kDatasetToCol[i];
    if (login && col >= kEventColumns) --col;
    CsvAppendCell(col < fields.size() ? fields[col] : kEmpty, out);
  }
  out += '\n';
}

std::optional<std::string> CheckEvent(const std::vector<std::string>& f) {
  if (!IsEventRecord(f.size()) && !IsLoginRecord(f.size()))
    return "expected 9 or 14 fields (a login: 8 or 13), got " + std::to_string(f.size());
  if (IsIsoTime(f[kTime])) return std::nullopt;
  // The shape of an ISO time, with a date or clock that does not exist?
  std::string shape = f[kTime];
  if (shape.size() >= 19) {
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
      if (Digit(shape[i]) <= 9) shape[i] = '0';
    shape.replace(5, 2, "01").replace(8, 2, "01");
    if (IsIsoTime(shape))
      return "field 1 (time) " + f[kTime] + " names a day or clock that does not exist";
  }
  return "field 1 (time) is not an ISO 8601 time";
}

// ---- cells and times -------------------------------------------------------------

std::string_view CsvUnneutraliseView(std::string_view cell) {
  if (cell.size() >= 2 && cell[0] == '\'' && NeedsNeutralising(cell[1])) cell.remove_prefix(1);
  return cell;
}

std::string CsvUnneutralise(std::string_view cell) {
  return std::string(CsvUnneutraliseView(cell));
}

bool IsIsoTime(std::string_view s) {
  RowTimes times;
  std::time_t t;
  bool legacy;
  return times.Parse(s, t, legacy) && !legacy;
}

bool RowTimes::ParseIso(std::string_view s, std::time_t& t) {
  if (s.size() < 20) return false;
  const char* p = s.data();
  if (p[10] != 'T' || p[13] != ':' || p[16] != ':') return false;
  std::int64_t days;
  if (date_valid_ && std::memcmp(p, date_, 10) == 0) {
    days = date_days_;
  } else {
    if (p[4] != '-' || p[7] != '-') return false;
    int y = Num(p, 4), mo = Num(p + 5, 2), d = Num(p + 8, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return false;
    days = DaysFromCivil(y, mo, d);
    std::memcpy(date_, p, 10);
    date_days_ = days;
    date_valid_ = true;
  }
  int h = Num(p + 11, 2), mi = Num(p + 14, 2), se = Num(p + 17, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return false;
  std::size_t i = 19;
  if (p[i] == '.') {
    std::size_t start = ++i;
    while (i < s.size() && Digit(p[i]) <= 9) ++i;
    if (i == start) return false;
  }
  int offset = 0;
  std::string_view zone = s.substr(i);
  if (zone != "Z") {
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return false;
    int oh = Num(zone.data() + 1, 2), om = Num(zone.data() + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
    offset = (oh * 60 + om) * (zone[0] == '-' ? -1 : 1);
  }
  t = static_cast<std::time_t>(days * 86400 + h * 3600 + mi * 60 + se - std::int64_t{offset} * 60);
  return true;
}

bool RowTimes::Parse(std::string_view s, std::time_t& t, bool& legacy) {
  legacy = false;
  if (s.size() != 16 || s[2] != '/') return ParseIso(s, t);
  const char* p = s.data();
  int day = Num(p, 2), month = Num(p + 3, 2), year = Num(p + 6, 4), hour = Num(p + 11, 2),
      minute = Num(p + 14, 2);
  if (p[5] != '/' || p[10] != ' ' || p[13] != ':' || year < 0 || month < 1 || month > 12 ||
      day < 1 || day > DaysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59)
    return false;
  const std::int64_t local = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60;
  if (local != cached_local_) {
    cached_local_ = local;
    cached_t_ = LocalToInstant(local);
    std::string iso = FormatLocalIso(cached_t_);
    std::memcpy(iso_, iso.data(), std::min(iso.size(), sizeof iso_));
  }
  legacy = true;
  t = cached_t_;
  return true;
}

CsvSplit CsvSplitRecord(std::string_view data, bool at_eof, std::vector<std::string>& cells) {
  CsvSplit r;
  cells.clear();
  cells.emplace_back();
  const std::size_t n = data.size();
  std::size_t i = 0;
  for (;;) {
    std::string& cell = cells.back();
    if (i < n && data[i] == '"') {  // quoted part of the cell
      ++i;
      for (;;) {
        if (i >= n) {
          if (at_eof) {
            r.status = CsvSplit::kError;
            r.error = "unterminated quoted field";
            r.consumed = n;
          }
          return r;
        }
        const char* q = static_cast<const char*>(std::memchr(data.data() + i, '"', n - i));
        std::size_t end = q ? static_cast<std::size_t>(q - data.data()) : n;
        for (std::size_t k = i; k < end; ++k) r.lines += data[k] == '\n';
        cell.append(data.substr(i, end - i));
        i = end;
        if (i >= n) continue;
        if (i + 1 >= n && !at_eof) return r;  // "" or end of quotes? need more
        if (i + 1 < n && data[i + 1] == '"') {
          cell += '"';
          i += 2;
        } else {
          ++i;
          break;
        }
      }
    }
    // Unquoted text (or text after a closing quote, kept literally).
    std::size_t start = i;
    while (i < n && data[i] != ';' && data[i] != '\n' &&
           !(data[i] == '\r' && (i + 1 >= n || data[i + 1] == '\n')))
      ++i;
    cell.append(data.substr(start, i - start));
    if (i >= n) {
      if (!at_eof) return r;
      r.status = CsvSplit::kRecord;
      r.consumed = n;
      return r;
    }
    if (data[i] == ';') {
      ++i;
      cells.emplace_back();
      continue;
    }
    if (data[i] == '\r') {  // CR at the end of data or before LF
      if (i + 1 >= n && !at_eof) return r;
      ++i;
      if (i >= n) {
        r.status = CsvSplit::kRecord;
        r.consumed = n;
        return r;
      }
    }
    // data[i] == '\n'
    ++r.lines;
    r.status = CsvSplit::kRecord;
    r.consumed = i + 1;
    return r;
  }
}

// ---- DatasetScanner --------------------------------------------------------------

DatasetScanner::DatasetScanner(int fd, std::uint64_t offset, std::size_t line, std::size_t columns)
    : fd_(fd), offset_(offset), data_start_(offset), line_(line), columns_(columns) {}

bool DatasetScanner::ReadHeader(DatasetKind kind) {
  DatasetRecord rec;
  bool terminated = true;
  if (!NextRaw(rec, terminated)) return false;  // empty file (or read error)
  const std::string header = HeaderText(rec);
  const bool logins = kind == DatasetKind::kLogins;
  if (!rec.error && header == kCsvHeader && !logins) {
    columns_ = kEnrichedColumns;
  } else if (!rec.error && header == kLegacyCsvHeader && !logins) {
    columns_ = kLegacyColumns;
  } else if (!rec.error && header == kLoginsCsvHeader && logins) {
    columns_ = kLoginsDatasetColumns;
  } else if (!rec.error && (header == kLoginsCsvHeader || header == kCsvHeader)) {
    error_ = std::string("line 1: the ") + (logins ? "failures'" : "logins'") +
             " dataset, not the " + (logins ? "logins'" : "failures'");
    return false;
  } else {
    error_ = "line 1: not a maillogsentinel dataset (unexpected header)";
    return false;
  }
  data_start_ = rec.end_offset;
  return terminated;
}

bool DatasetScanner::Next(DatasetRecord& rec) {
  bool terminated = true;
  if (!NextRaw(rec, terminated) || !terminated) return false;
  if (rec.error) return true;
  if (rec.fields != columns_) {
    rec.error =
        "expected " + std::to_string(columns_) + " fields, got " + std::to_string(rec.fields);
    return true;
  }
  std::string_view date = rec.cells
                              ? std::string_view((*rec.cells)[kDTime])
                              : rec.text.substr(rec.semi[0] + 1, rec.semi[1] - rec.semi[0] - 1);
  if (!times_.Parse(CsvUnneutraliseView(date), rec.time, rec.legacy_date))
    rec.error = "date is neither ISO 8601 nor DD/MM/YYYY HH:MM";
  return true;
}

std::string_view DatasetScanner::Cell(const DatasetRecord& rec, std::size_t column) const {
  std::string_view c;
  if (rec.cells) {
    c = (*rec.cells)[column];
  } else if (column < 3) {
    const std::size_t start = column == 0 ? 0 : rec.semi[column - 1] + 1;
    c = rec.text.substr(start, rec.semi[column] - start);
  } else {
    std::string_view t = rec.text.substr(rec.semi[2] + 1);
    for (std::size_t i = 3; i < column; ++i) t.remove_prefix(t.find(';') + 1);
    c = t.substr(0, column + 1 < columns_ ? t.find(';') : t.size());
  }
  c = CsvUnneutraliseView(c);
  if (columns_ == kLegacyColumns && (c == "null" || c == "N/A")) return {};
  return c;
}

void DatasetScanner::Split(const DatasetRecord& rec, DatasetCells& r) const {
  r.c.fill(std::string_view());
  r.legacy_date = rec.legacy_date;
  if (rec.cells) {
    for (std::size_t i = 0; i < columns_; ++i) r.c[i] = CsvUnneutraliseView((*rec.cells)[i]);
  } else {
    std::string_view t = rec.text;
    for (std::size_t i = 0; i < columns_; ++i) {
      std::size_t semi = i + 1 < columns_ ? t.find(';') : t.size();
      r.c[i] = CsvUnneutraliseView(t.substr(0, semi));
      t.remove_prefix(std::min(t.size(), semi + 1));
    }
  }
  if (columns_ == kLegacyColumns) {  // the legacy file's "no value" cells
    for (std::string_view& c : r.c)
      if (c == "null" || c == "N/A") c = std::string_view();
  }
}

void DatasetScanner::ToEvent(const DatasetCells& r, std::vector<std::string>& fields) const {
  fields.assign(kEnrichedColumns, std::string());
  for (std::size_t i = 0; i < columns_; ++i) fields[kDatasetToCol[i]].assign(r.c[i]);
  if (r.legacy_date) fields[kTime].assign(times_.iso());
}

// False at the end of input (or of `limit`) and after a read error (error()).
// `terminated` false: the last bytes of the file, without LF.
bool DatasetScanner::NextRaw(DatasetRecord& rec, bool& terminated) {
  rec.error.reset();
  rec.cells = nullptr;
  rec.text = {};
  terminated = true;
  for (;;) {
    if (offset_ >= limit_) return false;
    const std::size_t avail = len_ - pos_;
    if (avail == 0) {
      if (eof_ || !Fill()) return false;
      continue;
    }
    const char* p = buf_.data() + pos_;
    Stop s = ScanToStop(p, avail);
    if (s.at < avail && p[s.at] == '\n') {
      std::size_t n = s.at;
      if (n > 0 && p[n - 1] == '\r') --n;
      rec.text = std::string_view(p, n);
      rec.fields = s.semicolons + 1;
      std::copy(std::begin(s.semi), std::end(s.semi), std::begin(rec.semi));
      Take(rec, s.at + 1, 1);
      return true;
    }
    if (s.at < avail) {  // a quote: the full RFC 4180 split
      CsvSplit sp = CsvSplitRecord(std::string_view(p, avail), eof_, cells_);
      if (sp.status == CsvSplit::kRecord && sp.lines > 1 && columns_ != 0 &&
          cells_.size() != columns_) {
        // A quote that opens a cell and never closes on its line: the record
        // would swallow the lines after it. Skip this line only, read on.
        const void* nl = std::memchr(p, '\n', avail);
        rec.error = "unbalanced quote: a record over lines " + std::to_string(line_) + "-" +
                    std::to_string(line_ + sp.lines - 1) + " would have " +
                    std::to_string(cells_.size()) + " fields, not " + std::to_string(columns_) +
                    "; reading on at line " + std::to_string(line_ + 1);
        rec.fields = 0;
        Take(rec, static_cast<std::size_t>(static_cast<const char*>(nl) - p) + 1, 1);
        return true;
      }
      if (sp.status == CsvSplit::kRecord) {
        rec.cells = &cells_;
        rec.fields = cells_.size();
        terminated = p[sp.consumed - 1] == '\n';
        Take(rec, sp.consumed, sp.lines);
        return true;
      }
      if (sp.status == CsvSplit::kError) {  // unterminated quote at the end of the file
        const void* nl = std::memchr(p, '\n', avail);
        if (nl == nullptr) {  // one unfinished line: an append in progress
          terminated = false;
          rec.fields = 0;
          Take(rec, avail, 0);
          return true;
        }
        rec.error = sp.error;  // skip one line and read on
        Take(rec, static_cast<std::size_t>(static_cast<const char*>(nl) - p) + 1, 1);
        return true;
      }
    } else if (eof_) {  // an unterminated last line
      rec.text = std::string_view(p, avail);
      rec.fields = s.semicolons + 1;
      terminated = false;
      Take(rec, avail, 0);
      return true;
    }
    if (avail >= kMaxRecord) return SkipOverlong(rec, terminated);
    if (!Fill()) return false;
  }
}

void DatasetScanner::Take(DatasetRecord& rec, std::size_t bytes, std::size_t lines) {
  rec.line = line_;
  line_ += lines;
  pos_ += bytes;
  offset_ += bytes;
  rec.end_offset = offset_;
}

bool DatasetScanner::SkipOverlong(DatasetRecord& rec, bool& terminated) {
  rec.error = "record longer than " + std::to_string(kMaxRecord) + " bytes";
  rec.fields = 0;
  rec.line = line_;
  for (;;) {
    const char* p = buf_.data() + pos_;
    const void* nl = std::memchr(p, '\n', len_ - pos_);
    if (nl != nullptr) {
      std::size_t bytes = static_cast<std::size_t>(static_cast<const char*>(nl) - p) + 1;
      pos_ += bytes;
      offset_ += bytes;
      ++line_;
      rec.end_offset = offset_;
      return true;
    }
    offset_ += len_ - pos_;
    pos_ = len_;
    rec.end_offset = offset_;
    if (eof_ || !Fill()) {
      terminated = false;
      return true;
    }
  }
}

bool DatasetScanner::Fill() {
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
    len_ -= pos_;
    pos_ = 0;
  }
  if (buf_.size() < len_ + kBlock) buf_.resize(len_ + kBlock);
  ssize_t got = ReadSome(fd_, buf_.data() + len_, kBlock);
  if (got < 0) {
    error_ = ErrnoMessage("read", errno);
    eof_ = true;
    return false;
  }
  if (got == 0) eof_ = true;
  len_ += static_cast<std::size_t>(got);
  return true;
}

}  // namespace mls
