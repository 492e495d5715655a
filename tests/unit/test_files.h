#pragma once
// Test helpers: the checkout's root, whole-file reads/writes, a scratch directory
// and a command line for the Parse*Options functions.

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

// A fresh directory under /tmp ("" if mkdtemp failed), removed with its
// content at the end of the scope.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name = "mls-test") {
    std::string tmpl = "/tmp/" + name + ".XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ScratchDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// argc/argv of `tool` followed by `args`, for ParseReportOptions and the like.
class Argv {
 public:
  Argv(const std::string& tool, std::vector<std::string> args) : args_(std::move(args)) {
    args_.insert(args_.begin(), tool);
    for (std::string& a : args_) ptrs_.push_back(a.data());
    ptrs_.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(args_.size()); }
  char** argv() { return ptrs_.data(); }

 private:
  std::vector<std::string> args_;
  std::vector<char*> ptrs_;
};

}  // namespace mls
