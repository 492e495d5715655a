#pragma once
// Hands a message to the local MTA: runs `PROGRAM -t -oi` (recipients from the
// message's headers, a line holding only "." is data) and maps how it ended to
// an error naming the program and the reason.
//
// The message is written to an unlinked scratch file first and the program gets
// that file as its stdin. So it is never started for a message that could not
// be written whole (unreadable attachment, full disk), and it never sees half a
// message as a complete one: if we are killed while it runs, it still reads a
// complete file (a pipe would give it end-of-file early, and sendmail submits
// what it has). Its stdin shares our file offset, so after it exits we also
// know whether it read everything.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime.h"

namespace mls {

// The meaning of a sysexits.h code (64..78), e.g. 75 -> "temporary failure";
// empty for other codes.
std::string_view SysexitsMeaning(int code);

// "exit status 75 (temporary failure)", "exit status 1", "killed by signal 9 (Killed)".
std::string DescribeSendmailStatus(int wait_status);

// Writes the message. nullopt when it was written completely, else why not.
// The sink's own errors are read from the sink.
using MessageWriter = std::function<std::optional<std::string>(Sink& sink)>;

struct SendmailResult {
  std::optional<std::string> error;  // nullopt: the program read the message and exited 0
  int wait_status = 0;               // valid when started
  bool started = false;
  bool timed_out = false;  // stopped after SendmailOptions::timeout_ms
  std::uint64_t message_bytes = 0;
};

struct SendmailOptions {
  // Where the scratch file may go, first that works.
  std::vector<std::string> scratch_dirs = {"/tmp"};
  // Not empty: `-f ADDRESS` (the envelope sender; the caller validates it).
  std::string envelope_sender;
  // How long the program may run; 0 = no limit. Then its process group gets
  // SIGTERM, and SIGKILL `kill_grace_ms` later if it is still there.
  std::int64_t timeout_ms = 300'000;
  std::int64_t kill_grace_ms = 5'000;
  // Set: the program's stderr is read through a pipe and each line (without
  // its '\n'; a last unterminated line too) is passed here. Null: inherited.
  std::function<void(std::string_view line)> on_stderr_line;
};

// Writes the message to a scratch file in the first usable of `scratch_dirs`,
// then runs `program -t -oi [-f SENDER]` (a program without '/' is looked up in
// PATH) in a process group of its own, with that file as stdin, stdout
// inherited, stderr inherited or read line by line, signal dispositions and
// mask reset. Errors:
//   "message not handed to /usr/sbin/sendmail: <writer's or the file's error>"
//   "cannot run /usr/sbin/sendmail: No such file or directory"
//   "/usr/sbin/sendmail -t -oi failed: exit status 75 (temporary failure)"
//   "/usr/sbin/sendmail -t -oi failed: killed by signal 9 (Killed)"
//   "/usr/sbin/sendmail -t -oi exited without reading the whole message (0 of 5120 bytes)"
//   "/usr/sbin/sendmail did not finish within 300 s (stopped with SIGTERM)"
//   "/usr/sbin/sendmail did not finish within 300 s (killed with SIGKILL: SIGTERM
//    did not stop it within 5 s)"
// A timeout is an error even if the program then exits 0 on SIGTERM.
SendmailResult RunSendmail(const std::string& program, const MessageWriter& write,
                           const SendmailOptions& options);
SendmailResult RunSendmail(const std::string& program, const MessageWriter& write,
                           const std::vector<std::string>& scratch_dirs = {"/tmp"});

// "300 s", "1.5 s", "200 ms".
std::string DescribeDuration(std::int64_t ms);

}  // namespace mls
