#pragma once
// Replacing a file atomically: the new bytes go to a temporary file in the same
// directory, which is fsync'ed and renamed over `path`; then the directory is
// fsync'ed. Readers see either the old or the new content, even after a crash.

#include <sys/types.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mls {

// Called with the temporary file's path once it holds the data (fsync'ed and
// closed), before the rename: an error message stops the replacement.
using TempFileCheck = std::function<std::optional<std::string>(const std::string& tmp_path)>;

// Writes `data` to `path` atomically with permissions exactly `mode`
// (the umask does not apply; an existing file's owner and mode are not kept).
// With `check`, the new content is vetted first. Returns an error message
// ("PATH: strerror", or check's) or nullopt on success; on error `path` is
// untouched and no temporary file is left.
std::optional<std::string> WriteFileAtomically(const std::string& path, std::string_view data,
                                               mode_t mode, const TempFileCheck& check = {});
// The same, the content given as parts written one after the other.
std::optional<std::string> WriteFileAtomically(const std::string& path,
                                               std::span<const std::string_view> parts, mode_t mode,
                                               const TempFileCheck& check = {});

}  // namespace mls
