#include "fd_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

namespace mls {
namespace {

TEST(WriteAll, WritesEverythingThroughAPipeLargerThanItsBuffer) {
  int p[2];
  ASSERT_EQ(0, ::pipe(p));
  std::string data(1 << 20, 'x');  // 1 MiB: many short writes into a 64 KiB pipe
  for (std::size_t i = 0; i < data.size(); i += 4093) data[i] = static_cast<char>('a' + i % 26);
  std::string got;
  std::thread reader([&] {
    char buf[8192];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<std::size_t>(n));
  });
  EXPECT_TRUE(WriteAll(p[1], data));
  ::close(p[1]);
  reader.join();
  ::close(p[0]);
  EXPECT_EQ(data, got);
}

TEST(ReadSome, OneReadThenEndOfFileOrEagain) {
  int p[2];
  ASSERT_EQ(0, ::pipe2(p, O_NONBLOCK));
  char buf[16];
  EXPECT_EQ(-1, ReadSome(p[0], buf, sizeof buf));  // nothing yet: EAGAIN, no wait
  EXPECT_EQ(EAGAIN, errno);
  ASSERT_TRUE(WriteAll(p[1], "abc"));
  EXPECT_EQ(3, ReadSome(p[0], buf, sizeof buf));
  EXPECT_EQ("abc", std::string(buf, 3));
  ::close(p[1]);
  EXPECT_EQ(0, ReadSome(p[0], buf, sizeof buf));
  ::close(p[0]);
  EXPECT_EQ(-1, ReadSome(p[0], buf, sizeof buf));
  EXPECT_EQ(EBADF, errno);
  EXPECT_EQ("x: " + std::string(std::strerror(EBADF)), ErrnoMessage("x", EBADF));
}

TEST(WriteAll, ReportsErrorsWithErrno) {
  int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  errno = 0;
  EXPECT_FALSE(WriteAll(fd, "abc"));
  EXPECT_EQ(EBADF, errno);
  ::close(fd);
  EXPECT_TRUE(WriteAll(fd, ""));  // nothing to write: no call at all
}

TEST(ReadWholeFile, ReadsMissingAndTooLarge) {
  char tmpl[] = "/tmp/mls-fdio.XXXXXX";
  ASSERT_NE(nullptr, ::mkdtemp(tmpl));
  const std::string dir = tmpl, path = dir + "/f";
  std::optional<std::string> content = "stale";
  EXPECT_EQ(std::nullopt, ReadWholeFile(path, content, /*missing_ok=*/true, 10));
  EXPECT_EQ(std::nullopt, content);
  EXPECT_EQ(path + ": No such file or directory", ReadWholeFile(path, content, false, 10));

  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(WriteAll(fd, "hello"));
  ::close(fd);
  EXPECT_EQ(std::nullopt, ReadWholeFile(path, content, false, 5));
  EXPECT_EQ("hello", content);
  EXPECT_EQ(path + ": larger than 4 bytes", ReadWholeFile(path, content, false, 4));
  EXPECT_EQ(std::nullopt, content);

  EXPECT_EQ(std::nullopt, SyncFile(path));
  EXPECT_EQ(std::nullopt, SyncDir(dir));
  EXPECT_EQ(dir + "/nope: No such file or directory", SyncDir(dir + "/nope"));
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
}

TEST(FdIo, MakeDirs) {
  char tmpl[] = "/tmp/mls-mkdirs-test.XXXXXX";
  ASSERT_NE(nullptr, ::mkdtemp(tmpl));
  const std::string dir = tmpl;
  EXPECT_EQ(std::nullopt, MakeDirs(dir + "/a/b/c", 0750));
  struct stat st;
  ASSERT_EQ(0, ::stat((dir + "/a/b/c").c_str(), &st));
  EXPECT_EQ(0750u, st.st_mode & 07777);
  EXPECT_EQ(std::nullopt, MakeDirs(dir + "/a/b/c", 0700));  // exists: fine
  std::ofstream(dir + "/f") << "x";
  EXPECT_EQ(dir + "/f: not a directory", MakeDirs(dir + "/f", 0750));
  EXPECT_TRUE(MakeDirs(dir + "/f/g", 0750).has_value());
  std::system(("rm -rf '" + dir + "'").c_str());
}

}  // namespace
}  // namespace mls
