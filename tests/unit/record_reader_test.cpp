#include "record_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

namespace mls {
namespace {

struct Seen {
  std::vector<std::pair<std::size_t, std::vector<std::string>>> records;
  std::vector<std::pair<std::size_t, std::string>> errors;
};

// Writes `chunks` into a pipe (from a thread, one write each) and reads it all.
Seen ReadChunks(const std::vector<std::string>& chunks, std::size_t max_line = 1 << 20,
                RecordReader::Status* status = nullptr) {
  int fds[2];
  EXPECT_EQ(0, ::pipe(fds));
  std::thread writer([&] {
    for (const std::string& c : chunks) {
      EXPECT_EQ(static_cast<ssize_t>(c.size()), ::write(fds[1], c.data(), c.size()));
    }
    ::close(fds[1]);
  });
  Seen seen;
  RecordReader reader(
      fds[0],
      [&](std::size_t line, std::vector<std::string>& f) { seen.records.emplace_back(line, f); },
      [&](std::size_t line, const std::string& e) { seen.errors.emplace_back(line, e); }, max_line);
  RecordReader::Status s = reader.ReadAll();
  if (status) *status = s;
  writer.join();
  ::close(fds[0]);
  return seen;
}

TEST(RecordReader, DecodesLinesWithTheirNumbers) {
  RecordReader::Status status;
  Seen s = ReadChunks({"a\tb\n", "c\\td\te\\\\f\n\n"}, 1 << 20, &status);
  EXPECT_EQ(RecordReader::Status::kEof, status);
  ASSERT_EQ(3u, s.records.size());
  EXPECT_EQ(1u, s.records[0].first);
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), s.records[0].second);
  EXPECT_EQ(2u, s.records[1].first);
  EXPECT_EQ((std::vector<std::string>{"c\td", "e\\f"}), s.records[1].second);
  EXPECT_EQ(3u, s.records[2].first);
  EXPECT_EQ(std::vector<std::string>{""}, s.records[2].second);
  EXPECT_TRUE(s.errors.empty());
}

TEST(RecordReader, LinesSplitAcrossReads) {
  Seen s = ReadChunks({"fir", "st\tre", "cord\nsec", "ond\n"});
  ASSERT_EQ(2u, s.records.size());
  EXPECT_EQ((std::vector<std::string>{"first", "record"}), s.records[0].second);
  EXPECT_EQ(std::vector<std::string>{"second"}, s.records[1].second);
}

TEST(RecordReader, BadEscapeIsReportedAndReadingGoesOn) {
  Seen s = ReadChunks({"ok\n", "bad\\x\tfield\n", "ok2\n"});
  ASSERT_EQ(2u, s.records.size());
  EXPECT_EQ(3u, s.records[1].first);
  ASSERT_EQ(1u, s.errors.size());
  EXPECT_EQ(2u, s.errors[0].first);
  EXPECT_EQ("bad escape '\\x' in field 1", s.errors[0].second);
}

TEST(RecordReader, IncompleteLastLineIsAnError) {
  Seen s = ReadChunks({"one\n", "two\tpart"});
  ASSERT_EQ(1u, s.records.size());
  ASSERT_EQ(1u, s.errors.size());
  EXPECT_EQ(2u, s.errors[0].first);
  EXPECT_EQ("incomplete last line (no newline at end of input)", s.errors[0].second);
}

TEST(RecordReader, OverlongLineIsSkippedOnce) {
  Seen s = ReadChunks({"a\n", std::string(40, 'x'), std::string(40, 'y'), "z\nb\n"}, 32);
  ASSERT_EQ(2u, s.records.size());
  EXPECT_EQ(std::vector<std::string>{"a"}, s.records[0].second);
  EXPECT_EQ(1u, s.records[0].first);
  EXPECT_EQ(std::vector<std::string>{"b"}, s.records[1].second);
  EXPECT_EQ(3u, s.records[1].first);
  ASSERT_EQ(1u, s.errors.size());
  EXPECT_EQ(2u, s.errors[0].first);
  EXPECT_EQ("line longer than 32 bytes", s.errors[0].second);
}

TEST(RecordReader, BinaryBytesPassThrough) {
  Seen s = ReadChunks({std::string("n\0ul\xff\r\t\xc3\x28\n", 10)});
  EXPECT_EQ(0u, s.records.size());
  ASSERT_EQ(1u, s.errors.size());  // a raw CR is not valid TSV
  EXPECT_EQ("raw carriage return in field 1", s.errors[0].second);
  s = ReadChunks({std::string("n\0ul\xff\t\xc3\x28\n", 9)});
  ASSERT_EQ(1u, s.records.size());
  EXPECT_EQ((std::vector<std::string>{std::string("n\0ul\xff", 5), "\xc3\x28"}),
            s.records[0].second);
}

TEST(RecordReader, ReadErrorIsReported) {
  RecordReader reader(
      -1, [](std::size_t, std::vector<std::string>&) {}, [](std::size_t, const std::string&) {});
  EXPECT_EQ(RecordReader::Status::kError, reader.ReadOnce());
  EXPECT_EQ("read: Bad file descriptor", reader.error());
}

TEST(RecordReader, ManyRecordsInBigBlocks) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "r\t" + std::to_string(i) + "\n";
  Seen s = ReadChunks({text});
  ASSERT_EQ(100000u, s.records.size());
  EXPECT_EQ("99999", s.records.back().second[1]);
  EXPECT_EQ(100000u, s.records.back().first);
}

}  // namespace
}  // namespace mls
