#include "log_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "atomic_file.h"
#include "diag.h"

namespace mls {
namespace {

constexpr int kAttempts = 5;

std::string BaseName(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The recognised siblings of `log_path`, oldest first; a warning if unlistable.
std::vector<SiblingName> ListSiblings(const std::string& log_path, std::string& warning) {
  std::vector<SiblingName> out;
  std::string dir = DirName(log_path), base = BaseName(log_path);
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    warning = ErrnoMessage(dir, errno) + "; rotated files are not looked for";
    return out;
  }
  while (struct dirent* e = ::readdir(d)) {
    if (auto s = ClassifySibling(base, e->d_name)) out.push_back(std::move(*s));
  }
  ::closedir(d);
  OrderSiblings(out);
  return out;
}

// Opens `path`; returns an empty Fd with `facts.error` empty when it is missing
// (or not a regular file, for a sibling).
Fd OpenFacts(const std::string& path, SourceKind kind, bool live, FileFacts& facts) {
  facts.path = path;
  facts.kind = kind;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd) {
    if (errno != ENOENT) facts.error = ErrnoMessage(path, errno);
    return fd;
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    facts.error = ErrnoMessage(path, errno);
    return Fd();
  }
  if (!S_ISREG(st.st_mode)) {
    if (live) facts.error = path + ": not a regular file";
    return Fd();
  }
  facts.device = st.st_dev;
  facts.inode = st.st_ino;
  facts.file_size = static_cast<std::uint64_t>(st.st_size);
  if (kind == SourceKind::kUnsupported) return fd;
  std::string err;
  if (!ReadHead(fd.get(), kind, kFingerprintMax, facts.head, err)) {
    facts.error = path + ": " + err;
    return Fd();
  }
  return fd;
}

bool SameFile(const std::string& path, const FileFacts& f) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  return st.st_dev == f.device && st.st_ino == f.inode;
}

bool Seen(const LogFiles& files, const FileFacts& f) {
  auto same = [&f](const FileFacts& g) {
    return g.error.empty() && g.device == f.device && g.inode == f.inode;
  };
  return (files.live && same(*files.live)) ||
         std::any_of(files.rotated.begin(), files.rotated.end(), same);
}

bool SameNames(const std::vector<SiblingName>& a, const std::vector<SiblingName>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].suffix != b[i].suffix) return false;
  }
  return true;
}

// One attempt; `stable` is false when the directory changed meanwhile.
OpenLogFiles OpenOnce(const std::string& log_path, bool& stable) {
  OpenLogFiles r;
  stable = true;
  FileFacts live;
  r.live_fd = OpenFacts(log_path, SourceKind::kPlain, true, live);
  if (!live.error.empty()) {
    r.error = live.error;
    return r;
  }
  if (r.live_fd) r.facts.live = std::move(live);
  std::string warning;
  std::vector<SiblingName> names = ListSiblings(log_path, warning);
  if (!warning.empty()) r.warnings.push_back(warning);
  for (const SiblingName& n : names) {
    FileFacts f;
    Fd fd = OpenFacts(log_path + n.suffix, n.kind, false, f);
    if (!fd && f.error.empty()) continue;  // vanished, or not a regular file
    if (fd && Seen(r.facts, f)) continue;  // a hard link to a file already listed
    r.facts.rotated.push_back(std::move(f));
    r.rotated_fds.push_back(std::move(fd));
  }
  std::string ignored;
  if (r.facts.live && !SameFile(log_path, *r.facts.live)) stable = false;
  if (!r.facts.live && ::access(log_path.c_str(), F_OK) == 0) stable = false;
  for (const FileFacts& f : r.facts.rotated) {
    if (f.error.empty() && !SameFile(f.path, f)) stable = false;
  }
  if (!SameNames(names, ListSiblings(log_path, ignored))) stable = false;
  return r;
}

}  // namespace

OpenLogFiles OpenLogFilesOf(const std::string& log_path) {
  OpenLogFiles r;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    bool stable = false;
    r = OpenOnce(log_path, stable);
    if (stable || !r.error.empty()) break;
  }
  return r;
}

}  // namespace mls
