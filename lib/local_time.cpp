#include "local_time.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "syslog_time.h"

namespace mls {
namespace {

long OffsetAt(std::time_t t) {
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return 0;
  return tm.tm_gmtoff;
}

}  // namespace

std::time_t LocalToInstant(std::int64_t local) {
  // The offsets a day before and a day after (at most one change between).
  const long before = OffsetAt(static_cast<std::time_t>(local - 86400));
  const long after = OffsetAt(static_cast<std::time_t>(local + 86400));
  const auto u1 = static_cast<std::time_t>(local - before);
  const auto u2 = static_cast<std::time_t>(local - after);
  const bool ok1 = OffsetAt(u1) == before, ok2 = OffsetAt(u2) == after;
  if (ok1 && ok2) return std::min(u1, u2);  // ambiguous: the earlier
  if (ok2) return u2;
  return u1;  // valid with the old offset, or in a gap: read with the old offset
}

// t's local date as days since 1970-01-01 and its local time of day in seconds.
std::int64_t LocalDays(std::time_t t, std::int64_t* seconds) {
  std::tm tm{};
  localtime_r(&t, &tm);
  if (seconds != nullptr) *seconds = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
  return DaysFromCivil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

std::time_t LocalDayStart(std::time_t t, int day_offset) {
  return LocalToInstant((LocalDays(t) + day_offset) * 86400);
}

// The start of the local hour containing t.
std::time_t LocalHourStart(std::time_t t) {
  std::tm tm{};
  localtime_r(&t, &tm);
  return t - (tm.tm_min * 60 + tm.tm_sec);
}

std::string FormatLocalIso(std::time_t t) {
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return "?";
  long off = tm.tm_gmtoff / 60;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 60,
                off % 60);
  return buf;
}

std::optional<std::time_t> ParseReportTime(std::string_view text) {
  if (!text.empty() && text[0] != '@') {
    // Without an offset, "TEXTZ" parses: the local civil time.
    if (std::optional<std::time_t> civil = ParseIso8601Instant(std::string(text) + "Z"))
      return LocalToInstant(*civil);
  }
  return ParseIso8601Instant(text);
}

std::optional<std::time_t> ParseRelativeTime(std::string_view text, std::time_t now) {
  tzset();
  if (text == "now") return now;
  if (text == "today") return LocalDayStart(now, 0);
  if (text == "yesterday") return LocalDayStart(now, -1);
  if (text == "tomorrow") return LocalDayStart(now, 1);
  if (text.size() < 2 || (text[0] != '-' && text[0] != '+')) return std::nullopt;
  std::optional<std::int64_t> span = ParseTimeSpan(text.substr(1));
  if (!span) return std::nullopt;
  return text[0] == '-' ? now - static_cast<std::time_t>(*span)
                        : now + static_cast<std::time_t>(*span);
}

bool IsWindowName(std::string_view name) {
  return name == "today" || name == "yesterday" || ParseTimeSpan(name).has_value();
}

std::optional<std::int64_t> ParseTimeSpan(std::string_view span) {
  struct Unit {
    const char* name;
    double seconds;
  };
  static constexpr Unit kUnits[] = {
      {"usec", 1e-6},   {"us", 1e-6},        {"msec", 1e-3},      {"ms", 1e-3},
      {"seconds", 1},   {"second", 1},       {"sec", 1},          {"s", 1},
      {"minutes", 60},  {"minute", 60},      {"min", 60},         {"m", 60},
      {"hours", 3600},  {"hour", 3600},      {"hr", 3600},        {"h", 3600},
      {"days", 86400},  {"day", 86400},      {"d", 86400},        {"weeks", 604800},
      {"week", 604800}, {"w", 604800},       {"months", 2629800}, {"month", 2629800},
      {"M", 2629800},   {"years", 31557600}, {"year", 31557600},  {"y", 31557600},
  };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  double total = 0;
  bool any = false;
  std::size_t i = 0;
  while (true) {
    while (i < span.size() && span[i] == ' ') ++i;
    if (i == span.size()) break;
    std::size_t n0 = i;
    while (i < span.size() && is_digit(span[i])) ++i;
    if (i < span.size() && span[i] == '.') {
      ++i;
      while (i < span.size() && is_digit(span[i])) ++i;
    }
    std::string number(span.substr(n0, i - n0));
    if (number.empty() || number == "." || number.size() > 12) return std::nullopt;
    while (i < span.size() && span[i] == ' ') ++i;
    std::size_t u0 = i;
    while (i < span.size() && is_alpha(span[i])) ++i;
    std::string_view unit = span.substr(u0, i - u0);
    double factor = unit.empty() ? 1 : 0;
    for (const Unit& u : kUnits) {
      if (unit == u.name) factor = u.seconds;
    }
    if (factor == 0) return std::nullopt;
    total += std::strtod(number.c_str(), nullptr) * factor;
    any = true;
  }
  if (!any || total < 1 || total > 100.0 * 31557600) return std::nullopt;
  return static_cast<std::int64_t>(total);
}

}  // namespace mls
