#include "syslog_time.h"

#include <cstdlib>
#include <cstring>
#include <string>

namespace mls {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at text[pos]; returns -1 if they are not all digits.
int Digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) return -1;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (!IsDigit(c)) return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

bool ValidDate(int y, int mo, int d) {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= DaysInMonth(y == 0 ? 2000 : y, mo);
}

bool ValidClock(int h, int mi, int s) {
  return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

// "HH:MM:SS" at pos. `check`: also a clock that exists (else only the shape).
bool ParseClock(std::string_view text, std::size_t pos, HeaderTime& t, bool check) {
  if (pos + 8 > text.size() || text[pos + 2] != ':' || text[pos + 5] != ':') return false;
  t.hour = Digits(text, pos, 2);
  t.minute = Digits(text, pos + 3, 2);
  t.second = Digits(text, pos + 6, 2);
  if (t.hour < 0 || t.minute < 0 || t.second < 0) return false;
  return !check || ValidClock(t.hour, t.minute, t.second);
}

// Optional ".digits" at pos; returns the position after it.
std::size_t SkipFraction(std::string_view text, std::size_t pos) {
  if (pos < text.size() && text[pos] == '.' && pos + 1 < text.size() && IsDigit(text[pos + 1])) {
    ++pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
  }
  return pos;
}

// "Z", "+HH:MM", "+HHMM" (and "+HH" when allow_hours_only) at pos. Returns the
// length consumed, 0 when there is no valid offset.
std::size_t ParseOffset(std::string_view text, std::size_t pos, bool allow_hours_only,
                        int& minutes) {
  if (pos >= text.size()) return 0;
  char c = text[pos];
  if (c == 'Z' || c == 'z') {
    minutes = 0;
    return 1;
  }
  if (c != '+' && c != '-') return 0;
  int h = Digits(text, pos + 1, 2);
  if (h < 0 || h > 23) return 0;
  std::size_t len = 3;
  int m = -1;
  if (pos + 3 < text.size() && text[pos + 3] == ':') {
    m = Digits(text, pos + 4, 2);
    len = 6;
  } else {
    m = Digits(text, pos + 3, 2);
    len = 5;
  }
  if (m < 0) {
    if (!allow_hours_only) return 0;
    m = 0;
    len = 3;
  }
  if (m > 59) return 0;
  minutes = (h * 60 + m) * (c == '-' ? -1 : 1);
  return len;
}

// `check` (here and in ParseBsd): the date and clock must exist; without it
// only the shape counts (ImpossibleHeaderTimeLength).
std::size_t ParseRfc3339(std::string_view text, HeaderTime& t, bool check) {
  // YYYY-MM-DDTHH:MM:SS
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T') return 0;
  t.year = Digits(text, 0, 4);
  t.month = Digits(text, 5, 2);
  t.day = Digits(text, 8, 2);
  if (t.year < 0 || t.month < 0 || t.day < 0) return 0;
  if (check && !ValidDate(t.year, t.month, t.day)) return 0;
  if (!ParseClock(text, 11, t, check)) return 0;
  std::size_t pos = SkipFraction(text, 19);
  std::size_t off = ParseOffset(text, pos, false, t.offset_minutes);
  t.has_offset = off > 0;
  return pos + off;
}

constexpr char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

std::size_t ParseBsd(std::string_view text, HeaderTime& t, bool check) {
  // "Mmm dd HH:MM:SS", day as " 5", "05" or "5".
  if (text.size() < 14 || text[3] != ' ') return 0;
  t.month = 0;
  for (int m = 0; m < 12; ++m) {
    if (std::memcmp(text.data(), kMonths + 3 * m, 3) == 0) {
      t.month = m + 1;
      break;
    }
  }
  if (t.month == 0) return 0;
  std::size_t pos = 4;
  if (text[pos] == ' ') ++pos;  // space-padded day
  if (!IsDigit(text[pos])) return 0;
  t.day = text[pos++] - '0';
  if (pos < text.size() && IsDigit(text[pos]) && text[4] != ' ')
    t.day = t.day * 10 + (text[pos++] - '0');
  if (pos >= text.size() || text[pos] != ' ') return 0;
  ++pos;
  t.year = 0;
  if ((check && !ValidDate(0, t.month, t.day)) || !ParseClock(text, pos, t, check)) return 0;
  t.has_offset = false;
  t.offset_minutes = 0;
  return pos + 8;
}

void Put2(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10 % 10);
  p[1] = static_cast<char>('0' + v % 10);
}

std::int64_t CivilSeconds(int y, int mo, int d, int h, int mi, int s) {
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

}  // namespace

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12) return 0;
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// Howard Hinnant's days_from_civil.
std::int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::size_t ParseHeaderTime(std::string_view text, HeaderTime& out) {
  if (text.empty()) return 0;
  HeaderTime t;
  std::size_t n = IsDigit(text[0]) ? ParseRfc3339(text, t, true) : ParseBsd(text, t, true);
  if (n > 0) out = t;
  return n;
}

std::size_t ImpossibleHeaderTimeLength(std::string_view text) {
  if (text.empty()) return 0;
  HeaderTime t;
  if (IsDigit(text[0])) {
    return ParseRfc3339(text, t, true) > 0 ? 0 : ParseRfc3339(text, t, false);
  }
  return ParseBsd(text, t, true) > 0 ? 0 : ParseBsd(text, t, false);
}

std::optional<std::time_t> ParseIso8601Instant(std::string_view text) {
  if (!text.empty() && text[0] == '@') {
    std::int64_t v = 0;
    bool neg = text.size() > 1 && text[1] == '-';
    std::size_t i = neg ? 2 : 1;
    if (i >= text.size() || text.size() - i > 15) return std::nullopt;
    for (; i < text.size(); ++i) {
      if (!IsDigit(text[i])) return std::nullopt;
      v = v * 10 + (text[i] - '0');
    }
    return static_cast<std::time_t>(neg ? -v : v);
  }
  HeaderTime t;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  t.year = Digits(text, 0, 4);
  t.month = Digits(text, 5, 2);
  t.day = Digits(text, 8, 2);
  if (t.year < 0 || !ValidDate(t.year, t.month, t.day)) return std::nullopt;
  std::size_t pos = 10;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    if (pos + 6 > text.size() || text[pos + 3] != ':') return std::nullopt;
    t.hour = Digits(text, pos + 1, 2);
    t.minute = Digits(text, pos + 4, 2);
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      t.second = Digits(text, pos + 1, 2);
      pos = SkipFraction(text, pos + 3);
    }
    if (!ValidClock(t.hour, t.minute, t.second)) return std::nullopt;
  }
  std::size_t off = ParseOffset(text, pos, true, t.offset_minutes);
  if (pos + off != text.size()) return std::nullopt;
  if (off > 0) {
    return static_cast<std::time_t>(
        CivilSeconds(t.year, t.month, t.day, t.hour, t.minute, t.second) -
        std::int64_t{t.offset_minutes} * 60);
  }
  std::tm tm{};
  tm.tm_year = t.year - 1900;
  tm.tm_mon = t.month - 1;
  tm.tm_mday = t.day;
  tm.tm_hour = t.hour;
  tm.tm_min = t.minute;
  tm.tm_sec = t.second;
  tm.tm_isdst = -1;
  return std::mktime(&tm);
}

TimeResolver::TimeResolver(std::time_t reference) {
  tzset();  // localtime_r(3) need not look at TZ by itself
  std::tm tm{};
  localtime_r(&reference, &tm);
  reference_year_ = tm.tm_year + 1900;
  reference_local_ =
      CivilSeconds(reference_year_, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int TimeResolver::InferYear(const HeaderTime& t) const {
  // Nine candidates always include a leap year for "Feb 29".
  for (int y = reference_year_ + 1; y >= reference_year_ - 8; --y) {
    if (t.month == 2 && t.day == 29 && !IsLeapYear(y)) continue;
    if (CivilSeconds(y, t.month, t.day, t.hour, t.minute, t.second) <= reference_local_ + 86400) {
      return y;
    }
  }
  return reference_year_;
}

namespace {

// The UTC offset (seconds east) in force at `utc`, 0 if the C library cannot say.
long GmtOffsetAt(std::int64_t utc) {
  const std::time_t t = static_cast<std::time_t>(utc);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return 0;
  return tm.tm_gmtoff;
}

// No zone is further than this from UTC (tzdata: -12:00 to +14:00; LMT more).
constexpr std::int64_t kMaxOffsetSeconds = 16 * 3600;

}  // namespace

int TimeResolver::UtcOffsetMinutes(int year, const HeaderTime& t) {
  const std::int64_t day = year == date_year_ && t.month == date_month_ && t.day == date_day_
                               ? date_days_
                               : DaysFromCivil(year, t.month, t.day);
  const std::int64_t local = day * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
  if (day != cached_day_) {
    // Every instant whose local date is `day` lies between these two: if
    // the offset is the same at both, it is the day's offset (two changes
    // within three days, cancelling out, are not a thing zones do).
    cached_day_ = day;
    fits_minute_ = INT64_MIN;
    day_offset_ = GmtOffsetAt(day * 86400 - kMaxOffsetSeconds);
    day_offset_after_ = GmtOffsetAt((day + 1) * 86400 + kMaxOffsetSeconds);
    day_near_change_ = day_offset_ != day_offset_after_;
  }
  if (!day_near_change_) {
    fold_day_ = INT64_MIN;
    return static_cast<int>(day_offset_ / 60);
  }
  return static_cast<int>(OffsetNearChange(day, local) / 60);
}

// `local` (civil seconds) on a day near an offset change: each offset is a
// solution if the instant it gives has that offset.
long TimeResolver::OffsetNearChange(std::int64_t day, std::int64_t local) {
  const long before = day_offset_;
  const long after = day_offset_after_;
  // Changes happen on whole minutes: the answer holds for the whole minute.
  const std::int64_t minute = (local >= 0 ? local : local - 59) / 60;
  if (minute != fits_minute_) {
    fits_minute_ = minute;
    before_fits_ = GmtOffsetAt(local - before) == before;
    after_fits_ = GmtOffsetAt(local - after) == after;
  }
  const bool before_fits = before_fits_;
  const bool after_fits = after_fits_;
  if (before_fits != after_fits || !before_fits) {
    // One solution, or none (the hour skipped by a change): the offset
    // before the change, as for the minutes before the gap.
    fold_day_ = INT64_MIN;
    return after_fits ? after : before;
  }
  // The repeated hour: the larger offset is the first occurrence.
  const long first = before > after ? before : after;
  const long second = before > after ? after : before;
  if (fold_day_ != day) {
    fold_day_ = day;
    fold_latest_ = local;
    fold_second_ = false;
  } else if (!fold_second_) {
    if (local < fold_latest_ - kFoldStepBackSeconds) {
      fold_second_ = true;
    } else if (local > fold_latest_) {
      fold_latest_ = local;
    }
  }
  return fold_second_ ? second : first;
}

void TimeResolver::Format(const HeaderTime& t, char* out) {
  // Lines come in runs of one date: its year and day number are kept. A
  // year-less date keeps its year only if the whole day infers the same one.
  if (t.year != date_stamp_year_ || t.month != date_month_ || t.day != date_day_) {
    HeaderTime first = t;
    first.hour = first.minute = first.second = 0;
    HeaderTime last = first;
    last.hour = 24;  // past any second of the day (a leap second included)
    date_stamp_year_ = t.year;
    date_month_ = t.month;
    date_day_ = t.day;
    date_year_ = t.year != 0 ? t.year : InferYear(first);
    if (t.year == 0 && InferYear(last) != date_year_) date_stamp_year_ = -1;  // not kept
    date_days_ = DaysFromCivil(date_year_, t.month, t.day);
  }
  const int year = date_stamp_year_ == t.year ? date_year_ : InferYear(t);
  const int offset = t.has_offset ? t.offset_minutes : UtcOffsetMinutes(year, t);
  Put2(out, year / 100);
  Put2(out + 2, year % 100);
  out[4] = '-';
  Put2(out + 5, t.month);
  out[7] = '-';
  Put2(out + 8, t.day);
  out[10] = 'T';
  Put2(out + 11, t.hour);
  out[13] = ':';
  Put2(out + 14, t.minute);
  out[16] = ':';
  Put2(out + 17, t.second);
  const int abs_offset = offset < 0 ? -offset : offset;
  out[19] = offset < 0 ? '-' : '+';
  Put2(out + 20, abs_offset / 60);
  out[22] = ':';
  Put2(out + 23, abs_offset % 60);
}

}  // namespace mls
