#pragma once
// mls-tail --journal (mls-tail(1), JOURNAL): Postfix's entries of the systemd
// journal, read with sd-journal, printed as the RFC 3339 syslog lines mls-parse
// reads, from a saved position to the end, exactly once.
//
// Which entries: SYSLOG_IDENTIFIER starting with "postfix" (postfix/smtpd,
// postfix-in/submission/smtpd, ...), checked here because journal matches are
// exact; --match FIELD=VALUE narrows further (sd_journal_add_match: the same
// field OR'ed, different fields AND'ed). journald's own "Suppressed N messages
// from postfix..." entries are counted (its rate limit dropped Postfix lines).
//
// Each entry is one line:
//   YYYY-MM-DDTHH:MM:SS.UUUUUU+HH:MM HOST IDENT[PID]: MESSAGE
// in local time (TZ) from __REALTIME_TIMESTAMP, HOST from _HOSTNAME, PID from
// SYSLOG_PID (no "[PID]" without one). MESSAGE is binary-safe and of any length
// (the 64 KiB data threshold is lifted); a newline in it is written as "#012"
// (as rsyslog does), so an entry is always one line.
//
// The position (state file) is the cursor of the last entry read and its
// realtime: "mls-tail-journal 1\ncursor CURSOR\nrealtime USEC\n" (no cursor:
// nothing read yet, start at the head). Resuming: seek_cursor, next,
// test_cursor (in that order: test_cursor straight after seek_cursor fails on
// systemd 252): the entry at the cursor is skipped and reading goes on after
// it. A cursor whose entry is gone (vacuumed, or from another journal) goes on
// at the first entry later than its realtime, with a warning that entries may
// be missing; a cursor the library cannot parse is a corrupt state (exit 1,
// nothing read, nothing written).
//
// A journal file that cannot be read for lack of permission is an error, not
// an empty journal: a user outside systemd-journal (or adm) sees only their
// own entries.

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mls {

struct JournalTailOptions {
  std::string directory;             // journal files here; empty: the system journal
  std::vector<std::string> matches;  // FIELD=VALUE
  std::string state_path;            // empty: no saved position, print all history
  std::string pending_path;          // non-empty: commit here instead of state_path
  bool from_end = false;             // no saved position yet: start after the last entry
  bool follow = false;
  bool stats = false;  // "mls-tail: entries=N printed=N suppressed=N" on stderr at the end
  int poll_ms = 250;
  int out_fd = 1;
  const volatile std::sig_atomic_t* stop = nullptr;
};

int RunJournalTail(const JournalTailOptions& options);

// ---- parts, for tests ---------------------------------------------------------

struct JournalPosition {
  std::string cursor;  // empty: nothing read yet
  std::uint64_t realtime_usec = 0;
  bool operator==(const JournalPosition&) const = default;
};
std::string FormatJournalPosition(const JournalPosition& p);
// nullopt and `error` ("NAME:LINE: ...") when `text` is no journal position.
std::optional<JournalPosition> ParseJournalPosition(std::string_view text, std::string_view name,
                                                    std::string& error);

// Whether SYSLOG_IDENTIFIER names a Postfix program.
bool IsPostfixIdentifier(std::string_view identifier);
// "Suppressed N messages from postfix@-.service" (journald's rate limit): N, or 0.
std::uint64_t SuppressedPostfixMessages(std::string_view message);

// Appends one entry as a line (with its '\n'). `stamp` is the local time
// prefix for the entry's second ("2026-01-01T10:00:00"), `offset` "+01:00".
void AppendJournalLine(std::string_view stamp, std::uint32_t usec, std::string_view offset,
                       std::string_view host, std::string_view identifier, std::string_view pid,
                       std::string_view message, std::string& out);

// The journal files under `dir` (and its subdirectories one level down) that
// this process cannot read: "PATH: Permission denied", ...
std::vector<std::string> UnreadableJournalFiles(const std::string& dir);

}  // namespace mls
