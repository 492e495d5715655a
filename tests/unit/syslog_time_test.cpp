#include "syslog_time.h"
#include "tz_scope.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace mls {
namespace {

std::time_t Utc(int y, int mo, int d, int h, int mi, int s) {
  return static_cast<std::time_t>(DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s);
}

std::string Iso(TimeResolver& r, std::string_view stamp) {
  HeaderTime t;
  if (ParseHeaderTime(stamp, t) == 0) return "<no stamp>";
  char out[kIsoTimeLength];
  r.Format(t, out);
  return std::string(out, sizeof out);
}

TEST(SyslogTime, DaysFromCivilKnownDates) {
  EXPECT_EQ(0, DaysFromCivil(1970, 1, 1));
  EXPECT_EQ(-1, DaysFromCivil(1969, 12, 31));
  EXPECT_EQ(11017, DaysFromCivil(2000, 3, 1));
  EXPECT_EQ(20416, DaysFromCivil(2025, 11, 24));
}

TEST(SyslogTime, LeapYears) {
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_FALSE(IsLeapYear(2100));
  EXPECT_FALSE(IsLeapYear(2026));
  EXPECT_EQ(29, DaysInMonth(2024, 2));
  EXPECT_EQ(28, DaysInMonth(2026, 2));
  EXPECT_EQ(0, DaysInMonth(2026, 13));
}

TEST(SyslogTime, ParsesBsdStampsWithAnyDayPadding) {
  struct Row {
    std::string_view text;
    int day;
    std::size_t length;
  };
  for (const Row& row : {Row{"Nov  5 20:18:08 host", 5, 15}, Row{"Nov 05 20:18:08 host", 5, 15},
                         Row{"Nov 5 20:18:08 host", 5, 14}, Row{"Nov 25 20:18:08", 25, 15}}) {
    HeaderTime t;
    EXPECT_EQ(row.length, ParseHeaderTime(row.text, t)) << row.text;
    EXPECT_EQ(0, t.year);
    EXPECT_EQ(11, t.month);
    EXPECT_EQ(row.day, t.day);
    EXPECT_EQ(20, t.hour);
    EXPECT_EQ(18, t.minute);
    EXPECT_EQ(8, t.second);
    EXPECT_FALSE(t.has_offset);
  }
}

TEST(SyslogTime, RejectsMalformedBsdStamps) {
  for (std::string_view text :
       {"", "Nov", "Nov 25", "Nov 25 20:18", "Nov 25 20:18:0", "Xyz 25 20:18:08 ", "NOV 25 20:18:08 ",
        "Nov  25 20:18:08 ", "Nov 32 20:18:08 ", "Feb 30 20:18:08 ", "Nov 25 2O:18:08 ",
        "Nov 25 20-18-08 ", "Nov 25 20:18:61 ", "Nov\t25 20:18:08 "}) {
    HeaderTime t;
    EXPECT_EQ(0u, ParseHeaderTime(text, t)) << text;
  }
}

TEST(SyslogTime, ParsesRfc3339AndJournalStamps) {
  struct Row {
    std::string_view text;
    std::size_t length;
    int offset;
  };
  for (const Row& row : {Row{"2026-11-25T20:18:36.019216+00:00 vm", 32, 0},
                         Row{"2026-11-25T20:18:36Z vm", 20, 0},
                         Row{"2026-11-25T20:18:36.150Z", 24, 0},
                         Row{"2026-11-25T20:18:36+0100 vm", 24, 60},
                         Row{"2026-11-25T20:18:36.123456-0330 vm", 31, -210},
                         Row{"2026-11-25T20:18:36+05:45", 25, 345}}) {
    HeaderTime t;
    EXPECT_EQ(row.length, ParseHeaderTime(row.text, t)) << row.text;
    EXPECT_EQ(2026, t.year);
    EXPECT_EQ(36, t.second);
    EXPECT_TRUE(t.has_offset) << row.text;
    EXPECT_EQ(row.offset, t.offset_minutes) << row.text;
  }
  HeaderTime local;
  EXPECT_EQ(19u, ParseHeaderTime("2026-11-25T20:18:36 vm", local));
  EXPECT_FALSE(local.has_offset);
}

TEST(SyslogTime, RejectsMalformedRfc3339Stamps) {
  for (std::string_view text : {"2026-11-25 20:18:36+00:00", "2026-13-25T20:18:36Z",
                                "2026-02-29T20:18:36Z", "26-11-25T20:18:36Z", "2026-11-25T20:18Z",
                                "2026-11-25T24:00:00Z"}) {
    HeaderTime t;
    EXPECT_EQ(0u, ParseHeaderTime(text, t)) << text;
  }
  // A malformed offset is not part of the stamp (the caller then sees junk).
  HeaderTime t;
  EXPECT_EQ(19u, ParseHeaderTime("2026-11-25T20:18:36+2", t));
  EXPECT_FALSE(t.has_offset);
}

TEST(SyslogTime, ParsesReferenceTimes) {
  TzScope tz("UTC");
  EXPECT_EQ(Utc(2026, 11, 25, 20, 18, 8), ParseIso8601Instant("2026-11-25T20:18:08Z"));
  EXPECT_EQ(Utc(2026, 11, 25, 19, 18, 8), ParseIso8601Instant("2026-11-25T20:18:08+01:00"));
  EXPECT_EQ(Utc(2026, 11, 25, 19, 18, 8), ParseIso8601Instant("2026-11-25T20:18:08+0100"));
  EXPECT_EQ(Utc(2026, 11, 25, 19, 18, 8), ParseIso8601Instant("2026-11-25T20:18:08+01"));
  EXPECT_EQ(Utc(2026, 11, 25, 20, 18, 8), ParseIso8601Instant("2026-11-25T20:18:08.75Z"));
  EXPECT_EQ(Utc(2026, 11, 25, 20, 18, 0), ParseIso8601Instant("2026-11-25T20:18Z"));
  EXPECT_EQ(Utc(2026, 11, 25, 20, 18, 8), ParseIso8601Instant("2026-11-25 20:18:08"));
  EXPECT_EQ(Utc(2026, 11, 25, 0, 0, 0), ParseIso8601Instant("2026-11-25"));
  EXPECT_EQ(std::time_t{1764000000}, ParseIso8601Instant("@1764000000"));
  EXPECT_EQ(std::time_t{-5}, ParseIso8601Instant("@-5"));
  for (std::string_view bad : {"", "now", "2026-11-25T", "2026-11-25T20", "2026-11-25T20:18:08+01:00x",
                               "2026-11-31", "@", "@12a", "2026-11-25T20:18:08 Z"}) {
    EXPECT_EQ(std::nullopt, ParseIso8601Instant(bad)) << bad;
  }
}

TEST(SyslogTime, LocalReferenceTimeFollowsTz) {
  TzScope tz("Europe/Paris");
  EXPECT_EQ(Utc(2026, 11, 25, 19, 18, 8), ParseIso8601Instant("2026-11-25T20:18:08"));
  EXPECT_EQ(Utc(2026, 7, 1, 10, 0, 0), ParseIso8601Instant("2026-07-01T12:00:00"));
}

TEST(SyslogTime, FormatsWithNumericOffsets) {
  TzScope tz("UTC");
  TimeResolver r(Utc(2026, 11, 26, 12, 0, 0));
  EXPECT_EQ("2026-11-25T20:18:08+00:00", Iso(r, "2026-11-25T20:18:08.5Z"));
  EXPECT_EQ("2026-11-25T20:18:08+01:00", Iso(r, "2026-11-25T20:18:08+0100"));
  EXPECT_EQ("2026-11-25T20:18:08-09:30", Iso(r, "2026-11-25T20:18:08-09:30"));
  EXPECT_EQ("2026-11-05T20:18:08+00:00", Iso(r, "Nov  5 20:18:08"));
  EXPECT_EQ("0999-01-02T03:04:05+00:00", Iso(r, "0999-01-02T03:04:05Z"));
}

TEST(SyslogTime, InfersTheLatestYearNotMoreThanADayAhead) {
  TzScope tz("UTC");
  TimeResolver r(Utc(2027, 1, 1, 0, 30, 0));
  EXPECT_EQ("2026-12-31T23:59:59+00:00", Iso(r, "Dec 31 23:59:59"));
  EXPECT_EQ("2027-01-01T00:00:01+00:00", Iso(r, "Jan  1 00:00:01"));
  EXPECT_EQ("2027-01-02T00:30:00+00:00", Iso(r, "Jan  2 00:30:00"));
  EXPECT_EQ("2026-01-02T00:30:01+00:00", Iso(r, "Jan  2 00:30:01"));
  EXPECT_EQ("2024-02-29T00:00:00+00:00", Iso(r, "Feb 29 00:00:00"));
  TimeResolver before_new_year(Utc(2026, 12, 31, 23, 0, 0));
  EXPECT_EQ("2027-01-01T00:05:00+00:00", Iso(before_new_year, "Jan  1 00:05:00"));
  EXPECT_EQ("2026-12-31T22:59:00+00:00", Iso(before_new_year, "Dec 31 22:59:00"));
}

TEST(SyslogTime, BsdStampsAreLocalTimeInTz) {
  TzScope tz("America/New_York");
  TimeResolver r(Utc(2026, 11, 26, 12, 0, 0));
  EXPECT_EQ("2026-01-15T08:00:00-05:00", Iso(r, "Jan 15 08:00:00"));
  EXPECT_EQ("2026-06-15T08:00:00-04:00", Iso(r, "Jun 15 08:00:00"));
  // The per-minute cache must not leak an offset across a DST change.
  EXPECT_EQ("2026-11-01T00:59:59-04:00", Iso(r, "Nov  1 00:59:59"));
  EXPECT_EQ("2026-11-01T03:00:00-05:00", Iso(r, "Nov  1 03:00:00"));
  EXPECT_EQ("2026-03-08T01:59:00-05:00", Iso(r, "Mar  8 01:59:00"));
  EXPECT_EQ("2026-03-08T03:00:00-04:00", Iso(r, "Mar  8 03:00:00"));
  // Same minute again: served from the cache, same answer.
  EXPECT_EQ("2026-03-08T03:00:59-04:00", Iso(r, "Mar  8 03:00:59"));
}

TEST(SyslogTime, YearInferenceUsesTheLocalReferenceDate) {
  // 2027-01-01T03:00Z is still Dec 31 in New York: a Jan 2 stamp is 2026's.
  TzScope tz("America/New_York");
  TimeResolver r(Utc(2027, 1, 1, 3, 0, 0));
  EXPECT_EQ("2026-12-31T21:00:00-05:00", Iso(r, "Dec 31 21:00:00"));
  EXPECT_EQ("2027-01-01T21:00:00-05:00", Iso(r, "Jan  1 21:00:00"));
  EXPECT_EQ("2026-01-02T23:00:00-05:00", Iso(r, "Jan  2 23:00:00"));
}

}  // namespace
}  // namespace mls
