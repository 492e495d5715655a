#include "diag.h"

#include <unistd.h>

#include <cstring>

namespace mls {
namespace {
std::string& Name() {
  static std::string name = "mls";
  return name;
}
}  // namespace

void SetProgramName(std::string_view name) { Name() = std::string(name); }
const std::string& ProgramName() { return Name(); }

void Warn(std::string_view msg) {
  std::string line = Name() + ": " + std::string(msg) + "\n";
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

std::string ErrnoMessage(std::string_view what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

}  // namespace mls
