#pragma once
// Diagnostics: "tool: where: message" on stderr, errno text last.

#include <string>
#include <string_view>

namespace mls {

void SetProgramName(std::string_view name);
const std::string& ProgramName();

// Writes "<program>: <msg>\n" to stderr in one write(2).
void Warn(std::string_view msg);

// "<what>: <strerror(err)>"
std::string ErrnoMessage(std::string_view what, int err);

}  // namespace mls
