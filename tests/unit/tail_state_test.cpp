#include "tail_state.h"

#include <gtest/gtest.h>

// The tables below list LogFiles and TailState positionally, leaving the
// trailing members (the log's id, the newer state keys) at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace mls {
namespace {

TEST(Fingerprint, HashesAtMost1024Bytes) {
  std::string big(5000, 'x');
  EXPECT_EQ(1024u, FingerprintOf(big).length);
  EXPECT_EQ(FingerprintOf(big.substr(0, 1024)), FingerprintOf(big));
  EXPECT_EQ(3u, FingerprintOf("abc").length);
  EXPECT_NE(FingerprintOf("abc").hash, FingerprintOf("abd").hash);
  EXPECT_EQ(0xcbf29ce484222325ULL, FingerprintOf("").hash);  // FNV-1a offset basis
}

TEST(Fingerprint, MatchesRehashingOverTheRecordedLength) {
  Fingerprint fp = FingerprintOf("line one\n");
  EXPECT_TRUE(FingerprintMatches(fp, "line one\n"));
  EXPECT_TRUE(FingerprintMatches(fp, "line one\nline two\n"));
  EXPECT_FALSE(FingerprintMatches(fp, "line one"));  // shorter than recorded
  EXPECT_FALSE(FingerprintMatches(fp, "line 1\nline two\n"));
  EXPECT_TRUE(FingerprintMatches(FingerprintOf(""), "anything"));
}

TEST(TailState, FormatsVersion2) {
  TailState st{2049, 131, {1024, 0x0123456789abcdefULL}, 98765, false};
  st.log = "/var/log/mail.log";
  st.birth_ns = 1764925032123456789;
  st.mtime_ns = 1764925099000000001;
  st.complete = true;
  EXPECT_EQ(
      "mls-tail-state 2\nlog /var/log/mail.log\ndevice 2049\ninode 131\n"
      "birth 1764925032.123456789\nfingerprint 1024 0123456789abcdef\noffset 98765\n"
      "mtime 1764925099.000000001\ncomplete yes\n",
      FormatTailState(st));
}

TEST(TailState, RoundTrips) {
  TailState st{1, 2, FingerprintOf("hello\n"), 6, false};
  st.log = "/odd\tlog\nname\\";
  st.mtime_ns = 5;
  TailStateParse p = ParseTailState(FormatTailState(st), "s");
  EXPECT_EQ("", p.error);
  EXPECT_EQ(st, p.state);
  st.log.clear();
  EXPECT_EQ(st, ParseTailState(FormatTailState(st), "s").state);
}

TEST(TailState, ReadsVersion1) {
  TailStateParse p = ParseTailState(
      "mls-tail-state 1\ndevice 4\ninode 3\nfingerprint 5 00000000000000ff\noffset 5\n", "s");
  EXPECT_EQ("", p.error);
  EXPECT_EQ((TailState{4, 3, {5, 0xff}, 5, false}), p.state);  // log, times unknown
}

TEST(TailState, AcceptsCommentsBlankLinesAnyKeyOrderAndNoFinalNewline) {
  TailStateParse p = ParseTailState(
      "mls-tail-state 1\n# written by hand\n\noffset 5\ninode 3\ndevice 4\n"
      "fingerprint 5 00000000000000ff",
      "s");
  EXPECT_EQ("", p.error);
  EXPECT_EQ((TailState{4, 3, {5, 0xff}, 5, false}), p.state);
}

TEST(TailState, ReadsTheOlderToolsBareInteger) {
  TailStateParse p = ParseTailState("123456\n", "s");
  EXPECT_EQ("", p.error);
  EXPECT_TRUE(p.state.legacy);
  EXPECT_EQ(123456u, p.state.offset);
  EXPECT_EQ("123456\n", FormatTailState(p.state));
  EXPECT_TRUE(ParseTailState("  42 ", "s").state.legacy);
}

TEST(TailState, RejectsCorruptFilesWithFileAndLine) {
  const std::string good_tail = "device 1\ninode 2\nfingerprint 3 0000000000000004\noffset 5\n";
  struct Case {
    std::string text, error;
  } cases[] = {
      {"", "st:1: empty state file"},
      {"\n \n", "st:1: empty state file"},
      {"-5\n", "st:1: not an mls-tail state file (expected 'mls-tail-state 2')"},
      {"12abc\n", "st:1: not an mls-tail state file (expected 'mls-tail-state 2')"},
      {"garbage\n" + good_tail, "st:1: not an mls-tail state file (expected 'mls-tail-state 2')"},
      {"mls-tail-state 3\n" + good_tail, "st:1: unsupported state version '3'"},
      {"mls-tail-state 1\nlog /x\n", "st:2: unknown key 'log'"},
      {"mls-tail-state 2\n" + good_tail, "st:5: missing key 'log'"},
      {"mls-tail-state 2\nmtime 5\n", "st:2: bad mtime '5' (expected SECONDS.NANOSECONDS)"},
      {"mls-tail-state 2\ncomplete maybe\n", "st:2: bad complete 'maybe'"},
      {"mls-tail-state 2\nlog a\\qb\n", "st:2: bad log 'a\\qb'"},
      {"mls-tail-state 1\ndevice 1\ninode x\n", "st:3: bad inode 'x'"},
      {"mls-tail-state 1\ndevice 1\noffset -1\n", "st:3: bad offset '-1'"},
      {"mls-tail-state 1\noffset 99999999999999999999999\n",
       "st:2: bad offset '99999999999999999999999'"},
      {"mls-tail-state 1\noffset 5 \n", "st:2: bad offset '5 '"},
      {"mls-tail-state 1\ndevice\n", "st:2: bad device ''"},
      {"mls-tail-state 1\ncolour blue\n", "st:2: unknown key 'colour'"},
      {"mls-tail-state 1\n" + good_tail + "offset 6\n", "st:6: duplicate key 'offset'"},
      {"mls-tail-state 1\nfingerprint 3 xyz\n",
       "st:2: bad fingerprint '3 xyz' (expected LENGTH HEX16)"},
      {"mls-tail-state 1\nfingerprint 3\n", "st:2: bad fingerprint '3' (expected LENGTH HEX16)"},
      {"mls-tail-state 1\nfingerprint 2000 0000000000000004\n",
       "st:2: fingerprint length 2000 exceeds 1024"},
      {"mls-tail-state 1\ndevice 1\ninode 2\noffset 5\n", "st:4: missing key 'fingerprint'"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.error, ParseTailState(c.text, "st").error) << c.text;
  }
}

TEST(TailState, LoadingAMissingFileIsAFirstRun) {
  TailStateLoad load = LoadTailState("/nonexistent-mls-dir/state.offset");
  EXPECT_EQ("", load.error);
  EXPECT_FALSE(load.state.has_value());
}

}  // namespace
}  // namespace mls
