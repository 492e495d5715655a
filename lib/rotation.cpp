#include "rotation.h"

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "diag.h"

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
  return a.dated == b.dated && a.number == b.number && a.date == b.date;
}

}  // namespace

std::optional<SiblingName> ClassifySibling(std::string_view base, std::string_view name) {
  if (name.size() <= base.size() || name.substr(0, base.size()) != base) return std::nullopt;
  SiblingName s;
  s.suffix = std::string(name.substr(base.size()));
  std::string_view rest = s.suffix;
  s.kind = StripCompression(rest);
  if (rest.size() >= 2 && rest[0] == '.' && AllDigits(rest.substr(1))) {
    auto [p, ec] = std::from_chars(rest.data() + 1, rest.data() + rest.size(), s.number);
    if (ec != std::errc()) return std::nullopt;
    return s;
  }
  if (rest.size() >= 2 && rest[0] == '-' && rest[1] >= '0' && rest[1] <= '9' &&
      std::all_of(rest.begin() + 1, rest.end(),
                  [](char c) { return (c >= '0' && c <= '9') || c == '-'; })) {
    s.dated = true;
    s.date = std::string(rest.substr(1));
    return s;
  }
  return std::nullopt;
}

void OrderSiblings(std::vector<SiblingName>& v) {
  std::sort(v.begin(), v.end(), [](const SiblingName& a, const SiblingName& b) {
    if (a.dated != b.dated) return a.dated;  // dated ones are the older
    if (a.dated && a.date != b.date) return a.date < b.date;
    if (!a.dated && a.number != b.number) return a.number > b.number;
    return KindRank(a.kind) < KindRank(b.kind);
  });
  v.erase(std::unique(v.begin(), v.end(), SameSlot), v.end());
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
    return std::move(plan_);
  }

  Plan Resume(const TailState& st) {
    const FileFacts* live = files_.live ? &*files_.live : nullptr;
    const auto& rot = files_.rotated;
    // Pass 1: the very same file (device and inode), its start unchanged.
    if (live && Matches(*live, st, true)) {
      Add(true, 0, st.offset);
      return std::move(plan_);
    }
    for (std::size_t i = rot.size(); i-- > 0;) {
      if (Matches(rot[i], st, true)) return ResumeIn(i, st.offset);
    }
    // Pass 2: a copy (copytruncate, or compressed) with the same start.
    for (std::size_t i = rot.size(); i-- > 0;) {
      if (Matches(rot[i], st, false)) return ResumeIn(i, st.offset);
    }
    if (live && Matches(*live, st, false)) {
      Add(true, 0, st.offset);
      return std::move(plan_);
    }
    for (const FileFacts& f : rot) {
      if (!f.error.empty()) return Fail(f.error);
    }
    if (!live) {
      Warn(log_ + ": the file of the saved position was not found and " + log_ +
           " is missing; nothing read");
      return std::move(plan_);
    }
    if (live->device == st.device && live->inode == st.inode) {
      Warn(log_ +
           ": truncated since the saved position (copytruncate?) and no rotated copy "
           "holds the unread lines; reading from the start");
    } else {
      Warn(log_ +
           ": the file of the saved position was not found (rotated away?); "
           "reading from the start");
    }
    Add(true, 0, 0);
    return std::move(plan_);
  }

 private:
  static bool Matches(const FileFacts& f, const TailState& st, bool by_inode) {
    if (!f.error.empty() || f.kind == SourceKind::kUnsupported) return false;
    bool same = f.device == st.device && f.inode == st.inode;
    if (by_inode && !same) return false;
    if (st.fingerprint.length == 0) {
      // An empty start proves nothing: only the same plain file qualifies.
      if (!by_inode || f.kind != SourceKind::kPlain) return false;
    }
    if (!FingerprintMatches(st.fingerprint, f.head)) return false;
    auto size = f.ContentSize();
    return !size || *size >= st.offset;
  }

  Plan ResumeIn(std::size_t i, std::uint64_t offset) {
    Add(false, i, offset);
    ReadFrom(i + 1);
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
      return;
    }
    if (f.kind == SourceKind::kUnsupported) {
      Warn(f.path + ": compressed with an unsupported method; skipped");
      return;
    }
    plan_.steps.push_back({live, index, from});
  }

  void Warn(std::string msg) { plan_.warnings.push_back(std::move(msg)); }

  Plan Fail(const std::string& error) {
    Plan p;
    p.error = error;
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
