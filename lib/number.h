#pragma once
// The one whole-string number parser: a field, an option value or a config
// value is a number only if all of it is (no sign for unsigned types, no
// spaces, no trailing bytes, no overflow); and a count with its noun.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
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

// "1 row", "2 rows": a count and its noun, for messages.
inline std::string CountOf(std::uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace mls
