#pragma once
// Which files hold the log lines not yet printed, and in which order. Rotated
// siblings of LOGFILE are recognised by name, ordered oldest first by what they
// are (modification time, then name), and the saved position is located among
// them by identity; MakePlan is a pure function of the file facts so every
// rotation shape can be tested without a filesystem.

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
  bool dated = false;        // "-DATE[.gz]" (logrotate dateext), ".DATE[.gz]" (postfix logrotate)
  std::uint64_t number = 0;  // ".N[.gz]"
  std::string date;          // DATE: digits and dashes, compared as text
  std::size_t dir = 0;       // which of the searched directories holds it (set by the caller)
};

// Classifies directory entry `name` against `base` (LOGFILE's file name).
// Recognised: BASE.N (N of 1 to 7 digits), BASE-DATE (DATE: a digit, then digits
// and dashes), BASE.DATE (DATE: 8 to 19 digits and dashes, starting with a digit,
// as postfix logrotate's default suffix 20261205-085712), each also with .gz, or
// with .bz2/.xz/.zst/.lz4/.Z (kind kUnsupported). Everything else: nullopt.
std::optional<SiblingName> ClassifySibling(std::string_view base, std::string_view name);

// Sorts by name (per directory: dated ones by date, then numbered ones, highest
// number first) and, when a slot has both a plain and a compressed file
// (compression in progress), keeps only the plain one. The order by age is
// AgeOrder's, once the files' times are known.
void OrderSiblings(std::vector<SiblingName>& siblings);

// What is known about one file, gathered by the caller.
struct FileFacts {
  std::string path;
  SourceKind kind = SourceKind::kPlain;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t file_size = 0;  // st_size (compressed size for gzip)
  std::int64_t mtime_ns = 0;    // modification time
  std::int64_t birth_ns = 0;    // birth time, 0 if the filesystem does not tell
  std::string head;             // the first <= kFingerprintMax content bytes (decompressed)
  std::string error;            // could not be opened or read: never matched, fatal if read
  bool busy = false;            // a compressed file we may not read yet: being compressed?
  // Content size if known (plain files only).
  std::optional<std::uint64_t> ContentSize() const;
};

// The order, oldest first, of siblings given in OrderSiblings' name order: by
// modification time (the time of a file's last line: a rotated file is not
// written to again, and gzip and logrotate keep the time when compressing),
// equal times in name order. Returns indexes into `by_name`.
std::vector<std::size_t> AgeOrder(const std::vector<FileFacts>& by_name);

struct LogFiles {
  std::optional<FileFacts> live;   // LOGFILE itself, absent if missing
  std::vector<FileFacts> rotated;  // siblings, oldest first (AgeOrder)
  std::string id;                  // LOGFILE with symlinks resolved, as saved in the state
};

struct ReadStep {
  bool live = false;      // LOGFILE: its unterminated last line is held back
  std::size_t index = 0;  // into LogFiles::rotated when !live
  std::uint64_t from = 0;
  bool align = false;  // `from` may be inside a line: start at the next line start
};

struct Plan {
  std::vector<ReadStep> steps;
  std::vector<std::string> warnings;  // complete messages, without the program name
  std::string error;                  // non-empty: read nothing, exit 1
  std::string busy;    // the error is this compressed file we may not read yet: retry later
  bool found = false;  // the saved position was identified: it stands until more is read
};

// Decides what to read (the rules are those of mls-tail(1), ROTATION). `log_path`
// names LOGFILE in messages.
Plan MakePlan(const LogFiles& files, const std::optional<TailState>& state,
              std::string_view log_path);

}  // namespace mls
