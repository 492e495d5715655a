#pragma once
// mls-anonymize's engine (mls-anonymize(1)): a mail log line, or a dataset row,
// with every address, user name, e-mail address and host name replaced by its
// pseudonym (lib/pseudonym.h), and nothing else changed.
//
// A log line is read as syslog when it has a stamp (syslog_time.h), a host and
// a tag: the stamp, the tag and the pid stay; the host field is replaced only
// with `hostname`. A Postfix SASL failure line (postfix_parse.h) is taken
// apart exactly as mls-parse does: the client name, its address and the whole
// sasl_username value are replaced, so the anonymised line gives mls-parse the
// same event with the pseudonyms in it. The rest of every line, or a whole line
// that is not syslog at all, is scanned for:
//   - KEY=VALUE fields whose value is a person's: sasl_username= (to the end of
//     the line or ", sasl_sender="), user=<...> and user=... (Dovecot,
//     saslauthd), helo=<...>, from=<...>, to=<...>, orig_to=<...>,
//     sasl_sender=<...>, and Dovecot's passdb(USER,ADDRESS...);
//   - NAME[ADDRESS]: the client name (except "unknown") and the address;
//   - what Postfix echoes of the client: "<HELO>: Helo command rejected" (and
//     any "<VALUE>:" of a reject), postscreen's "EHLO NAME", Cyrus SASL's
//     "user: NAME";
//   - tokens (runs of letters, digits and "._:%+-@"): an IPv4 or IPv6 address
//     (also followed by ':' and a port), an e-mail address (local part and
//     domain separately), a host name (two or more labels, the last one two
//     or more letters, not a file name such as main.cf).
// Everything else (queue ids, programs, times, SMTP codes, Postfix's words)
// is copied byte for byte, whatever the bytes are: invalid UTF-8, NUL, CR.
// With `also`, each match of each pattern is replaced first (Other()).

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "pseudonym.h"

namespace mls {

struct AnonymizeOptions {
  bool hostname = false;         // also the syslog host field (and the dataset's server)
  std::vector<std::regex> also;  // --also REGEX, in order
};

class Anonymizer {
 public:
  Anonymizer(Pseudonyms& names, AnonymizeOptions options) : names_(names), o_(std::move(options)) {}

  // Appends the anonymised `line` (without its '\n') to `out`.
  void Line(std::string_view line, std::string& out);

  // An event's fields (lib/event.h order; a dataset row as DatasetScanner::ToEvent
  // gives it), anonymised in place: the server (with `hostname`), address, user,
  // reverse DNS name, client name and reason.
  void Event(std::vector<std::string>& fields);

 private:
  void Free(std::string_view text, std::string& out);  // the token scan
  bool Field(std::string_view text, std::size_t& i, std::string& out);
  bool Echo(std::string_view text, std::size_t& i, std::string& out);
  void Token(std::string_view token, std::string& out);
  bool Whole(std::string_view token, std::string& out);  // the token as one thing, if it is one
  void AddressesOnly(std::string_view text, std::string& out);  // words kept as written
  void UserValue(std::string_view value, std::string& out);     // a user name or an address
  void HostValue(std::string_view value, std::string& out);     // a host name or an address
  void Host(std::string_view name, std::string& out);           // keeps "unknown"
  std::string Also(std::string_view line);

  Pseudonyms& names_;
  AnonymizeOptions o_;
  bool addresses_only_ = false;  // inside AddressesOnly: Token replaces addresses only
};

}  // namespace mls
