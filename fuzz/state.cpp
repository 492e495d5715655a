// The position files: mls-tail's state for a log file (lib/tail_state.h,
// versions 1 and 2 and the older tool's bare integer) and its journal cursor
// file (lib/journal_tail.h). The first byte picks the reader.
// Invariant: a state that parses, formatted and parsed again, is the same.
#include "fuzz.h"
#include "journal_tail.h"
#include "tail_state.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text = fuzz::Bytes(data + 1, size - 1);
  if (data[0] & 1) {
    mls::TailStateParse p = mls::ParseTailState(text, "state.offset");
    if (!p.error.empty()) return 0;
    std::string written = mls::FormatTailState(p.state);
    mls::TailStateParse back = mls::ParseTailState(written, "state.offset");
    FUZZ_CHECK(back.error.empty());
    FUZZ_CHECK(back.state == p.state);
  } else {
    std::string error;
    auto p = mls::ParseJournalPosition(text, "journal.cursor", error);
    if (!p) {
      FUZZ_CHECK(!error.empty());
      return 0;
    }
    std::string written = mls::FormatJournalPosition(*p);
    auto back = mls::ParseJournalPosition(written, "journal.cursor", error);
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(*back == *p);
  }
  return 0;
}
