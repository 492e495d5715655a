#include "paths.h"

namespace mls {

std::string DirName(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool IsWithin(const std::string& path, const std::string& dir) {
  auto trim = [](std::string s) {
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
  };
  const std::string p = trim(path), d = trim(dir);
  if (d.empty() || p.size() < d.size() || p.compare(0, d.size(), d) != 0) return false;
  return p.size() == d.size() || d == "/" || p[d.size()] == '/';
}

}  // namespace mls
