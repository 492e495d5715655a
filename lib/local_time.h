#pragma once
// Local civil time (the C library's zone, TZ): converting local clock readings
// to instants and back, local day and hour boundaries (DST-aware), and the
// time arguments of mls-report (--since/--until/--now, relative times, systemd
// time spans). The calendar itself (days in a month, days since the epoch) is
// lib/syslog_time.h's.

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace mls {

// Local civil time (seconds since 1970-01-01T00:00 read as if UTC) -> instant
// (TZ). The rule for times that do not name exactly one instant:
//   ambiguous (clocks go back: the hour happens twice)  the earlier instant,
//     i.e. the offset before the change (2026-10-25 02:30 Paris -> +02:00)
//   non-existent (clocks go forward: the gap)  read with the offset before the
//     change, i.e. moved forward by the gap (2026-03-29 02:30 -> 03:30+02:00)
// Used for legacy rows ("DD/MM/YYYY HH:MM") and --since/--until/--now without an
// offset alike.
std::time_t LocalToInstant(std::int64_t local);

// `t` as local time (TZ) in ISO 8601 with its offset: "2026-11-25T21:18:08+01:00".
std::string FormatLocalIso(std::time_t t);

// t's local date as days since 1970-01-01; `seconds` (if given) gets its local
// time of day.
std::int64_t LocalDays(std::time_t t, std::int64_t* seconds = nullptr);
// Local midnight of the day `day_offset` days after t's local day.
std::time_t LocalDayStart(std::time_t t, int day_offset);
// The start of the local hour containing t.
std::time_t LocalHourStart(std::time_t t);

// --since/--until/--now: ParseIso8601Instant (lib/syslog_time.h), except that a
// time without an offset is local time by LocalToInstant's rule.
std::optional<std::time_t> ParseReportTime(std::string_view text);

// --since/--until relative to `now`, as journalctl(1) takes them: "now",
// "today", "yesterday", "tomorrow" (local midnight, DST-aware), or "-SPAN" /
// "+SPAN" with a systemd time span ("-2h", "-30min", "-1d 12h", "+90s"; see
// ParseTimeSpan). nullopt for anything else.
std::optional<std::time_t> ParseRelativeTime(std::string_view text, std::time_t now);

// A systemd time span ("10min", "1h 30min", "2 d", "90" = seconds) in whole
// seconds; nullopt if it is not one (or is 0 or absurdly long).
std::optional<std::int64_t> ParseTimeSpan(std::string_view span);

// A report window's name: "today", "yesterday", or a time span back from now
// ("24h", "7d", "10m", "36h", "1h 30min": ParseTimeSpan).
bool IsWindowName(std::string_view name);

}  // namespace mls
