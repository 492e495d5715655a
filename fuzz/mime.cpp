// The mail writer's encoders (lib/mime.h): the Subject header (report titles
// carry server names and user text), quoted-printable bodies, and the
// recipient address list from the configuration.
// Invariants: the header is printable ASCII in lines of at most 78 columns and
// gives back CleanHeaderText(value) when unfolded and its encoded-words
// decoded (RFC 2047); the body is printable ASCII in lines of at most 76
// characters and decodes (RFC 2045) to the text exactly; a parsed address list
// holds only addresses that ValidateAddress accepts.
#include "mime.h"

#include "fuzz.h"

namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string Base64Decode(std::string_view s) {
  FUZZ_CHECK(s.size() % 4 == 0);
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 4) {
    unsigned v = 0;
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      int d = s[i + k] == '=' ? (++pad, 0) : Base64Value(s[i + k]);
      FUZZ_CHECK(d >= 0);
      v = v << 6 | static_cast<unsigned>(d);
    }
    out += static_cast<char>(v >> 16);
    if (pad < 2) out += static_cast<char>(v >> 8 & 0xff);
    if (pad < 1) out += static_cast<char>(v & 0xff);
  }
  return out;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void CheckLines(std::string_view text, std::size_t max) {
  for (std::string_view line : fuzz::Lines(text)) {
    FUZZ_CHECK(line.size() <= max);
    for (unsigned char c : line) FUZZ_CHECK((c >= 32 && c < 127) || c == '\t');
  }
}

void CheckHeader(std::string_view value) {
  std::string h = mls::EncodeUnstructuredHeader("Subject", value);
  CheckLines(h, 78);
  FUZZ_CHECK(h.compare(0, 8, "Subject:") == 0);
  std::string clean = mls::CleanHeaderText(value);
  std::string unfolded;  // folding is "\n ": drop the line break
  for (char c : h.substr(8))
    if (c != '\n') unfolded += c;
  if (clean.empty()) {
    FUZZ_CHECK(unfolded.empty());
    return;
  }
  if (unfolded.find("=?UTF-8?B?") == std::string::npos) {
    FUZZ_CHECK(unfolded == " " + clean);
    return;
  }
  // encoded-words separated by single spaces
  std::string decoded;
  std::string_view rest(unfolded);
  while (!rest.empty()) {
    FUZZ_CHECK(rest.substr(0, 11) == " =?UTF-8?B?");
    rest.remove_prefix(11);
    std::size_t end = rest.find("?=");
    FUZZ_CHECK(end != std::string_view::npos);
    FUZZ_CHECK(end + 2 + 11 <= 75 + 1);  // an encoded-word is at most 75 characters
    decoded += Base64Decode(rest.substr(0, end));
    rest.remove_prefix(end + 2);
  }
  FUZZ_CHECK(decoded == clean);
}

void CheckQuotedPrintable(std::string_view text) {
  std::string qp = mls::QuotedPrintable(text);
  CheckLines(qp, 76);
  std::string decoded;
  for (std::size_t i = 0; i < qp.size(); ++i) {
    if (qp[i] != '=') {
      decoded += qp[i];
      continue;
    }
    FUZZ_CHECK(i + 1 < qp.size());
    if (qp[i + 1] == '\n') {  // soft line break
      ++i;
      continue;
    }
    int hi = Hex(qp[i + 1]), lo = i + 2 < qp.size() ? Hex(qp[i + 2]) : -1;
    FUZZ_CHECK(hi >= 0 && lo >= 0);
    decoded += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  FUZZ_CHECK(decoded == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string_view> parts = fuzz::Parts(fuzz::Bytes(data, size), 3);
  CheckHeader(parts[0]);
  CheckQuotedPrintable(parts.size() > 1 ? parts[1] : parts[0]);
  mls::AddressList list = mls::ParseAddressList(parts.back());
  if (!list.error)
    for (const std::string& a : list.addresses) FUZZ_CHECK(!mls::ValidateAddress(a));
  return 0;
}
