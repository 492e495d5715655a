#include "journal_tail.h"

#include <dirent.h>
#include <fcntl.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "atomic_file.h"
#include "diag.h"
#include "fd_io.h"
#include "local_time.h"
#include "number.h"

namespace mls {
namespace {

constexpr std::string_view kMagic = "mls-tail-journal 1\n";
constexpr mode_t kStateMode = 0640;
constexpr std::size_t kFlushBytes = std::size_t{1} << 20;

std::string SdError(const std::string& what, int r) { return what + ": " + std::strerror(-r); }

// The local time of a second, cached: entries come many to a second.
class StampCache {
 public:
  void Get(std::time_t t, std::string_view& stamp, std::string_view& offset) {
    if (t != second_) {
      second_ = t;
      iso_ = FormatLocalIso(t);  // "2026-01-01T10:00:00+01:00"
    }
    stamp = std::string_view(iso_).substr(0, 19);
    offset = std::string_view(iso_).substr(19);
  }

 private:
  std::time_t second_ = -1;
  std::string iso_;
};

class JournalTail {
 public:
  explicit JournalTail(const JournalTailOptions& o) : o_(o) {}
  ~JournalTail() {
    if (j_) sd_journal_close(j_);
  }

  int Run() {
    if (!LoadPosition()) return 1;
    for (const std::string& dir : Dirs()) {
      std::vector<std::string> bad = UnreadableJournalFiles(dir);
      if (bad.empty()) continue;
      Warn(bad.front() +
           (bad.size() > 1 ? " (and " + std::to_string(bad.size() - 1) + " more)" : std::string()) +
           ": this user cannot read the journal, and would see no Postfix entries; add it to "
           "group systemd-journal (usermod -aG systemd-journal USER), then log in again");
      return 1;
    }
    int r = o_.directory.empty() ? sd_journal_open(&j_, SD_JOURNAL_LOCAL_ONLY)
                                 : sd_journal_open_directory(&j_, o_.directory.c_str(), 0);
    if (r < 0) {
      Warn(SdError("cannot open the journal" +
                       (o_.directory.empty() ? std::string() : " in " + o_.directory),
                   r));
      return 1;
    }
    sd_journal_set_data_threshold(j_, 0);
    for (const std::string& m : o_.matches) {
      if ((r = sd_journal_add_match(j_, m.data(), m.size())) < 0) {
        Warn(SdError("--match " + m, r));
        return 2;
      }
    }
    if (!Seek()) return 1;
    if (!Read()) return 1;
    if (o_.stats)
      Warn("entries=" + std::to_string(entries_) + " printed=" + std::to_string(printed_) +
           " suppressed=" + std::to_string(suppressed_));
    if (suppressed_ > 0)
      Warn("journald dropped " + std::to_string(suppressed_) +
           " Postfix messages (its rate limit: \"Suppressed N messages\"): failures among them "
           "are missing; raise RateLimitBurst= in journald.conf");
    return Commit() ? 0 : 1;
  }

  std::uint64_t entries() const { return entries_; }

 private:
  std::vector<std::string> Dirs() const {
    if (!o_.directory.empty()) return {o_.directory};
    return {"/var/log/journal", "/run/log/journal"};
  }

  bool LoadPosition() {
    if (o_.state_path.empty()) return true;
    std::optional<std::string> text;
    if (auto err = ReadWholeFile(o_.state_path, text, true, 1 << 20)) {
      Warn(*err);
      return false;
    }
    if (!text) return true;
    std::string error;
    pos_ = ParseJournalPosition(*text, o_.state_path, error);
    if (!pos_) {
      Warn(error + " (remove it, or maillogsentinel --reset, to read the whole journal again)");
      return false;
    }
    return true;
  }

  bool Seek() {
    int r;
    if (pos_ && !pos_->cursor.empty()) {
      if ((r = sd_journal_seek_cursor(j_, pos_->cursor.c_str())) < 0) {
        Warn(o_.state_path + ": the saved journal cursor is corrupt (" + std::strerror(-r) +
             "); nothing read. Remove it, or maillogsentinel --reset, to read the whole journal "
             "again");
        return false;
      }
      r = sd_journal_next(j_);
      if (r > 0 && sd_journal_test_cursor(j_, pos_->cursor.c_str()) > 0) return true;
      // The entry is gone: go on after its time.
      Warn(o_.state_path +
           ": the entry of the saved position is no longer in the journal (vacuumed, or another "
           "journal's): going on with the entries after " +
           FormatLocalIso(static_cast<std::time_t>(pos_->realtime_usec / 1000000)) +
           "; entries in between may be missing");
      if ((r = sd_journal_seek_realtime_usec(j_, pos_->realtime_usec + 1)) < 0) {
        Warn(SdError("journal", r));
        return false;
      }
      return true;
    }
    if (!pos_ && o_.from_end) {
      if ((r = sd_journal_seek_tail(j_)) < 0 || (r = sd_journal_previous(j_)) < 0) {
        Warn(SdError("journal", r));
        return false;
      }
      if (r > 0) Remember();
      pos_ = last_.cursor.empty() ? JournalPosition{} : last_;
      return true;
    }
    if ((r = sd_journal_seek_head(j_)) < 0) {
      Warn(SdError("journal", r));
      return false;
    }
    return true;
  }

  // The current entry as the position.
  void Remember() {
    char* c = nullptr;
    if (sd_journal_get_cursor(j_, &c) >= 0 && c) {
      last_.cursor = c;
      std::free(c);
      std::uint64_t t = 0;
      if (sd_journal_get_realtime_usec(j_, &t) >= 0) last_.realtime_usec = t;
    }
  }

  bool Read() {
    for (;;) {
      int r = sd_journal_next(j_);
      if (r < 0) {
        Warn(SdError("journal", r));
        return false;
      }
      if (r == 0) {
        if (!Flush()) return false;
        if (!o_.follow || (o_.stop && *o_.stop)) break;
        r = sd_journal_wait(j_, static_cast<std::uint64_t>(o_.poll_ms) * 1000);
        if (r < 0 && r != -EINTR) {
          Warn(SdError("journal", r));
          return false;
        }
        continue;
      }
      ++entries_;
      read_any_ = true;
      Entry();
      if (out_.size() >= kFlushBytes && !Flush()) return false;
      if (o_.stop && *o_.stop) {
        if (!Flush()) return false;
        break;
      }
    }
    if (read_any_) Remember();
    return true;
  }

  // One pass over the entry's fields (sd_journal_get_data would pass once per
  // field asked for): the identifier, host, pid and message, copied out (the
  // library reuses its buffer for compressed data).
  void Entry() {
    ident_.clear();
    host_.clear();
    pid_.clear();
    message_.clear();
    bool message = false;
    const void* data;
    std::size_t len;
    sd_journal_restart_data(j_);
    while (sd_journal_enumerate_available_data(j_, &data, &len) > 0) {
      const std::string_view f(static_cast<const char*>(data), len);
      if (f.starts_with("SYSLOG_IDENTIFIER="))
        ident_.assign(f.substr(18));
      else if (f.starts_with("MESSAGE="))
        message_.assign(f.substr(8)), message = true;
      else if (f.starts_with("_HOSTNAME="))
        host_.assign(f.substr(10));
      else if (f.starts_with("SYSLOG_PID="))
        pid_.assign(f.substr(11));
    }
    if (!IsPostfixIdentifier(ident_)) {
      if (ident_ == "systemd-journald" && message)
        suppressed_ += SuppressedPostfixMessages(message_);
      return;
    }
    std::uint64_t usec = 0;
    sd_journal_get_realtime_usec(j_, &usec);
    std::string_view stamp, offset;
    stamps_.Get(static_cast<std::time_t>(usec / 1000000), stamp, offset);
    ++printed_;
    AppendJournalLine(stamp, static_cast<std::uint32_t>(usec % 1000000), offset,
                      host_.empty() ? std::string_view("localhost") : std::string_view(host_),
                      ident_, pid_, message_, out_);
  }

  bool Flush() {
    if (out_.empty()) return true;
    if (!WriteAll(o_.out_fd, out_)) {
      if (errno != EPIPE) Warn(ErrnoMessage("standard output", errno));
      return false;
    }
    out_.clear();
    return true;
  }

  bool Commit() {
    JournalPosition p = read_any_ ? last_ : pos_.value_or(JournalPosition{});
    const std::string& target = o_.pending_path.empty() ? o_.state_path : o_.pending_path;
    if (target.empty()) return true;
    if (auto err = WriteFileAtomically(target, FormatJournalPosition(p), kStateMode)) {
      Warn(*err);
      return false;
    }
    return true;
  }

  const JournalTailOptions& o_;
  sd_journal* j_ = nullptr;
  std::optional<JournalPosition> pos_;  // as loaded (or set by --from-end)
  JournalPosition last_;                // the last entry read
  bool read_any_ = false;
  std::uint64_t entries_ = 0;
  std::uint64_t printed_ = 0;
  std::uint64_t suppressed_ = 0;
  StampCache stamps_;
  std::string ident_, host_, pid_, message_;  // the current entry's fields
  std::string out_;
};

}  // namespace

std::string FormatJournalPosition(const JournalPosition& p) {
  std::string s(kMagic);
  if (!p.cursor.empty()) {
    s += "cursor " + p.cursor + "\n";
    s += "realtime " + std::to_string(p.realtime_usec) + "\n";
  }
  return s;
}

std::optional<JournalPosition> ParseJournalPosition(std::string_view text, std::string_view name,
                                                    std::string& error) {
  auto fail = [&](int line, const std::string& why) {
    error = std::string(name) + ":" + std::to_string(line) + ": " + why;
    return std::nullopt;
  };
  if (!text.starts_with(kMagic))
    return fail(1, "not an mls-tail journal position (expected \"mls-tail-journal 1\")");
  text.remove_prefix(kMagic.size());
  JournalPosition p;
  bool realtime = false;
  int line = 1;
  while (!text.empty()) {
    ++line;
    const std::size_t nl = text.find('\n');
    if (nl == std::string_view::npos) return fail(line, "unterminated line");
    std::string_view l = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (l.starts_with("cursor ")) {
      p.cursor = std::string(l.substr(7));
      if (p.cursor.empty() || p.cursor.find_first_of(" \t") != std::string::npos)
        return fail(line, "bad cursor");
    } else if (l.starts_with("realtime ")) {
      auto v = ParseNumber<std::uint64_t>(l.substr(9));
      if (!v) return fail(line, "bad realtime");
      p.realtime_usec = *v;
      realtime = true;
    } else {
      return fail(line, "unknown line '" + std::string(l) + "'");
    }
  }
  if (!p.cursor.empty() && !realtime) return fail(line, "a cursor without its realtime");
  // Written only with a cursor: alone, it would be lost at the next save
  // (found by fuzz/state.cpp).
  if (p.cursor.empty() && realtime) return fail(line, "a realtime without its cursor");
  return p;
}

bool IsPostfixIdentifier(std::string_view identifier) { return identifier.starts_with("postfix"); }

std::uint64_t SuppressedPostfixMessages(std::string_view m) {
  constexpr std::string_view kPrefix = "Suppressed ";
  if (!m.starts_with(kPrefix)) return 0;
  m.remove_prefix(kPrefix.size());
  const std::size_t space = m.find(' ');
  if (space == std::string_view::npos) return 0;
  auto n = ParseNumber<std::uint64_t>(m.substr(0, space));
  if (!n || !m.substr(space).starts_with(" messages from postfix")) return 0;
  return *n;
}

namespace {
// A field's text on one line: each LF written as rsyslog writes it, "#012".
void AppendOneLine(std::string_view text, std::string& out) {
  for (std::size_t i = 0;;) {
    const std::size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) {
      out += text.substr(i);
      return;
    }
    out += text.substr(i, nl - i);
    out += "#012";
    i = nl + 1;
  }
}
}  // namespace

void AppendJournalLine(std::string_view stamp, std::uint32_t usec, std::string_view offset,
                       std::string_view host, std::string_view identifier, std::string_view pid,
                       std::string_view message, std::string& out) {
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%06u", static_cast<unsigned>(usec % 1000000));
  out += stamp;
  out += frac;
  out += offset;
  out += ' ';
  // Every field on the entry's one line: the identifier and the pid are what
  // the logging process chose, and a LF in them would start a line of its own
  // (found by fuzz/journal_line.cpp).
  AppendOneLine(host, out);
  out += ' ';
  AppendOneLine(identifier, out);
  if (!pid.empty()) {
    out += '[';
    AppendOneLine(pid, out);
    out += ']';
  }
  out += ": ";
  AppendOneLine(message, out);
  out += '\n';
}

std::vector<std::string> UnreadableJournalFiles(const std::string& dir) {
  std::vector<std::string> bad;
  auto scan = [&bad](const std::string& d, int depth, auto& self) -> void {
    DIR* h = ::opendir(d.c_str());
    if (!h) {
      if (errno == EACCES) bad.push_back(ErrnoMessage(d, errno));
      return;
    }
    while (struct dirent* e = ::readdir(h)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      const std::string path = d + "/" + name;
      if (name.ends_with(".journal")) {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno == EACCES) bad.push_back(ErrnoMessage(path, errno));
        if (fd >= 0) ::close(fd);
      } else if (depth == 0 && e->d_type == DT_DIR) {
        self(path, depth + 1, self);
      }
    }
    ::closedir(h);
  };
  scan(dir, 0, scan);
  return bad;
}

int RunJournalTail(const JournalTailOptions& options) { return JournalTail(options).Run(); }

}  // namespace mls
