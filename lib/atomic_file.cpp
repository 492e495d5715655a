#include "atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "diag.h"
#include "fd_io.h"
#include "paths.h"

namespace mls {
namespace {

std::optional<std::string> WriteAll(int fd, std::string_view data, const std::string& name) {
  if (mls::WriteAll(fd, data)) return std::nullopt;
  return ErrnoMessage(name, errno);
}

}  // namespace

std::optional<std::string> WriteFileAtomically(const std::string& path, std::string_view data,
                                               mode_t mode, const TempFileCheck& check) {
  return WriteFileAtomically(path, std::span<const std::string_view>(&data, 1), mode, check);
}

std::optional<std::string> WriteFileAtomically(const std::string& path,
                                               std::span<const std::string_view> parts, mode_t mode,
                                               const TempFileCheck& check) {
  std::string tmpl = path + ".tmpXXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoMessage(path, errno);
  std::string tmp(name.data());
  auto fail = [&](std::string msg) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return std::optional<std::string>(std::move(msg));
  };
  if (::fchmod(fd, mode) != 0) return fail(ErrnoMessage(tmp, errno));
  for (std::string_view data : parts)
    if (auto err = WriteAll(fd, data, tmp)) return fail(*err);
  if (::fsync(fd) != 0) return fail(ErrnoMessage(tmp, errno));
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0) return fail(ErrnoMessage(tmp, errno));
  if (check) {
    if (auto err = check(tmp)) return fail(*err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(ErrnoMessage(path, errno));
  return SyncDir(DirName(path));
}

}  // namespace mls
