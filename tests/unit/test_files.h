#pragma once
// Test helpers: the checkout's root and whole-file reads/writes.

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace mls {

// The checkout root (make exports MLS_SRCDIR; tests run from tests/unit).
inline std::string SrcDir() {
  const char* s = std::getenv("MLS_SRCDIR");
  return s && *s ? s : "../..";
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

}  // namespace mls
