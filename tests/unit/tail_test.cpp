// RunTail and OpenLogFilesOf against real files in a temporary directory.
#include "tail.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "log_files.h"

namespace mls {
namespace {

class TailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mls-tail.XXXXXX";
    ASSERT_NE(nullptr, ::mkdtemp(tmpl));
    dir_ = tmpl;
    log_ = dir_ + "/mail.log";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);  // with the subdirectories some tests make
  }
  void Write(const std::string& path, const std::string& content, bool append = false) {
    std::ofstream out(path, append ? std::ios::app : std::ios::trunc);
    out << content;
  }
  void WriteGz(const std::string& path, const std::string& content) {
    gzFile gz = gzopen(path.c_str(), "wb");
    gzwrite(gz, content.data(), static_cast<unsigned>(content.size()));
    gzclose(gz);
  }
  std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // One run; returns its output.
  std::string Run(TailOptions o, int* status = nullptr) {
    std::string out_path = dir_ + "/out";
    int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    o.log_path = log_;
    o.out_fd = fd;
    int rc = RunTail(o);
    ::close(fd);
    if (status) *status = rc;
    EXPECT_TRUE(status || rc == 0);
    std::string out = Read(out_path);
    ::unlink(out_path.c_str());
    return out;
  }
  TailOptions WithState() {
    TailOptions o;
    o.state_path = dir_ + "/state";
    return o;
  }
  std::string dir_, log_;
};

TEST_F(TailTest, FirstRunThenNothingNew) {
  WriteGz(log_ + ".2.gz", "a\n");
  Write(log_ + ".1", "b\n");
  Write(log_, "c\nd");
  EXPECT_EQ("a\nb\nc\n", Run(WithState()));
  EXPECT_EQ("", Run(WithState()));
  Write(log_, "\ne\n", true);
  EXPECT_EQ("d\ne\n", Run(WithState()));
}

TEST_F(TailTest, FromEndStartsAfterTheLastCompleteLineWhenNothingIsSaved) {
  WriteGz(log_ + ".2.gz", "a\n");
  Write(log_ + ".1", "b\n");
  Write(log_, "c\nd");
  TailOptions o = WithState();
  o.from_end = true;
  EXPECT_EQ("", Run(o));
  Write(log_, "\ne\n", true);
  EXPECT_EQ("d\ne\n", Run(o));  // with a saved position, --from-end changes nothing
  EXPECT_EQ("", Run(WithState()));
}

TEST_F(TailTest, FromEndOfAnEmptyLogReadsNoRotatedHistory) {
  Write(log_ + ".1", "old\n");
  Write(log_, "");
  TailOptions o = WithState();
  o.from_end = true;
  EXPECT_EQ("", Run(o));
  Write(log_, "new\n", true);
  EXPECT_EQ("new\n", Run(WithState()));
}

TEST_F(TailTest, CommitsTheLiveFilePosition) {
  Write(log_, "one\ntwo\npart");
  Run(WithState());
  struct stat st;
  ASSERT_EQ(0, ::stat(log_.c_str(), &st));
  TailStateParse p = ParseTailState(Read(dir_ + "/state"), "state");
  ASSERT_EQ("", p.error);
  EXPECT_EQ(st.st_dev, p.state.device);
  EXPECT_EQ(st.st_ino, p.state.inode);
  EXPECT_EQ(FingerprintOf("one\ntwo\npart"), p.state.fingerprint);
  EXPECT_EQ(8u, p.state.offset);
  EXPECT_EQ(log_, p.state.log);
  EXPECT_EQ(st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, p.state.mtime_ns);
  EXPECT_FALSE(p.state.complete);
}

TEST_F(TailTest, EmptyNewFileKeepsThePositionInTheRotatedFile) {
  Write(log_, "one\n");
  Run(WithState());
  ASSERT_EQ(0, ::rename(log_.c_str(), (log_ + ".1").c_str()));
  Write(log_, "");
  EXPECT_EQ("", Run(WithState()));
  struct stat st;
  ASSERT_EQ(0, ::stat((log_ + ".1").c_str(), &st));
  TailStateParse p = ParseTailState(Read(dir_ + "/state"), "state");
  EXPECT_EQ(st.st_ino, p.state.inode);
  EXPECT_EQ(4u, p.state.offset);
}

TEST_F(TailTest, PendingIsWrittenEvenWhenNothingIsNew) {
  Write(log_, "one\n");
  Run(WithState());
  std::string before = Read(dir_ + "/state");
  TailOptions o = WithState();
  o.pending_path = dir_ + "/pending";
  EXPECT_EQ("", Run(o));
  EXPECT_EQ(before, Read(dir_ + "/pending"));
  EXPECT_EQ(before, Read(dir_ + "/state"));
}

TEST_F(TailTest, ProgressLinesWithAFakeClock) {
  Write(log_, std::string(600000, 'x') + "\n");
  int fds[2];
  ASSERT_EQ(0, ::pipe(fds));
  std::uint64_t t = 0;
  TailOptions o;
  o.progress_fd = fds[1];
  o.now_ms = [&t] { return t += 50; };  // every other read of 256 KiB is reported
  Run(o);
  ::close(fds[1]);
  char buf[4096];
  ssize_t n = ::read(fds[0], buf, sizeof buf);
  ::close(fds[0]);
  std::string progress(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  EXPECT_EQ("progress 524288 600001\nprogress 600001 600001\n", progress);  // no repeat
}

TEST_F(TailTest, CorruptStateIsAnErrorBeforeAnyOutput) {
  Write(log_, "one\n");
  Write(dir_ + "/state", "mls-tail-state 1\nbogus 1\n");
  int rc = 0;
  EXPECT_EQ("", Run(WithState(), &rc));
  EXPECT_EQ(1, rc);
}

TEST_F(TailTest, OpenLogFilesOrdersSiblingsAndIgnoresOthers) {
  Write(log_, "live\n");
  WriteGz(log_ + ".10.gz", "ten\n");
  WriteGz(log_ + ".9.gz", "nine\n");
  Write(log_ + ".1", "one\n");
  Write(log_ + ".swp", "x");
  Write(log_ + ".1~", "x");
  ASSERT_EQ(0, ::mkdir((log_ + ".2").c_str(), 0755));  // not a regular file
  OpenLogFiles files = OpenLogFilesOf(log_);
  EXPECT_EQ("", files.error);
  ASSERT_TRUE(files.facts.live.has_value());
  EXPECT_EQ("live\n", files.facts.live->head);
  std::vector<std::string> got;
  for (const FileFacts& f : files.facts.rotated) got.push_back(f.path + "=" + f.head);
  EXPECT_EQ(
      (std::vector<std::string>{log_ + ".10.gz=ten\n", log_ + ".9.gz=nine\n", log_ + ".1=one\n"}),
      got);
  EXPECT_EQ(3u, files.rotated_fds.size());
}

TEST_F(TailTest, LinesLongerThanTheBuffer) {
  std::string big(1 << 20, 'x');
  Write(log_, "a\n" + big);
  EXPECT_EQ("a\n", Run(WithState()));
  Write(log_, "\nb\n", true);
  EXPECT_EQ(big + "\nb\n", Run(WithState()));
  Write(log_, big, true);
  ASSERT_EQ(0, ::rename(log_.c_str(), (log_ + ".1").c_str()));
  Write(log_, "c\n");
  EXPECT_EQ(big + "\nc\n", Run(WithState()));  // rotated: completed with a newline
}

TEST_F(TailTest, HardLinkedSiblingIsReadOnce) {
  Write(log_, "one\n");
  ASSERT_EQ(0, ::link(log_.c_str(), (log_ + ".1").c_str()));
  OpenLogFiles files = OpenLogFilesOf(log_);
  EXPECT_TRUE(files.facts.rotated.empty());
  EXPECT_EQ("one\n", Run(TailOptions()));
}

TEST_F(TailTest, FilesThatNeverHoldStillFailRatherThanGuess) {
  Write(log_, "live\n");
  Write(log_ + ".1", "one\n");
  int n = 0;
  // A rotation between every listing and its check: nothing is trusted.
  OpenLogFiles files = OpenLogFilesOf(log_, {}, [&] {
    ++n;
    ::rename((log_ + (n % 2 ? ".1" : ".2")).c_str(), (log_ + (n % 2 ? ".2" : ".1")).c_str());
  });
  EXPECT_EQ(log_ +
                ": its rotated files kept changing while they were opened (10 attempts): "
                "rotating faster than they can be listed? Nothing read",
            files.error);
  EXPECT_EQ(10, n);
  // Holding still after a few changes is fine.
  n = 0;
  files = OpenLogFilesOf(log_, {}, [&] {
    if (++n < 4) Write(log_ + "." + std::to_string(n + 2) + ".gz", "");
  });
  EXPECT_EQ("", files.error);
  EXPECT_EQ(4, n);
}

TEST_F(TailTest, SiblingsOfASymlinkAreThoseOfItsTargetAndOfRotatedDirs) {
  ASSERT_EQ(0, ::mkdir((dir_ + "/real").c_str(), 0755));
  ASSERT_EQ(0, ::mkdir((dir_ + "/old").c_str(), 0755));
  std::string real = dir_ + "/real/postfix.log";
  Write(real, "live\n");
  WriteGz(dir_ + "/old/postfix.log.20261204-085712.gz", "older\n");
  Write(real + ".20261205-085712", "old\n");
  Write(log_ + ".1", "not this log's\n");
  ASSERT_EQ(0, ::symlink("real/postfix.log", log_.c_str()));
  OpenLogFiles files = OpenLogFilesOf(log_, {dir_ + "/old"});
  EXPECT_EQ("", files.error);
  EXPECT_EQ(real, files.facts.id);
  std::vector<std::string> got;
  for (const FileFacts& f : files.facts.rotated) got.push_back(f.path);
  EXPECT_EQ((std::vector<std::string>{dir_ + "/old/postfix.log.20261204-085712.gz",
                                      real + ".20261205-085712"}),
            got);
  ::unlink(log_.c_str());
  ::unlink((real + ".20261205-085712").c_str());
  ::unlink(real.c_str());
  ::unlink((dir_ + "/old/postfix.log.20261204-085712.gz").c_str());
  ::rmdir((dir_ + "/real").c_str());
  ::rmdir((dir_ + "/old").c_str());
}

TEST_F(TailTest, OpenLogFilesWithoutTheLog) {
  OpenLogFiles files = OpenLogFilesOf(log_);
  EXPECT_EQ("", files.error);
  EXPECT_FALSE(files.facts.live.has_value());
  EXPECT_TRUE(files.facts.rotated.empty());
}

}  // namespace
}  // namespace mls
