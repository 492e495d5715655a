#include "oplog.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>

#include "diag.h"
#include "fd_io.h"
#include "number.h"
#include "syslog_time.h"
#include "text_safety.h"

namespace mls {
namespace {

constexpr std::array<std::string_view, 5> kNames = {"DEBUG", "INFO", "WARNING", "ERROR",
                                                    "CRITICAL"};

int Digits(std::string_view s, std::size_t at, std::size_t n, bool& ok) {
  std::optional<int> v = at + n <= s.size() ? ParseNumber<int>(s.substr(at, n)) : std::nullopt;
  if (!v) ok = false;
  return v.value_or(0);
}

char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (name.size() != kNames[i].size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < name.size(); ++k) same = same && Upper(name[k]) == kNames[i][k];
    if (same) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) { return kNames[static_cast<std::size_t>(level)]; }

std::string FormatTimestamp(const std::tm& t) {
  long off = t.tm_gmtoff / 60;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, sign, off / 60, off % 60);
  return buf;
}

std::optional<std::time_t> ParseOpLogTime(std::string_view s, std::size_t& len) {
  bool ok = true;
  int year = Digits(s, 0, 4, ok), mon = Digits(s, 5, 2, ok), day = Digits(s, 8, 2, ok);
  int hour = Digits(s, 11, 2, ok), min = Digits(s, 14, 2, ok), sec = Digits(s, 17, 2, ok);
  if (!ok || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  if (at < s.size() && s[at] == '.') {
    ++at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
  }
  int offset = 0;
  if (at < s.size() && s[at] == 'Z') {
    ++at;
  } else if (at + 6 <= s.size() && (s[at] == '+' || s[at] == '-') && s[at + 3] == ':') {
    int oh = Digits(s, at + 1, 2, ok), om = Digits(s, at + 4, 2, ok);
    if (!ok || oh > 23 || om > 59) return std::nullopt;
    offset = (oh * 3600 + om * 60) * (s[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return std::nullopt;
  }
  len = at;
  std::int64_t days = DaysFromCivil(year, mon, day);
  return static_cast<std::time_t>(days * 86400 + hour * 3600 + min * 60 + sec - offset);
}

std::string SanitizeForLog(std::string_view text) { return DisplayText(text); }

std::string FormatLogLine(std::string_view timestamp, LogLevel level, std::string_view tag,
                          std::string_view message) {
  std::string line;
  line.reserve(timestamp.size() + tag.size() + message.size() + 16);
  line.append(timestamp).append(" ").append(LogLevelName(level)).append(" ");
  line.append(SanitizeForLog(tag)).append(": ").append(SanitizeForLog(message)).append("\n");
  return line;
}

std::optional<std::string> OpLog::Open(const std::string& path, LogLevel min_level, Clock clock) {
  Close();
  // Never through a symlink: a planted link must not redirect our writes.
  constexpr int kFlags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW;
  int fd = ::open(path.c_str(), kFlags | O_CREAT | O_EXCL, 0640);
  if (fd >= 0) {
    ::fchmod(fd, 0640);  // new: exactly 0640, whatever the umask
  } else if (errno == EEXIST) {
    fd = ::open(path.c_str(), kFlags);
  }
  if (fd < 0 && errno == ELOOP) return path + ": is a symbolic link; refusing to write through it";
  if (fd < 0) return ErrnoMessage(path, errno);
  fd_ = fd;
  path_ = path;
  min_level_ = min_level;
  clock_ = std::move(clock);
  write_error_.reset();
  return std::nullopt;
}

void OpLog::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void OpLog::Log(LogLevel level, std::string_view tag, std::string_view message) {
  if (!Enabled(level) || write_error_) return;
  std::time_t now = clock_ ? clock_() : 0;
  std::tm local{};
  ::localtime_r(&now, &local);
  std::string line = FormatLogLine(FormatTimestamp(local), level, tag, message);
  if (!WriteAll(fd_, line)) write_error_ = ErrnoMessage(path_, errno);
}

}  // namespace mls
