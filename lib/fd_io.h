#pragma once
// The one I/O layer: whole writes to a file descriptor (the one loop over short
// writes and EINTR), whole-file reads, fsync of a file or directory by path, and
// the text of an errno. The bottom layer: it includes no other module.
// Replacing a file atomically builds on it (lib/atomic_file.h).

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mls {

// "<what>: <strerror(err)>": the text of every I/O error (lib/diag.h re-exports it).
std::string ErrnoMessage(std::string_view what, int err);

// One read(2) of at most `n` bytes into `buf`, retried after EINTR: what read
// returns otherwise (bytes read, 0 at end of file, -1 with errno set; EAGAIN
// for a non-blocking fd with nothing to read).
ssize_t ReadSome(int fd, void* buf, std::size_t n);

// Writes all of `data` to `fd`, retrying after EINTR and short writes. False on
// error with errno set (EIO if write(2) wrote nothing without an error).
bool WriteAll(int fd, std::string_view data);

// Bytes [from, to) of the open file (pread, EINTR retried); nullopt with errno
// set on a read error, EIO when the file ends before `to`.
std::optional<std::string> ReadRange(int fd, std::uint64_t from, std::uint64_t to);

// Reads the whole file into `content`. A missing file (ENOENT) is not an error
// when `missing_ok`: `content` is then nullopt. More than `max_bytes` is an
// error ("PATH: larger than N bytes"). Errors are "PATH: strerror".
std::optional<std::string> ReadWholeFile(const std::string& path,
                                         std::optional<std::string>& content, bool missing_ok,
                                         std::size_t max_bytes);

// fsync(2) of a directory / a file by path. Error "PATH: strerror" or nullopt.
std::optional<std::string> SyncDir(const std::string& dir);
// mkdir -p: `path` and its missing parents, each made with `mode`; an
// existing directory is fine.
std::optional<std::string> MakeDirs(const std::string& path, mode_t mode);
std::optional<std::string> SyncFile(const std::string& path);

}  // namespace mls
