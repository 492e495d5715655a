// The INI configuration reader (lib/config.h): maillogsentinel.conf, every
// section and key, with its checks of each value.
// Invariant: the entries of a valid text, written out by FormatConfig (what
// --setup writes), read back as the same entries, the written text is a valid
// configuration too, and writing it again changes nothing.
#include "config.h"

#include <algorithm>
#include <tuple>

#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(fuzz::Bytes(data, size));
  mls::ConfigResult parsed = mls::ParseConfig(text, "fuzz.conf");
  std::vector<mls::ConfigEntry> entries;
  auto error = mls::ReadConfigEntries(text, "fuzz.conf", entries);
  FUZZ_CHECK(error.has_value() == parsed.error.has_value());
  if (error) return 0;
  std::string written = mls::FormatConfig(entries, "# fuzz");
  std::vector<mls::ConfigEntry> back;
  FUZZ_CHECK(!mls::ReadConfigEntries(written, "written.conf", back));
  // the same entries (FormatConfig orders the sections as the manual does)
  auto key = [](const mls::ConfigEntry& a, const mls::ConfigEntry& b) {
    return std::tie(a.section, a.key, a.value) < std::tie(b.section, b.key, b.value);
  };
  std::vector<mls::ConfigEntry> sorted = entries, sorted_back = back;
  std::stable_sort(sorted.begin(), sorted.end(), key);
  std::stable_sort(sorted_back.begin(), sorted_back.end(), key);
  FUZZ_CHECK(sorted_back == sorted);
  FUZZ_CHECK(mls::FormatConfig(back, "# fuzz") == written);
  FUZZ_CHECK(!mls::ParseConfig(written, "written.conf").error);
  return 0;
}
