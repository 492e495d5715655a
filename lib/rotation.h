#pragma once
// Which files hold the log lines not yet printed, and in which order. Rotated
// siblings of LOGFILE are recognised by name, ordered oldest first, and the
// saved position is located among them; MakePlan is a pure function of the
// file facts so every rotation shape can be tested without a filesystem.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log_source.h"
#include "tail_state.h"

namespace mls {

// A directory entry recognised as a rotated sibling of LOGFILE.
struct SiblingName {
  std::string suffix;  // what follows LOGFILE's name: ".3.gz", "-20240101", ".1"
  SourceKind kind = SourceKind::kPlain;
  bool dated = false;        // logrotate dateext: "-DATE[.gz]"
  std::uint64_t number = 0;  // ".N[.gz]"
  std::string date;          // "-DATE" digits and dashes, compared as text
};

// Classifies directory entry `name` against `base` (LOGFILE's file name).
// Recognised: BASE.N, BASE.N.gz, BASE-DATE, BASE-DATE.gz, and the same with
// .bz2/.xz/.zst/.lz4/.Z (kind kUnsupported). Everything else: nullopt.
std::optional<SiblingName> ClassifySibling(std::string_view base, std::string_view name);

// Sorts oldest first: dated siblings (by date), then numbered ones (highest
// number first). When a slot has both a plain and a compressed file (compression
// in progress), only the plain one is kept.
void OrderSiblings(std::vector<SiblingName>& siblings);

// What is known about one file, gathered by the caller.
struct FileFacts {
  std::string path;
  SourceKind kind = SourceKind::kPlain;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t file_size = 0;  // st_size (compressed size for gzip)
  std::string head;             // the first <= kFingerprintMax content bytes (decompressed)
  std::string error;            // could not be opened or read: never matched, fatal if read
  // Content size if known (plain files only).
  std::optional<std::uint64_t> ContentSize() const;
};

struct LogFiles {
  std::optional<FileFacts> live;   // LOGFILE itself, absent if missing
  std::vector<FileFacts> rotated;  // siblings, oldest first (as OrderSiblings)
};

struct ReadStep {
  bool live = false;      // LOGFILE: its unterminated last line is held back
  std::size_t index = 0;  // into LogFiles::rotated when !live
  std::uint64_t from = 0;
};

struct Plan {
  std::vector<ReadStep> steps;
  std::vector<std::string> warnings;  // complete messages, without the program name
  std::string error;                  // non-empty: read nothing, exit 1
};

// Decides what to read. `log_path` names LOGFILE in messages.
Plan MakePlan(const LogFiles& files, const std::optional<TailState>& state,
              std::string_view log_path);

}  // namespace mls
