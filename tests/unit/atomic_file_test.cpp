#include "atomic_file.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace mls {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mls-atomic.XXXXXX";
    ASSERT_NE(nullptr, ::mkdtemp(tmpl));
    dir_ = tmpl;
  }
  void TearDown() override {
    if (DIR* d = ::opendir(dir_.c_str())) {
      while (struct dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") ::unlink((dir_ + "/" + n).c_str());
      }
      ::closedir(d);
    }
    ::rmdir(dir_.c_str());
  }
  std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  int Entries() {
    int n = 0;
    DIR* d = ::opendir(dir_.c_str());
    while (struct dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
    return n;
  }
  std::string dir_;
};

TEST_F(AtomicFileTest, CreatesAndReplacesWithExactMode) {
  std::string path = dir_ + "/state";
  EXPECT_EQ(std::nullopt, WriteFileAtomically(path, "one\n", 0640));
  EXPECT_EQ("one\n", Read(path));
  EXPECT_EQ(std::nullopt, WriteFileAtomically(path, "two\n", 0600));
  EXPECT_EQ("two\n", Read(path));
  struct stat st;
  ASSERT_EQ(0, ::stat(path.c_str(), &st));
  EXPECT_EQ(0600u, st.st_mode & 07777);
  EXPECT_EQ(1, Entries());  // no temporary file left behind
}

TEST_F(AtomicFileTest, PartsAreWrittenInOrder) {
  std::string path = dir_ + "/parts";
  const std::string_view parts[] = {"head\n", "", "body\n", "tail\n"};
  EXPECT_EQ(std::nullopt, WriteFileAtomically(path, parts, 0640));
  EXPECT_EQ("head\nbody\ntail\n", Read(path));
  EXPECT_EQ(1, Entries());
}

TEST_F(AtomicFileTest, CheckSeesTheNewContentAndCanRefuseIt) {
  std::string path = dir_ + "/db";
  ASSERT_EQ(std::nullopt, WriteFileAtomically(path, "old", 0644));
  std::string seen;
  auto refuse = [&](const std::string& tmp) -> std::optional<std::string> {
    seen = Read(tmp);
    return "not good enough";
  };
  EXPECT_EQ("not good enough", WriteFileAtomically(path, "new", 0644, refuse));
  EXPECT_EQ("new", seen);
  EXPECT_EQ("old", Read(path));
  EXPECT_EQ(1, Entries());  // the temporary file is gone
  auto accept = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  EXPECT_EQ(std::nullopt, WriteFileAtomically(path, "new", 0644, accept));
  EXPECT_EQ("new", Read(path));
}

TEST_F(AtomicFileTest, MissingDirectoryIsAnErrorMessage) {
  std::string path = dir_ + "/nope/state";
  EXPECT_EQ(path + ": No such file or directory", WriteFileAtomically(path, "x", 0640));
  EXPECT_EQ(0, Entries());
}

}  // namespace
}  // namespace mls
