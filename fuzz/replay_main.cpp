// Runs a fuzz target's entry point on files, without libFuzzer: how `make
// check` replays the seed corpora and the regression inputs (fuzz/regressions/)
// with the project's own compiler, and under SAN=1 with the sanitizers.
//   fuzz-replay-TARGET FILE|DIR ...
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool RunFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz-replay: cannot read %s\n", path.c_str());
    return false;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // A copy of exactly the input's size, so that a read past its end is caught
  // by AddressSanitizer as it is under libFuzzer.
  std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
  std::uint8_t* p = data.empty() ? nullptr : data.data();
  LLVMFuzzerTestOneInput(p, data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t files = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    struct stat st;
    if (stat(arg.c_str(), &st) != 0) {
      std::fprintf(stderr, "fuzz-replay: %s: no such file or directory\n", arg.c_str());
      return 2;
    }
    if (!S_ISDIR(st.st_mode)) {
      ok &= RunFile(arg);
      ++files;
      continue;
    }
    std::vector<std::string> names;
    if (DIR* d = opendir(arg.c_str())) {
      while (dirent* e = readdir(d))
        if (e->d_name[0] != '.') names.push_back(arg + "/" + e->d_name);
      closedir(d);
    }
    std::sort(names.begin(), names.end());
    for (const std::string& n : names) {
      ok &= RunFile(n);
      ++files;
    }
  }
  std::printf("%s: %zu inputs\n", argc > 0 ? argv[0] : "fuzz-replay", files);
  return ok ? 0 : 1;
}
