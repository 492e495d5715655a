#pragma once
// Diagnostics: "tool: where: message" on stderr, errno text last.

#include <string>
#include <string_view>

#include "fd_io.h"

namespace mls {

void SetProgramName(std::string_view name);
const std::string& ProgramName();

// Writes "<program>: <msg>\n" to stderr in one write(2).
void Warn(std::string_view msg);

// ErrnoMessage ("<what>: <strerror(err)>") comes with lib/fd_io.h.

}  // namespace mls
