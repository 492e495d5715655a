#include "rotation.h"

#include <algorithm>
#include <cerrno>

#include "diag.h"
#include "number.h"

namespace mls {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Strips a compression extension from `s` and returns the kind it implies.
SourceKind StripCompression(std::string_view& s) {
  static constexpr std::string_view kOther[] = {".bz2", ".xz", ".zst", ".lz4", ".Z"};
  if (s.size() > 3 && s.substr(s.size() - 3) == ".gz") {
    s.remove_suffix(3);
    return SourceKind::kGzip;
  }
  for (std::string_view ext : kOther) {
    if (s.size() > ext.size() && s.substr(s.size() - ext.size()) == ext) {
      s.remove_suffix(ext.size());
      return SourceKind::kUnsupported;
    }
  }
  return SourceKind::kPlain;
}

int KindRank(SourceKind k) { return k == SourceKind::kPlain ? 0 : k == SourceKind::kGzip ? 1 : 2; }

bool SameSlot(const SiblingName& a, const SiblingName& b) {
  return a.dated == b.dated && a.number == b.number && a.date == b.date && a.dir == b.dir;
}

bool DateChars(std::string_view s) {
  return !s.empty() && s[0] >= '0' && s[0] <= '9' &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace

std::optional<SiblingName> ClassifySibling(std::string_view base, std::string_view name) {
  if (name.size() <= base.size() || name.substr(0, base.size()) != base) return std::nullopt;
  SiblingName s;
  s.suffix = std::string(name.substr(base.size()));
  std::string_view rest = s.suffix;
  s.kind = StripCompression(rest);
  if (rest.size() < 2) return std::nullopt;
  std::string_view tail = rest.substr(1);
  if (rest[0] == '.' && tail.size() <= 7) {
    if (std::optional<std::uint64_t> n = ParseNumber<std::uint64_t>(tail); n && AllDigits(tail)) {
      s.number = *n;
      return s;
    }
  }
  bool dash_date = rest[0] == '-' && DateChars(tail);
  bool dot_date = rest[0] == '.' && DateChars(tail) && tail.size() >= 8 && tail.size() <= 19;
  if (dash_date || dot_date) {
    s.dated = true;
    s.date = std::string(tail);
    return s;
  }
  return std::nullopt;
}

void OrderSiblings(std::vector<SiblingName>& v) {
  std::sort(v.begin(), v.end(), [](const SiblingName& a, const SiblingName& b) {
    if (a.dated != b.dated) return a.dated;  // by name, dated ones are the older
    if (a.dated && a.date != b.date) return a.date < b.date;
    if (!a.dated && a.number != b.number) return a.number > b.number;
    if (a.dir != b.dir) return a.dir < b.dir;
    return KindRank(a.kind) < KindRank(b.kind);
  });
  v.erase(std::unique(v.begin(), v.end(), SameSlot), v.end());
}

std::vector<std::size_t> AgeOrder(const std::vector<FileFacts>& by_name) {
  std::vector<std::size_t> order(by_name.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&by_name](std::size_t a, std::size_t b) {
    return by_name[a].mtime_ns < by_name[b].mtime_ns;
  });
  return order;
}

std::optional<std::uint64_t> FileFacts::ContentSize() const {
  if (kind == SourceKind::kPlain) return file_size;
  return std::nullopt;
}

namespace {

class Planner {
 public:
  Planner(const LogFiles& files, std::string_view log_path) : files_(files), log_(log_path) {}

  Plan FirstRun() {
    ReadFrom(0);
    return std::move(plan_);
  }

  Plan Legacy(std::uint64_t offset) {
    if (!files_.live) {
      Warn(ErrnoMessage(log_, ENOENT) + "; nothing read");
      return std::move(plan_);
    }
    if (files_.live->file_size < offset) {
      Warn(log_ + ": shorter than the saved offset " + std::to_string(offset) +
           "; reading from the start");
      offset = 0;
    }
    Add(true, 0, offset);
    if (!plan_.steps.empty()) plan_.steps.back().align = offset > 0;
    return std::move(plan_);
  }

  Plan Resume(const TailState& st) {
    // Nothing had been read from the file of the position (it was empty): its
    // lines may have been rotated away since, so every file that is not older
    // than it is read from its start.
    if (st.fingerprint.length == 0) {
      ReadNotOlder(st);
      return std::move(plan_);
    }
    const FileFacts* live = files_.live ? &*files_.live : nullptr;
    const auto& rot = files_.rotated;
    // Pass 1: the very same file (device, inode, birth time), its start unchanged.
    if (live && Matches(*live, st, true)) return ResumeLive(st.offset);
    for (std::size_t i = rot.size(); i-- > 0;) {
      if (Matches(rot[i], st, true)) return ResumeIn(i, st, true);
    }
    // Pass 2: a copy (copytruncate, or compressed) with the same start.
    for (std::size_t i = rot.size(); i-- > 0;) {
      if (Matches(rot[i], st, false)) return ResumeIn(i, st, false);
    }
    if (live && Matches(*live, st, false)) return ResumeLive(st.offset);
    for (const FileFacts& f : rot) {
      if (!f.error.empty()) return Fail(f);
    }
    if (!st.log.empty() && !files_.id.empty() && st.log != files_.id) {
      Warn(log_ + ": the saved position is in another log (" + st.log +
           "); reading the whole history of " + log_);
      return FirstRun();
    }
    return Lost(st);
  }

 private:
  static bool SameFile(const FileFacts& f, const TailState& st) {
    if (f.device != st.device || f.inode != st.inode) return false;
    return f.birth_ns == 0 || st.birth_ns == 0 || f.birth_ns == st.birth_ns;
  }

  static bool Matches(const FileFacts& f, const TailState& st, bool by_inode) {
    if (!f.error.empty() || f.kind == SourceKind::kUnsupported) return false;
    if (by_inode && !SameFile(f, st)) return false;
    if (!FingerprintMatches(st.fingerprint, f.head)) return false;
    auto size = f.ContentSize();
    return !size || *size >= st.offset;
  }

  Plan ResumeLive(std::uint64_t offset) {
    plan_.found = true;
    Add(true, 0, offset);
    return std::move(plan_);
  }

  // The position is in rotated file `i`. A compressed file identified as the
  // very one read to its end last time holds nothing new: not even decompressed.
  Plan ResumeIn(std::size_t i, const TailState& st, bool same_file) {
    plan_.found = true;
    bool finished = same_file && st.complete && files_.rotated[i].kind == SourceKind::kGzip;
    if (!finished) Add(false, i, st.offset);
    ReadFrom(i + 1);
    return std::move(plan_);
  }

  // Reads every rotated file that is not older (by modification time) than the
  // file of `st` when it was saved, then LOGFILE; all of them if that time is
  // unknown. Returns how many rotated files are older, not read.
  std::size_t ReadNotOlder(const TailState& st) {
    std::size_t older = 0;
    for (std::size_t i = 0; i < files_.rotated.size(); ++i) {
      if (st.mtime_ns != 0 && files_.rotated[i].mtime_ns < st.mtime_ns) {
        ++older;
      } else {
        Add(false, i, 0);
      }
    }
    if (files_.live) Add(true, 0, 0);
    return older;
  }

  // The file of the saved position is not on disk any more: what it held after
  // the offset is lost; every file that is not older than it is read whole.
  Plan Lost(const TailState& st) {
    const FileFacts* live = files_.live ? &*files_.live : nullptr;
    std::size_t older = ReadNotOlder(st);
    std::size_t newer = files_.rotated.size() - older;
    std::string what;
    if (!live && newer == 0) {
      what = log_ + " is missing; nothing read";
    } else {
      what = "reading ";
      if (newer > 0) what += std::to_string(newer) + " rotated file(s) and ";
      what += live ? log_ + " from the start" : log_ + " (missing)";
    }
    if (older > 0) what += "; " + std::to_string(older) + " older rotated file(s) not read again";
    std::string offset = std::to_string(st.offset);
    bool same_inode = live && live->device == st.device && live->inode == st.inode;
    if (same_inode && SameFile(*live, st)) {
      bool unsure = live->birth_ns == 0 || st.birth_ns == 0;
      Warn(log_ + ": truncated in place since the saved position (copytruncate" +
           (unsure ? ", or a new file that reuses the inode number" : "") +
           ") and no rotated copy holds the lines after offset " + offset + ": they are lost; " +
           what);
    } else {
      Warn(log_ +
           ": the file of the saved position is gone (rotated away or deleted); the lines "
           "after its offset " +
           offset + " are lost; " + what);
    }
    return std::move(plan_);
  }

  // Every rotated file from index `first` on, then LOGFILE, from their starts.
  void ReadFrom(std::size_t first) {
    for (std::size_t i = first; i < files_.rotated.size(); ++i) Add(false, i, 0);
    if (files_.live) Add(true, 0, 0);
  }

  void Add(bool live, std::size_t index, std::uint64_t from) {
    if (!plan_.error.empty()) return;
    const FileFacts& f = live ? *files_.live : files_.rotated[index];
    if (!f.error.empty()) {
      plan_.steps.clear();
      plan_.error = f.error;
      if (f.busy) plan_.busy = f.path;
      return;
    }
    if (f.kind == SourceKind::kUnsupported) {
      Warn(f.path + ": compressed with an unsupported method; skipped");
      return;
    }
    plan_.steps.push_back({live, index, from});
  }

  void Warn(std::string msg) { plan_.warnings.push_back(std::move(msg)); }

  Plan Fail(const FileFacts& f) {
    Plan p;
    p.error = f.error;
    if (f.busy) p.busy = f.path;
    return p;
  }

  const LogFiles& files_;
  std::string log_;
  Plan plan_;
};

}  // namespace

Plan MakePlan(const LogFiles& files, const std::optional<TailState>& state,
              std::string_view log_path) {
  Planner planner(files, log_path);
  if (!files.live && files.rotated.empty()) {
    Plan p;
    p.error = ErrnoMessage(log_path, ENOENT);
    return p;
  }
  if (!state) return planner.FirstRun();
  if (state->legacy) return planner.Legacy(state->offset);
  return planner.Resume(*state);
}

}  // namespace mls
