#pragma once
// The operational log, <working_dir>/maillogsentinel.log: one line per
// message, "2026-11-28T12:00:00+00:00 INFO maillogsentinel: message", at or
// above the configured level, each line one append-mode write(2).

#include <cstddef>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mls {

enum class LogLevel { kDebug, kInfo, kWarning, kError, kCritical };

// "DEBUG" INFO WARNING ERROR CRITICAL (case-insensitive).
std::optional<LogLevel> ParseLogLevel(std::string_view name);
std::string_view LogLevelName(LogLevel level);

// ISO 8601 with seconds and numeric offset from a local broken-down time
// (uses tm_gmtoff): "2026-11-28T12:00:00+01:00".
std::string FormatTimestamp(const std::tm& local);

// The op log's timestamp at the start of `s` ("2026-11-28T12:00:00+01:00", also
// with a fraction or "Z") as epoch seconds; `len` gets its length.
std::optional<std::time_t> ParseOpLogTime(std::string_view s, std::size_t& len);

// DisplayText (lib/text_safety.h): control bytes (TAB included), bytes that are
// not UTF-8 and hidden bidi/C1 characters become "\xNN", a backslash "\\", so
// text from attackers (user names, PTR names quoted in a warning) can neither
// drive a terminal nor forge a log line.
std::string SanitizeForLog(std::string_view text);

// "<timestamp> <LEVEL> <tag>: <sanitized message>\n"
std::string FormatLogLine(std::string_view timestamp, LogLevel level, std::string_view tag,
                          std::string_view message);

class OpLog {
 public:
  using Clock = std::function<std::time_t()>;

  OpLog() = default;
  OpLog(const OpLog&) = delete;
  OpLog& operator=(const OpLog&) = delete;
  ~OpLog() { Close(); }

  // Opens `path` for appending (created with mode 0640 whatever the umask;
  // an existing file keeps its mode). Error: "PATH: strerror".
  std::optional<std::string> Open(const std::string& path, LogLevel min_level, Clock clock);
  void Close();
  bool is_open() const { return fd_ >= 0; }
  bool Enabled(LogLevel level) const { return fd_ >= 0 && level >= min_level_; }

  // Writes one line if `level` is enabled. A failed write is remembered, not
  // retried (write_error()).
  void Log(LogLevel level, std::string_view tag, std::string_view message);
  const std::optional<std::string>& write_error() const { return write_error_; }

 private:
  int fd_ = -1;
  std::string path_;
  LogLevel min_level_ = LogLevel::kInfo;
  Clock clock_;
  std::optional<std::string> write_error_;
};

}  // namespace mls
