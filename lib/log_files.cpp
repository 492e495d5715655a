#include "log_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "diag.h"
#include "paths.h"

namespace mls {
namespace {

constexpr int kAttempts = 10;
constexpr int kMaxLinks = 40;

std::string BaseName(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// `path` with its symbolic links followed (the last component only, as many
// times as needed); the target need not exist.
std::string ResolveLinks(const std::string& path) {
  std::string p = path;
  for (int i = 0; i < kMaxLinks; ++i) {
    char buf[PATH_MAX];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
    if (n <= 0) break;  // not a link, or missing
    std::string to(buf, static_cast<std::size_t>(n));
    p = to[0] == '/' ? to : DirName(p) + "/" + to;
  }
  return p;
}

std::int64_t Nanos(const struct timespec& ts) {
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// The path of sibling `n` (dir 0 is the directory of `places.target`).
std::string SiblingPath(const SiblingPlaces& places, const SiblingName& n) {
  if (n.dir == 0) return places.target + n.suffix;
  return places.dirs[n.dir] + "/" + BaseName(places.target) + n.suffix;
}

// The recognised siblings, in name order; a warning for each unlistable directory.
std::vector<SiblingName> ListSiblings(const SiblingPlaces& places,
                                      std::vector<std::string>* warnings) {
  std::vector<SiblingName> out;
  std::string base = BaseName(places.target);
  for (std::size_t i = 0; i < places.dirs.size(); ++i) {
    DIR* d = ::opendir(places.dirs[i].c_str());
    if (!d) {
      if (warnings) {
        warnings->push_back(ErrnoMessage(places.dirs[i], errno) +
                            "; rotated files are not looked for there");
      }
      continue;
    }
    while (struct dirent* e = ::readdir(d)) {
      if (auto s = ClassifySibling(base, e->d_name)) {
        s->dir = i;
        out.push_back(std::move(*s));
      }
    }
    ::closedir(d);
  }
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
    // gzip and logrotate create the compressed file 0600 before they give it
    // its final owner and mode: it may be readable in a moment.
    facts.busy = errno == EACCES && kind == SourceKind::kGzip;
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
  facts.mtime_ns = Nanos(st.st_mtim);
  struct statx stx;
  if (::statx(fd.get(), "", AT_EMPTY_PATH, STATX_BTIME, &stx) == 0 &&
      (stx.stx_mask & STATX_BTIME)) {
    facts.birth_ns =
        static_cast<std::int64_t>(stx.stx_btime.tv_sec) * 1000000000 + stx.stx_btime.tv_nsec;
  }
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
    if (a[i].suffix != b[i].suffix || a[i].dir != b[i].dir) return false;
  }
  return true;
}

// One attempt; `stable` is false when the directory changed meanwhile.
OpenLogFiles OpenOnce(const std::string& log_path, const SiblingPlaces& places,
                      const std::function<void()>& between, bool& stable) {
  OpenLogFiles r;
  stable = true;
  FileFacts live;
  r.live_fd = OpenFacts(log_path, SourceKind::kPlain, true, live);
  if (!live.error.empty()) {
    r.error = live.error;
    return r;
  }
  if (r.live_fd) r.facts.live = std::move(live);
  std::vector<SiblingName> names = ListSiblings(places, &r.warnings);
  std::vector<FileFacts> facts;
  std::vector<Fd> fds;
  for (const SiblingName& n : names) {
    FileFacts f;
    Fd fd = OpenFacts(SiblingPath(places, n), n.kind, false, f);
    if (!fd && f.error.empty()) continue;  // vanished, or not a regular file
    if (fd && Seen(r.facts, f)) continue;  // a hard link to a file already listed
    facts.push_back(std::move(f));
    fds.push_back(std::move(fd));
  }
  for (std::size_t i : AgeOrder(facts)) {
    r.facts.rotated.push_back(std::move(facts[i]));
    r.rotated_fds.push_back(std::move(fds[i]));
  }
  if (between) between();
  if (r.facts.live && !SameFile(log_path, *r.facts.live)) stable = false;
  if (!r.facts.live && ::access(log_path.c_str(), F_OK) == 0) stable = false;
  for (const FileFacts& f : r.facts.rotated) {
    if (f.error.empty() && !SameFile(f.path, f)) stable = false;
  }
  if (!SameNames(names, ListSiblings(places, nullptr))) stable = false;
  return r;
}

}  // namespace

SiblingPlaces SiblingPlacesOf(const std::string& log_path,
                              const std::vector<std::string>& rotated_dirs) {
  SiblingPlaces p;
  p.target = ResolveLinks(log_path);
  p.dirs.push_back(DirName(p.target));
  for (const std::string& d : rotated_dirs) p.dirs.push_back(d);
  return p;
}

OpenLogFiles OpenLogFilesOf(const std::string& log_path,
                            const std::vector<std::string>& rotated_dirs,
                            const std::function<void()>& between) {
  OpenLogFiles r;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (attempt > 0) ::poll(nullptr, 0, 10 * attempt);  // let the rotation finish
    SiblingPlaces places = SiblingPlacesOf(log_path, rotated_dirs);
    bool stable = false;
    r = OpenOnce(log_path, places, between, stable);
    if (!r.error.empty()) return r;
    if (stable) {
      char* real = ::realpath(places.target.c_str(), nullptr);
      r.facts.id = real ? real : places.target;
      std::free(real);
      return r;
    }
  }
  OpenLogFiles failed;
  failed.error = log_path + ": its rotated files kept changing while they were opened (" +
                 std::to_string(kAttempts) +
                 " attempts): rotating faster than they can be listed? Nothing read";
  return failed;
}

std::string SiblingSignature(const std::string& log_path,
                             const std::vector<std::string>& rotated_dirs) {
  SiblingPlaces places = SiblingPlacesOf(log_path, rotated_dirs);
  std::string sig;
  for (const SiblingName& n : ListSiblings(places, nullptr)) {
    struct stat st;
    if (::stat(SiblingPath(places, n).c_str(), &st) != 0) continue;
    sig += n.suffix + "/" + std::to_string(n.dir) + "/" + std::to_string(st.st_ino) + "/" +
           std::to_string(st.st_size) + "\n";
  }
  return sig;
}

}  // namespace mls
