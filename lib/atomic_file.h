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

// fsync(2) of a directory / a file by path. Error "PATH: strerror" or nullopt.
std::optional<std::string> SyncDir(const std::string& dir);
std::optional<std::string> SyncFile(const std::string& path);

// Reads the whole file into `content`. A missing file (ENOENT) is not an error
// when `missing_ok`: `content` is then nullopt. More than `max_bytes` is an
// error ("PATH: larger than N bytes"). Errors are "PATH: strerror".
std::optional<std::string> ReadWholeFile(const std::string& path,
                                         std::optional<std::string>& content, bool missing_ok,
                                         std::size_t max_bytes);

}  // namespace mls
