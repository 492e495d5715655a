#pragma once
// Path names as strings (no file system access).

#include <string>

namespace mls {

// The directory part of `path` ("." when it has none, "/" for "/name").
std::string DirName(const std::string& path);

// Whether `path` is `dir` or below it, by name ("/a/b" is within "/a" and "/a/",
// "/ab" is not). Both absolute; "." and ".." are not resolved.
bool IsWithin(const std::string& path, const std::string& dir);

}  // namespace mls
