#include "tail.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "atomic_file.h"
#include "change_wait.h"
#include "cli.h"
#include "diag.h"
#include "fd_io.h"
#include "input_map.h"
#include "log_files.h"
#include "paths.h"
#include "tail_state.h"

namespace mls {
namespace {

constexpr std::size_t kBufSize = 256 * 1024;
constexpr std::uint64_t kProgressEveryMs = 100;
constexpr mode_t kStateMode = 0640;
// How long a compressed sibling that may not be read yet is waited for.
constexpr int kBusyPollMs = 100;
constexpr int kBusyPolls = 100;

// The part of `path` after its last slash.
std::string BaseName(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "progress DONE TOTAL" lines on a descriptor, at most every 100 ms.
class Progress {
 public:
  Progress(int fd, std::function<std::uint64_t()> now) : fd_(fd), now_(std::move(now)) {}
  void SetTotal(std::uint64_t total) { total_ = total; }
  void Add(std::uint64_t bytes) {
    done_ += bytes;
    if (fd_ < 0 || !now_ || bytes == 0) return;
    std::uint64_t t = now_();
    if (t - last_ < kProgressEveryMs) return;
    last_ = t;
    Emit();
  }
  void Finish() {
    if (fd_ < 0) return;
    if (done_ > total_) total_ = done_;
    Emit();
    fd_ = -1;  // once at the end; later follow batches are not reported
  }

 private:
  void Emit() {
    std::string line = "progress " + std::to_string(done_) + " " +
                       std::to_string(done_ > total_ ? done_ : total_) + "\n";
    if (line == last_line_) return;
    WriteAll(fd_, line);  // a lost progress line is harmless
    last_line_ = std::move(line);
  }
  int fd_;
  std::function<std::uint64_t()> now_;
  std::uint64_t total_ = 0, done_ = 0, last_ = 0;
  std::string last_line_;
};

// kChanged: LOGFILE changed under the reader (copytruncate, rotation): what was
// just read was not printed, and the files must be opened again.
enum class Pumped { kOk, kFailed, kStopped, kChanged };

class Tail {
 public:
  explicit Tail(const TailOptions& o) : o_(o), progress_(o.progress_fd, o.now_ms) {}

  int Run() {
    if (!CheckDirs() || !LoadState()) return kExitFailure;
    if (o_.from_end && !pos_ && !StartAtEnd()) return kExitFailure;
    buf_.resize(kBufSize);
    if (o_.follow) WatchLog();  // before the first read: no change is missed
    Pumped r = Replan(true);
    progress_.Finish();
    if (r == Pumped::kFailed) return kExitFailure;
    if (!Commit()) return kExitFailure;
    if (o_.follow && r == Pumped::kOk) {
      if (Follow() == Pumped::kFailed) return kExitFailure;
      if (!Commit()) return kExitFailure;
    }
    return kExitOk;
  }

 private:
  bool Stopped() const { return o_.stop && *o_.stop; }

  bool CheckDirs() {
    for (const std::string* p : {&o_.state_path, &o_.pending_path}) {
      if (p->empty()) continue;
      std::string dir = DirName(*p);
      struct stat st;
      if (::stat(dir.c_str(), &st) != 0) {
        Warn(ErrnoMessage(dir, errno));
        return false;
      }
      if (!S_ISDIR(st.st_mode)) {
        Warn(ErrnoMessage(dir, ENOTDIR));
        return false;
      }
    }
    return true;
  }

  bool LoadState() {
    if (o_.state_path.empty()) return true;
    TailStateLoad load = LoadTailState(o_.state_path);
    if (!load.error.empty()) {
      Warn(load.error);
      return false;
    }
    pos_ = load.state;
    if (pos_) state_text_ = load.text;
    return true;
  }

  // --from-end without a saved position: the position becomes the end of
  // LOGFILE's last complete line (an unterminated last line is printed once it
  // is complete); rotated siblings are older, so nothing before is printed.
  bool StartAtEnd() {
    OpenLogFiles files = OpenLogFilesOf(o_.log_path, o_.rotated_dirs);
    if (!files.error.empty()) {
      Warn(files.error);
      return false;
    }
    if (!files.facts.live) {
      Warn(ErrnoMessage(o_.log_path, ENOENT) + " (--from-end starts at its end)");
      return false;
    }
    const FileFacts& f = *files.facts.live;
    if (f.kind != SourceKind::kPlain) {
      Warn(o_.log_path + ": --from-end needs a plain (uncompressed) LOGFILE");
      return false;
    }
    std::uint64_t end = f.file_size;
    char buf[4096];
    while (end > 0) {
      std::uint64_t n = std::min<std::uint64_t>(end, sizeof buf);
      ssize_t got = ::pread(files.live_fd.get(), buf, n, static_cast<off_t>(end - n));
      if (got != static_cast<ssize_t>(n)) {
        Warn(ErrnoMessage(o_.log_path, got < 0 ? errno : EIO));
        return false;
      }
      if (auto* nl = static_cast<char*>(::memrchr(buf, '\n', n))) {
        end = end - n + static_cast<std::uint64_t>(nl - buf) + 1;
        break;
      }
      end -= n;
    }
    log_id_ = files.facts.id;
    Record(f, end, false);
    // An empty LOGFILE gives a position with nothing to recognise the file by,
    // and such a position reads every sibling not older than it (rotation.h).
    // Every sibling on disk now is history here, even one that has the same
    // (coarse) modification time as LOGFILE: the position is newer than all.
    if (pos_->fingerprint.length == 0) {
      for (const FileFacts& r : files.facts.rotated) {
        pos_->mtime_ns = std::max(pos_->mtime_ns, r.mtime_ns + 1);
      }
    }
    return true;
  }

  // Writes the position to the pending file, or to the state file if it changed.
  bool Commit() {
    if (!pos_) return true;
    std::string text = FormatTailState(*pos_);
    const std::string& target = o_.pending_path.empty() ? o_.state_path : o_.pending_path;
    std::optional<std::string>& last = o_.pending_path.empty() ? state_text_ : pending_text_;
    if (target.empty() || (last && *last == text)) return true;
    if (auto err = WriteFileAtomically(target, text, kStateMode)) {
      Warn(*err);
      return false;
    }
    last = text;
    return true;
  }

  // Opens the files and plans from the current position. A compressed sibling
  // that may not be read yet (being compressed) is waited for.
  bool OpenAndPlan(OpenLogFiles& files, Plan& plan) {
    std::string waited;
    for (int poll = 0;; ++poll) {
      if (o_.follow) siblings_ = SiblingSignature(o_.log_path, o_.rotated_dirs);
      files = OpenLogFilesOf(o_.log_path, o_.rotated_dirs);
      if (!files.error.empty()) {
        for (const std::string& w : files.warnings) Warn(w);
        Warn(files.error);
        return false;
      }
      plan = MakePlan(files.facts, pos_, o_.log_path);
      if (plan.busy.empty() || Stopped()) break;
      if (poll == kBusyPolls) {
        Warn(plan.error + " (still, after waiting " +
             std::to_string(kBusyPolls * kBusyPollMs / 1000) + " s for it)");
        return false;
      }
      if (waited != plan.busy) {
        Warn(plan.error + "; waiting for it (still being compressed?)");
        waited = plan.busy;
      }
      ::poll(nullptr, 0, kBusyPollMs);
    }
    if (!waited.empty() && plan.error.empty()) Warn(waited + ": readable now; continuing");
    for (const std::string& w : files.warnings) Warn(w);
    for (const std::string& w : plan.warnings) Warn(w);
    if (!plan.error.empty()) {
      Warn(plan.error);
      return false;
    }
    log_id_ = files.facts.id;
    if (plan.found) from_run_ = true;  // the saved position stands until more is read
    return true;
  }

  // Plans from the current position and reads the plan, again as long as
  // LOGFILE changes under the reader. The last step (LOGFILE) stays open in
  // live_ for following.
  Pumped Replan(bool first) {
    for (;;) {
      Pumped r = ReplanOnce(first);
      if (r != Pumped::kChanged) return r;
      first = false;
    }
  }

  Pumped ReplanOnce(bool first) {
    live_.reset();
    OpenLogFiles files;
    Plan plan;
    if (!OpenAndPlan(files, plan)) return Pumped::kFailed;
    if (first) progress_.SetTotal(TotalBytes(files.facts, plan));
    for (const ReadStep& step : plan.steps) {
      FileFacts& f = step.live ? *files.facts.live : files.facts.rotated[step.index];
      Fd& fd = step.live ? files.live_fd : files.rotated_fds[step.index];
      std::string err;
      std::unique_ptr<LogSource> src = LogSource::Open(std::move(fd), f.kind, f.path, err);
      if (!src) {
        Warn(err);
        return Pumped::kFailed;
      }
      std::uint64_t raw = src->RawPosition();
      if (!src->SkipTo(step.from)) {
        if (!src->error().empty()) Warn(src->error());
        Warn(f.path + ": shorter than the saved offset " + std::to_string(step.from) +
             "; continuing after its end");
      } else if (step.align) {
        AlignToLine(*src, f.path);
      }
      progress_.Add(src->RawPosition() - raw);
      carry_ = 0;
      std::optional<std::uint64_t> limit;
      if (step.live && !o_.follow) limit = f.file_size;
      Pumped r = Pump(*src, f, !step.live, limit, step.live && o_.follow);
      if (r != Pumped::kOk) return r;
      if (step.live) {
        live_ = std::move(src);
        live_facts_ = f;
      }
    }
    return Pumped::kOk;
  }

  // An offset inside a line (an older tool's bare integer) moves on to the
  // start of the next line, so that no fragment is printed.
  void AlignToLine(LogSource& src, const std::string& path) {
    int fd = src.PlainFd();
    std::uint64_t from = src.position();
    char c = '\n';
    if (fd < 0 || from == 0 || ::pread(fd, &c, 1, static_cast<off_t>(from - 1)) != 1 || c == '\n') {
      return;
    }
    std::uint64_t at = from;
    char buf[4096];
    for (;;) {
      ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(at));
      if (n <= 0) break;
      if (auto* nl = static_cast<char*>(std::memchr(buf, '\n', static_cast<std::size_t>(n)))) {
        at += static_cast<std::uint64_t>(nl - buf) + 1;
        src.SkipTo(at);
        Warn(path + ": the saved offset " + std::to_string(from) + " is inside a line; skipping " +
             std::to_string(at - from) + " bytes to the start of the next line");
        return;
      }
      at += static_cast<std::uint64_t>(n);
    }
    src.SkipTo(at);
    Warn(path + ": the saved offset " + std::to_string(from) +
         " is inside a line that has no end yet; skipping " + std::to_string(at - from) +
         " bytes to the end of the file");
  }

  static std::uint64_t TotalBytes(const LogFiles& files, const Plan& plan) {
    std::uint64_t total = 0;
    for (const ReadStep& s : plan.steps) {
      const FileFacts& f = s.live ? *files.live : files.rotated[s.index];
      std::uint64_t skip = f.kind == SourceKind::kPlain ? s.from : 0;
      if (f.file_size > skip) total += f.file_size - skip;
    }
    return total;
  }

  // Copies complete lines from `src` to the output. `final`: the file will not
  // grow, so an unterminated last line is printed with a newline appended.
  // The first bytes read are added to f.head, so that it holds what was really
  // read (not only what was seen when the file was opened). `verify`: the file
  // may be truncated in place while it is read (LOGFILE, followed): after each
  // read, its start and its rotated siblings are checked, and the bytes just
  // read are dropped if they changed (the read may have come after the
  // truncation, in the middle of other lines).
  Pumped Pump(LogSource& src, FileFacts& f, bool final, std::optional<std::uint64_t> limit,
              bool verify) {
    Pumped result = Pumped::kOk;
    bool at_end = false;  // the end of the content was reached without an error
    for (;;) {
      if (Stopped()) {
        result = Pumped::kStopped;
        break;
      }
      if (carry_ == buf_.size()) buf_.resize(buf_.size() * 2);  // a very long line
      std::size_t want = buf_.size() - carry_;
      if (limit) {
        if (src.position() >= *limit) break;
        want = std::min<std::uint64_t>(want, *limit - src.position());
      }
      std::uint64_t raw = src.RawPosition();
      ssize_t n = src.Read(buf_.data() + carry_, want);
      progress_.Add(src.RawPosition() - raw);
      if (n < 0 && f.kind == SourceKind::kGzip) {
        Warn(src.error() + "; the rest of this file is skipped");
        break;
      }
      if (n < 0) {
        Warn(src.error());
        return Pumped::kFailed;
      }
      if (n == 0) {
        at_end = true;
        break;
      }
      std::uint64_t at = src.position() - static_cast<std::uint64_t>(n);
      if (verify && LiveChanged(src, f)) {
        Record(f, at - carry_, false);
        carry_ = 0;
        return Pumped::kChanged;
      }
      KeepHead(f, at, buf_.data() + carry_, static_cast<std::size_t>(n));
      std::size_t len = carry_ + static_cast<std::size_t>(n);
      auto* nl = static_cast<char*>(::memrchr(buf_.data() + carry_, '\n', n));
      carry_ = len;
      if (!nl) continue;
      std::size_t upto = static_cast<std::size_t>(nl - buf_.data()) + 1;
      if (!Emit(f, at + static_cast<std::uint64_t>(n) - len, upto)) return Pumped::kFailed;
      std::memmove(buf_.data(), buf_.data() + upto, len - upto);
      carry_ = len - upto;
      if (buf_.size() > kBufSize && carry_ < kBufSize) {
        buf_.resize(kBufSize);
        buf_.shrink_to_fit();
      }
    }
    if (final && carry_ > 0 && result == Pumped::kOk) {
      std::uint64_t first = src.position() - carry_;
      if (carry_ == buf_.size()) buf_.resize(buf_.size() + 1);
      buf_[carry_++] = '\n';
      if (!Emit(f, first, carry_)) return Pumped::kFailed;
      carry_ = 0;
    }
    Record(f, src.position() - carry_, final && at_end && result == Pumped::kOk);
    return result;
  }

  // Extends f.head (the file's first bytes) with `n` bytes read at `at`.
  static void KeepHead(FileFacts& f, std::uint64_t at, const char* p, std::size_t n) {
    std::size_t have = f.head.size();
    if (have >= kFingerprintMax || at > have || at + n <= have) return;
    std::size_t skip = have - static_cast<std::size_t>(at);
    f.head.append(p + skip, std::min(n - skip, kFingerprintMax - have));
  }

  // Writes buf_[0, n), bytes of `f` from `file_offset` on, to the output,
  // after the map record saying so when the output's run of `f` breaks.
  bool Emit(const FileFacts& f, std::uint64_t file_offset, std::size_t n) {
    if (o_.map_fd >= 0) {
      std::string record = map_.Next(out_bytes_, f.path, file_offset);
      if (!record.empty() && !WriteAll(o_.map_fd, record)) {
        Warn(ErrnoMessage("--map-fd " + std::to_string(o_.map_fd), errno));
        return false;
      }
    }
    out_bytes_ += n;
    if (WriteAll(o_.out_fd, std::string_view(buf_.data(), n))) return true;
    Warn(ErrnoMessage("standard output", errno));
    return false;
  }

  // Remembers `offset` in `f` as the position to commit; `complete`: `f` is a
  // rotated file read to its end. The start of an empty file proves nothing, so
  // it does not replace a position found or read in this run.
  void Record(const FileFacts& f, std::uint64_t offset, bool complete) {
    TailState st;
    st.device = f.device;
    st.inode = f.inode;
    st.fingerprint = FingerprintOf(f.head);
    st.offset = offset;
    st.log = log_id_;
    st.birth_ns = f.birth_ns;
    st.mtime_ns = f.mtime_ns;
    st.complete = complete;
    if (from_run_ && offset == 0 && st.fingerprint.length == 0) return;
    pos_ = st;
    from_run_ = true;
  }

  // True when LOGFILE, open in `src`, no longer starts with what was seen and
  // read of it, or its rotated siblings changed.
  bool LiveChanged(const LogSource& src, const FileFacts& f) {
    std::string fresh, err;
    if (!ReadHead(src.PlainFd(), SourceKind::kPlain, kFingerprintMax, fresh, err)) return false;
    if (fresh.compare(0, f.head.size(), f.head) != 0) return true;
    return SiblingSignature(o_.log_path, o_.rotated_dirs) != siblings_;
  }

  // True when LOGFILE shrank below what was read or its start is no longer what
  // was seen and read of it.
  bool LiveTruncated() {
    int fd = live_->PlainFd();
    struct stat st;
    if (fd < 0 || ::fstat(fd, &st) != 0) return false;
    if (static_cast<std::uint64_t>(st.st_size) < live_->position()) return true;
    std::string fresh, err;
    if (!ReadHead(fd, SourceKind::kPlain, kFingerprintMax, fresh, err)) return false;
    return fresh.compare(0, live_facts_.head.size(), live_facts_.head) != 0;
  }

  // Wakes Follow() when an entry named like LOGFILE or its siblings changes in
  // the directories of LOGFILE, of its target (symlinks resolved) and of
  // --rotated-dir: a write, a rename, a create, a delete, a chmod. Without
  // inotify (or with too many watches already), Follow() polls every poll_ms;
  // with it, poll_ms is only the longest wait, catching anything missed.
  void WatchLog() {
    SiblingPlaces places = SiblingPlacesOf(o_.log_path, o_.rotated_dirs);
    std::vector<std::string> names = {BaseName(o_.log_path), BaseName(places.target)};
    std::vector<std::string> dirs = {DirName(o_.log_path)};
    for (const std::string& d : places.dirs) {
      // An olddir not made yet (createolddir) is left out: the rotation that
      // makes it also renames LOGFILE, in a watched directory.
      struct stat st;
      if (std::find(dirs.begin(), dirs.end(), d) == dirs.end() && ::stat(d.c_str(), &st) == 0) {
        dirs.push_back(d);
      }
    }
    waiter_ = ChangeWaiter(
        [names](std::string_view entry) {
          for (const std::string& n : names) {
            if (entry.starts_with(n)) return true;  // LOGFILE, or a sibling's name
          }
          return false;
        },
        o_.now_ms);
    (void)waiter_.Watch(dirs);  // on failure: plain polling, as good if slower
  }

  // Waits for LOGFILE to change (WatchLog) or poll_ms: prints lines as they
  // complete; after a rename drains the old file and replans; after a
  // truncation, or when the rotated files changed (a copytruncate of a file
  // nothing was read from yet), replans from the committed position.
  Pumped Follow() {
    sigset_t stop_signals;  // the signals that set o_.stop (TailOptions)
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    while (!Stopped()) {
      if (waiter_.Wait(o_.poll_ms, o_.stop, &stop_signals) == WaitResult::kStopped) break;
      struct stat st;
      bool exists = ::stat(o_.log_path.c_str(), &st) == 0;  // absent: between rename and create
      bool renamed =
          exists && (!live_ || st.st_dev != live_facts_.device || st.st_ino != live_facts_.inode);
      bool truncated = exists && !renamed && LiveTruncated();
      if (exists && !renamed && !truncated &&
          SiblingSignature(o_.log_path, o_.rotated_dirs) != siblings_) {
        truncated = true;
      }
      Pumped r = Pumped::kOk;
      if (live_ && !truncated) r = Pump(*live_, live_facts_, renamed, std::nullopt, !renamed);
      if (r == Pumped::kChanged) {
        truncated = true;
        r = Pumped::kOk;
      }
      if (r == Pumped::kOk && (renamed || truncated)) {
        carry_ = 0;  // after a truncation the held-back line is read from the copy
        r = Replan(false);
      }
      if (r == Pumped::kFailed) return r;
      if (!Commit()) return Pumped::kFailed;
      if (r == Pumped::kStopped) break;
    }
    return Pumped::kOk;
  }

  const TailOptions& o_;
  Progress progress_;
  std::optional<TailState> pos_;           // the position to commit
  bool from_run_ = false;                  // pos_ was set by reading in this run
  std::optional<std::string> state_text_;  // the state file's bytes on disk
  std::optional<std::string> pending_text_;
  std::vector<char> buf_;
  std::size_t carry_ = 0;        // bytes of an unterminated line at the start of buf_
  InputMapWriter map_;           // --map-fd
  std::uint64_t out_bytes_ = 0;  // written to the output so far
  std::unique_ptr<LogSource> live_;
  FileFacts live_facts_;
  std::string log_id_;    // LOGFILE, symlinks resolved, saved with the position
  std::string siblings_;  // SiblingSignature when the files were last opened (follow)
  ChangeWaiter waiter_;   // wakes Follow() (WatchLog)
};

}  // namespace

int RunTail(const TailOptions& options) { return Tail(options).Run(); }

}  // namespace mls
