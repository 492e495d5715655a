#include "rotation.h"

#include <gtest/gtest.h>

#include <algorithm>

// The tables below list LogFiles and TailState positionally, leaving the
// trailing members (the log's id, the newer state keys) at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace mls {
namespace {

using Steps = std::vector<std::pair<std::string, std::uint64_t>>;

// ---- sibling names ---------------------------------------------------------

std::vector<std::string> Ordered(std::vector<std::string> names) {
  std::vector<SiblingName> v;
  for (const auto& n : names) {
    if (auto s = ClassifySibling("mail.log", n)) v.push_back(*s);
  }
  OrderSiblings(v);
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back("mail.log" + s.suffix);
  return out;
}

TEST(ClassifySibling, RecognisesRotatedNames) {
  struct Case {
    std::string name;
    bool recognised;
    SourceKind kind;
  } cases[] = {
      {"mail.log.1", true, SourceKind::kPlain},
      {"mail.log.12.gz", true, SourceKind::kGzip},
      {"mail.log-20240101", true, SourceKind::kPlain},
      {"mail.log-2024-01-01.gz", true, SourceKind::kGzip},
      {"mail.log.3.xz", true, SourceKind::kUnsupported},
      {"mail.log.3.bz2", true, SourceKind::kUnsupported},
      {"mail.log-20240101.zst", true, SourceKind::kUnsupported},
      {"mail.log", false, SourceKind::kPlain},
      {"mail.log.swp", false, SourceKind::kPlain},
      {".mail.log.swp", false, SourceKind::kPlain},
      {"mail.log~", false, SourceKind::kPlain},
      {"mail.log.1~", false, SourceKind::kPlain},
      {"mail.log.bak", false, SourceKind::kPlain},
      {"mail.log.1.bak", false, SourceKind::kPlain},
      {"mail.log.gz", false, SourceKind::kPlain},
      {"mail.log.", false, SourceKind::kPlain},
      {"mail.log.-1", false, SourceKind::kPlain},
      {"mail.log-old", false, SourceKind::kPlain},
      {"mail.logger.1", false, SourceKind::kPlain},
      {"mail.log.1.gz.tmp", false, SourceKind::kPlain},
      {"mail.log.99999999999999999999999", false, SourceKind::kPlain},
      // postfix logrotate: <file>.<maillog_file_rotate_suffix>, default %Y%m%d-%H%M%S
      {"mail.log.20261205-085712", true, SourceKind::kPlain},
      {"mail.log.20261205-085712.gz", true, SourceKind::kGzip},
      {"mail.log.20261205-085712.xz", true, SourceKind::kUnsupported},
      {"mail.log.20261205", true, SourceKind::kPlain},
      {"mail.log.2026-12-05", true, SourceKind::kPlain},
      {"mail.log.20261205-085712.bak", false, SourceKind::kPlain},
      {"mail.log.2026-12", false, SourceKind::kPlain},  // too short for a date
      {"mail.log.-20261205", false, SourceKind::kPlain},
  };
  for (const Case& c : cases) {
    auto s = ClassifySibling("mail.log", c.name);
    EXPECT_EQ(c.recognised, s.has_value()) << c.name;
    if (s && c.recognised) {
      EXPECT_EQ(c.kind, s->kind) << c.name;
    }
  }
}

TEST(OrderSiblings, NumericNotLexicalOldestFirst) {
  EXPECT_EQ(
      (std::vector<std::string>{"mail.log.10.gz", "mail.log.9.gz", "mail.log.2.gz", "mail.log.1"}),
      Ordered({"mail.log.1", "mail.log.2.gz", "mail.log.10.gz", "mail.log.9.gz"}));
}

TEST(OrderSiblings, PlainWinsOverItsCompressionInProgress) {
  EXPECT_EQ((std::vector<std::string>{"mail.log.3.gz", "mail.log.2", "mail.log.1"}),
            Ordered({"mail.log.2.gz", "mail.log.2", "mail.log.1", "mail.log.3.gz"}));
}

TEST(OrderSiblings, DatedByDateAndOlderThanNumbered) {
  EXPECT_EQ((std::vector<std::string>{"mail.log-20231231.gz", "mail.log-20240101", "mail.log.2.gz",
                                      "mail.log.1"}),
            Ordered({"mail.log.1", "mail.log-20240101", "mail.log.2.gz", "mail.log-20231231.gz"}));
}

TEST(OrderSiblings, PostfixRotateSuffixIsADate) {
  auto s = ClassifySibling("postfix.log", "postfix.log.20261205-085712.gz");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->dated);
  EXPECT_EQ("20261205-085712", s->date);
  EXPECT_EQ((std::vector<std::string>{"mail.log.20261204-085712.gz", "mail.log.20261205-085712",
                                      "mail.log.1"}),
            Ordered({"mail.log.1", "mail.log.20261205-085712", "mail.log.20261205-085712.gz",
                     "mail.log.20261204-085712.gz"}));
}

TEST(OrderSiblings, SameSlotInAnotherDirectoryIsKept) {
  std::vector<SiblingName> v;
  for (std::size_t dir : {1, 0}) {
    auto s = ClassifySibling("mail.log", "mail.log.1");
    s->dir = dir;
    v.push_back(*s);
  }
  OrderSiblings(v);
  ASSERT_EQ(2u, v.size());
  EXPECT_EQ(0u, v[0].dir);
}

// ---- order by age ----------------------------------------------------------

FileFacts Aged(std::string path, std::int64_t mtime) {
  FileFacts f;
  f.path = std::move(path);
  f.mtime_ns = mtime;
  return f;
}

std::vector<std::string> ByAge(const std::vector<FileFacts>& by_name) {
  std::vector<std::string> out;
  for (std::size_t i : AgeOrder(by_name)) out.push_back(by_name[i].path);
  return out;
}

TEST(AgeOrder, ANumberedFileLeftBehindByDateextIsTheOldest) {
  // logrotate switched from numbered names to dateext: mail.log.1 is never
  // rotated again, so it is older than every dated file, whatever the names say.
  EXPECT_EQ((std::vector<std::string>{"log.2.gz", "log.1", "log-20261204", "log-20261205"}),
            ByAge({Aged("log-20261204", 300), Aged("log-20261205", 400), Aged("log.2.gz", 100),
                   Aged("log.1", 200)}));
}

TEST(AgeOrder, EqualTimesKeepTheNameOrder) {
  EXPECT_EQ((std::vector<std::string>{"log.3.gz", "log.2.gz", "log.1"}),
            ByAge({Aged("log.3.gz", 5), Aged("log.2.gz", 5), Aged("log.1", 5)}));
  EXPECT_EQ((std::vector<std::string>{"log.2.gz", "log.1"}),
            ByAge({Aged("log.2.gz", 5), Aged("log.1", 7)}));
}

// ---- plans -----------------------------------------------------------------

FileFacts Plain(std::string path, std::uint64_t inode, std::string content) {
  FileFacts f;
  f.path = std::move(path);
  f.device = 7;
  f.inode = inode;
  f.file_size = content.size();
  f.head = content.substr(0, kFingerprintMax);
  return f;
}

FileFacts Gz(std::string path, std::uint64_t inode, std::string content) {
  FileFacts f = Plain(std::move(path), inode, std::move(content));
  f.kind = SourceKind::kGzip;
  f.file_size = 20 + f.file_size / 3;  // compressed size: not a content size
  return f;
}

// The position after reading `read` (a prefix of the file's content then).
TailState At(std::uint64_t inode, const std::string& read, std::uint64_t offset) {
  return {7, inode, FingerprintOf(read), offset, false};
}

// `f` with a modification time (and a birth time).
FileFacts Mt(FileFacts f, std::int64_t mtime, std::int64_t birth = 0) {
  f.mtime_ns = mtime;
  f.birth_ns = birth;
  return f;
}

// `st` saved when its file had modification time `mtime` (and birth time).
TailState Mt(TailState st, std::int64_t mtime, std::int64_t birth = 0) {
  st.mtime_ns = mtime;
  st.birth_ns = birth;
  return st;
}

TailState Complete(TailState st) {
  st.complete = true;
  return st;
}

Steps StepsOf(const LogFiles& files, const Plan& plan) {
  Steps out;
  for (const ReadStep& s : plan.steps) {
    out.emplace_back((s.live ? *files.live : files.rotated[s.index]).path, s.from);
  }
  return out;
}

const std::string kOld = "Nov  5 old line 1\nNov  5 old line 2\nNov  5 old line 3\n";
const std::string kOldRead = kOld.substr(0, 18);  // what the last run had seen
const std::string kNew = "Nov  6 new line 1\n";
const std::string kMid = "Nov  6 middle\n";

struct PlanCase {
  std::string name;
  LogFiles files;
  std::optional<TailState> state;
  Steps expected;
  std::size_t warnings = 0;
  std::string error;
};

PlanCase C(std::string name, LogFiles files, std::optional<TailState> state, Steps expected,
           std::size_t warnings = 0, std::string error = "") {
  return {std::move(name),     std::move(files), state,
          std::move(expected), warnings,         std::move(error)};
}

std::vector<PlanCase> PlanCases() {
  std::optional<TailState> live_at_18 = At(1, kOldRead, 18);
  return {
      C("first run, all history oldest first",
        {Plain("log", 1, kNew),
         {Gz("log.10.gz", 5, kMid), Gz("log.2.gz", 4, kMid), Plain("log.1", 3, kOld)}},
        std::nullopt, {{"log.10.gz", 0}, {"log.2.gz", 0}, {"log.1", 0}, {"log", 0}}),
      C("first run, LOGFILE missing, siblings present",
        {std::nullopt, {Gz("log.2.gz", 4, kMid), Plain("log.1", 3, kOld)}}, std::nullopt,
        {{"log.2.gz", 0}, {"log.1", 0}}),
      C("no rotation: resume in LOGFILE", {Plain("log", 1, kOld), {Plain("log.1", 3, kMid)}},
        live_at_18, {{"log", 18}}),
      C("nothing new", {Plain("log", 1, kOld), {}}, At(1, kOld, kOld.size()),
        {{"log", kOld.size()}}),
      C("rename: old file is LOGFILE.1", {Plain("log", 2, kNew), {Plain("log.1", 1, kOld)}},
        live_at_18, {{"log.1", 18}, {"log", 0}}),
      C("rename, new LOGFILE still empty", {Plain("log", 2, ""), {Plain("log.1", 1, kOld)}},
        live_at_18, {{"log.1", 18}, {"log", 0}}),
      C("rename + gzip without delaycompress: old file is LOGFILE.1.gz",
        {Plain("log", 2, kNew), {Gz("log.2.gz", 8, kMid), Gz("log.1.gz", 9, kOld)}}, live_at_18,
        {{"log.1.gz", 18}, {"log", 0}}),
      C("two rotations with delaycompress: .2.gz, unseen .1, LOGFILE",
        {Plain("log", 3, kNew), {Gz("log.2.gz", 9, kOld), Plain("log.1", 2, kMid)}}, live_at_18,
        {{"log.2.gz", 18}, {"log.1", 0}, {"log", 0}}),
      C("two rotations, old file still plain as .2",
        {Plain("log", 3, kNew), {Plain("log.2", 1, kOld), Plain("log.1", 2, kMid)}}, live_at_18,
        {{"log.2", 18}, {"log.1", 0}, {"log", 0}}),
      C("copytruncate: LOGFILE shorter than the offset, copy in .1",
        {Plain("log", 1, "Nov"), {Plain("log.1", 5, kOld)}}, live_at_18,
        {{"log.1", 18}, {"log", 0}}),
      C("copytruncate: LOGFILE regrew past the offset, start changed",
        {Plain("log", 1, kNew + kNew + kNew), {Plain("log.1", 5, kOld)}}, live_at_18,
        {{"log.1", 18}, {"log", 0}}),
      C("copytruncate with the copy compressed", {Plain("log", 1, kNew), {Gz("log.1.gz", 5, kOld)}},
        live_at_18, {{"log.1.gz", 18}, {"log", 0}}),
      C("copytruncate twice: copy is .2.gz",
        {Plain("log", 1, kNew), {Gz("log.2.gz", 5, kOld), Plain("log.1", 6, kMid)}}, live_at_18,
        {{"log.2.gz", 18}, {"log.1", 0}, {"log", 0}}),
      C("copytruncate, copy too short does not match: position lost, older copy not read",
        {Plain("log", 1, kNew), {Mt(Plain("log.1", 5, kOld.substr(0, 18)), 50)}},
        Mt(At(1, kOldRead, 30), 100), {{"log", 0}}, 1),
      C("copytruncate without a copy: warn, LOGFILE from the start", {Plain("log", 1, kNew), {}},
        live_at_18, {{"log", 0}}, 1),
      C("rotated away, times unknown (version 1 state): warn, read all still on disk",
        {Plain("log", 2, kNew), {Gz("log.1.gz", 3, kMid)}}, live_at_18,
        {{"log.1.gz", 0}, {"log", 0}}, 1),
      C("rotated away beyond rotate N: the newer unread .1 is read, older files are not",
        {Mt(Plain("log", 3, kNew), 300),
         {Mt(Gz("log.3.gz", 8, kMid), 50), Mt(Plain("log.1", 2, kMid), 200)}},
        Mt(At(1, kOldRead, 18), 100), {{"log.1", 0}, {"log", 0}}, 1),
      C("inode reused by the new LOGFILE, old file compressed",
        {Plain("log", 1, kNew + kNew), {Gz("log.1.gz", 3, kOld)}}, live_at_18,
        {{"log.1.gz", 18}, {"log", 0}}),
      C("inode reused (other birth time) and the old content is gone",
        {Mt(Plain("log", 1, kNew + kNew), 300, 7), {Mt(Plain("log.1", 2, kMid), 200, 6)}},
        Mt(At(1, kOldRead, 18), 100, 5), {{"log.1", 0}, {"log", 0}}, 1),
      C("the same inode with another birth time but the same start: a copy (restored)",
        {Mt(Plain("log", 1, kOld), 300, 7), {}}, Mt(At(1, kOldRead, 18), 100, 5), {{"log", 18}}),
      C("empty fingerprint: the same plain file, rotated by renaming",
        {Plain("log", 2, kNew), {Plain("log.1", 1, kOld)}}, At(1, "", 0),
        {{"log.1", 0}, {"log", 0}}),
      C("empty fingerprint: its lines compressed at once (no delaycompress)",
        {Plain("log", 2, kNew), {Gz("log.1.gz", 3, kOld)}}, At(1, "", 0),
        {{"log.1.gz", 0}, {"log", 0}}),
      C("empty fingerprint: copytruncate, the copy holds the lines",
        {Mt(Plain("log", 1, kNew), 300),
         {Mt(Gz("log.2.gz", 4, kMid), 50), Mt(Plain("log.1", 5, kOld), 200)}},
        Mt(At(1, "", 0), 100), {{"log.1", 0}, {"log", 0}}),
      C("a compressed file read to its end is not read again (not even decompressed)",
        {Plain("log", 2, ""), {Gz("log.1.gz", 1, kOld)}}, Complete(At(1, kOld, kOld.size())),
        {{"log", 0}}),
      C("complete but only a copy: read from the offset",
        {Plain("log", 2, ""), {Gz("log.1.gz", 3, kOld)}}, Complete(At(1, kOld, kOld.size())),
        {{"log.1.gz", kOld.size()}, {"log", 0}}),
      C("complete plain file: read from the offset (cheap, and it may still grow)",
        {Plain("log", 2, ""), {Plain("log.1", 1, kOld)}}, Complete(At(1, kOld, kOld.size())),
        {{"log.1", kOld.size()}, {"log", 0}}),
      C("dateext switch: the numbered file left behind is older than the position",
        {Plain("log", 3, kNew), {Plain("log.1", 9, kMid), Plain("log-20261205", 1, kOld)}},
        live_at_18, {{"log-20261205", 18}, {"log", 0}}),
      C("postfix logrotate: renamed to LOGFILE.DATE",
        {Plain("log", 2, kNew), {Plain("log.20261205-085712", 1, kOld)}}, live_at_18,
        {{"log.20261205-085712", 18}, {"log", 0}}),
      C("postfix logrotate: renamed and compressed",
        {Plain("log", 2, kNew),
         {Gz("log.20261204-085712.gz", 5, kMid), Gz("log.20261205-085712.gz", 6, kOld)}},
        live_at_18, {{"log.20261205-085712.gz", 18}, {"log", 0}}),
      C("position at the end of .1, rotated again since",
        {Plain("log", 3, kNew), {Gz("log.2.gz", 9, kOld), Plain("log.1", 2, kMid)}},
        At(1, kOld, kOld.size()), {{"log.2.gz", kOld.size()}, {"log.1", 0}, {"log", 0}}),
      C("dateext: old file is LOGFILE-DATE",
        {Plain("log", 2, kNew), {Gz("log-20240101.gz", 8, kMid), Plain("log-20240102", 1, kOld)}},
        live_at_18, {{"log-20240102", 18}, {"log", 0}}),
      C("legacy offset inside LOGFILE (aligned to a line start when read)",
        {Plain("log", 1, kOld), {Plain("log.1", 3, kMid)}}, TailState{0, 0, {}, 18, true},
        {{"log", 18}}),
      C("legacy offset beyond LOGFILE: warn, from the start", {Plain("log", 1, kNew), {}},
        TailState{0, 0, {}, 1000, true}, {{"log", 0}}, 1),
      C("LOGFILE and siblings missing", {std::nullopt, {}}, std::nullopt, {}, 0,
        "log: No such file or directory"),
  };
}

TEST(MakePlan, EveryRotationShape) {
  for (const PlanCase& c : PlanCases()) {
    Plan plan = MakePlan(c.files, c.state, "log");
    EXPECT_EQ(c.error, plan.error) << c.name;
    EXPECT_EQ(c.expected, StepsOf(c.files, plan)) << c.name;
    EXPECT_EQ(c.warnings, plan.warnings.size()) << c.name;
  }
}

TEST(MakePlan, WarningsSayWhatHappened) {
  LogFiles files{Plain("log", 2, kNew), {}};
  EXPECT_EQ(std::vector<std::string>{"log: the file of the saved position is gone (rotated away "
                                     "or deleted); the lines after its offset 18 are lost; "
                                     "reading log from the start"},
            MakePlan(files, At(1, kOldRead, 18), "log").warnings);
  files.live->inode = 1;
  EXPECT_EQ(std::vector<std::string>{"log: truncated in place since the saved position "
                                     "(copytruncate, or a new file that reuses the inode number) "
                                     "and no rotated copy holds the lines after offset 18: they "
                                     "are lost; reading log from the start"},
            MakePlan(files, At(1, kOldRead, 18), "log").warnings);
  // Birth times known and equal: the same file, truncated.
  files.live->birth_ns = 5;
  EXPECT_EQ(std::vector<std::string>{"log: truncated in place since the saved position "
                                     "(copytruncate) and no rotated copy holds the lines after "
                                     "offset 18: they are lost; reading log from the start"},
            MakePlan(files, Mt(At(1, kOldRead, 18), 0, 5), "log").warnings);
  // Another birth time: the inode number is reused, copytruncate is not blamed.
  files.rotated = {Mt(Plain("log.2.gz", 4, kMid), 50), Mt(Plain("log.1", 3, kMid), 200)};
  EXPECT_EQ(std::vector<std::string>{"log: the file of the saved position is gone (rotated away "
                                     "or deleted); the lines after its offset 18 are lost; "
                                     "reading 1 rotated file(s) and log from the start; 1 older "
                                     "rotated file(s) not read again"},
            MakePlan(files, Mt(At(1, kOldRead, 18), 100, 4), "log").warnings);
}

TEST(MakePlan, LegacyOffsetIsAlignedToALineStart) {
  LogFiles files{Plain("log", 1, kOld), {}};
  Plan plan = MakePlan(files, TailState{0, 0, {}, 18, true}, "log");
  ASSERT_EQ(1u, plan.steps.size());
  EXPECT_TRUE(plan.steps[0].align);
  EXPECT_FALSE(MakePlan(files, TailState{0, 0, {}, 0, true}, "log").steps[0].align);
  EXPECT_FALSE(MakePlan(files, At(1, kOldRead, 18), "log").steps[0].align);
}

TEST(MakePlan, AnotherLogReadsItsWholeHistory) {
  LogFiles files{Plain("log", 2, kNew), {Gz("log.2.gz", 3, kMid), Plain("log.1", 4, kMid)}};
  files.id = "/var/log/postfix.log";
  TailState st = At(1, kOldRead, 18);
  st.log = "/var/log/mail.log";
  Plan plan = MakePlan(files, st, "log");
  EXPECT_EQ((Steps{{"log.2.gz", 0}, {"log.1", 0}, {"log", 0}}), StepsOf(files, plan));
  EXPECT_EQ(std::vector<std::string>{"log: the saved position is in another log "
                                     "(/var/log/mail.log); reading the whole history of log"},
            plan.warnings);
  // The file of the position found under the new name (the log was moved): resumed.
  files.rotated[1].inode = 1;
  files.rotated[1].head = kOld;
  files.rotated[1].file_size = kOld.size();
  plan = MakePlan(files, st, "log");
  EXPECT_EQ((Steps{{"log.1", 18}, {"log", 0}}), StepsOf(files, plan));
  EXPECT_TRUE(plan.warnings.empty());
  EXPECT_TRUE(plan.found);
}

TEST(MakePlan, ACompressedFileThatMayNotBeReadYetIsBusy) {
  FileFacts gz = Gz("log.1.gz", 3, "");
  gz.error = "log.1.gz: Permission denied";
  gz.busy = true;
  LogFiles files{Plain("log", 2, kNew), {gz}};
  Plan plan = MakePlan(files, At(1, kOldRead, 18), "log");
  EXPECT_EQ("log.1.gz: Permission denied", plan.error);
  EXPECT_EQ("log.1.gz", plan.busy);
  EXPECT_EQ("log.1.gz", MakePlan(files, std::nullopt, "log").busy);
}

TEST(MakePlan, UnreadableSiblingInHistoryIsAnError) {
  FileFacts bad = Plain("log.1", 3, "");
  bad.error = "log.1: Permission denied";
  LogFiles files{Plain("log", 1, kNew), {bad}};
  Plan plan = MakePlan(files, std::nullopt, "log");
  EXPECT_EQ("log.1: Permission denied", plan.error);
  EXPECT_TRUE(plan.steps.empty());
  // Not needed when the position is in LOGFILE itself.
  EXPECT_EQ("", MakePlan(files, At(1, kNew, 5), "log").error);
  // Needed when the position cannot be located elsewhere.
  EXPECT_EQ("log.1: Permission denied", MakePlan(files, At(9, kOld, 5), "log").error);
}

TEST(MakePlan, UnsupportedCompressionIsSkippedWithAWarning) {
  FileFacts xz = Plain("log.2.xz", 3, "");
  xz.kind = SourceKind::kUnsupported;
  LogFiles files{Plain("log", 1, kNew), {xz, Plain("log.1", 2, kMid)}};
  Plan plan = MakePlan(files, std::nullopt, "log");
  EXPECT_EQ((Steps{{"log.1", 0}, {"log", 0}}), StepsOf(files, plan));
  EXPECT_EQ(std::vector<std::string>{"log.2.xz: compressed with an unsupported method; skipped"},
            plan.warnings);
}

}  // namespace
}  // namespace mls
