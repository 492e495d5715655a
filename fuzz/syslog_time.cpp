// The syslog header time parser (lib/syslog_time.h): the traditional
// "Mmm dd hh:mm:ss" stamp and RFC 3339 ones, the impossible-stamp check, the
// year inference and the ISO 8601 instants of --reference-time.
// Invariants: a parsed stamp has its fields in range and names a real day; it
// is formatted as an ISO time that the dataset accepts (IsIsoTime); a stamp
// is either accepted, impossible, or neither, never both.
#include "syslog_time.h"

#include "dataset.h"
#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::Bytes(data, size);
  static mls::TimeResolver resolver(1764000000);  // state carried between inputs, as in a stream
  mls::HeaderTime t;
  std::size_t n = mls::ParseHeaderTime(input, t);
  std::size_t impossible = mls::ImpossibleHeaderTimeLength(input);
  FUZZ_CHECK(n <= input.size() && impossible <= input.size());
  FUZZ_CHECK(n == 0 || impossible == 0);
  if (n > 0) {
    FUZZ_CHECK(t.month >= 1 && t.month <= 12);
    FUZZ_CHECK(t.day >= 1 && t.day <= 31);
    FUZZ_CHECK(t.hour >= 0 && t.hour <= 23 && t.minute >= 0 && t.minute <= 59);
    FUZZ_CHECK(t.second >= 0 && t.second <= 60);
    FUZZ_CHECK(!t.has_offset || (t.offset_minutes > -24 * 60 && t.offset_minutes < 24 * 60));
    int year = t.year != 0 ? t.year : resolver.InferYear(t);
    FUZZ_CHECK(t.day <= mls::DaysInMonth(year, t.month));
    char iso[mls::kIsoTimeLength];
    resolver.Format(t, iso);
    std::string_view text(iso, sizeof iso);
    FUZZ_CHECK(mls::IsIsoTime(text));
  }
  (void)mls::ParseIso8601Instant(input);
  return 0;
}
