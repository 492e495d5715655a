#pragma once
// One syslog line -> is it a Postfix smtpd SASL authentication failure?
//
//   HEADER HOST postfix[-x][/svc]/smtpd[PID]: warning: CLIENT[ADDR][:PORT]: SASL MECH
//       authentication failed: REASON[, sasl_username=USER]
//
// and, a second record kind, a successful SASL login (smtpd's line when it
// queues a message from an authenticated client):
//
//   HEADER HOST postfix[-x][/svc]/smtpd[PID]: QUEUEID: client=CLIENT[ADDR][:PORT],
//       sasl_method=MECH, sasl_username=USER[, sasl_sender=SENDER]
//
// HEADER is one of the stamps syslog_time.h accepts. Anything else (no header,
// another program, a message not starting with "warning: ", an invalid address)
// is kNone. See mls-parse(1) for the full policy.

#include <string>
#include <string_view>

#include "ip.h"
#include "syslog_time.h"

namespace mls {

enum class LineKind {
  kNone,     // not a SASL failure line
  kEvent,    // SASL authentication failed: an attack (or a typo)
  kOutage,   // "authentication failed: Connection lost to authentication server"
  kAborted,  // "SASL MECH authentication aborted": the client gave up
  kLogin,    // a successful SASL login (reason empty, user never empty)
};

// The fields of a SASL line. The views point into the parsed line.
struct SaslLine {
  HeaderTime time;            // unset when bad_time
  std::string_view stamp;     // the header time as written
  bool bad_time = false;      // stamp-shaped but impossible ("Dec 32", "25:00:00")
  std::string_view server;    // syslog host field
  std::string_view service;   // the tag without "[pid]"
  std::string_view client;    // name before '[', e.g. "unknown"
  std::string_view port;      // digits after "]:", or empty
  std::string_view mech;      // as logged (not yet upper-cased)
  std::string_view reason;    // text after "failed: ", may be empty
  std::string_view user;      // sasl_username, empty for none or "(unavailable)"
  char ip[kIpTextSize] = {};  // canonical text (CanonicalIp, lib/ip.h)
};

// Classifies `line` (no trailing newline; a trailing CR is the caller's job).
// Fills `out` unless the result is kNone. A line whose stamp has the shape of a
// time but names none (ImpossibleHeaderTimeLength) is classified like any
// other, with out.bad_time set: its time cannot be printed.
LineKind ParsePostfixLine(std::string_view line, SaslLine& out);

// The reason text given to aborted lines when they are emitted.
inline constexpr std::string_view kAbortedReason = "authentication aborted";

// Appends the event as one TSV record (the columns of event.h), the method
// upper-cased. `time` is the ISO 8601 text from TimeResolver. For a kLogin line,
// `login` true: the kLoginColumns of a login record (no reason). `clean`: the
// caller knows the line holds no byte TSV escapes (backslash, TAB, CR, LF), so
// no field is looked at for one.
void AppendEventTsv(const SaslLine& line, std::string_view time, std::string& out,
                    bool login = false, bool clean = false);

}  // namespace mls
