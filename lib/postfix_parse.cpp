#include "postfix_parse.h"

#include <array>
#include <cstring>

#include "event.h"
#include "ip.h"
#include "tsv.h"

namespace mls {
namespace {

constexpr std::string_view kWarning = "warning: ";
constexpr std::string_view kSasl = ": SASL ";
constexpr std::string_view kFailed = "authentication failed:";
constexpr std::string_view kAborted = "authentication aborted";
constexpr std::string_view kUserKey = ", sasl_username=";
constexpr std::string_view kUnavailable = "(unavailable)";
constexpr std::string_view kOutageReason = "Connection lost to authentication server";
constexpr std::string_view kClientKey = ": client=";
constexpr std::string_view kMethodKey = ", sasl_method=";
constexpr std::string_view kSenderKey = ", sasl_sender=";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Byte classes for the loops that run on every candidate line (a table: the
// chained comparisons mispredicted on every byte).
enum : unsigned char { kAlnum = 1, kTagEnd = 2, kNotInClient = 4 };
constexpr std::array<unsigned char, 256> kClass = [] {
  std::array<unsigned char, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] |= kAlnum;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] |= kAlnum;
  for (int c = 'a'; c <= 'z'; ++c) t[c] |= kAlnum;
  t['['] = t[':'] = t[' '] = kTagEnd;
  t[' '] |= kNotInClient;
  t['['] |= kNotInClient;
  t[']'] |= kNotInClient;
  return t;
}();
bool Is(char c, unsigned char cls) { return (kClass[static_cast<unsigned char>(c)] & cls) != 0; }

// TsvEscapeTo, with a fast path for the usual field that needs no escape.
void AppendEscaped(std::string_view field, std::string& out) {
  for (char c : field) {
    if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
      TsvEscapeTo(field, out);
      return;
    }
  }
  out.append(field);
}

// The syslog part after the timestamp: " HOST TAG[PID]: ". Returns the message
// start, or npos.
std::size_t ParseHostAndTag(std::string_view line, std::size_t pos, SaslLine& out) {
  if (pos >= line.size() || line[pos] != ' ') return std::string_view::npos;
  ++pos;
  const std::size_t host_end = line.find(' ', pos);
  if (host_end == std::string_view::npos || host_end == pos) return std::string_view::npos;
  out.server = line.substr(pos, host_end - pos);
  pos = host_end + 1;
  std::size_t tag_end = pos;
  while (tag_end < line.size() && !Is(line[tag_end], kTagEnd)) ++tag_end;
  out.service = line.substr(pos, tag_end - pos);
  if (!out.service.starts_with("postfix") || !out.service.ends_with("/smtpd")) {
    return std::string_view::npos;
  }
  pos = tag_end;
  if (pos < line.size() && line[pos] == '[') {
    std::size_t pid_end = pos + 1;
    while (pid_end < line.size() && IsDigit(line[pid_end])) ++pid_end;
    if (pid_end == pos + 1 || pid_end >= line.size() || line[pid_end] != ']') {
      return std::string_view::npos;
    }
    pos = pid_end + 1;
  }
  if (line.substr(pos, 2) != ": ") return std::string_view::npos;
  return pos + 2;
}

// "CLIENT[ADDR]" or "CLIENT[ADDR]:PORT" (the text before ": SASL ").
bool ParseClient(std::string_view who, SaslLine& out) {
  out.port = {};
  std::size_t close = who.size();
  if (close > 0 && who[close - 1] != ']') {
    const std::size_t colon = who.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || who[colon - 1] != ']') return false;
    out.port = who.substr(colon + 1);
    if (out.port.empty() || out.port.size() > 5) return false;
    unsigned value = 0;
    for (char c : out.port) {
      if (!IsDigit(c)) return false;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 65535) return false;
    close = colon;
  }
  if (close == 0) return false;
  --close;  // at ']'
  const std::size_t open = who.rfind('[', close);
  if (open == std::string_view::npos) return false;
  out.client = who.substr(0, open);
  // Postfix logs a validated host name or "unknown": never a space or bracket.
  // Refusing them keeps another warning's text from posing as a client.
  for (char c : out.client) {
    if (Is(c, kNotInClient)) return false;
  }
  return CanonicalIp(who.substr(open + 1, close - open - 1), out.ip);
}

// "SASL " has been consumed; `rest` is "MECH authentication ...".
LineKind ParseSaslTail(std::string_view rest, SaslLine& out) {
  const std::size_t space = rest.find(' ');
  if (space == 0 || space == std::string_view::npos) return LineKind::kNone;
  out.mech = rest.substr(0, space);
  rest.remove_prefix(space + 1);
  out.user = {};
  if (rest.starts_with(kFailed)) {
    rest.remove_prefix(kFailed.size());
    if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
    // The first ", sasl_username=" ends the reason: the user name is the
    // attacker's text and may itself contain that string.
    const std::size_t key = rest.find(kUserKey);
    if (key == std::string_view::npos) {
      out.reason = rest;
    } else {
      out.reason = rest.substr(0, key);
      out.user = rest.substr(key + kUserKey.size());
    }
    if (out.user == kUnavailable) out.user = {};
    return out.reason == kOutageReason ? LineKind::kOutage : LineKind::kEvent;
  }
  if (rest.starts_with(kAborted)) {
    rest.remove_prefix(kAborted.size());
    if (!rest.empty()) {
      if (!rest.starts_with(kUserKey)) return LineKind::kNone;
      out.user = rest.substr(kUserKey.size());
      if (out.user == kUnavailable) out.user = {};
    }
    out.reason = kAbortedReason;
    return LineKind::kAborted;
  }
  return LineKind::kNone;
}

// `rest` is the message: "QUEUEID: client=WHO, sasl_method=MECH,
// sasl_username=USER[, sasl_sender=...]". The message must start with the
// queue id: a verbose smtpd's echo of what a client sent ("< unknown[...]: ...")
// or any other message that merely holds these words is not a login.
LineKind ParseLogin(std::string_view rest, SaslLine& out) {
  std::size_t id = 0;
  while (id < rest.size() && id <= 32 && Is(rest[id], kAlnum)) ++id;
  if (id == 0 || rest.substr(id, kClientKey.size()) != kClientKey) return LineKind::kNone;
  rest.remove_prefix(id + kClientKey.size());
  const std::size_t method = rest.find(kMethodKey);
  if (method == std::string_view::npos || !ParseClient(rest.substr(0, method), out))
    return LineKind::kNone;
  rest.remove_prefix(method + kMethodKey.size());
  const std::size_t user = rest.find(kUserKey);
  if (user == 0 || user == std::string_view::npos) return LineKind::kNone;
  out.mech = rest.substr(0, user);
  for (char c : out.mech) {
    if (c == ' ' || c == ',') return LineKind::kNone;
  }
  rest.remove_prefix(user + kUserKey.size());
  // An authenticated name: the server accepted it, so it is an account's.
  out.user = rest.substr(0, rest.find(kSenderKey));
  if (out.user.empty()) return LineKind::kNone;
  out.reason = {};
  return LineKind::kLogin;
}

}  // namespace

LineKind ParsePostfixLine(std::string_view line, SaslLine& out) {
  std::size_t stamp = ParseHeaderTime(line, out.time);
  out.bad_time = stamp == 0;
  if (out.bad_time) {
    stamp = ImpossibleHeaderTimeLength(line);
    if (stamp == 0) return LineKind::kNone;
  }
  out.stamp = line.substr(0, stamp);
  const std::size_t msg = ParseHostAndTag(line, stamp, out);
  if (msg == std::string_view::npos) return LineKind::kNone;
  std::string_view rest = line.substr(msg);
  if (!rest.starts_with(kWarning)) return ParseLogin(rest, out);
  rest.remove_prefix(kWarning.size());
  const std::size_t sasl = rest.find(kSasl);
  if (sasl == std::string_view::npos) return LineKind::kNone;
  if (!ParseClient(rest.substr(0, sasl), out)) return LineKind::kNone;
  return ParseSaslTail(rest.substr(sasl + kSasl.size()), out);
}

void AppendEventTsv(const SaslLine& line, std::string_view time, std::string& out, bool login,
                    bool clean) {
  std::array<std::string_view, kEventColumns> f;
  f[kTime] = time;
  f[kServer] = line.server;
  f[kIp] = line.ip;
  f[kUser] = line.user;
  f[kMethod] = line.mech;
  f[kClient] = line.client;
  f[kPort] = line.port;
  f[kService] = line.service;
  f[kReason] = line.reason;
  const std::size_t columns = login ? kLoginColumns : kEventColumns;
  std::size_t method_at = 0;
  std::size_t method_end = 0;
  if (clean) {                   // one resize, then copies
    std::size_t size = columns;  // the TABs and the newline
    for (std::size_t i = 0; i < columns; ++i) size += f[i].size();
    std::size_t at = out.size();
    out.resize(at + size);
    char* p = out.data() + at;
    for (std::size_t i = 0; i < columns; ++i) {
      if (i == kMethod) method_at = static_cast<std::size_t>(p - out.data());
      if (!f[i].empty()) std::memcpy(p, f[i].data(), f[i].size());  // an empty one may be null
      p += f[i].size();
      if (i == kMethod) method_end = static_cast<std::size_t>(p - out.data());
      *p++ = i + 1 < columns ? '\t' : '\n';
    }
  } else {
    for (std::size_t i = 0; i < columns; ++i) {
      if (i > 0) out.push_back('\t');
      if (i == kMethod) method_at = out.size();
      AppendEscaped(f[i], out);
      if (i == kMethod) method_end = out.size();
    }
    out.push_back('\n');
  }
  // Upper-case the method, leaving escape sequences (\t \n \r) alone.
  for (std::size_t j = method_at; j < method_end; ++j) {
    if (out[j] == '\\') {
      ++j;
      continue;
    }
    if (out[j] >= 'a' && out[j] <= 'z') out[j] = static_cast<char>(out[j] - 'a' + 'A');
  }
}

}  // namespace mls
