#include "diag.h"

#include <unistd.h>

#include <cstring>

#include "fd_io.h"

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
  // One write(2) when it can; the rest after a short write or EINTR.
  WriteAll(STDERR_FILENO, Name() + ": " + std::string(msg) + "\n");
}

}  // namespace mls
