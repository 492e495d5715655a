#pragma once
// Hands a message to the local MTA: runs `PROGRAM -t -oi` (recipients from the
// message's headers, a line holding only "." is data) with the message on its
// stdin, then maps how it ended to an error naming the program and the reason.
//
// A message the writer could not finish (unreadable attachment...) is never
// submitted half-written: the program gets SIGKILL before its stdin is closed,
// so it sees neither end-of-file nor a complete message. SIGPIPE is ignored
// while writing; a program that exits without reading everything makes the
// write fail with EPIPE and the hand-off an error, whatever its exit status.
// A program that exits 0 after reading only part of a message that fit in the
// pipe buffer (64 KiB) cannot be told apart from a successful one.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "mime.h"

namespace mls {

// The meaning of a sysexits.h code (64..78), e.g. 75 -> "temporary failure";
// empty for other codes.
std::string_view SysexitsMeaning(int code);

// "exit status 75 (temporary failure)", "exit status 1", "killed by signal 9 (Killed)".
std::string DescribeSendmailStatus(int wait_status);

// Writes the message. nullopt when it was written completely, else why not.
// The sink's own errors (a write to the program failed) are read from the sink.
using MessageWriter = std::function<std::optional<std::string>(Sink& sink)>;

struct SendmailResult {
  std::optional<std::string> error;  // nullopt: the program took the message and exited 0
  int wait_status = 0;               // valid when the program was started
  bool started = false;
};

// Runs `program -t -oi` (a program without '/' is looked up in PATH) with stdin a
// pipe, stdout and stderr inherited, signal dispositions and mask reset. Errors:
//   "cannot run /usr/sbin/sendmail: No such file or directory"
//   "/usr/sbin/sendmail -t -oi failed: exit status 75 (temporary failure)"
//   "/usr/sbin/sendmail -t -oi failed: killed by signal 9 (Killed)"
//   "/usr/sbin/sendmail -t -oi stopped reading the message: write: Broken pipe"
//   "message not handed to /usr/sbin/sendmail: <writer's error>"
SendmailResult RunSendmail(const std::string& program, const MessageWriter& write);

}  // namespace mls
