#pragma once
// The one whole-string number parser: a field, an option value or a config
// value is a number only if all of it is (no sign for unsigned types, no
// spaces, no trailing bytes, no overflow).

#include <charconv>
#include <optional>
#include <string_view>
#include <type_traits>

namespace mls {

// `s` as an integer of type T in `base`; nullopt if `s` is empty, has anything
// besides the number, or does not fit in T.
template <typename T>
std::optional<T> ParseNumber(std::string_view s, int base = 10) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  T v{};
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// ParseNumber, and also nullopt outside [lo, hi].
template <typename T>
std::optional<T> ParseNumberIn(std::string_view s, T lo, T hi) {
  std::optional<T> v = ParseNumber<T>(s);
  if (!v || *v < lo || *v > hi) return std::nullopt;
  return v;
}

}  // namespace mls
