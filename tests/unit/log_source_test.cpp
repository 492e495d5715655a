#include "log_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

namespace mls {
namespace {

class LogSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mls-source.XXXXXX";
    ASSERT_NE(nullptr, ::mkdtemp(tmpl));
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const std::string& f : files_) ::unlink(f.c_str());
    ::rmdir(dir_.c_str());
  }
  std::string Plain(const std::string& content) {
    std::string path = dir_ + "/plain";
    files_.push_back(path);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    EXPECT_EQ(static_cast<ssize_t>(content.size()), ::write(fd, content.data(), content.size()));
    ::close(fd);
    return path;
  }
  // One gzip member per part (logrotate's output is one member; cat'ed files many).
  std::string Gzip(const std::vector<std::string>& parts, std::size_t truncate_to = 0) {
    std::string path = dir_ + "/log.gz";
    files_.push_back(path);
    ::unlink(path.c_str());
    for (const std::string& p : parts) {
      gzFile gz = gzopen(path.c_str(), "ab");
      gzwrite(gz, p.data(), static_cast<unsigned>(p.size()));
      gzclose(gz);
    }
    if (truncate_to) {
      EXPECT_EQ(0, ::truncate(path.c_str(), static_cast<off_t>(truncate_to)));
    }
    return path;
  }
  std::unique_ptr<LogSource> Open(const std::string& path, SourceKind kind) {
    std::string err;
    auto src = LogSource::Open(Fd(::open(path.c_str(), O_RDONLY)), kind, path, err);
    EXPECT_EQ("", err);
    return src;
  }
  static std::string ReadAll(LogSource& src) {
    std::string out;
    char buf[7];
    ssize_t n;
    while ((n = src.Read(buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    EXPECT_EQ(0, n) << src.error();
    return out;
  }
  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(LogSourceTest, PlainFromAnOffset) {
  auto src = Open(Plain("line 1\nline 2\n"), SourceKind::kPlain);
  ASSERT_TRUE(src->SkipTo(7));
  EXPECT_EQ("line 2\n", ReadAll(*src));
  EXPECT_EQ(14u, src->position());
  EXPECT_GE(src->PlainFd(), 0);
}

TEST_F(LogSourceTest, GzipOffsetsAreInTheDecompressedStream) {
  auto src = Open(Gzip({"line 1\nline 2\n"}), SourceKind::kGzip);
  ASSERT_TRUE(src->SkipTo(7));
  EXPECT_EQ("line 2\n", ReadAll(*src));
  EXPECT_EQ(14u, src->position());
  EXPECT_EQ(-1, src->PlainFd());
}

TEST_F(LogSourceTest, GzipWithSeveralMembers) {
  auto src = Open(Gzip({"a\n", "b\n", "c\n"}), SourceKind::kGzip);
  EXPECT_EQ("a\nb\nc\n", ReadAll(*src));
}

TEST_F(LogSourceTest, GzipShorterThanTheOffset) {
  auto src = Open(Gzip({"a\n"}), SourceKind::kGzip);
  EXPECT_FALSE(src->SkipTo(10));
  EXPECT_EQ(2u, src->position());
  EXPECT_EQ("", src->error());
}

TEST_F(LogSourceTest, TruncatedGzipIsAnError) {
  std::string big;
  for (int i = 0; i < 5000; ++i) big += "line " + std::to_string(i * 7919) + "\n";
  std::string path = Gzip({big}, 200);
  auto src = Open(path, SourceKind::kGzip);
  char buf[65536];
  ssize_t n;
  while ((n = src->Read(buf, sizeof buf)) > 0) {
  }
  EXPECT_EQ(-1, n);
  EXPECT_EQ(path + ": gzip: unexpected end of file", src->error());
}

TEST_F(LogSourceTest, ReadHeadLeavesTheFileForLaterReaders) {
  std::string path = Gzip({"first line\nsecond\n"});
  int fd = ::open(path.c_str(), O_RDONLY);
  std::string head, err;
  ASSERT_TRUE(ReadHead(fd, SourceKind::kGzip, 5, head, err)) << err;
  EXPECT_EQ("first", head);
  auto src = LogSource::Open(Fd(fd), SourceKind::kGzip, path, err);
  EXPECT_EQ("first line\nsecond\n", ReadAll(*src));

  int pfd = ::open(Plain("abc").c_str(), O_RDONLY);
  ASSERT_TRUE(ReadHead(pfd, SourceKind::kPlain, 1024, head, err));
  EXPECT_EQ("abc", head);
  ::close(pfd);
}

}  // namespace
}  // namespace mls
