#pragma once
// Path names as strings (no file system access).

#include <string>

namespace mls {

// The directory part of `path` ("." when it has none, "/" for "/name").
std::string DirName(const std::string& path);

}  // namespace mls
