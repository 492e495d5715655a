#include "journal_tail.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_files.h"

namespace mls {
namespace {

TEST(JournalPosition, RoundTripsAndRefusesWhatIsNotOne) {
  JournalPosition p{"s=ab;i=1f;b=cd;m=3e8;t=64750a821b104;x=97c9", 1767261604000004};
  std::string error;
  EXPECT_EQ(FormatJournalPosition(p),
            "mls-tail-journal 1\ncursor s=ab;i=1f;b=cd;m=3e8;t=64750a821b104;x=97c9\n"
            "realtime 1767261604000004\n");
  EXPECT_EQ(ParseJournalPosition(FormatJournalPosition(p), "st", error), p) << error;
  // Nothing read yet: no cursor.
  EXPECT_EQ(FormatJournalPosition({}), "mls-tail-journal 1\n");
  EXPECT_EQ(ParseJournalPosition("mls-tail-journal 1\n", "st", error), JournalPosition{});
  struct Bad {
    const char* text;
    const char* why;
  } bad[] = {
      {"12345\n", "st:1: not an mls-tail journal position"},
      {"mls-tail-state 2\n", "st:1: not an mls-tail journal position"},
      {"mls-tail-journal 1\ncursor s=1\n", "st:2: a cursor without its realtime"},
      {"mls-tail-journal 1\nrealtime 17\n", "st:2: a realtime without its cursor"},
      {"mls-tail-journal 1\ncursor a b\nrealtime 1\n", "st:2: bad cursor"},
      {"mls-tail-journal 1\ncursor s=1\nrealtime x\n", "st:3: bad realtime"},
      {"mls-tail-journal 1\ncursor s=1\nrealtime 1", "st:3: unterminated line"},
      {"mls-tail-journal 1\noffset 5\n", "st:2: unknown line 'offset 5'"},
  };
  for (const Bad& b : bad) {
    EXPECT_FALSE(ParseJournalPosition(b.text, "st", error)) << b.text;
    EXPECT_TRUE(error.starts_with(b.why)) << error;
  }
}

TEST(JournalLine, TheRfc3339LineMlsParseReads) {
  std::string out;
  AppendJournalLine("2026-01-01T10:00:00", 42, "+01:00", "mx1", "postfix/smtpd", "123",
                    "warning: x", out);
  EXPECT_EQ(out, "2026-01-01T10:00:00.000042+01:00 mx1 postfix/smtpd[123]: warning: x\n");
  out.clear();
  AppendJournalLine("2026-01-01T10:00:00", 999999, "+00:00", "mx1", "postfix/smtpd", "",
                    std::string_view("a\nb\n\0c", 6), out);
  EXPECT_EQ(out,
            std::string("2026-01-01T10:00:00.999999+00:00 mx1 postfix/smtpd: a#012b#012\0c\n", 65));
}

// Found by fuzz/journal_line.cpp: a LF in the identifier (the logging
// process's choice) or the pid started a line of its own for mls-parse.
TEST(JournalLine, EveryFieldStaysOnTheEntrysLine) {
  std::string out;
  AppendJournalLine("2026-01-01T10:00:00", 1, "+00:00", "mx\n1",
                    "postfix/smtpd\nNov 25 20:18:08 mx1 postfix/smtpd[1]", "1\n2", "m", out);
  EXPECT_EQ(out,
            "2026-01-01T10:00:00.000001+00:00 mx#0121 postfix/smtpd#012Nov 25 20:18:08 mx1 "
            "postfix/smtpd[1][1#0122]: m\n");
}

TEST(JournalLine, PostfixIdentifiersAndJournaldDrops) {
  EXPECT_TRUE(IsPostfixIdentifier("postfix/smtpd"));
  EXPECT_TRUE(IsPostfixIdentifier("postfix-in/submission/smtpd"));
  EXPECT_FALSE(IsPostfixIdentifier("sshd"));
  EXPECT_FALSE(IsPostfixIdentifier(""));
  EXPECT_EQ(SuppressedPostfixMessages("Suppressed 1234 messages from postfix@-.service"), 1234u);
  EXPECT_EQ(SuppressedPostfixMessages("Suppressed 7 messages from postfix@mx-in.service"), 7u);
  EXPECT_EQ(SuppressedPostfixMessages("Suppressed 7 messages from sshd.service"), 0u);
  EXPECT_EQ(SuppressedPostfixMessages("Suppressed lots of messages from postfix@-.service"), 0u);
  EXPECT_EQ(SuppressedPostfixMessages("Time spent on flushing"), 0u);
}

TEST(JournalFiles, UnreadableOnesAreNamed) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads everything";
  ScratchDir d;
  ::mkdir((d.path() + "/machine").c_str(), 0755);
  WriteAll(d.path() + "/machine/system.journal", "x");
  WriteAll(d.path() + "/machine/user-1000.journal", "x");
  WriteAll(d.path() + "/notes.txt", "x");
  EXPECT_TRUE(UnreadableJournalFiles(d.path()).empty());
  ::chmod((d.path() + "/machine/system.journal").c_str(), 0);
  std::vector<std::string> bad = UnreadableJournalFiles(d.path());
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0], d.path() + "/machine/system.journal: Permission denied");
  EXPECT_TRUE(UnreadableJournalFiles(d.path() + "/missing").empty());
}

}  // namespace
}  // namespace mls
