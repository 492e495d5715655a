#pragma once
// TSV wire format: one record per line, fields separated by one TAB, and inside
// a field exactly four escapes: \\ \t \n \r. Everything else is passed through
// byte for byte. Decoding is strict: any other backslash sequence is an error.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mls {

// Appends the escaped form of `field` to `out`.
void TsvEscapeTo(std::string_view field, std::string& out);

// Appends `fields` as one record (TAB-joined, escaped, terminated by '\n').
void TsvAppendRecord(const std::vector<std::string_view>& fields, std::string& out);
void TsvAppendRecord(const std::vector<std::string>& fields, std::string& out);

// Decodes one record (without its trailing '\n') into `fields`.
// Returns an error message (e.g. "bad escape '\\x' in field 3") or nullopt.
std::optional<std::string> TsvDecodeRecord(std::string_view line,
                                           std::vector<std::string>& fields);

}  // namespace mls
