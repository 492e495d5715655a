// A journal entry as mls-tail --journal writes it for mls-parse
// (lib/journal_tail.h AppendJournalLine): MESSAGE holds what the client sent,
// SYSLOG_IDENTIFIER and the pid are whatever the logging process chose. The
// input cut at NUL bytes: host, identifier, pid, message. Also journald's
// "Suppressed N messages" reader.
// Invariants: one entry is one line (a newline anywhere in a field cannot start
// a line of its own, which mls-parse would read as a log line); the line
// starts with a stamp mls-parse accepts.
#include "fuzz.h"
#include "journal_tail.h"
#include "syslog_time.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string_view> p = fuzz::Parts(fuzz::Bytes(data, size), 4);
  while (p.size() < 4) p.insert(p.begin(), std::string_view("x"));
  std::string line;
  mls::AppendJournalLine("2026-01-01T10:00:00", 123456, "+01:00", p[0], p[1], p[2], p[3], line);
  FUZZ_CHECK(!line.empty() && line.back() == '\n');
  FUZZ_CHECK(line.find('\n') == line.size() - 1);
  mls::HeaderTime t;
  FUZZ_CHECK(mls::ParseHeaderTime(line, t) == 32);
  (void)mls::IsPostfixIdentifier(p[1]);
  (void)mls::SuppressedPostfixMessages(p[3]);
  return 0;
}
