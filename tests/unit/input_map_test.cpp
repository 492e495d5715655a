#include "input_map.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace mls {
namespace {

TEST(InputMapWriter, ARecordOnlyWhenTheRunBreaks) {
  InputMapWriter w;
  EXPECT_EQ("0\t0\t/var/log/mail.log.1\n", w.Next(0, "/var/log/mail.log.1", 0));
  EXPECT_EQ("", w.Next(100, "/var/log/mail.log.1", 100));  // the same run
  EXPECT_EQ("250\t0\t/var/log/mail.log\n", w.Next(250, "/var/log/mail.log", 0));
  EXPECT_EQ("", w.Next(300, "/var/log/mail.log", 50));
  // A jump in the same file (bytes dropped after a truncation): a new record.
  EXPECT_EQ("400\t20\t/var/log/mail.log\n", w.Next(400, "/var/log/mail.log", 20));
  // A path with a tab or newline is escaped as in every TSV of the suite.
  EXPECT_EQ("500\t0\t/tmp/a\\tb\\nc\n", w.Next(500, "/tmp/a\tb\nc", 0));
}

TEST(InputMap, LocatesEachByteInTheRecordBeforeIt) {
  InputMap m;
  EXPECT_EQ(std::nullopt, m.Feed("0\t0\t/l/mail.log.1\n250\t7\t/l/mail.log\n"));
  auto a = m.Locate(0);
  ASSERT_TRUE(a);
  EXPECT_EQ("/l/mail.log.1", a->path);
  EXPECT_EQ(0u, a->offset);
  auto b = m.Locate(249);
  ASSERT_TRUE(b);
  EXPECT_EQ("/l/mail.log.1", b->path);
  EXPECT_EQ(249u, b->offset);
  auto c = m.Locate(260);
  ASSERT_TRUE(c);
  EXPECT_EQ("/l/mail.log", c->path);
  EXPECT_EQ(17u, c->offset);
}

TEST(InputMap, NothingBeforeTheFirstRecord) {
  InputMap m;
  EXPECT_FALSE(m.Locate(0));
  m.Feed("100\t0\t/l/a\n");
  EXPECT_FALSE(m.Locate(99));
  EXPECT_TRUE(m.Locate(100));
}

TEST(InputMap, RecordsMayArriveInAnyPieces) {
  InputMap m;
  std::string all = "0\t5\t/l/a\tb\n";  // a path with an unescaped tab: not a record
  InputMap bad;
  EXPECT_TRUE(bad.Feed(all).has_value());
  std::string good = "0\t5\t/l/a\\tb\n10\t0\t/l/c\n";
  for (char ch : good) EXPECT_EQ(std::nullopt, m.Feed(std::string(1, ch)));
  auto a = m.Locate(3);
  ASSERT_TRUE(a);
  EXPECT_EQ("/l/a\tb", a->path);
  EXPECT_EQ(8u, a->offset);
  EXPECT_EQ("/l/c", m.Locate(10)->path);
  // An incomplete record is not used yet.
  m.Feed("20\t0\t/l/d");
  EXPECT_EQ("/l/c", m.Locate(25)->path);
  m.Feed("\n");
  EXPECT_EQ("/l/d", m.Locate(25)->path);
}

TEST(InputMap, ABrokenMapNamesNothingRatherThanTheWrongFile) {
  InputMap m;
  m.Feed("0\t0\t/l/a\n");
  std::optional<std::string> e = m.Feed("garbage\n");
  ASSERT_TRUE(e);
  EXPECT_EQ("input map: not a record: 'garbage'; log lines are named by their offset in the input",
            *e);
  EXPECT_FALSE(m.Locate(5));
  EXPECT_EQ(std::nullopt, m.Feed("10\t0\t/l/b\n"));  // said once; stays broken
  EXPECT_FALSE(m.Locate(10));
  InputMap back;
  back.Feed("10\t0\t/l/a\n");
  EXPECT_TRUE(back.Feed("5\t0\t/l/b\n"));  // going backwards
  InputMap no_path;
  EXPECT_TRUE(no_path.Feed("0\t0\t\n"));
  InputMap not_number;
  EXPECT_TRUE(not_number.Feed("0\t-1\t/l/a\n"));
}

TEST(InputMap, DrainReadsWhatAPipeHoldsWithoutBlocking) {
  int p[2];
  ASSERT_EQ(0, ::pipe2(p, O_NONBLOCK));
  InputMap m;
  EXPECT_EQ(std::nullopt, m.Drain(p[0]));  // empty: EAGAIN, not a wait
  std::string rec = "0\t0\t/l/a\n";
  ASSERT_EQ(static_cast<ssize_t>(rec.size()), ::write(p[1], rec.data(), rec.size()));
  EXPECT_EQ(std::nullopt, m.Drain(p[0]));
  EXPECT_EQ("/l/a", m.Locate(1)->path);
  ::close(p[1]);
  EXPECT_EQ(std::nullopt, m.Drain(p[0]));  // end of file
  EXPECT_EQ("/l/a", m.Locate(1)->path);
  ::close(p[0]);
}

}  // namespace
}  // namespace mls
