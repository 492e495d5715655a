#include "tail_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <vector>

#include "fd_io.h"
#include "diag.h"
#include "number.h"
#include "tsv.h"

namespace mls {
namespace {

constexpr std::string_view kMagic = "mls-tail-state";
constexpr std::string_view kVersion = "2";

// The keys of a state file and the version that introduced each; every key of
// the file's version must be present exactly once.
struct Key {
  std::string_view name;
  int since;
};
constexpr Key kKeys[] = {{"log", 2},         {"device", 1}, {"inode", 1}, {"birth", 2},
                         {"fingerprint", 1}, {"offset", 1}, {"mtime", 2}, {"complete", 2}};
constexpr std::size_t kKeyCount = sizeof kKeys / sizeof kKeys[0];

std::uint64_t Fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::optional<std::uint64_t> ParseU64(std::string_view s, int base = 10) {
  return ParseNumber<std::uint64_t>(s, base);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string Hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Nanoseconds since the epoch as "SECONDS.NANOSECONDS" (9 digits).
std::string FormatTime(std::int64_t ns) {
  if (ns < 0) ns = 0;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(ns / 1000000000),
                static_cast<long long>(ns % 1000000000));
  return buf;
}

std::optional<std::int64_t> ParseTime(std::string_view s) {
  auto dot = s.find('.');
  if (dot == std::string_view::npos || s.size() - dot - 1 != 9) return std::nullopt;
  auto sec = ParseU64(s.substr(0, dot)), nsec = ParseU64(s.substr(dot + 1));
  if (!sec || !nsec || *sec > 9000000000ULL) return std::nullopt;
  return static_cast<std::int64_t>(*sec * 1000000000ULL + *nsec);
}

// Parses the value of one key into `st`; returns an error message or "".
std::string ParseValue(std::string_view key, std::string_view value, TailState& st) {
  if (key == "log") {
    std::vector<std::string> fields;
    if (value.empty()) return "";  // not known
    if (TsvDecodeRecord(value, fields) || fields.size() != 1) {
      return "bad log '" + std::string(value) + "'";
    }
    st.log = fields[0];
    return "";
  }
  if (key == "complete") {
    if (value != "yes" && value != "no") return "bad complete '" + std::string(value) + "'";
    st.complete = value == "yes";
    return "";
  }
  if (key == "birth" || key == "mtime") {
    auto t = ParseTime(value);
    if (!t)
      return "bad " + std::string(key) + " '" + std::string(value) +
             "' (expected SECONDS.NANOSECONDS)";
    (key == "birth" ? st.birth_ns : st.mtime_ns) = *t;
    return "";
  }
  if (key == "fingerprint") {
    auto sp = value.find(' ');
    std::optional<std::uint64_t> len, hash;
    if (sp != std::string_view::npos) {
      len = ParseU64(value.substr(0, sp));
      std::string_view h = value.substr(sp + 1);
      if (h.size() == 16) hash = ParseU64(h, 16);
    }
    if (!len || !hash) {
      return "bad fingerprint '" + std::string(value) + "' (expected LENGTH HEX16)";
    }
    if (*len > kFingerprintMax) {
      return "fingerprint length " + std::to_string(*len) + " exceeds " +
             std::to_string(kFingerprintMax);
    }
    st.fingerprint = {*len, *hash};
    return "";
  }
  std::optional<std::uint64_t> v = ParseU64(value);
  if (!v) return "bad " + std::string(key) + " '" + std::string(value) + "'";
  if (key == "device") st.device = *v;
  if (key == "inode") st.inode = *v;
  if (key == "offset") st.offset = *v;
  return "";
}

}  // namespace

Fingerprint FingerprintOf(std::string_view head) {
  head = head.substr(0, kFingerprintMax);
  return {head.size(), Fnv1a64(head)};
}

bool FingerprintMatches(const Fingerprint& fp, std::string_view head) {
  if (head.size() < fp.length) return false;
  return Fnv1a64(head.substr(0, fp.length)) == fp.hash;
}

std::string FormatTailState(const TailState& s) {
  if (s.legacy) return std::to_string(s.offset) + "\n";
  std::string log;
  TsvEscapeTo(s.log, log);
  return std::string(kMagic) + " " + std::string(kVersion) + "\n" + "log " + log + "\n" +
         "device " + std::to_string(s.device) + "\n" + "inode " + std::to_string(s.inode) + "\n" +
         "birth " + FormatTime(s.birth_ns) + "\n" + "fingerprint " +
         std::to_string(s.fingerprint.length) + " " + Hex16(s.fingerprint.hash) + "\n" + "offset " +
         std::to_string(s.offset) + "\n" + "mtime " + FormatTime(s.mtime_ns) + "\n" + "complete " +
         (s.complete ? "yes" : "no") + "\n";
}

TailStateParse ParseTailState(std::string_view text, std::string_view name) {
  TailStateParse r;
  auto fail = [&](std::size_t line, const std::string& msg) {
    r.error = std::string(name) + ":" + std::to_string(line) + ": " + msg;
    return r;
  };
  std::string_view trimmed = Trim(text);
  if (trimmed.empty()) return fail(1, "empty state file");
  if (auto legacy = ParseU64(trimmed)) {
    r.state.legacy = true;
    r.state.offset = *legacy;
    return r;
  }
  bool seen[kKeyCount] = {};
  int version = 0;
  std::size_t lineno = 0;
  while (!text.empty()) {
    ++lineno;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (lineno == 1) {
      if (line.substr(0, kMagic.size() + 1) != std::string(kMagic) + " ") {
        return fail(1, "not an mls-tail state file (expected '" + std::string(kMagic) + " " +
                           std::string(kVersion) + "')");
      }
      std::string_view v = line.substr(kMagic.size() + 1);
      if (v != "1" && v != "2")
        return fail(1, "unsupported state version '" + std::string(v) + "'");
      version = v[0] - '0';
      continue;
    }
    if (Trim(line).empty() || line.front() == '#') continue;
    auto sp = line.find(' ');
    std::string_view key = line.substr(0, sp);
    std::string_view value = sp == std::string_view::npos ? "" : line.substr(sp + 1);
    std::size_t k = 0;
    while (k < kKeyCount && (kKeys[k].name != key || kKeys[k].since > version)) ++k;
    if (k == kKeyCount) return fail(lineno, "unknown key '" + std::string(key) + "'");
    if (seen[k]) return fail(lineno, "duplicate key '" + std::string(key) + "'");
    seen[k] = true;
    if (std::string err = ParseValue(key, value, r.state); !err.empty()) {
      return fail(lineno, err);
    }
  }
  for (std::size_t k = 0; k < kKeyCount; ++k) {
    if (!seen[k] && kKeys[k].since <= version) {
      return fail(lineno, "missing key '" + std::string(kKeys[k].name) + "'");
    }
  }
  return r;
}

TailStateLoad LoadTailState(const std::string& path) {
  TailStateLoad r;
  std::optional<std::string> text;
  if (auto err = ReadWholeFile(path, text, /*missing_ok=*/true, 65536)) {
    r.error = *err;
    return r;
  }
  if (!text) return r;  // no state yet
  r.text = std::move(*text);
  TailStateParse p = ParseTailState(r.text, path);
  if (!p.error.empty()) {
    r.error = p.error;
  } else {
    r.state = p.state;
  }
  return r;
}

}  // namespace mls
