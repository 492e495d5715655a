#pragma once
// Shared by the libFuzzer targets (fuzz/README.md): the invariant check, and
// splitting one input into lines or into several values.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

// An invariant that must hold for every input: abort (libFuzzer saves the
// input as a crash) with the condition and where it failed.
#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace fuzz {

inline std::string_view Bytes(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input's '\n'-separated lines (the last one without '\n' included).
inline std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// The input cut at each 0x00 byte into at most `max` parts (the last part keeps
// the rest): several independent values from one input.
inline std::vector<std::string_view> Parts(std::string_view text, std::size_t max) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max) {
    auto z = text.find('\0');
    if (z == std::string_view::npos) break;
    out.push_back(text.substr(0, z));
    text.remove_prefix(z + 1);
  }
  out.push_back(text);
  return out;
}

}  // namespace fuzz
