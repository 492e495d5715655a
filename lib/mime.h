#pragma once
// The report's email as a MIME message (RFC 5322, 2045-2047), streamed to a
// Sink so that a large attachment is never held in memory:
//
//   multipart/mixed
//     multipart/alternative
//       text/plain; charset=utf-8   quoted-printable
//       text/html; charset=utf-8    quoted-printable
//     text/csv attachment           base64 (application/gzip .csv.gz when the CSV is
//                                   larger than max_attachment; left out with a
//                                   text/plain note when even that is too large)
//
// Lines end in LF (what `sendmail -t -oi` reads; the MTA writes CRLF on the wire),
// or CRLF with MailMessage::crlf. Every body is quoted-printable or base64, so no
// byte of the report text, the HTML or the CSV (user names are attacker-controlled)
// can end a line early or start a header. Header values never hold a control
// byte: addresses are validated (ValidateAddress), the subject has controls
// replaced by spaces and is sent as RFC 2047 encoded-words when it is not plain
// ASCII, and every header line is folded at 78 columns.

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mls {

// ---- where the message goes ------------------------------------------------

class Sink {
 public:
  virtual ~Sink() = default;
  // Appends `bytes`. False once a write has failed (error() says why); later
  // writes are no-ops returning false.
  virtual bool Write(std::string_view bytes) = 0;
  // Pushes buffered bytes out. False after an error.
  virtual bool Flush() { return !error_.has_value(); }
  const std::optional<std::string>& error() const { return error_; }
  // The errno of the failed write (EPIPE: the reader went away), 0 if none.
  int error_errno() const { return errno_; }

 protected:
  std::optional<std::string> error_;
  int errno_ = 0;
};

// Buffers and writes to an fd (partial writes and EINTR handled). `name` is used
// in the error: "write to NAME: Broken pipe". The fd is not closed.
class FdSink : public Sink {
 public:
  FdSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  ~FdSink() override { Flush(); }
  bool Write(std::string_view bytes) override;
  bool Flush() override;

 private:
  int fd_;
  std::string name_;
  std::string buf_;
};

// Appends to a string (tests, small messages).
class StringSink : public Sink {
 public:
  bool Write(std::string_view bytes) override {
    out.append(bytes);
    return true;
  }
  std::string out;
};

// ---- header values -----------------------------------------------------------

// Checks one addr-spec (local@domain, RFC 5322 without comments or display
// names), or a local recipient without '@' ("root": a dot-atom that sendmail
// delivers locally, or qualifies with its own domain): the local part a
// dot-atom or a quoted string of printable ASCII, the
// domain a host name (letters, digits, '-', labels of 1..63) or an address
// literal ("[127.0.0.1]", "[IPv6:::1]"); at most 254 bytes. nullopt if valid,
// else why not: "no '@'", "control character", "space outside quotes",
// "non-ASCII byte (SMTPUTF8 addresses are not supported)", ...
std::optional<std::string> ValidateAddress(std::string_view address);

// A ','-separated list of addresses (spaces around entries allowed, commas in
// quoted local parts respected), each validated. At least one.
struct AddressList {
  std::vector<std::string> addresses;
  std::optional<std::string> error;  // "bad address 'a b@c': space outside quotes"
};
AddressList ParseAddressList(std::string_view list);

// `text` made safe for one header line: each byte that is not part of valid
// UTF-8 becomes U+FFFD, control characters (C0, DEL, C1) and line separators become
// spaces, bidi marks, embeddings, overrides and isolates (IsHiddenControl in
// text_safety.h: U+200E, U+202E, U+2066, ...) are dropped, then runs of spaces
// collapse and the ends are trimmed.
std::string CleanHeaderText(std::string_view text);

// One unstructured header field ("Subject: ...") with its value made safe by
// CleanHeaderText: printable ASCII is folded at spaces to lines of at most 78
// columns; otherwise (non-ASCII, or a word that looks like an encoded-word or
// cannot be folded) the whole value becomes UTF-8 "B" encoded-words of at most
// 75 characters, never splitting a UTF-8 sequence, one per line of at most 76
// columns. Lines are joined by `eol` + " "; the result does not end in `eol`.
std::string EncodeUnstructuredHeader(std::string_view name, std::string_view value,
                                     std::string_view eol = "\n");

// RFC 5322 date in local time with its numeric offset:
// "Sat, 28 Nov 2026 14:03:07 +0100" (English names whatever the locale).
std::string Rfc5322Date(std::time_t t);

// `bytes` from the kernel's random source (getrandom) as lower-case hex
// (2 * bytes characters).
std::string RandomHex(std::size_t bytes);

// "<YYYYmmddHHMMSS.PID.RANDOM@domain>" (time in UTC); a `domain` that is not a
// valid host name is replaced by "localhost.invalid".
std::string MakeMessageId(std::time_t now, long pid, std::string_view domain);

// ---- bodies -----------------------------------------------------------------

// Quoted-printable (RFC 2045 6.7) with '\n' in `text` as the line break and `eol`
// written for it: lines of at most 76 characters, '=' and every byte outside
// 33..126 encoded, except space and tab not at a line end; a '.' or "From " at
// the start of a line is encoded too (=2E, =46) so no MTA or mbox rewrites it.
// A '\r' in `text` is data (=0D).
std::string QuotedPrintable(std::string_view text, std::string_view eol = "\n");

// Base64 (RFC 2045 6.8) in lines of 76 characters, each followed by `eol`.
std::string Base64Lines(std::string_view data, std::string_view eol = "\n");

// An unlinked temporary file (read/write, close-on-exec, mode 0600) in the first
// of `dirs` where one can be made (O_TMPFILE, else mkstemp + unlink); -1 and
// `error` (naming the last directory tried) if none.
int OpenScratchFile(const std::vector<std::string>& dirs, std::string& error);

// ---- the message -------------------------------------------------------------

// The largest attachment, before base64 (which adds 37 %): 5 MiB keeps the whole
// message (about 7.2 MB) under Postfix's default message_size_limit (10240000
// bytes) and most providers' limits; a 10 MiB file would be refused whole.
inline constexpr std::uint64_t kDefaultMaxAttachment = std::uint64_t{5} << 20;

struct MailMessage {
  std::string from;             // one address (ValidateAddress); empty: no From header
                                // (sendmail adds one from the envelope sender)
  std::vector<std::string> to;  // one or more addresses
  std::string subject;          // UTF-8 text (CleanHeaderText, encoded as needed)
  std::time_t date = 0;
  std::string message_id;  // "<...@...>" (MakeMessageId); empty: made from date/pid/from's domain
  std::string mailer;      // X-Mailer value, e.g. "maillogsentinel 0.1.0"
  std::string text;        // the text/plain alternative
  std::string html;        // the text/html alternative
  // The attachment: read from offset 0 to its size (fstat) with pread, so the
  // fd's position does not matter; -1 = none.
  int attachment_fd = -1;
  std::string attachment_name;  // file name without extension; ".csv" / ".csv.gz" added
  std::uint64_t max_attachment = kDefaultMaxAttachment;  // bytes, before base64
  // Where the gzip copy is built (an unlinked file), first that works.
  std::vector<std::string> tmp_dirs = {"/tmp"};
  bool crlf = false;  // CRLF line ends instead of LF
};

enum class AttachmentMode { kNone, kCsv, kGzip, kOmitted };

struct MimeResult {
  AttachmentMode attachment = AttachmentMode::kNone;
  std::uint64_t csv_bytes = 0;       // the attachment's size as given
  std::uint64_t gzip_bytes = 0;      // its compressed size, when compressed
  std::string note;                  // the text of the note part when omitted
  std::optional<std::string> error;  // bad address, unreadable attachment, sink error
};

// Writes the whole message to `sink` (and flushes it). Addresses are validated
// first: an invalid one writes nothing.
MimeResult WriteMimeMessage(const MailMessage& message, Sink& sink);

}  // namespace mls
