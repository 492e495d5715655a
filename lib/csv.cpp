#include "csv.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "diag.h"
#include "event.h"

namespace mls {
namespace {

bool NeedsNeutralising(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' || c == '\'';
}

bool IsDigits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

int Num(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool ValidClock(int month, int day, int hour, int minute) {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59;
}

std::vector<std::string> SplitHeader(std::string_view h) {
  std::vector<std::string> out(1);
  for (char c : h) {
    if (c == ';')
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

}  // namespace

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

void CsvAppendEvent(const std::vector<std::string>& fields, std::string& out) {
  static const std::string kEmpty;
  for (std::size_t i = 0; i < kDatasetToCol.size(); ++i) {
    if (i > 0) out += ';';
    std::size_t col = kDatasetToCol[i];
    CsvAppendCell(col < fields.size() ? fields[col] : kEmpty, out);
  }
  out += '\n';
}

std::string_view CsvUnneutraliseView(std::string_view cell) {
  if (cell.size() >= 2 && cell[0] == '\'' && NeedsNeutralising(cell[1])) cell.remove_prefix(1);
  return cell;
}

std::string CsvUnneutralise(std::string_view cell) { return std::string(CsvUnneutraliseView(cell)); }

bool IsIsoTime(std::string_view s) {
  // 2026-11-25T20:18:08[.123456](Z|+01:00)
  if (s.size() < 20 || !IsDigits(s, 0, 4) || s[4] != '-' || !IsDigits(s, 5, 2) || s[7] != '-' ||
      !IsDigits(s, 8, 2) || s[10] != 'T' || !IsDigits(s, 11, 2) || s[13] != ':' ||
      !IsDigits(s, 14, 2) || s[16] != ':' || !IsDigits(s, 17, 2))
    return false;
  if (!ValidClock(Num(s, 5, 2), Num(s, 8, 2), Num(s, 11, 2), Num(s, 14, 2)) || Num(s, 17, 2) > 60)
    return false;
  std::size_t i = 19;
  if (s[i] == '.') {
    std::size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
  }
  std::string_view zone = s.substr(i);
  if (zone == "Z") return true;
  return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && IsDigits(zone, 1, 2) &&
         zone[3] == ':' && IsDigits(zone, 4, 2) && Num(zone, 1, 2) <= 23 && Num(zone, 4, 2) <= 59;
}

std::optional<std::string> LegacyDateToIso(std::string_view s) {
  // DD/MM/YYYY HH:MM
  if (s.size() != 16 || !IsDigits(s, 0, 2) || s[2] != '/' || !IsDigits(s, 3, 2) || s[5] != '/' ||
      !IsDigits(s, 6, 4) || s[10] != ' ' || !IsDigits(s, 11, 2) || s[13] != ':' ||
      !IsDigits(s, 14, 2))
    return std::nullopt;
  if (!ValidClock(Num(s, 3, 2), Num(s, 0, 2), Num(s, 11, 2), Num(s, 14, 2))) return std::nullopt;
  std::string out;
  out.reserve(19);
  out.append(s.substr(6, 4)).append("-").append(s.substr(3, 2)).append("-");
  out.append(s.substr(0, 2)).append("T").append(s.substr(11, 5)).append(":00");
  return out;
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

// ---- CsvReader --------------------------------------------------------------

CsvReader::CsvReader(int fd, std::size_t max_record) : fd_(fd), max_record_(max_record) {}

bool CsvReader::Fill() {
  buf_.erase(0, pos_);
  pos_ = 0;
  std::size_t want = std::max<std::size_t>(std::size_t{256} << 10, buf_.size());
  std::size_t old = buf_.size();
  buf_.resize(old + want);
  for (;;) {
    ssize_t got = ::read(fd_, buf_.data() + old, want);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      buf_.resize(old);
      return false;
    }
    buf_.resize(old + static_cast<std::size_t>(got));
    if (got == 0) eof_ = true;
    return true;
  }
}

bool CsvReader::Next(std::vector<std::string>& cells, std::optional<std::string>& error) {
  error.reset();
  for (;;) {
    if (pos_ < buf_.size() || eof_) {
      if (pos_ >= buf_.size()) return false;
      CsvSplit s = CsvSplitRecord(std::string_view(buf_).substr(pos_), eof_, cells);
      if (s.status != CsvSplit::kIncomplete) {
        record_line_ = next_line_;
        next_line_ += s.lines;
        pos_ += s.consumed;
        consumed_ += s.consumed;
        if (s.status == CsvSplit::kError) error = s.error;
        if (s.consumed > max_record_)
          error = "record longer than " + std::to_string(max_record_) + " bytes";
        return true;
      }
      if (buf_.size() - pos_ >= max_record_) {  // overlong: skip to the next LF
        record_line_ = next_line_;
        error = "record longer than " + std::to_string(max_record_) + " bytes";
        for (;;) {
          const char* nl =
              static_cast<const char*>(std::memchr(buf_.data() + pos_, '\n', buf_.size() - pos_));
          if (nl) {
            std::size_t end = static_cast<std::size_t>(nl - buf_.data()) + 1;
            consumed_ += end - pos_;
            pos_ = end;
            ++next_line_;
            return true;
          }
          consumed_ += buf_.size() - pos_;
          pos_ = buf_.size();
          if (eof_) return true;
          if (!Fill()) return true;
        }
      }
    }
    if (!Fill()) {
      error = ErrnoMessage("read", errno);
      eof_ = true;
      pos_ = buf_.size();
      return false;
    }
  }
}

// ---- DatasetReader ----------------------------------------------------------

bool DatasetReader::ReadHeader() {
  header_done_ = true;
  std::optional<std::string> err;
  if (!csv_.Next(cells_, err)) {
    if (err) fatal_ = *err;
    return false;  // empty file: no rows
  }
  if (!err && cells_ == SplitHeader(kCsvHeader)) {
    columns_ = kEnrichedColumns;
  } else if (!err && cells_ == SplitHeader(kLegacyCsvHeader)) {
    columns_ = 9;
    legacy_header_ = true;
  } else {
    fatal_ = "line 1: not a maillogsentinel dataset (unexpected header)";
    return false;
  }
  return true;
}

bool DatasetReader::Next(DatasetRow& row) {
  if (fatal_) return false;
  if (!header_done_ && !ReadHeader()) return false;
  std::optional<std::string> err;
  if (!csv_.Next(cells_, err)) {
    if (err) fatal_ = *err;
    return false;
  }
  row.line = csv_.line();
  row.end_offset = start_ + csv_.offset();
  row.legacy = false;
  row.error.reset();
  row.fields.assign(kEnrichedColumns, std::string());
  auto fail = [&](const std::string& msg) {
    row.error = "line " + std::to_string(row.line) + ": " + msg;
    return true;
  };
  if (err) return fail(*err);
  if (cells_.size() != columns_)
    return fail("expected " + std::to_string(columns_) + " fields, got " +
                std::to_string(cells_.size()));
  for (std::size_t i = 0; i < columns_; ++i)
    row.fields[kDatasetToCol[i]] = CsvUnneutralise(cells_[i]);
  std::string& time = row.fields[kTime];
  if (auto iso = LegacyDateToIso(time)) {
    row.legacy = true;
    time = *iso;
    for (std::string& f : row.fields)
      if (f == "null" || f == "N/A") f.clear();
  } else if (!IsIsoTime(time)) {
    return fail("date is neither ISO 8601 nor DD/MM/YYYY HH:MM");
  }
  return true;
}

}  // namespace mls
