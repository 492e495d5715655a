#pragma once
// Reverse-DNS names and PTR answers, without trusting the answer.
// ReverseName builds the query name for an address; ParsePtrAnswer reads the
// first PTR record of a DNS reply byte-exactly (c-ares 1.18's
// ares_parse_ptr_reply rejects names with bytes outside [A-Za-z0-9._/-] and
// ares_expand_name escapes them; we want the attacker's bytes as data).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mls {

// "203.0.113.5" -> "5.113.0.203.in-addr.arpa", "2001:db8::25" ->
// "5.2.0.0....8.b.d.0.1.0.0.2.ip6.arpa" (nibbles). nullopt if `ip` is not an address.
std::optional<std::string> ReverseName(std::string_view ip);

struct PtrAnswer {
  enum Kind { kName, kNoPtr, kMalformed } kind = kMalformed;
  // kName: the PTR target's labels joined with '.', byte-exact (no escaping: a
  // '.' inside a label looks like a separator), no trailing dot; root = "".
  std::string name;
};

// Parses a whole DNS message and returns the first IN PTR record of its answer
// section (after any CNAMEs, e.g. RFC 2317 delegation). kNoPtr: no such record.
PtrAnswer ParsePtrAnswer(const unsigned char* msg, std::size_t len);

}  // namespace mls
