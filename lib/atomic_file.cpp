#include "atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "diag.h"

namespace mls {
namespace {

std::optional<std::string> WriteAll(int fd, std::string_view data, const std::string& name) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoMessage(name, errno);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return std::nullopt;
}

}  // namespace

std::string DirName(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::optional<std::string> WriteFileAtomically(const std::string& path, std::string_view data,
                                               mode_t mode, const TempFileCheck& check) {
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

namespace {
std::optional<std::string> SyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoMessage(path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL) return ErrnoMessage(path, err);
  return std::nullopt;
}
}  // namespace

std::optional<std::string> SyncDir(const std::string& dir) { return SyncPath(dir, O_DIRECTORY); }
std::optional<std::string> SyncFile(const std::string& path) { return SyncPath(path, 0); }

std::optional<std::string> ReadWholeFile(const std::string& path,
                                         std::optional<std::string>& content, bool missing_ok,
                                         std::size_t max_bytes) {
  content.reset();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT && missing_ok) return std::nullopt;
    return ErrnoMessage(path, errno);
  }
  std::string data;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return ErrnoMessage(path, err);
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > max_bytes) {
      ::close(fd);
      return path + ": larger than " + std::to_string(max_bytes) + " bytes";
    }
  }
  ::close(fd);
  content = std::move(data);
  return std::nullopt;
}

}  // namespace mls
