// The Postfix line parser, as mls-parse runs it (lib/log_scanner.h): failures,
// aborted attempts and successful logins, short maximum line length so that
// the overlong path runs too.
// Invariants: the SIMD and the portable scans write the same records; every
// record decodes as TSV into an event (or login) that mls-store accepts
// (CheckEvent); its address is canonical; and the record's text re-parses:
// decoding and encoding it again gives the same bytes.
#include "dataset.h"
#include "event.h"
#include "fuzz.h"
#include "ip.h"
#include "log_scanner.h"
#include "tsv.h"

static std::string Scan(std::string_view input, bool portable, bool logins, bool aborted) {
  mls::ScanOptions o;
  o.max_line_length = 300;
  o.logins = logins;
  o.include_aborted = aborted;
  o.reference_time = 1764000000;  // 2025-11-24: a fixed "now" for the year
  mls::LogScanner scanner(o, [](std::string_view) {});
  scanner.SetPortableScan(portable);
  scanner.BeginInput("fuzz");
  std::string out;
  // In two pieces: a line cut between two reads is a case of its own.
  std::size_t cut = input.size() / 3;
  scanner.Feed(input.substr(0, cut), out);
  scanner.Feed(input.substr(cut), out);
  scanner.EndInput(out);
  return out;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::Bytes(data, size);
  bool logins = size % 2 == 0, aborted = size % 3 == 0;
  std::string simd = Scan(input, false, logins, aborted);
  std::string portable = Scan(input, true, logins, aborted);
  FUZZ_CHECK(simd == portable);
  std::vector<std::string> fields;
  std::string again;
  for (std::string_view record : fuzz::Lines(simd)) {
    FUZZ_CHECK(!mls::TsvDecodeRecord(record, fields).has_value());
    FUZZ_CHECK(fields.size() == mls::kEventColumns ||
               (logins && fields.size() == mls::kLoginColumns));
    FUZZ_CHECK(!mls::CheckEvent(fields).has_value());
    char ip[mls::kIpTextSize];
    FUZZ_CHECK(mls::CanonicalIp(fields[mls::kIp], ip));
    FUZZ_CHECK(fields[mls::kIp] == ip);
    again.clear();
    mls::TsvAppendRecord(fields, again);
    FUZZ_CHECK(again.size() == record.size() + 1 && again.compare(0, record.size(), record) == 0);
  }
  return 0;
}
