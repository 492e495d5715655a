#include "syslog_time.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "tz_scope.h"

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
       {"", "Nov", "Nov 25", "Nov 25 20:18", "Nov 25 20:18:0", "Xyz 25 20:18:08 ",
        "NOV 25 20:18:08 ", "Nov  25 20:18:08 ", "Nov 32 20:18:08 ", "Feb 30 20:18:08 ",
        "Nov 25 2O:18:08 ", "Nov 25 20-18-08 ", "Nov 25 20:18:61 ", "Nov\t25 20:18:08 "}) {
    HeaderTime t;
    EXPECT_EQ(0u, ParseHeaderTime(text, t)) << text;
  }
}

TEST(SyslogTime, TellsImpossibleStampsFromNoStamp) {
  struct Row {
    std::string_view text;
    std::size_t length;  // 0: not an impossible stamp
  };
  for (const Row& row :
       {Row{"Dec 32 10:00:00 host", 15}, Row{"Feb 30 10:00:00", 15}, Row{"Nov  0 10:00:00", 15},
        Row{"Nov 00 10:00:00", 15}, Row{"Nov 25 25:00:00", 15}, Row{"Nov 25 24:00:00", 15},
        Row{"Nov 25 20:60:08", 15}, Row{"Nov 25 20:18:61", 15}, Row{"Nov 5 99:99:99 x", 14},
        Row{"2026-02-29T20:18:36Z vm", 20}, Row{"2026-13-01T00:00:00+01:00", 25},
        Row{"2026-11-25T24:00:00.5+0100", 26}, Row{"2026-04-31T10:00:00 vm", 19},
        // Real times are not impossible; so is what is no stamp at all.
        Row{"Nov 25 20:18:08 host", 0}, Row{"Feb 29 10:00:00", 0}, Row{"Nov 25 20:18:60", 0},
        Row{"2024-02-29T20:18:36Z", 0}, Row{"Foo 32 10:00:00", 0}, Row{"Nov 25 20:18", 0},
        Row{"Nov  25 20:18:08", 0}, Row{"Nov 25 2O:18:08", 0}, Row{"2026-1x-01T00:00:00Z", 0},
        Row{"", 0}, Row{"Dec 32", 0}}) {
    EXPECT_EQ(row.length, ImpossibleHeaderTimeLength(row.text)) << row.text;
    HeaderTime t;
    if (row.length > 0) {
      EXPECT_EQ(0u, ParseHeaderTime(row.text, t)) << row.text;
    }
  }
}

TEST(SyslogTime, ParsesRfc3339AndJournalStamps) {
  struct Row {
    std::string_view text;
    std::size_t length;
    int offset;
  };
  for (const Row& row :
       {Row{"2026-11-25T20:18:36.019216+00:00 vm", 32, 0}, Row{"2026-11-25T20:18:36Z vm", 20, 0},
        Row{"2026-11-25T20:18:36.150Z", 24, 0}, Row{"2026-11-25T20:18:36+0100 vm", 24, 60},
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
  for (std::string_view text :
       {"2026-11-25 20:18:36+00:00", "2026-13-25T20:18:36Z", "2026-02-29T20:18:36Z",
        "26-11-25T20:18:36Z", "2026-11-25T20:18Z", "2026-11-25T24:00:00Z"}) {
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
  for (std::string_view bad :
       {"", "now", "2026-11-25T", "2026-11-25T20", "2026-11-25T20:18:08+01:00x", "2026-11-31", "@",
        "@12a", "2026-11-25T20:18:08 Z"}) {
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
  // The same date again, each side of the limit: no year kept for the date.
  EXPECT_EQ("2027-01-02T00:29:59+00:00", Iso(r, "Jan  2 00:29:59"));
  EXPECT_EQ("2026-01-02T23:00:00+00:00", Iso(r, "Jan  2 23:00:00"));
  EXPECT_EQ("2027-01-02T00:00:00+00:00", Iso(r, "Jan  2 00:00:00"));
  EXPECT_EQ("2026-01-03T00:00:00+00:00", Iso(r, "Jan  3 00:00:00"));
  EXPECT_EQ("2027-01-01T23:59:60+00:00", Iso(r, "Jan  1 23:59:60"));
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
  // The per-day cache must not leak an offset across a DST change.
  EXPECT_EQ("2026-11-01T00:59:59-04:00", Iso(r, "Nov  1 00:59:59"));
  EXPECT_EQ("2026-11-01T03:00:00-05:00", Iso(r, "Nov  1 03:00:00"));
  EXPECT_EQ("2026-03-08T01:59:00-05:00", Iso(r, "Mar  8 01:59:00"));
  EXPECT_EQ("2026-03-08T03:00:00-04:00", Iso(r, "Mar  8 03:00:00"));
  // Same day again: served from the cache, same answer.
  EXPECT_EQ("2026-03-08T03:00:59-04:00", Iso(r, "Mar  8 03:00:59"));
}

// The offsets TimeResolver gives to `stamps`, read in this order as one stream.
std::vector<std::string> Stream(TimeResolver& r, const std::vector<std::string_view>& stamps) {
  std::vector<std::string> out;
  for (std::string_view s : stamps) out.push_back(Iso(r, s));
  return out;
}

// ISO text with a numeric offset -> seconds since the epoch.
std::time_t Instant(const std::string& iso) { return *ParseIso8601Instant(iso); }

TEST(SyslogTime, RepeatedHourStepBackStartsTheSecondOccurrence) {
  TzScope tz("Europe/Paris");  // 2026-10-25 03:00 CEST -> 02:00 CET
  TimeResolver r(Utc(2026, 12, 1, 0, 0, 0));
  const std::vector<std::string> got =
      Stream(r, {"Oct 25 01:50:00", "Oct 25 02:10:00", "Oct 25 02:50:00", "Oct 25 02:59:59",
                 "Oct 25 02:00:00", "Oct 25 02:10:00", "Oct 25 02:59:59", "Oct 25 03:00:00"});
  const std::vector<std::string> want = {"2026-10-25T01:50:00+02:00", "2026-10-25T02:10:00+02:00",
                                         "2026-10-25T02:50:00+02:00", "2026-10-25T02:59:59+02:00",
                                         "2026-10-25T02:00:00+01:00", "2026-10-25T02:10:00+01:00",
                                         "2026-10-25T02:59:59+01:00", "2026-10-25T03:00:00+01:00"};
  EXPECT_EQ(want, got);
  for (std::size_t i = 1; i < got.size(); ++i) {
    EXPECT_LT(Instant(got[i - 1]), Instant(got[i])) << got[i];
  }
}

// Streams read by one resolver each: the stamps in order, with the time each
// must get.
struct StreamCase {
  const char* why;
  const char* tz;
  std::vector<std::pair<std::string_view, std::string_view>> stamps;
};

TEST(SyslogTime, OffsetsAroundChangesInStreamOrder) {
  const std::vector<StreamCase> cases = {
      {"lines a few seconds out of order are no step back; more than "
       "kFoldStepBackSeconds is one, even a short one in a sparse log",
       "Europe/Paris",
       {{"Oct 25 02:30:00", "2026-10-25T02:30:00+02:00"},
        {"Oct 25 02:29:30", "2026-10-25T02:29:30+02:00"},
        {"Oct 25 02:31:00", "2026-10-25T02:31:00+02:00"},
        {"Oct 25 02:29:00", "2026-10-25T02:29:00+01:00"},
        {"Oct 25 02:31:00", "2026-10-25T02:31:00+01:00"}}},
      {"past the hour, the next stamp in it starts afresh",
       "Europe/Paris",
       {{"Oct 25 02:40:00", "2026-10-25T02:40:00+02:00"},
        {"Oct 25 02:20:00", "2026-10-25T02:20:00+01:00"},
        {"Oct 25 03:00:00", "2026-10-25T03:00:00+01:00"},
        {"Oct 25 02:20:00", "2026-10-25T02:20:00+02:00"},
        {"Oct 25 02:40:00", "2026-10-25T02:40:00+02:00"}}},
      {"the days around the change, and stamps of one minute in the hour",
       "Europe/Paris",
       {{"Oct 24 02:30:00", "2026-10-24T02:30:00+02:00"},
        {"Oct 25 02:30:10", "2026-10-25T02:30:10+02:00"},
        {"Oct 25 02:30:50", "2026-10-25T02:30:50+02:00"},
        {"Oct 25 02:10:05", "2026-10-25T02:10:05+01:00"},
        {"Oct 25 02:10:45", "2026-10-25T02:10:45+01:00"},
        {"Oct 25 02:30:30", "2026-10-25T02:30:30+01:00"},
        {"Oct 26 02:30:00", "2026-10-26T02:30:00+01:00"},
        {"Oct 23 02:30:00", "2026-10-23T02:30:00+02:00"}}},
      {"stamps with an offset keep it and leave the state alone",
       "Europe/Paris",
       {{"2026-10-25T02:50:00", "2026-10-25T02:50:00+02:00"},
        {"2026-10-25T02:10:00+01:00", "2026-10-25T02:10:00+01:00"},
        {"2026-10-25T02:20:00.5+02:00", "2026-10-25T02:20:00+02:00"},
        {"2026-10-25T02:05:00", "2026-10-25T02:05:00+01:00"},
        {"Oct 25 02:30:00", "2026-10-25T02:30:00+01:00"}}},
      {"the skipped hour takes the offset before the change",
       "Europe/Paris",
       {{"Mar 29 01:59:59", "2026-03-29T01:59:59+01:00"},
        {"Mar 29 02:30:00", "2026-03-29T02:30:00+01:00"},
        {"Mar 29 03:00:00", "2026-03-29T03:00:00+02:00"},
        {"Mar 28 02:30:00", "2026-03-28T02:30:00+01:00"},
        {"Mar 30 02:30:00", "2026-03-30T02:30:00+02:00"}}},
      {"southern hemisphere: 2026-04-05 03:00 AEDT -> 02:00 AEST",
       "Australia/Sydney",
       {{"Apr  5 01:59:00", "2026-04-05T01:59:00+11:00"},
        {"Apr  5 02:45:00", "2026-04-05T02:45:00+11:00"},
        {"Apr  5 02:15:00", "2026-04-05T02:15:00+10:00"},
        {"Apr  5 03:15:00", "2026-04-05T03:15:00+10:00"},
        {"Oct  4 01:59:00", "2026-10-04T01:59:00+10:00"},
        {"Oct  4 03:00:00", "2026-10-04T03:00:00+11:00"}}},
      {"a repeated half hour: 2026-04-05 02:00 +11 -> 01:30 +10:30",
       "Australia/Lord_Howe",
       {{"Apr  5 01:29:00", "2026-04-05T01:29:00+11:00"},
        {"Apr  5 01:45:00", "2026-04-05T01:45:00+11:00"},
        {"Apr  5 01:55:00", "2026-04-05T01:55:00+11:00"},
        {"Apr  5 01:35:00", "2026-04-05T01:35:00+10:30"},
        {"Apr  5 01:59:59", "2026-04-05T01:59:59+10:30"},
        {"Apr  5 02:00:00", "2026-04-05T02:00:00+10:30"}}},
  };
  for (const StreamCase& c : cases) {
    TzScope tz(c.tz);
    TimeResolver r(Utc(2026, 12, 1, 0, 0, 0));
    for (const auto& [stamp, want] : c.stamps) EXPECT_EQ(want, Iso(r, stamp)) << c.why;
  }
  // A new resolver (a new stream) knows nothing of another one's hour.
  TzScope tz("Europe/Paris");
  TimeResolver fresh(Utc(2026, 12, 1, 0, 0, 0));
  EXPECT_EQ("2026-10-25T02:20:00+02:00", Iso(fresh, "Oct 25 02:20:00"));
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
