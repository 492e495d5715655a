#pragma once
// The saved position of mls-tail: which file (device, inode and a fingerprint of
// its first bytes) and the offset of the first byte not yet printed. The text
// format is specified in mls-tail(1), section STATE FILE.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mls {

// The fingerprint covers at most this many leading bytes of a file's content.
inline constexpr std::size_t kFingerprintMax = 1024;

struct Fingerprint {
  std::uint64_t length = 0;  // bytes hashed: min(content size, kFingerprintMax)
  std::uint64_t hash = 0;    // 64-bit FNV-1a of those bytes
  bool operator==(const Fingerprint&) const = default;
};

// Fingerprints the first min(head.size(), kFingerprintMax) bytes of `head`.
Fingerprint FingerprintOf(std::string_view head);

// True when a file whose content starts with `head` has fingerprint `fp`
// (re-hashes head over fp.length bytes; a shorter head never matches).
bool FingerprintMatches(const Fingerprint& fp, std::string_view head);

struct TailState {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  Fingerprint fingerprint;
  std::uint64_t offset = 0;  // in the decompressed stream for a .gz file
  bool legacy = false;       // the older tool's bare integer: only `offset` is meaningful
  // Since version 2 (zero/empty/false when read from a version 1 file):
  std::string log;            // LOGFILE, symlinks resolved, when the position was saved
  std::int64_t birth_ns = 0;  // the file's birth time (statx), 0 if unknown
  std::int64_t mtime_ns = 0;  // its modification time when it was last read
  bool complete = false;      // a rotated file read to its end: nothing more to read in it
  bool operator==(const TailState&) const = default;
};

// The current text version ("mls-tail-state 2\n" then one "key value" per line);
// a legacy state is written back as the bare integer it was. Versions 1 and 2
// are read.
std::string FormatTailState(const TailState& state);

struct TailStateParse {
  TailState state;
  std::string error;  // "NAME:LINE: message" when the text is not a valid state
};

// Parses a state file's text; `name` (the file's path) prefixes error messages.
// A text that is only a decimal integer (and whitespace) is a legacy state.
TailStateParse ParseTailState(std::string_view text, std::string_view name);

struct TailStateLoad {
  std::optional<TailState> state;  // nullopt: no state file (first run)
  std::string text;                // the file's bytes as read
  std::string error;               // unreadable or corrupt
};

// Reads and parses the state file at `path`; a missing file is not an error.
TailStateLoad LoadTailState(const std::string& path);

}  // namespace mls
