#include "mime.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "diag.h"
#include "fd_io.h"
#include "gzip.h"
#include "text_safety.h"
#include "utf8.h"

namespace mls {
namespace {

constexpr std::size_t kSinkBuffer = std::size_t{64} << 10;
constexpr std::size_t kMaxHeaderLine = 78;   // RFC 5322 2.1.1 "SHOULD"
constexpr std::size_t kMaxEncodedLine = 76;  // RFC 2047 2
constexpr std::size_t kMaxEncodedWord = 75;  // RFC 2047 2
constexpr std::string_view kWordPrefix = "=?UTF-8?B?";
constexpr std::string_view kWordSuffix = "?=";
constexpr char kHex[] = "0123456789ABCDEF";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t kB64LineBytes = 57;  // 76 characters
constexpr std::size_t kChunk = kB64LineBytes * 1150;

bool IsAtext(unsigned char c) {
  if (std::isalnum(c) && c < 0x80) return true;
  return std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr && c != 0;
}

// A value shown in a message on a terminal (DisplayText).
std::string Shown(std::string_view s) { return DisplayText(s); }

std::optional<std::string> CheckHostName(std::string_view d) {
  if (d.empty()) return "empty domain";
  if (d.size() > 253) return "domain longer than 253 bytes";
  std::size_t start = 0;
  while (true) {
    std::size_t dot = d.find('.', start);
    std::string_view label = d.substr(start, dot == std::string_view::npos ? d.npos : dot - start);
    if (label.empty()) return "empty label in domain";
    if (label.size() > 63) return "domain label longer than 63 bytes";
    for (unsigned char c : label) {
      if (!(std::isalnum(c) || c == '-')) {
        return "character '" + Shown(std::string_view(reinterpret_cast<const char*>(&c), 1)) +
               "' not allowed in a domain";
      }
    }
    if (label.front() == '-' || label.back() == '-') return "domain label starts or ends with '-'";
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return std::nullopt;
}

std::optional<std::string> CheckDomain(std::string_view d) {
  if (!d.empty() && d.front() == '[') {
    if (d.back() != ']') return "unterminated address literal";
    std::string inner(d.substr(1, d.size() - 2));
    unsigned char buf[16];
    if (inner.rfind("IPv6:", 0) == 0) {
      if (::inet_pton(AF_INET6, inner.c_str() + 5, buf) == 1) return std::nullopt;
      return "bad IPv6 address literal";
    }
    if (::inet_pton(AF_INET, inner.c_str(), buf) == 1) return std::nullopt;
    return "bad address literal";
  }
  return CheckHostName(d);
}

std::uint32_t CodePoint(std::string_view s, std::size_t i, std::size_t n) {
  auto c = static_cast<unsigned char>(s[i]);
  if (n == 1) return c;
  std::uint32_t cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (std::size_t k = 1; k < n; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

void AppendBase64(std::string_view in, std::string& out) {
  std::size_t i = 0;
  auto u = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
  for (; i + 3 <= in.size(); i += 3) {
    std::uint32_t v = (u(i) << 16) | (u(i + 1) << 8) | u(i + 2);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == in.size()) {
    std::uint32_t v = u(i) << 16;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    std::uint32_t v = (u(i) << 16) | (u(i + 1) << 8);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
}

// Keeps [A-Za-z0-9._-]: safe in a quoted parameter and as a file name anywhere.
std::string SafeFileName(std::string_view name) {
  std::string out;
  for (unsigned char c : name.substr(0, 100)) {
    out += (std::isalnum(c) && c < 0x80) || c == '.' || c == '_' || c == '-' ? static_cast<char>(c)
                                                                             : '_';
  }
  while (!out.empty() && out.front() == '.') out.erase(0, 1);
  return out.empty() ? "maillogsentinel" : out;
}

// Fills `buf` from `fd` at `offset` until full or `end`; false on a read error or
// when the file ends early.
bool ReadAt(int fd, std::uint64_t offset, std::uint64_t end, std::string& buf, std::size_t want,
            std::string& error) {
  buf.resize(want);
  std::size_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(fd, buf.data() + got, want - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      error = ErrnoMessage("read attachment", errno);
      return false;
    }
    if (n == 0) {
      error = "read attachment: file shrank to " + std::to_string(offset + got) + " of " +
              std::to_string(end) + " bytes";
      return false;
    }
    got += static_cast<std::size_t>(n);
  }
  return true;
}

// 0, or the errno of the failed write.
int WriteFd(int fd, std::string_view data) { return WriteAll(fd, data) ? 0 : errno; }

// gzip of fd[0, size) into `out_fd`; its size, or nullopt with `error`.
std::optional<std::uint64_t> Gzip(int fd, std::uint64_t size, int out_fd, const std::string& name,
                                  std::string& error) {
  GzipEncoder gz(name);
  std::uint64_t offset = 0, written = 0;
  int write_errno = 0;
  auto sink = [&](std::string_view bytes) {
    if ((write_errno = WriteFd(out_fd, bytes)) != 0) return false;
    written += bytes.size();
    return true;
  };
  std::string in;
  do {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, size - offset));
    if (!ReadAt(fd, offset, size, in, want, error)) return std::nullopt;
    offset += want;
    if (auto err = gz.Add(in, offset == size, sink)) {
      error = write_errno ? ErrnoMessage("gzip: write", write_errno) : *err;
      return std::nullopt;
    }
  } while (offset < size);
  return written;
}

std::string NoteText(const MimeResult& r, std::uint64_t max, std::string_view why) {
  std::string s = "The window's rows were not attached: ";
  if (!why.empty()) {
    s += std::string(why);
  } else {
    s += "as CSV they take " + std::to_string(r.csv_bytes) + " bytes, " +
         std::to_string(r.gzip_bytes) + " bytes gzip-compressed, more than the limit of " +
         std::to_string(max) + " bytes (mls-report --max-attachment)";
  }
  s += ".\nThey are in the dataset on the server.\n";
  return s;
}

// Writes lines to a sink (which remembers its first error).
class Writer {
 public:
  Writer(Sink& sink, std::string_view eol) : sink_(sink), eol_(eol) {}
  void Line(std::string_view s) {
    sink_.Write(s);
    sink_.Write(eol_);
  }
  void Raw(std::string_view s) { sink_.Write(s); }

 private:
  Sink& sink_;
  std::string_view eol_;
};

}  // namespace

// ---- sinks ------------------------------------------------------------------

bool FdSink::Write(std::string_view bytes) {
  if (error_) return false;
  if (buf_.size() + bytes.size() > kSinkBuffer) {
    if (!Flush()) return false;
    if (bytes.size() >= kSinkBuffer) {
      if (int e = WriteFd(fd_, bytes)) {
        error_ = ErrnoMessage("write to " + name_, e);
        errno_ = e;
        return false;
      }
      return true;
    }
  }
  buf_.append(bytes);
  return true;
}

bool FdSink::Flush() {
  if (error_) return false;
  int e = WriteFd(fd_, buf_);
  buf_.clear();
  if (e) {
    error_ = ErrnoMessage("write to " + name_, e);
    errno_ = e;
  }
  return e == 0;
}

int OpenScratchFile(const std::vector<std::string>& dirs, std::string& error) {
  error = "no directory for temporary files";
  for (const std::string& dir : dirs) {
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    std::string tmpl = dir + "/.maillogsentinel-tmp.XXXXXX";
    fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd >= 0) {
      ::unlink(tmpl.c_str());
      return fd;
    }
    error = ErrnoMessage("temporary file in " + dir, errno);
  }
  return -1;
}

// ---- header values ----------------------------------------------------------

std::optional<std::string> ValidateAddress(std::string_view a) {
  if (a.empty()) return "empty address";
  for (unsigned char c : a) {
    if (c < 0x20 || c == 0x7f) return "control character";
  }
  for (unsigned char c : a) {
    if (c >= 0x80) return "non-ASCII byte (SMTPUTF8 addresses are not supported)";
  }
  if (a.size() > 254) return "longer than 254 bytes";
  std::size_t at;
  if (a.front() == '"') {
    std::size_t i = 1;
    while (i < a.size() && a[i] != '"') i += a[i] == '\\' ? 2 : 1;
    if (i >= a.size()) return "unterminated quoted local part";
    at = i + 1;
    if (at >= a.size() || a[at] != '@') {
      return a.find('@', at) == a.npos ? "no '@'" : "text between quoted local part and '@'";
    }
  } else {
    at = a.find('@');
    std::string_view local = a.substr(0, at);
    for (unsigned char c : local) {
      if (c == ' ') return "space outside quotes";
      if (c != '.' && !IsAtext(c)) {
        return "character '" + std::string(1, static_cast<char>(c)) +
               "' not allowed outside quotes";
      }
    }
    if (local.empty()) return "empty local part";
    if (local.front() == '.' || local.back() == '.' || local.find("..") != local.npos) {
      return "misplaced '.' in local part";
    }
    if (at == a.npos) {  // a local recipient ("root"): sendmail delivers it
      return local.size() > 64 ? std::optional<std::string>("local part longer than 64 bytes")
                               : std::nullopt;
    }
  }
  if (at > 64) return "local part longer than 64 bytes";
  std::string_view domain = a.substr(at + 1);
  if (domain.find(' ') != domain.npos) return "space outside quotes";
  if (domain.find('@') != domain.npos) return "more than one '@'";
  if (auto e = CheckDomain(domain)) return e;
  return std::nullopt;
}

AddressList ParseAddressList(std::string_view list) {
  AddressList r;
  std::vector<std::string_view> entries;
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i <= list.size(); ++i) {
    if (i < list.size() && quoted && list[i] == '\\') {
      ++i;
      continue;
    }
    if (i < list.size() && list[i] == '"') quoted = !quoted;
    if (i == list.size() || (!quoted && list[i] == ',')) {
      entries.push_back(list.substr(start, i - start));
      start = i + 1;
    }
  }
  for (std::string_view e : entries) {
    while (!e.empty() && (e.front() == ' ' || e.front() == '\t')) e.remove_prefix(1);
    while (!e.empty() && (e.back() == ' ' || e.back() == '\t')) e.remove_suffix(1);
    if (e.empty()) {
      r.error =
          entries.size() == 1 ? "no address" : "empty entry in address list '" + Shown(list) + "'";
      r.addresses.clear();
      return r;
    }
    if (auto why = ValidateAddress(e)) {
      r.error = "bad address '" + Shown(e) + "': " + *why;
      r.addresses.clear();
      return r;
    }
    r.addresses.emplace_back(e);
  }
  return r;
}

std::string CleanHeaderText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto space = [&] {
    if (!out.empty() && out.back() != ' ') out += ' ';
  };
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = Utf8Length(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    std::uint32_t cp = CodePoint(text, i, n);
    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029 ||
        cp == ' ') {
      space();
    } else if (IsHiddenControl(cp)) {
      // bidi marks, embeddings, overrides, isolates (text_safety.h): dropped
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string EncodeUnstructuredHeader(std::string_view name, std::string_view value,
                                     std::string_view eol) {
  std::string clean = CleanHeaderText(value);
  std::string out(name);
  out += ':';
  if (clean.empty()) return out;
  bool encode = clean.find("=?") != std::string::npos;
  std::vector<std::string_view> words;
  for (std::size_t s = 0; s < clean.size();) {
    std::size_t e = clean.find(' ', s);
    if (e == std::string::npos) e = clean.size();
    words.push_back(std::string_view(clean).substr(s, e - s));
    s = e + 1;
  }
  for (std::string_view w : words) {
    for (unsigned char c : w) encode |= c >= 0x80;
    if (w.size() + 1 > kMaxHeaderLine - 1) encode = true;  // cannot fold: too long a word
  }
  if (!encode) {
    std::size_t line = out.size();
    for (std::size_t k = 0; k < words.size(); ++k) {
      if (line + 1 + words[k].size() > kMaxHeaderLine) {
        out += eol;
        line = 0;
      }
      out += ' ';
      out += words[k];
      line += 1 + words[k].size();
    }
    return out;
  }
  // Encoded-words of whole UTF-8 characters, one per line.
  std::size_t line = out.size();
  std::string_view rest = clean;
  while (!rest.empty()) {
    if (line + 1 >= kMaxEncodedLine) {
      out += eol;
      line = 0;
    }
    std::size_t room = std::min(kMaxEncodedLine - line - 1, kMaxEncodedWord);  // after the ' '
    std::size_t payload = room >= kWordPrefix.size() + kWordSuffix.size()
                              ? room - kWordPrefix.size() - kWordSuffix.size()
                              : 0;
    std::size_t max_bytes = payload / 4 * 3;
    std::size_t take = 0;
    while (take < rest.size()) {
      std::size_t n = Utf8Length(rest, take);  // clean text: always valid
      if (take + n > max_bytes) break;
      take += n;
    }
    if (take == 0) {  // not even one character fits on this line
      out += eol;
      line = 0;
      continue;
    }
    std::string word(kWordPrefix);
    AppendBase64(rest.substr(0, take), word);
    word += kWordSuffix;
    out += ' ';
    out += word;
    line += 1 + word.size();
    rest.remove_prefix(take);
    if (!rest.empty()) {
      out += eol;
      line = 0;
    }
  }
  return out;
}

std::string Rfc5322Date(std::time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm tm {};
  ::localtime_r(&t, &tm);
  long off = tm.tm_gmtoff / 60;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
                kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900,
                tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 60, off % 60);
  return buf;
}

std::string RandomHex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  std::size_t got = 0;
  while (got < bytes) {
    ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  if (got < bytes) {  // no getrandom (old kernel, seccomp): still unique enough for boundaries
    std::random_device rd;
    for (; got < bytes; ++got) raw[got] = static_cast<char>(rd());
  }
  static constexpr char kLower[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kLower[c >> 4];
    out += kLower[c & 15];
  }
  return out;
}

std::string MakeMessageId(std::time_t now, long pid, std::string_view domain) {
  struct tm tm {};
  ::gmtime_r(&now, &tm);
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string d = CheckHostName(domain) ? "localhost.invalid" : std::string(domain);
  return "<" + std::string(stamp) + "." + std::to_string(pid) + "." + RandomHex(8) + "@" + d + ">";
}

// ---- bodies -----------------------------------------------------------------

std::string QuotedPrintable(std::string_view text, std::string_view eol) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t col = 0;
  auto put = [&](std::string_view token) {
    if (col + token.size() > kMaxEncodedLine - 1) {  // keep room for the soft break's '='
      out += '=';
      out += eol;
      col = 0;
    }
    out += token;
    col += token.size();
  };
  std::size_t i = 0;
  while (i <= text.size()) {
    std::size_t end = text.find('\n', i);
    bool last = end == std::string_view::npos;
    if (last) end = text.size();
    for (std::size_t k = i; k < end; ++k) {
      auto c = static_cast<unsigned char>(text[k]);
      bool at_end = k + 1 == end;
      bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_end);
      if (literal) {
        // What would start a physical line (the token goes on a new one when full).
        bool starts_line = col == 0 || col + 1 > kMaxEncodedLine - 1;
        if (starts_line && (c == '.' || (c == 'F' && text.substr(k, 5) == "From "))) {
          literal = false;
        }
      }
      if (literal) {
        put(std::string_view(&text[k], 1));
      } else {
        char tok[3] = {'=', kHex[c >> 4], kHex[c & 15]};
        put(std::string_view(tok, 3));
      }
    }
    if (last) break;
    out += eol;
    col = 0;
    i = end + 1;
  }
  return out;
}

std::string Base64Lines(std::string_view data, std::string_view eol) {
  std::string out;
  for (std::size_t i = 0; i < data.size(); i += kB64LineBytes) {
    AppendBase64(data.substr(i, kB64LineBytes), out);
    out += eol;
  }
  return out;
}

// ---- the message --------------------------------------------------------------

MimeResult WriteMimeMessage(const MailMessage& m, Sink& sink) {
  MimeResult r;
  if (auto why = m.from.empty() ? std::nullopt : ValidateAddress(m.from)) {
    r.error = "bad sender address '" + Shown(m.from) + "': " + *why;
    return r;
  }
  if (m.to.empty()) {
    r.error = "no recipient";
    return r;
  }
  for (const std::string& a : m.to) {
    if (auto why = ValidateAddress(a)) {
      r.error = "bad recipient address '" + Shown(a) + "': " + *why;
      return r;
    }
  }
  std::string message_id = m.message_id;
  if (message_id.empty()) {
    message_id = MakeMessageId(m.date, static_cast<long>(::getpid()),
                               m.from.empty() ? "" : m.from.substr(m.from.rfind('@') + 1));
  } else {
    bool ok = message_id.size() > 2 && message_id.front() == '<' && message_id.back() == '>' &&
              message_id.find('@') != std::string::npos;
    for (unsigned char c : message_id) ok = ok && c > 32 && c < 127;
    if (!ok) {
      r.error = "bad Message-ID '" + Shown(message_id) + "'";
      return r;
    }
  }

  // The attachment first: what it will be decides nothing above it, but an
  // unreadable one should stop us before anything is written.
  std::string base = SafeFileName(m.attachment_name);
  int attach_fd = -1;
  int gzip_fd = -1;
  std::uint64_t attach_size = 0;
  std::string why_omitted;
  if (m.attachment_fd >= 0) {
    struct stat st {};
    if (::fstat(m.attachment_fd, &st) != 0) {
      r.error = ErrnoMessage("attachment", errno);
      return r;
    }
    r.csv_bytes = static_cast<std::uint64_t>(st.st_size);
    if (r.csv_bytes <= m.max_attachment) {
      r.attachment = AttachmentMode::kCsv;
      attach_fd = m.attachment_fd;
      attach_size = r.csv_bytes;
    } else {
      std::string err;
      gzip_fd = OpenScratchFile(m.tmp_dirs, err);
      std::optional<std::uint64_t> gz;
      if (gzip_fd >= 0) gz = Gzip(m.attachment_fd, r.csv_bytes, gzip_fd, base + ".csv", err);
      if (gz) {
        r.gzip_bytes = *gz;
        if (*gz <= m.max_attachment) {
          r.attachment = AttachmentMode::kGzip;
          attach_fd = gzip_fd;
          attach_size = *gz;
        }
      } else {
        why_omitted = "they could not be compressed (" + err + ")";
      }
      if (r.attachment != AttachmentMode::kGzip) {
        r.attachment = AttachmentMode::kOmitted;
        r.note = NoteText(r, m.max_attachment, why_omitted);
      }
    }
  }
  struct CloseGzip {
    int fd;
    ~CloseGzip() {
      if (fd >= 0) ::close(fd);
    }
  } close_gzip{gzip_fd};

  const std::string_view eol = m.crlf ? "\r\n" : "\n";
  Writer w(sink, eol);
  const std::string mixed = "=_mls_mixed_" + RandomHex(12);
  const std::string alt = "=_mls_alt_" + RandomHex(12);

  if (!m.from.empty()) w.Line("From: " + m.from);  // else sendmail writes one
  std::string to = "To:";
  std::size_t col = to.size();
  for (std::size_t k = 0; k < m.to.size(); ++k) {
    std::string item = m.to[k] + (k + 1 < m.to.size() ? "," : "");
    if (k > 0 && col + 1 + item.size() > kMaxHeaderLine) {
      to += eol;
      col = 0;
    }
    to += ' ' + item;
    col += 1 + item.size();
  }
  w.Line(to);
  w.Line(EncodeUnstructuredHeader("Subject", m.subject, eol));
  w.Line("Date: " + Rfc5322Date(m.date));
  w.Line("Message-ID: " + message_id);
  w.Line("MIME-Version: 1.0");
  w.Line("Content-Type: multipart/mixed;");
  w.Line(" boundary=\"" + mixed + "\"");
  w.Line("Auto-Submitted: auto-generated");
  if (!m.mailer.empty()) w.Line(EncodeUnstructuredHeader("X-Mailer", m.mailer, eol));
  w.Line("");
  w.Line("This is a multi-part message in MIME format.");
  w.Line("--" + mixed);
  w.Line("Content-Type: multipart/alternative;");
  w.Line(" boundary=\"" + alt + "\"");
  w.Line("");
  auto text_part = [&](std::string_view type, std::string_view body, bool inline_note) {
    w.Line("Content-Type: " + std::string(type) + "; charset=utf-8");
    w.Line("Content-Transfer-Encoding: quoted-printable");
    if (inline_note) w.Line("Content-Disposition: inline");
    w.Line("");
    w.Raw(QuotedPrintable(body, eol));
    w.Raw(eol);  // the delimiter's own line break
  };
  w.Line("--" + alt);
  text_part("text/plain", m.text, false);
  w.Line("--" + alt);
  text_part("text/html", m.html, false);
  w.Line("--" + alt + "--");
  w.Line("");

  if (r.attachment == AttachmentMode::kOmitted) {
    w.Line("--" + mixed);
    text_part("text/plain", r.note, true);
  } else if (attach_fd >= 0) {
    bool gz = r.attachment == AttachmentMode::kGzip;
    std::string file = base + (gz ? ".csv.gz" : ".csv");
    w.Line("--" + mixed);
    w.Line(gz ? "Content-Type: application/gzip;"
              : "Content-Type: text/csv; charset=utf-8; header=present;");
    w.Line(" name=\"" + file + "\"");
    w.Line("Content-Disposition: attachment;");
    w.Line(" filename=\"" + file + "\"");
    w.Line("Content-Transfer-Encoding: base64");
    w.Line("");
    std::string buf, err;
    for (std::uint64_t off = 0; off < attach_size && !sink.error();) {
      std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, attach_size - off));
      if (!ReadAt(attach_fd, off, attach_size, buf, want, err)) {
        r.error = err;
        return r;
      }
      off += want;
      w.Raw(Base64Lines(buf, eol));
    }
  }
  w.Line("--" + mixed + "--");
  sink.Flush();
  if (sink.error()) r.error = sink.error();
  return r;
}

}  // namespace mls
