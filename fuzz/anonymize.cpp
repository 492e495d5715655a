// The anonymiser (lib/anonymize.h): whole log lines of any bytes, and dataset
// rows (the first line as TSV fields), with the syslog host replaced too
// (--hostname). The first byte picks default or prefix-preserving pseudonyms.
// Invariant: no address of the input comes out. The addresses of a text are
// its tokens (runs of letters, digits and "._:%+-@", as the anonymiser reads
// them) that are an address, an IPv4 address with ":PORT", or an address after
// '@', each also split at every other character of that set; an IPv4-mapped
// IPv6 address stands for its IPv4 address too.
#include "anonymize.h"

#include <cstring>
#include <set>

#include "dataset.h"
#include "event.h"
#include "fuzz.h"
#include "ip.h"
#include "pseudonym.h"
#include "tsv.h"

namespace {

bool TokenChar(unsigned char c) { return std::isalnum(c) || std::strchr("._:%+-@", c) != nullptr; }

void AddAddress(std::string_view text, std::set<std::string>& out) {
  auto ip = mls::ParseIp(text);
  if (!ip) return;
  char buf[mls::kIpTextSize];
  mls::FormatIp(*ip, buf);
  out.insert(buf);
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (ip->family == AF_INET6 && std::memcmp(ip->bytes, kMapped, 12) == 0) {
    mls::IpAddress v4;
    v4.family = AF_INET;
    std::memcpy(v4.bytes, ip->bytes + 12, 4);
    mls::FormatIp(v4, buf);
    out.insert(buf);
  }
}

// Every address in `text`, canonical.
std::set<std::string> Addresses(std::string_view text) {
  std::set<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!TokenChar(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && TokenChar(static_cast<unsigned char>(text[j]))) ++j;
    std::string_view token = text.substr(i, j - i);
    AddAddress(token, out);
    // the pieces between the separators other than '.' and ':' (and ':PORT' cut)
    std::size_t s = 0;
    for (std::size_t k = 0; k <= token.size(); ++k) {
      if (k < token.size() && !std::strchr("%+-@", token[k])) continue;
      std::string_view piece = token.substr(s, k - s);
      AddAddress(piece, out);
      std::size_t colon = piece.rfind(':');  // IPv4:PORT
      if (colon != std::string_view::npos && colon + 1 < piece.size() &&
          piece.find_first_not_of("0123456789", colon + 1) == std::string_view::npos &&
          mls::ParseIp(piece.substr(0, colon), AF_INET))
        AddAddress(piece.substr(0, colon), out);
      s = k + 1;
    }
    i = j;
  }
  return out;
}

// `pseudonyms`: the same key and mode as the anonymiser's. An output address
// that is the pseudonym of an input address is that pseudonym, even when the
// input happens to hold it too (the fuzzer copies outputs into inputs).
void CheckNoneLeaks(std::string_view in, std::string_view out, mls::Pseudonyms& pseudonyms) {
  std::set<std::string> a = Addresses(in);
  if (a.empty()) return;
  std::set<std::string> pseudo;
  for (const std::string& x : a)
    if (auto p = pseudonyms.Ip(x)) pseudo.insert(std::string(*p));
  for (const std::string& b : Addresses(out)) {
    if (a.count(b) && !pseudo.count(b)) {
      std::fprintf(stderr, "address %s of the input is in the output\n in: %.*s\nout: %.*s\n",
                   b.c_str(), static_cast<int>(in.size()), in.data(), static_cast<int>(out.size()),
                   out.data());
      FUZZ_CHECK(a.count(b) == 0);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  mls::PseudonymKey key{};
  key[0] = 42;
  mls::Pseudonyms names(key, data[0] & 1), check(key, data[0] & 1);
  mls::AnonymizeOptions options;
  options.hostname = true;
  mls::Anonymizer anonymizer(names, options);
  std::string_view input = fuzz::Bytes(data + 1, size - 1);
  std::string out;
  for (std::string_view line : fuzz::Lines(input)) {
    out.clear();
    anonymizer.Line(line, out);
    CheckNoneLeaks(line, out, check);
  }
  // A dataset row as mls-anonymize takes it (DatasetScanner::ToEvent): 14
  // fields and a valid time. The AS organisation is left out of the check: it
  // is kept as the registry wrote it.
  std::vector<std::string> fields;
  std::string_view record = input.substr(0, input.find('\n'));
  if (!mls::TsvDecodeRecord(record, fields) && fields.size() == mls::kEnrichedColumns &&
      !mls::CheckEvent(fields)) {
    std::string before;
    for (std::size_t i = 0; i < fields.size(); ++i)
      if (i != mls::kAsOrg) before.append(fields[i]).append("\t");
    anonymizer.Event(fields);
    FUZZ_CHECK(fields.size() == mls::kEnrichedColumns);
    std::string after;
    for (std::size_t i = 0; i < fields.size(); ++i)
      if (i != mls::kAsOrg) after.append(fields[i]).append("\t");
    CheckNoneLeaks(before, after, check);
  }
  return 0;
}
