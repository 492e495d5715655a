#pragma once
// UTF-8 validation, the one decoder every module uses (report renderers, JSON,
// MIME header encoding, mls-ipinfo's output).

#include <cstddef>
#include <string_view>

namespace mls {

// Decodes the UTF-8 character at s[i] (i < s.size()) into `cp`; returns its
// length in bytes, 0 if the bytes there are not valid UTF-8 (overlong,
// surrogate, above U+10FFFF, truncated, stray continuation byte).
std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t& cp);

// The same without the code point.
inline std::size_t Utf8Length(std::string_view s, std::size_t i) {
  char32_t cp;
  return DecodeUtf8(s, i, cp);
}

}  // namespace mls
