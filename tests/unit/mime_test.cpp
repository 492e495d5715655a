#include "mime.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <map>
#include <random>

#include "test_gunzip.h"
#include "tz_scope.h"

namespace mls {
namespace {

// ---- an independent reader for what WriteMimeMessage writes ------------------

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> SplitLines(const std::string& s, const std::string& eol) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t e = s.find(eol, start);
    if (e == std::string::npos) {
      lines.push_back(s.substr(start));
      break;
    }
    lines.push_back(s.substr(start, e - start));
    start = e + eol.size();
  }
  return lines;
}

struct Part {
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case name, unfolded value
  std::vector<std::string> raw_header_lines;
  std::string body;  // between the blank line and the next delimiter's line break
  std::vector<Part> parts;
  std::string preamble;

  std::vector<std::string> All(const std::string& name) const {
    std::vector<std::string> v;
    for (const auto& [n, val] : headers) {
      if (n == name) v.push_back(val);
    }
    return v;
  }
  std::string Get(const std::string& name) const {
    auto v = All(name);
    return v.size() == 1 ? v[0] : "<" + std::to_string(v.size()) + " headers " + name + ">";
  }
  std::string Param(const std::string& header, const std::string& param) const {
    std::string v = Get(header);
    std::size_t p = Lower(v).find(param + "=");
    if (p == std::string::npos) return "";
    p += param.size() + 1;
    if (v[p] == '"') return v.substr(p + 1, v.find('"', p + 1) - p - 1);
    std::size_t e = v.find(';', p);
    return v.substr(p, e == std::string::npos ? e : e - p);
  }
};

Part ParsePart(const std::string& text, const std::string& eol) {
  Part p;
  std::size_t sep = text.find(eol + eol);
  std::string head = sep == std::string::npos ? text : text.substr(0, sep);
  p.body = sep == std::string::npos ? "" : text.substr(sep + 2 * eol.size());
  for (const std::string& line : SplitLines(head, eol)) {
    p.raw_header_lines.push_back(line);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      EXPECT_FALSE(p.headers.empty()) << "continuation without a header";
      if (!p.headers.empty()) p.headers.back().second += line;
      continue;
    }
    std::size_t colon = line.find(':');
    EXPECT_NE(std::string::npos, colon) << "not a header line: " << line;
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value[0] == ' ') value.erase(0, 1);
    p.headers.emplace_back(Lower(line.substr(0, colon)), value);
  }
  if (Lower(p.Get("content-type")).rfind("multipart/", 0) == 0) {
    std::string b = p.Param("content-type", "boundary");
    EXPECT_FALSE(b.empty());
    std::string delim = "--" + b;
    // Delimiter lines: at the start of the body or after a line break.
    std::vector<std::size_t> at;
    std::size_t pos = 0;
    while ((pos = p.body.find(delim, pos)) != std::string::npos) {
      bool line_start = pos == 0 || p.body.compare(pos - eol.size(), eol.size(), eol) == 0;
      EXPECT_TRUE(line_start) << "boundary inside a line";
      at.push_back(pos);
      pos += delim.size();
    }
    EXPECT_GE(at.size(), 2u);
    if (at.size() < 2) return p;
    p.preamble = p.body.substr(0, at[0]);
    for (std::size_t k = 0; k + 1 < at.size(); ++k) {
      std::size_t start = at[k] + delim.size();
      EXPECT_EQ(eol, p.body.substr(start, eol.size())) << "delimiter line has trailing text";
      start += eol.size();
      std::size_t end = at[k + 1] - (at[k + 1] >= eol.size() ? eol.size() : 0);
      p.parts.push_back(ParsePart(p.body.substr(start, end - start), eol));
    }
    EXPECT_EQ(delim + "--", p.body.substr(at.back(), delim.size() + 2)) << "no close delimiter";
  }
  return p;
}

std::string DecodeQp(const std::string& s, const std::string& eol) {
  std::string out;
  std::vector<std::string> lines = SplitLines(s, eol);
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const std::string& l = lines[k];
    bool soft = !l.empty() && l.back() == '=';
    std::string_view body(l.data(), soft ? l.size() - 1 : l.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '=') {
        out += static_cast<char>(std::stoi(std::string(body.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += body[i];
      }
    }
    if (!soft && k + 1 < lines.size()) out += '\n';
  }
  return out;
}

std::string DecodeB64(const std::string& s) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else
      continue;  // line breaks, padding
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

bool ValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// Decodes a header value made of "=?UTF-8?B?...?=" words (whitespace between
// them ignored) or plain text; checks each word's own rules on the way.
std::string DecodeHeader(const std::string& v) {
  if (v.rfind("=?", 0) != 0) return v;
  std::string out;
  std::size_t pos = 0;
  while (pos < v.size()) {
    while (pos < v.size() && v[pos] == ' ') ++pos;
    if (pos == v.size()) break;
    std::size_t end = v.find("?=", pos + 10);
    EXPECT_NE(std::string::npos, end);
    std::string word = v.substr(pos, end + 2 - pos);
    EXPECT_EQ("=?UTF-8?B?", word.substr(0, 10));
    EXPECT_LE(word.size(), 75u) << word;
    std::string bytes = DecodeB64(word.substr(10, word.size() - 12));
    EXPECT_TRUE(ValidUtf8(bytes)) << "word splits a UTF-8 sequence: " << word;
    out += bytes;
    pos = end + 2;
  }
  return out;
}

// An unlinked temporary file holding `data`.
int TempFileWith(const std::string& data) {
  char name[] = "/tmp/mime_test.XXXXXX";
  int fd = ::mkstemp(name);
  EXPECT_GE(fd, 0);
  ::unlink(name);
  EXPECT_EQ(static_cast<ssize_t>(data.size()), ::write(fd, data.data(), data.size()));
  return fd;
}

std::string RandomBytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

MailMessage Sample() {
  MailMessage m;
  m.from = "maillogsentinel@mx1.example.org";
  m.to = {"root@localhost"};
  m.subject = "[maillogsentinel] mx1.example.org: 3 SASL failures today (2026-11-28)";
  m.date = 1795867387;  // 2026-11-28T12:03:07Z
  m.mailer = "maillogsentinel 0.1.0";
  m.text = "Total: 3\nuser\tcount\n";
  m.html = "<html><body><p>Total: 3</p></body></html>\n";
  m.attachment_name = "maillogsentinel-mx1.example.org-2026-11-28";
  return m;
}

constexpr const char* kCsv =
    "server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso;method;client;port;"
    "service;reason\n"
    "mx1;2026-11-28T08:00:00+00:00;127.0.0.2;\"x\r\nBcc: evil@y\";;;;;;PLAIN;unknown;;"
    "postfix/smtpd;(reason unavailable)\n"
    "mx1;2026-11-28T08:00:01+00:00;127.0.0.3;alice;;;;;;LOGIN;unknown;;postfix/smtpd;x\n";

// ---- the message ---------------------------------------------------------------

TEST(Mime, StructureHeadersAndBodiesRoundTrip) {
  MailMessage m = Sample();
  m.text = "Total: 3\nA user: x\r\nBcc: evil@y\n.\nFrom the log\n" + std::string(200, 'w') +
           " \n\t\n=?UTF-8?B?QQ==?=\n";
  m.html = "<p>caf\xc3\xa9 \xe2\x82\xac</p>\n<p>x\r\nBcc: evil@y</p>";
  int fd = TempFileWith(kCsv);
  ::lseek(fd, 0, SEEK_END);  // the writer reads with pread, from offset 0
  m.attachment_fd = fd;
  StringSink sink;
  MimeResult r = WriteMimeMessage(m, sink);
  ::close(fd);
  ASSERT_EQ(std::nullopt, r.error);
  EXPECT_EQ(AttachmentMode::kCsv, r.attachment);
  EXPECT_EQ(std::strlen(kCsv), r.csv_bytes);

  const std::string& out = sink.out;
  EXPECT_EQ(std::string::npos, out.find('\r')) << "LF mode writes no CR";
  Part msg = ParsePart(out, "\n");
  for (const char* h : {"from", "to", "subject", "date", "message-id", "mime-version",
                        "content-type", "auto-submitted", "x-mailer"}) {
    EXPECT_EQ(1u, msg.All(h).size()) << h;
  }
  EXPECT_EQ(9u, msg.headers.size()) << "no other header (no Bcc)";
  EXPECT_EQ("maillogsentinel@mx1.example.org", msg.Get("from"));
  EXPECT_EQ("root@localhost", msg.Get("to"));
  EXPECT_EQ(m.subject, DecodeHeader(msg.Get("subject")));
  EXPECT_EQ("1.0", msg.Get("mime-version"));
  EXPECT_EQ("auto-generated", msg.Get("auto-submitted"));
  EXPECT_EQ("maillogsentinel 0.1.0", msg.Get("x-mailer"));
  EXPECT_NE(std::string::npos, msg.Get("message-id").find("@mx1.example.org>"));
  EXPECT_EQ(0u, Lower(msg.Get("content-type")).find("multipart/mixed;"));
  for (const std::string& line : msg.raw_header_lines) EXPECT_LE(line.size(), 78u) << line;

  ASSERT_EQ(2u, msg.parts.size());
  const Part& alt = msg.parts[0];
  EXPECT_EQ(0u, Lower(alt.Get("content-type")).find("multipart/alternative;"));
  ASSERT_EQ(2u, alt.parts.size());
  EXPECT_EQ("text/plain; charset=utf-8", alt.parts[0].Get("content-type"));
  EXPECT_EQ("quoted-printable", alt.parts[0].Get("content-transfer-encoding"));
  EXPECT_EQ(m.text, DecodeQp(alt.parts[0].body, "\n"));
  EXPECT_EQ("text/html; charset=utf-8", alt.parts[1].Get("content-type"));
  EXPECT_EQ(m.html, DecodeQp(alt.parts[1].body, "\n"));
  EXPECT_NE(msg.Param("content-type", "boundary"), alt.Param("content-type", "boundary"));

  const Part& csv = msg.parts[1];
  EXPECT_EQ(0u, csv.Get("content-type").find("text/csv; charset=utf-8"));
  EXPECT_EQ("maillogsentinel-mx1.example.org-2026-11-28.csv", csv.Param("content-type", "name"));
  EXPECT_EQ("maillogsentinel-mx1.example.org-2026-11-28.csv",
            csv.Param("content-disposition", "filename"));
  EXPECT_EQ(0u, csv.Get("content-disposition").find("attachment;"));
  EXPECT_EQ("base64", csv.Get("content-transfer-encoding"));
  EXPECT_EQ(kCsv, DecodeB64(csv.body));

  // The header section ends at the first blank line: the "Bcc:" lines of the
  // bodies are below it. Every body line is short.
  std::string head = out.substr(0, out.find("\n\n"));
  EXPECT_EQ(std::string::npos, head.find("Bcc")) << head;
  std::string body = out.substr(out.find("\n\n") + 2);
  for (const std::string& line : SplitLines(body, "\n")) EXPECT_LE(line.size(), 78u) << line;
}

TEST(Mime, CrlfModeEndsEveryLineInCrlf) {
  MailMessage m = Sample();
  m.crlf = true;
  m.text = "a\nb\r\nc";
  int fd = TempFileWith(kCsv);
  m.attachment_fd = fd;
  StringSink sink;
  ASSERT_EQ(std::nullopt, WriteMimeMessage(m, sink).error);
  ::close(fd);
  for (std::size_t i = 0; i < sink.out.size(); ++i) {
    if (sink.out[i] == '\n') {
      ASSERT_TRUE(i > 0 && sink.out[i - 1] == '\r') << i;
    }
    if (sink.out[i] == '\r') {
      ASSERT_EQ('\n', sink.out[i + 1]) << i;
    }
  }
  Part msg = ParsePart(sink.out, "\r\n");
  ASSERT_EQ(2u, msg.parts.size());
  ASSERT_EQ(2u, msg.parts[0].parts.size());
  EXPECT_EQ(m.text, DecodeQp(msg.parts[0].parts[0].body, "\r\n"));
  EXPECT_EQ(kCsv, DecodeB64(msg.parts[1].body));
}

TEST(Mime, BoundariesAreFreshAndNeverInTheContent) {
  MailMessage m = Sample();
  StringSink a, b;
  ASSERT_EQ(std::nullopt, WriteMimeMessage(m, a).error);
  std::string ba = ParsePart(a.out, "\n").Param("content-type", "boundary");
  // Content holding the first message's boundaries verbatim.
  m.text = a.out;
  m.html = "--" + ba + "\n--" + ba + "--\n";
  ASSERT_EQ(std::nullopt, WriteMimeMessage(m, b).error);
  Part msg = ParsePart(b.out, "\n");
  std::string bb = msg.Param("content-type", "boundary");
  EXPECT_NE(ba, bb);
  EXPECT_EQ(0u, bb.find("=_"));
  ASSERT_EQ(1u, msg.parts.size());  // no attachment
  ASSERT_EQ(2u, msg.parts[0].parts.size());
  EXPECT_EQ(m.text, DecodeQp(msg.parts[0].parts[0].body, "\n"));
  EXPECT_EQ(m.html, DecodeQp(msg.parts[0].parts[1].body, "\n"));
  // "=_" never comes out of quoted-printable or base64.
  EXPECT_EQ(std::string::npos, QuotedPrintable(m.text + m.html).find("=_"));
}

TEST(Mime, InjectionThroughSubjectAndMailerCreatesNoHeader) {
  MailMessage m = Sample();
  m.subject = "[mls]\r\nBcc: x@y\nX-Evil: 1";
  m.mailer = "mls\r\nBcc: z@y";
  StringSink sink;
  ASSERT_EQ(std::nullopt, WriteMimeMessage(m, sink).error);
  Part msg = ParsePart(sink.out, "\n");
  EXPECT_TRUE(msg.All("bcc").empty());
  EXPECT_TRUE(msg.All("x-evil").empty());
  EXPECT_EQ("[mls] Bcc: x@y X-Evil: 1", DecodeHeader(msg.Get("subject")));
  EXPECT_EQ("mls Bcc: z@y", msg.Get("x-mailer"));
  for (const std::string& line : msg.raw_header_lines) {
    EXPECT_TRUE(line.rfind("Bcc", 0) != 0 && line.rfind("X-Evil", 0) != 0) << line;
  }
}

TEST(Mime, EmptySenderWritesNoFromHeader) {
  MailMessage m = Sample();
  m.from = "";
  m.message_id = "";
  StringSink sink;
  EXPECT_EQ(std::nullopt, WriteMimeMessage(m, sink).error);
  EXPECT_EQ(0u, sink.out.find("To: root@localhost\n")) << sink.out;
  EXPECT_EQ(std::string::npos, sink.out.find("\nFrom:"));
  EXPECT_NE(std::string::npos, sink.out.find("@localhost.invalid>\n"));
}

TEST(Mime, BadAddressesWriteNothing) {
  for (auto [from, to, want] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"x\r\nBcc: evil@y", "root@localhost", "bad sender address 'x\\x0D\\x0ABcc: evil@y'"},
           {"me@localhost", "root@localhost\nBcc: evil@y", "bad recipient address"},
           {"me@localhost", "a b@c", "space outside quotes"}}) {
    MailMessage m = Sample();
    m.from = from;
    m.to = {to};
    StringSink sink;
    MimeResult r = WriteMimeMessage(m, sink);
    ASSERT_TRUE(r.error.has_value()) << from << " " << to;
    EXPECT_NE(std::string::npos, r.error->find(want)) << *r.error;
    EXPECT_EQ("", sink.out);
  }
  MailMessage m = Sample();
  m.to.clear();
  StringSink sink;
  EXPECT_EQ("no recipient", WriteMimeMessage(m, sink).error.value_or(""));
  m = Sample();
  m.message_id = "<a b@c>";
  EXPECT_NE(std::nullopt, WriteMimeMessage(m, sink).error);
}

TEST(Mime, SeveralRecipientsFoldInTheToHeader) {
  MailMessage m = Sample();
  m.to = {"postmaster@mx1.example.org", "security-team@mx1.example.org",
          "\"night shift\"@example.org", "root@[127.0.0.1]"};
  StringSink sink;
  ASSERT_EQ(std::nullopt, WriteMimeMessage(m, sink).error);
  Part msg = ParsePart(sink.out, "\n");
  EXPECT_EQ(
      "postmaster@mx1.example.org, security-team@mx1.example.org, \"night shift\"@example.org, "
      "root@[127.0.0.1]",
      msg.Get("to"));
  for (const std::string& line : msg.raw_header_lines) EXPECT_LE(line.size(), 78u) << line;
}

TEST(Mime, LargeCsvIsGzippedAndStillRoundTrips) {
  std::string csv = "server;date\n";
  for (int i = 0; csv.size() < 300000; ++i) {
    csv += "mx1;2026-11-28T08:00:" + std::to_string(i % 60) + "+00:00;127.0.0." +
           std::to_string(i % 250) + ";user" + std::to_string(i % 97) + "\n";
  }
  MailMessage m = Sample();
  m.max_attachment = 100000;
  int fd = TempFileWith(csv);
  m.attachment_fd = fd;
  StringSink sink;
  MimeResult r = WriteMimeMessage(m, sink);
  ::close(fd);
  ASSERT_EQ(std::nullopt, r.error);
  EXPECT_EQ(AttachmentMode::kGzip, r.attachment);
  EXPECT_EQ(csv.size(), r.csv_bytes);
  EXPECT_GT(r.gzip_bytes, 0u);
  EXPECT_LE(r.gzip_bytes, m.max_attachment);
  Part msg = ParsePart(sink.out, "\n");
  ASSERT_EQ(2u, msg.parts.size());
  const Part& gz = msg.parts[1];
  EXPECT_EQ("application/gzip;", gz.Get("content-type").substr(0, 17));
  EXPECT_EQ("maillogsentinel-mx1.example.org-2026-11-28.csv.gz",
            gz.Param("content-disposition", "filename"));
  std::string compressed = DecodeB64(gz.body);
  EXPECT_EQ(r.gzip_bytes, compressed.size());
  EXPECT_EQ(csv, Gunzip(compressed));
}

TEST(Mime, TooLargeEvenCompressedIsLeftOutWithANote) {
  std::string data = RandomBytes(200000, 7);  // incompressible
  MailMessage m = Sample();
  m.max_attachment = 50000;
  int fd = TempFileWith(data);
  m.attachment_fd = fd;
  StringSink sink;
  MimeResult r = WriteMimeMessage(m, sink);
  ::close(fd);
  ASSERT_EQ(std::nullopt, r.error);
  EXPECT_EQ(AttachmentMode::kOmitted, r.attachment);
  EXPECT_GT(r.gzip_bytes, 50000u);
  Part msg = ParsePart(sink.out, "\n");
  ASSERT_EQ(2u, msg.parts.size());
  const Part& note = msg.parts[1];
  EXPECT_EQ("text/plain; charset=utf-8", note.Get("content-type"));
  EXPECT_EQ("inline", note.Get("content-disposition"));
  std::string text = DecodeQp(note.body, "\n");
  EXPECT_EQ(r.note, text);
  EXPECT_NE(std::string::npos, text.find("not attached"));
  EXPECT_NE(std::string::npos, text.find("200000 bytes"));
  EXPECT_NE(std::string::npos, text.find("limit of 50000 bytes"));
  EXPECT_EQ(std::string::npos, sink.out.find("Content-Disposition: attachment"));
}

TEST(Mime, BigAttachmentStreamsInChunksExactly) {
  std::string data = RandomBytes(3 * 65550 + 17, 3);  // several read chunks, odd tail
  MailMessage m = Sample();
  int fd = TempFileWith(data);
  m.attachment_fd = fd;
  StringSink sink;
  ASSERT_EQ(std::nullopt, WriteMimeMessage(m, sink).error);
  ::close(fd);
  Part msg = ParsePart(sink.out, "\n");
  ASSERT_EQ(2u, msg.parts.size());
  EXPECT_EQ(data, DecodeB64(msg.parts[1].body));
  std::vector<std::string> lines = SplitLines(msg.parts[1].body, "\n");
  for (std::size_t k = 0; k + 2 < lines.size(); ++k) ASSERT_EQ(76u, lines[k].size()) << k;
}

TEST(Mime, UnsafeAttachmentNameIsSanitised) {
  MailMessage m = Sample();
  m.attachment_name = "../x\"\r\nBcc: y@z;.csv";
  int fd = TempFileWith("a\n");
  m.attachment_fd = fd;
  StringSink sink;
  ASSERT_EQ(std::nullopt, WriteMimeMessage(m, sink).error);
  ::close(fd);
  Part msg = ParsePart(sink.out, "\n");
  ASSERT_EQ(2u, msg.parts.size());
  EXPECT_EQ("_x___Bcc__y_z_.csv.csv", msg.parts[1].Param("content-disposition", "filename"));
}

TEST(Mime, UnreadableAttachmentIsAnError) {
  MailMessage m = Sample();
  m.attachment_fd = 987;  // not open
  StringSink sink;
  MimeResult r = WriteMimeMessage(m, sink);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_NE(std::string::npos, r.error->find("Bad file descriptor")) << *r.error;
  EXPECT_EQ("", sink.out);
}

TEST(Mime, FdSinkReportsAClosedReader) {
  int p[2];
  ASSERT_EQ(0, ::pipe(p));
  ::close(p[0]);
  auto old = std::signal(SIGPIPE, SIG_IGN);
  FdSink sink(p[1], "/usr/sbin/sendmail");
  EXPECT_TRUE(sink.Write("hello"));  // buffered
  EXPECT_FALSE(sink.Flush());
  EXPECT_FALSE(sink.Write("more"));
  std::signal(SIGPIPE, old);
  ::close(p[1]);
  EXPECT_EQ("write to /usr/sbin/sendmail: Broken pipe", sink.error().value_or(""));
}

TEST(Mime, FdSinkWritesEverythingInOrder) {
  int fd = TempFileWith("");
  std::string want;
  {
    FdSink sink(fd, "tmp");
    for (int i = 0; i < 5000; ++i) {
      std::string chunk(static_cast<std::size_t>(i % 300), static_cast<char>('a' + i % 26));
      want += chunk;
      ASSERT_TRUE(sink.Write(chunk));
    }
    std::string big(200000, 'Z');
    want += big;
    ASSERT_TRUE(sink.Write(big));
  }  // the destructor flushes
  std::string got(want.size() + 10, '\0');
  ssize_t n = ::pread(fd, got.data(), got.size(), 0);
  ::close(fd);
  got.resize(static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
  EXPECT_TRUE(got == want);
}

// ---- header values ----------------------------------------------------------------

TEST(MimeAddress, ValidAddresses) {
  for (const char* a :
       {"root@localhost", "a.b-c+tag@mx1.example.org", "x@[127.0.0.1]", "x@[IPv6:::1]",
        "\"john doe\"@example.org", "\"a\\\"b\"@example.org", "!#$%&'*+-/=?^_`{|}~@x.y", "root",
        "postmaster", "first.last"}) {  // local recipients: sendmail delivers them
    EXPECT_EQ(std::nullopt, ValidateAddress(a)) << a;
  }
}

TEST(MimeAddress, InvalidAddressesSayWhy) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty address"},
      {"\"root\"", "no '@'"},
      {".root", "misplaced '.' in local part"},
      {"root localhost", "space outside quotes"},
      {"a b@c", "space outside quotes"},
      {"a@b c", "space outside quotes"},
      {"x\r\nBcc: evil@y", "control character"},
      {"a@b\n", "control character"},
      {"a\t@b", "control character"},
      {std::string("a\0b@c", 5), "control character"},
      {"caf\xc3\xa9@x.org", "non-ASCII byte (SMTPUTF8 addresses are not supported)"},
      {"@x.org", "empty local part"},
      {"a@", "empty domain"},
      {"a@@b", "more than one '@'"},
      {"a@b@c", "more than one '@'"},
      {".a@b", "misplaced '.' in local part"},
      {"a..b@c", "misplaced '.' in local part"},
      {"a,b@c", "character ',' not allowed outside quotes"},
      {"<a@b>", "character '<' not allowed outside quotes"},
      {"a@b..c", "empty label in domain"},
      {"a@-b.c", "domain label starts or ends with '-'"},
      {"a@b_c", "character '_' not allowed in a domain"},
      {"a@[1.2.3]", "bad address literal"},
      {"a@[IPv6:zz]", "bad IPv6 address literal"},
      {"\"abc@x", "unterminated quoted local part"},
      {"\"a\"b@x", "text between quoted local part and '@'"},
      {std::string(65, 'a') + "@x", "local part longer than 64 bytes"},
      {"a@" + std::string(64, 'b') + ".c", "domain label longer than 63 bytes"},
      {"a@" + std::string(260, 'b'), "longer than 254 bytes"},
  };
  for (const auto& [addr, want] : cases) {
    EXPECT_EQ(want, ValidateAddress(addr).value_or("(valid)")) << addr;
  }
}

TEST(MimeAddress, Lists) {
  AddressList l = ParseAddressList(" a@b ,\"x, y\"@c,d@[127.0.0.1] ");
  EXPECT_EQ(std::nullopt, l.error);
  EXPECT_EQ((std::vector<std::string>{"a@b", "\"x, y\"@c", "d@[127.0.0.1]"}), l.addresses);
  EXPECT_EQ("no address", ParseAddressList("  ").error.value_or(""));
  EXPECT_EQ("empty entry in address list 'a@b,,c@d'",
            ParseAddressList("a@b,,c@d").error.value_or(""));
  AddressList bad = ParseAddressList("a@b, root\r\nBcc: evil@y");
  EXPECT_EQ("bad address 'root\\x0D\\x0ABcc: evil@y': control character", bad.error.value_or(""));
  EXPECT_TRUE(bad.addresses.empty());
}

TEST(MimeHeader, CleanHeaderText) {
  EXPECT_EQ("a b c", CleanHeaderText("  a\r\n\tb\x7f\x01 c  "));
  EXPECT_EQ("caf\xc3\xa9", CleanHeaderText("caf\xc3\xa9"));
  EXPECT_EQ("x\xef\xbf\xbdy", CleanHeaderText("x\xffy"));                  // not UTF-8
  EXPECT_EQ("x\xef\xbf\xbd\xef\xbf\xbdy", CleanHeaderText("x\xc0\xafy"));  // overlong '/'
  EXPECT_EQ("a b", CleanHeaderText("a\xc2\x85"
                                   "b"));  // C1 NEL
  EXPECT_EQ("a b", CleanHeaderText("a\xe2\x80\xa8"
                                   "b"));                                // U+2028
  EXPECT_EQ("x\xef\xbf\xbd\xef\xbf\xbd", CleanHeaderText("x\xe2\x82"));  // truncated: per byte
  // bidi override (U+202E), isolates (U+2066, U+2069), marks (U+200F, U+061C): dropped
  EXPECT_EQ("abc", CleanHeaderText("a\xe2\x80\xae"
                                   "b\xe2\x81\xa6\xe2\x81\xa9"
                                   "c"));
  EXPECT_EQ("ab", CleanHeaderText("\xe2\x80\x8f"
                                  "a\xd8\x9c"
                                  "b"));
  EXPECT_EQ("Subject: =?UTF-8?B?w6k=?=",
            EncodeUnstructuredHeader("Subject", "\xe2\x80\xae\xc3\xa9"));
}

TEST(MimeHeader, PlainAsciiFoldsAtSpaces) {
  std::string subject;
  for (int i = 0; i < 30; ++i) subject += "word" + std::to_string(i) + " ";
  std::string h = EncodeUnstructuredHeader("Subject", subject);
  std::vector<std::string> lines = SplitLines(h, "\n");
  EXPECT_GT(lines.size(), 2u);
  for (std::size_t k = 0; k < lines.size(); ++k) {
    EXPECT_LE(lines[k].size(), 78u) << lines[k];
    if (k > 0) {
      EXPECT_EQ(' ', lines[k][0]);
    }
  }
  std::string unfolded;
  for (const std::string& l : lines) unfolded += l;
  EXPECT_EQ("Subject: " + CleanHeaderText(subject), unfolded);
  EXPECT_EQ("Subject: short one", EncodeUnstructuredHeader("Subject", "short one"));
  EXPECT_EQ("Subject:", EncodeUnstructuredHeader("Subject", "\r\n"));
}

TEST(MimeHeader, EncodedWordsNeverSplitUtf8AndStayShort) {
  // 2-, 3- and 4-byte characters at every alignment.
  const std::vector<std::string> chars = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x93\xa7", "a"};
  for (std::size_t shift = 0; shift < 4; ++shift) {
    std::string subject = std::string(shift, 'x') + " ";
    for (int i = 0; i < 60; ++i) subject += chars[(i + shift) % chars.size()];
    subject += " end";
    for (const char* eol : {"\n", "\r\n"}) {
      std::string h = EncodeUnstructuredHeader("Subject", subject, eol);
      std::vector<std::string> lines = SplitLines(h, eol);
      EXPECT_GT(lines.size(), 2u);
      std::string unfolded;
      for (std::size_t k = 0; k < lines.size(); ++k) {
        EXPECT_LE(lines[k].size(), 76u) << lines[k];
        if (k > 0) {
          EXPECT_EQ(' ', lines[k][0]);
        }
        unfolded += lines[k];
      }
      ASSERT_EQ(0u, unfolded.find("Subject: =?UTF-8?B?"));
      EXPECT_EQ(CleanHeaderText(subject), DecodeHeader(unfolded.substr(9))) << shift;
    }
  }
}

TEST(MimeHeader, TextThatLooksEncodedOrCannotFoldIsEncoded) {
  std::string h = EncodeUnstructuredHeader("Subject", "=?UTF-8?B?QUJD?= fake");
  EXPECT_EQ(0u, h.find("Subject: =?UTF-8?B?"));
  EXPECT_EQ("=?UTF-8?B?QUJD?= fake", DecodeHeader(h.substr(9)));
  std::string long_word(120, 'q');
  h = EncodeUnstructuredHeader("Subject", "a " + long_word);
  std::string unfolded;
  for (const std::string& l : SplitLines(h, "\n")) {
    EXPECT_LE(l.size(), 76u);
    unfolded += l;
  }
  EXPECT_EQ("a " + long_word, DecodeHeader(unfolded.substr(9)));
}

TEST(MimeHeader, Rfc5322DateInLocalTimeWithOffset) {
  {
    TzScope tz("Europe/Paris");
    EXPECT_EQ("Sat, 28 Nov 2026 13:03:07 +0100", Rfc5322Date(1795867387));
    EXPECT_EQ("Wed, 01 Jul 2026 02:00:00 +0200", Rfc5322Date(1782864000));
  }
  {
    TzScope tz("America/St_Johns");
    EXPECT_EQ("Sat, 28 Nov 2026 08:33:07 -0330", Rfc5322Date(1795867387));
  }
  TzScope tz("UTC");
  EXPECT_EQ("Thu, 01 Jan 1970 00:00:00 +0000", Rfc5322Date(0));
}

TEST(MimeHeader, MessageIds) {
  std::string a = MakeMessageId(1795867387, 4242, "mx1.example.org");
  std::string b = MakeMessageId(1795867387, 4242, "mx1.example.org");
  EXPECT_NE(a, b);
  EXPECT_EQ(0u, a.find("<20261128120307.4242."));
  EXPECT_EQ(a.size() - std::strlen("@mx1.example.org>"), a.find("@mx1.example.org>"));
  EXPECT_NE(std::string::npos, MakeMessageId(0, 1, "bad host\r\n").find("@localhost.invalid>"));
  EXPECT_EQ(32u, RandomHex(16).size());
  EXPECT_NE(RandomHex(16), RandomHex(16));
}

// ---- bodies ---------------------------------------------------------------------------

TEST(MimeBody, QuotedPrintableRoundTripsAnyBytes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  std::vector<std::string> inputs = {
      "",
      "plain\n",
      "no final newline",
      "trailing space \ntrailing tab\t\n \n",
      ".\n..x\nFrom me\nFrom\nfrom x\n",
      std::string(300, 'a') + "\n" + std::string(150, '=') + "\n",
      all + all + "\n" + all,
      "x\r\nBcc: evil@y\r\n",
      RandomBytes(5000, 1),
  };
  for (const std::string& in : inputs) {
    for (const char* eol : {"\n", "\r\n"}) {
      std::string qp = QuotedPrintable(in, eol);
      EXPECT_EQ(in, DecodeQp(qp, eol));
      for (const std::string& line : SplitLines(qp, eol)) {
        EXPECT_LE(line.size(), 76u) << line;
        for (unsigned char c : line) EXPECT_TRUE(c == '\t' || (c >= 32 && c < 127)) << int(c);
        if (!line.empty()) {
          EXPECT_NE(' ', line.back());
          EXPECT_NE('\t', line.back());
          EXPECT_NE('.', line.front());
        }
        EXPECT_NE(0u, line.find("From ")) << line;
      }
    }
  }
}

TEST(MimeBody, QuotedPrintableExamples) {
  EXPECT_EQ("a=3Db", QuotedPrintable("a=b"));
  EXPECT_EQ("x=20\ny", QuotedPrintable("x \ny"));
  EXPECT_EQ("=2E\n=46rom x", QuotedPrintable(".\nFrom x"));
  EXPECT_EQ("caf=C3=A9", QuotedPrintable("caf\xc3\xa9"));
  EXPECT_EQ("a=0D=0Db", QuotedPrintable("a\r\rb"));
  EXPECT_EQ("a=0D\r\nb", QuotedPrintable("a\r\nb", "\r\n"));
  std::string qp = QuotedPrintable(std::string(80, 'x'));
  EXPECT_EQ(std::string(75, 'x') + "=\n" + std::string(5, 'x'), qp);
}

TEST(MimeBody, Base64Lines) {
  EXPECT_EQ("", Base64Lines(""));
  EXPECT_EQ("TWFu\n", Base64Lines("Man"));
  EXPECT_EQ("TWE=\r\n", Base64Lines("Ma", "\r\n"));
  EXPECT_EQ("TQ==\n", Base64Lines("M"));
  std::string data = RandomBytes(1000, 9);
  std::string b = Base64Lines(data);
  EXPECT_EQ(data, DecodeB64(b));
  std::vector<std::string> lines = SplitLines(b, "\n");
  ASSERT_EQ(19u, lines.size());  // 18 lines and "" after the last '\n'
  for (std::size_t k = 0; k + 2 < lines.size(); ++k) EXPECT_EQ(76u, lines[k].size());
}

}  // namespace
}  // namespace mls
