#include "txn.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "atomic_file.h"
#include "diag.h"

namespace mls {
namespace {

constexpr std::string_view kMagic = "maillogsentinel-txn 1\n";

void PutField(std::string& out, std::string_view name, const std::optional<std::string>& v) {
  out.append(name);
  if (!v) {
    out += " -\n";
    return;
  }
  out += " " + std::to_string(v->size()) + "\n";
  out += *v;
  out += "\n";
}

// Reads "NAME LEN\nBYTES\n" or "NAME -\n" at the front of `text`.
bool GetField(std::string_view& text, std::string_view name, std::optional<std::string>& v) {
  if (text.substr(0, name.size()) != name || text.size() <= name.size() ||
      text[name.size()] != ' ') {
    return false;
  }
  text.remove_prefix(name.size() + 1);
  std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return false;
  std::string_view len_text = text.substr(0, nl);
  text.remove_prefix(nl + 1);
  if (len_text == "-") {
    v.reset();
    return true;
  }
  std::size_t len = 0;
  auto [p, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (len_text.empty() || ec != std::errc() || p != len_text.data() + len_text.size()) {
    return false;
  }
  if (text.size() < len + 1 || text[len] != '\n') return false;
  v = std::string(text.substr(0, len));
  text.remove_prefix(len + 1);
  return true;
}

// fsync of the directory holding `path`.
std::optional<std::string> SyncDirOf(const std::string& path) { return SyncDir(DirName(path)); }

// Whole file; nullopt content when absent. Journals and state files are small.
std::optional<std::string> ReadFile(const std::string& path, std::optional<std::string>& content) {
  return ReadWholeFile(path, content, /*missing_ok=*/true, std::size_t{16} << 20);
}

std::optional<std::string> FileSize(const std::string& path, std::optional<std::uint64_t>& size) {
  size.reset();
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    return ErrnoMessage(path, errno);
  }
  size = static_cast<std::uint64_t>(st.st_size);
  return std::nullopt;
}

std::optional<std::string> RemoveIfPresent(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoMessage(path, errno);
  return std::nullopt;
}

// Temporary files WriteFileAtomically leaves when killed ("PATH.tmpXXXXXX").
void RemoveTempSiblings(const std::string& path) {
  std::string dir = DirName(path);
  std::string prefix = path.substr(path.find_last_of('/') + 1) + ".tmp";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name.size() == prefix.size() + 6 && name.substr(0, prefix.size()) == prefix) {
      ::unlink((dir + "/" + std::string(name)).c_str());
    }
  }
  ::closedir(d);
}

std::optional<std::string> LoadJournal(const std::string& path, std::optional<Journal>& journal) {
  journal.reset();
  std::optional<std::string> text;
  if (auto err = ReadFile(path, text)) return err;
  if (!text) return std::nullopt;
  journal = DecodeJournal(*text);
  if (!journal)
    return path + ": malformed transaction journal (remove it only after checking the CSV)";
  return std::nullopt;
}

// Undoes the run `j` describes; removes the journal last.
TxnResult Undo(const TxnPaths& paths, const Journal& j) {
  TxnResult r;
  std::optional<std::uint64_t> now;
  if (auto err = FileSize(j.csv, now)) return {err, ""};
  if (!j.csv_size) {
    if (now) {
      if (::unlink(j.csv.c_str()) != 0) return {ErrnoMessage(j.csv, errno), ""};
      if (auto err = SyncDirOf(j.csv)) return {err, ""};
      r.note = "removed " + j.csv + " (" + std::to_string(*now) +
               " bytes) created by an uncommitted run";
    }
  } else if (now && *now > *j.csv_size) {
    if (::truncate(j.csv.c_str(), static_cast<off_t>(*j.csv_size)) != 0) {
      return {ErrnoMessage(j.csv, errno), ""};
    }
    if (auto err = SyncFile(j.csv)) return {err, ""};
    r.note = "truncated " + j.csv + " from " + std::to_string(*now) + " to " +
             std::to_string(*j.csv_size) + " bytes (uncommitted rows)";
  } else if (!now || *now < *j.csv_size) {
    r.note = j.csv + " is smaller than before the uncommitted run (" +
             (now ? std::to_string(*now) : std::string("absent")) + " < " +
             std::to_string(*j.csv_size) + " bytes); left alone";
  }
  if (auto err = RemoveIfPresent(j.csv + ".journal")) return {err, ""};
  if (auto err = RemoveIfPresent(j.pending)) return {err, ""};
  RemoveTempSiblings(j.pending);
  if (auto err = SyncDirOf(j.pending)) return {err, ""};
  if (auto err = RemoveIfPresent(paths.journal)) return {err, ""};
  if (auto err = SyncDirOf(paths.journal)) return {err, ""};
  return r;
}

}  // namespace

TxnPaths MakeTxnPaths(const Config& config) {
  return TxnPaths{config.state_dir + "/txn.journal", config.StatePath(),
                  config.StatePath() + ".pending", config.CsvPath()};
}

std::string EncodeJournal(const Journal& j) {
  std::string out(kMagic);
  PutField(out, "csv", j.csv);
  PutField(out, "csv_size", j.csv_size ? std::optional(std::to_string(*j.csv_size)) : std::nullopt);
  PutField(out, "pending", j.pending);
  PutField(out, "state", j.state);
  return out;
}

std::optional<Journal> DecodeJournal(std::string_view text) {
  if (text.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  text.remove_prefix(kMagic.size());
  Journal j;
  std::optional<std::string> csv, size, pending;
  if (!GetField(text, "csv", csv) || !csv || !GetField(text, "csv_size", size) ||
      !GetField(text, "pending", pending) || !pending || !GetField(text, "state", j.state) ||
      !text.empty()) {
    return std::nullopt;
  }
  j.csv = *csv;
  j.pending = *pending;
  if (size) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(size->data(), size->data() + size->size(), v);
    if (size->empty() || ec != std::errc() || p != size->data() + size->size()) return std::nullopt;
    j.csv_size = v;
  }
  return j;
}

TxnResult Recover(const TxnPaths& paths) {
  RemoveTempSiblings(paths.journal);
  std::optional<Journal> j;
  if (auto err = LoadJournal(paths.journal, j)) return {err, ""};
  if (!j) return {};
  std::optional<std::string> state;
  if (auto err = ReadFile(paths.state, state)) return {err, ""};
  if (state != j->state) {
    if (auto err = RemoveIfPresent(paths.journal)) return {err, ""};
    if (auto err = SyncDirOf(paths.journal)) return {err, ""};
    return {std::nullopt, "the last run committed before it was interrupted; journal dropped"};
  }
  TxnResult r = Undo(paths, *j);
  if (!r.error) {
    r.note = "rolled back an interrupted run" + (r.note.empty() ? "" : ": " + r.note);
  }
  return r;
}

TxnResult Begin(const TxnPaths& paths) {
  Journal j;
  j.csv = paths.csv;
  j.pending = paths.pending;
  if (auto err = FileSize(paths.csv, j.csv_size)) return {err, ""};
  if (auto err = ReadFile(paths.state, j.state)) return {err, ""};
  if (auto err = RemoveIfPresent(paths.pending)) return {err, ""};
  if (auto err = WriteFileAtomically(paths.journal, EncodeJournal(j), 0640)) return {err, ""};
  return {};
}

TxnResult Commit(const TxnPaths& paths) {
  std::optional<Journal> j;
  if (auto err = LoadJournal(paths.journal, j)) return {err, ""};
  if (!j) return {paths.journal + ": no transaction to commit", ""};
  std::optional<std::uint64_t> now;
  if (auto err = FileSize(j->csv, now)) return {err, ""};
  if (now) {
    if (auto err = SyncFile(j->csv)) return {err, ""};
  }
  if (::access(j->pending.c_str(), F_OK) != 0) {
    if (errno != ENOENT) return {ErrnoMessage(j->pending, errno), ""};
    if (now != j->csv_size) {
      return {j->pending + ": missing although the CSV changed; nothing committed", ""};
    }
  } else {
    if (::rename(j->pending.c_str(), paths.state.c_str()) != 0) {
      return {ErrnoMessage(paths.state, errno), ""};
    }
    if (auto err = SyncDirOf(paths.state)) return {err, ""};
  }
  if (auto err = RemoveIfPresent(paths.journal)) return {err, ""};
  if (auto err = SyncDirOf(paths.journal)) return {err, ""};
  return {};
}

TxnResult Rollback(const TxnPaths& paths) {
  std::optional<Journal> j;
  if (auto err = LoadJournal(paths.journal, j)) return {err, ""};
  if (!j) return {};
  return Undo(paths, *j);
}

}  // namespace mls
