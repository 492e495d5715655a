#pragma once
// Syslog header timestamps: parsing the three shapes mls-parse accepts, year
// inference for year-less stamps, local-time conversion (TZ) and ISO 8601 output.
//
//   BSD (RFC 3164)          "Nov  5 20:18:08", "Nov 05 20:18:08", "Nov 5 20:18:08"
//   RFC 3339 (rsyslog)      "2026-11-25T20:18:36.019216+00:00", "...Z"
//   journalctl short-iso    "2026-11-25T20:18:08+0000" (and -precise, with fraction)

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

namespace mls {

// A header timestamp as written in the log. year == 0: the stamp had no year.
// has_offset == false: local time (BSD stamps), to be converted with TZ.
struct HeaderTime {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;    // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;  // 0..60
  bool has_offset = false;
  int offset_minutes = 0;  // east of UTC
};

// Parses a timestamp at the very start of `text`. On success returns the number
// of bytes it spans (the following byte is not examined) and fills `out`.
// Fractional seconds are accepted and dropped. Returns 0 if there is none.
std::size_t ParseHeaderTime(std::string_view text, HeaderTime& out);

// The length of a stamp at the start of `text` that has the shape of one of
// the formats above but names a date or clock that does not exist ("Dec 32",
// "Feb 30", "2026-02-29", "25:00:00", minute 60); 0 when there is none (no
// stamp at all, or one that ParseHeaderTime accepts).
std::size_t ImpossibleHeaderTimeLength(std::string_view text);

// Parses an ISO 8601 instant for --reference-time: "YYYY-MM-DD", optionally
// followed by "THH:MM[:SS[.frac]]" (or a space instead of T) and "Z" or an
// offset ("+HH:MM", "+HHMM", "+HH"); "@SECONDS" is epoch seconds. Without an
// offset the time is local (TZ). The whole string must be consumed.
std::optional<std::time_t> ParseIso8601Instant(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t DaysFromCivil(int year, int month, int day);
bool IsLeapYear(int year);
int DaysInMonth(int year, int month);

// Length of the ISO 8601 text TimeResolver writes: "2026-11-25T20:18:08+00:00".
inline constexpr std::size_t kIsoTimeLength = 25;

// How far back (seconds) a stamp in the repeated hour must step behind the
// latest one of that hour to be taken for its second occurrence: smaller
// steps are lines logged slightly out of order.
inline constexpr int kFoldStepBackSeconds = 60;

// Turns header timestamps into ISO 8601 text with a numeric offset. Year-less
// stamps get the latest year that does not put them more than one day after
// the reference time; offset-less stamps are local time in the C library's
// time zone (TZ). A local day with no change of UTC offset near it costs two
// localtime_r(3) calls, once; the days around a change two per distinct minute.
//
// One TimeResolver reads one stream, in order: in the hour repeated when the
// offset goes back (end of daylight saving time), a stamp more than
// kFoldStepBackSeconds earlier than the latest stamp of that hour starts its
// second occurrence (the later offset) until a stamp outside the hour is seen;
// until such a step back, stamps in the hour are its first occurrence. In an
// hour skipped by a change, the offset before the change is used.
class TimeResolver {
 public:
  explicit TimeResolver(std::time_t reference);

  // Writes exactly kIsoTimeLength bytes to `out`. Not const: a stamp without
  // an offset moves the stream state described above.
  void Format(const HeaderTime& t, char* out);

  // The year chosen for a year-less stamp (exposed for tests).
  int InferYear(const HeaderTime& t) const;

 private:
  int UtcOffsetMinutes(int year, const HeaderTime& t);
  long OffsetNearChange(std::int64_t day, std::int64_t local);  // seconds

  std::int64_t reference_local_;  // reference as local civil seconds
  // The last date formatted: its stamp's year (0 when year-less; -1 when its
  // year depends on the time of day), month and day, its year and day number.
  int date_stamp_year_ = -1;
  int date_month_ = 0;
  int date_day_ = 0;
  int date_year_ = 0;
  std::int64_t date_days_ = 0;
  int reference_year_;
  // The local day (days since 1970-01-01) the following describe.
  std::int64_t cached_day_ = INT64_MIN;
  bool day_near_change_ = false;  // the offset changes within reach of the day
  long day_offset_ = 0;           // seconds east: the day's (before the change)
  long day_offset_after_ = 0;     // after the change
  // Near a change: which of the two offsets fit the local minute fits_minute_.
  std::int64_t fits_minute_ = INT64_MIN;
  bool before_fits_ = false;
  bool after_fits_ = false;
  // The repeated hour being read: its local day (INT64_MIN: none), the latest
  // local second seen in its first occurrence, and whether the second began.
  std::int64_t fold_day_ = INT64_MIN;
  std::int64_t fold_latest_ = 0;
  bool fold_second_ = false;
};

}  // namespace mls
