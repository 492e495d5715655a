#pragma once
// Replacing a file atomically: the new bytes go to a temporary file in the same
// directory, which is fsync'ed and renamed over `path`; then the directory is
// fsync'ed. Readers see either the old or the new content, even after a crash.

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace mls {

// Writes `data` to `path` atomically with permissions exactly `mode`
// (the umask does not apply; an existing file's owner and mode are not kept).
// Returns an error message ("PATH: strerror") or nullopt on success.
std::optional<std::string> WriteFileAtomically(const std::string& path, std::string_view data,
                                               mode_t mode);

// The directory part of `path` ("." when it has none).
std::string DirName(const std::string& path);

}  // namespace mls
