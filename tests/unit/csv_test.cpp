#include "csv.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "event.h"

namespace mls {
namespace {

std::vector<std::string> Event9() {
  return {"2026-11-25T20:18:08+00:00",
          "mx1",
          "203.0.113.5",
          "admin@example.com",
          "LOGIN",
          "unknown",
          "",
          "postfix/submission/smtpd",
          "UGFzc3dvcmQ6"};
}

std::string Cell(std::string_view v) {
  std::string out;
  CsvAppendCell(v, out);
  return out;
}

// Feeds `text` through a pipe to a DatasetReader and returns every row.
std::vector<DatasetRow> ReadDataset(const std::string& text, std::optional<std::string>* fatal) {
  int fds[2];
  EXPECT_EQ(0, ::pipe(fds));
  EXPECT_EQ(static_cast<ssize_t>(text.size()), ::write(fds[1], text.data(), text.size()));
  ::close(fds[1]);
  DatasetReader reader(fds[0]);
  std::vector<DatasetRow> rows;
  DatasetRow row;
  while (reader.Next(row)) rows.push_back(row);
  if (fatal) *fatal = reader.fatal_error();
  ::close(fds[0]);
  return rows;
}

TEST(Csv, HeaderIsTheDocumentedOne) {
  EXPECT_EQ(
      "server;date;ip;user;hostname;reverse_dns_status;country_code;asn;aso;method;client;port;"
      "service;reason",
      kCsvHeader);
}

TEST(Csv, QuotesOnlyWhenNeeded) {
  EXPECT_EQ("plain text", Cell("plain text"));
  EXPECT_EQ("", Cell(""));
  EXPECT_EQ("\"a;b\"", Cell("a;b"));
  EXPECT_EQ("\"say \"\"hi\"\"\"", Cell("say \"hi\""));
  EXPECT_EQ("\"line\nbreak\"", Cell("line\nbreak"));
  EXPECT_EQ("\"cr\rhere\"", Cell("cr\rhere"));
  EXPECT_EQ("tab\tinside", Cell("tab\tinside"));
}

TEST(Csv, NeutralisesFormulaStarts) {
  EXPECT_EQ("'=cmd|' /C calc'!A0", Cell("=cmd|' /C calc'!A0"));
  EXPECT_EQ("'+1", Cell("+1"));
  EXPECT_EQ("'-1", Cell("-1"));
  EXPECT_EQ("'@SUM(A1)", Cell("@SUM(A1)"));
  EXPECT_EQ("'\tx", Cell("\tx"));
  EXPECT_EQ("\"'\rx\"", Cell("\rx"));      // neutralised, then quoted for the CR
  EXPECT_EQ("\"'=a;b\"", Cell("=a;b"));    // quoting applies after neutralising
  EXPECT_EQ("''quoted", Cell("'quoted"));  // keeps the rule reversible
  EXPECT_EQ("a=b", Cell("a=b"));
}

TEST(Csv, UnneutraliseUndoesExactlyTheWriterRule) {
  EXPECT_EQ("=cmd", CsvUnneutralise("'=cmd"));
  EXPECT_EQ("-1", CsvUnneutralise("'-1"));
  EXPECT_EQ("\tx", CsvUnneutralise("'\tx"));
  EXPECT_EQ("'quoted", CsvUnneutralise("''quoted"));
  EXPECT_EQ("'abc", CsvUnneutralise("'abc"));  // not written by us: left alone
  EXPECT_EQ("'", CsvUnneutralise("'"));
  EXPECT_EQ("=x", CsvUnneutralise("=x"));
}

TEST(Csv, EventRowIsInHeaderOrder) {
  std::string out;
  CsvAppendEvent(Event9(), out);
  EXPECT_EQ(
      "mx1;2026-11-25T20:18:08+00:00;203.0.113.5;admin@example.com;;;;;;LOGIN;unknown;;"
      "postfix/submission/smtpd;UGFzc3dvcmQ6\n",
      out);
  std::vector<std::string> e = Event9();
  for (const char* x : {"ptr.example.net", "OK", "FR", "64496", "Example; Org"}) e.push_back(x);
  out.clear();
  CsvAppendEvent(e, out);
  EXPECT_EQ(
      "mx1;2026-11-25T20:18:08+00:00;203.0.113.5;admin@example.com;ptr.example.net;OK;FR;64496;"
      "\"Example; Org\";LOGIN;unknown;;postfix/submission/smtpd;UGFzc3dvcmQ6\n",
      out);
}

TEST(Csv, IsoTimes) {
  EXPECT_TRUE(IsIsoTime("2026-11-25T20:18:08+00:00"));
  EXPECT_TRUE(IsIsoTime("2026-11-25T20:18:08-05:30"));
  EXPECT_TRUE(IsIsoTime("2026-11-25T20:18:36.019216+00:00"));
  EXPECT_TRUE(IsIsoTime("2026-11-25T20:18:08Z"));
  EXPECT_FALSE(IsIsoTime("2026-11-25 20:18:08+00:00"));
  EXPECT_FALSE(IsIsoTime("2026-13-25T20:18:08+00:00"));
  EXPECT_FALSE(IsIsoTime("2026-11-25T20:18:08"));
  EXPECT_FALSE(IsIsoTime("2026-11-25T20:18:08.+00:00"));
  EXPECT_FALSE(IsIsoTime("2026-11-25T20:18:08+0000"));
  EXPECT_FALSE(IsIsoTime("25/11/2026 20:18"));
  EXPECT_FALSE(IsIsoTime(""));
}

TEST(Csv, LegacyDates) {
  EXPECT_EQ("2026-11-05T07:03:00", LegacyDateToIso("05/11/2026 07:03").value_or("-"));
  EXPECT_FALSE(LegacyDateToIso("5/11/2026 07:03"));
  EXPECT_FALSE(LegacyDateToIso("05/13/2026 07:03"));
  EXPECT_FALSE(LegacyDateToIso("05/11/2026 24:00"));
  EXPECT_FALSE(LegacyDateToIso("2026-11-05T07:03:00+00:00"));
}

TEST(CsvSplit, SplitsQuotedAndUnquotedCells) {
  std::vector<std::string> cells;
  CsvSplit s = CsvSplitRecord("a;\"b;c\";\"d\"\"e\";;\"x\ny\"\nnext", false, cells);
  ASSERT_EQ(CsvSplit::kRecord, s.status);
  EXPECT_EQ((std::vector<std::string>{"a", "b;c", "d\"e", "", "x\ny"}), cells);
  EXPECT_EQ(22u, s.consumed);
  EXPECT_EQ(2u, s.lines);
}

TEST(CsvSplit, CrlfAndEndOfInput) {
  std::vector<std::string> cells;
  CsvSplit s = CsvSplitRecord("a;b\r\n", false, cells);
  ASSERT_EQ(CsvSplit::kRecord, s.status);
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), cells);
  EXPECT_EQ(5u, s.consumed);

  EXPECT_EQ(CsvSplit::kIncomplete, CsvSplitRecord("a;b", false, cells).status);
  EXPECT_EQ(CsvSplit::kIncomplete, CsvSplitRecord("a;b\r", false, cells).status);
  EXPECT_EQ(CsvSplit::kIncomplete, CsvSplitRecord("a;\"b", false, cells).status);
  EXPECT_EQ(CsvSplit::kIncomplete, CsvSplitRecord("a;\"b\"", false, cells).status);
  s = CsvSplitRecord("a;\"b\"", true, cells);
  ASSERT_EQ(CsvSplit::kRecord, s.status);
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), cells);
  s = CsvSplitRecord("a;\"b\nc", true, cells);
  EXPECT_EQ(CsvSplit::kError, s.status);
  EXPECT_EQ("unterminated quoted field", s.error);
  EXPECT_EQ(6u, s.consumed);
}

TEST(CsvSplit, CarriageReturnInsideAFieldIsData) {
  std::vector<std::string> cells;
  CsvSplit s = CsvSplitRecord("a\rb;\"c\r\n\"\n", false, cells);
  ASSERT_EQ(CsvSplit::kRecord, s.status);
  EXPECT_EQ((std::vector<std::string>{"a\rb", "c\r\n"}), cells);
}

TEST(Dataset, RoundTripsHostileValues) {
  const std::vector<std::string> hostile = {
      ";",         "\"",        "a\"b;c",       "cr\rlf\n", "\r\n",       std::string("n\0l", 3),
      "=cmd|calc", "-1",        "+1",           "@x",       "\tlead tab", "\rlead cr",
      "'",         "'=already", "\xff\xfe\x80", "null",     "N/A",        ""};
  std::string text = std::string(kCsvHeader) + "\n";
  std::vector<std::vector<std::string>> events;
  for (const std::string& v : hostile) {
    std::vector<std::string> e(kEnrichedColumns, v);
    e[kTime] = "2026-11-25T20:18:08+00:00";
    events.push_back(e);
    CsvAppendEvent(e, text);
  }
  std::optional<std::string> fatal;
  std::vector<DatasetRow> rows = ReadDataset(text, &fatal);
  EXPECT_FALSE(fatal) << *fatal;
  ASSERT_EQ(events.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_FALSE(rows[i].error) << *rows[i].error;
    EXPECT_FALSE(rows[i].legacy);
    EXPECT_EQ(events[i], rows[i].fields) << "value #" << i;
  }
  EXPECT_EQ(2u, rows[0].line);
  EXPECT_EQ(5u, rows[3].line);
  EXPECT_EQ(19u, rows[4].line);  // row 3 holds 13 quoted LFs
}

TEST(Dataset, ReadsLegacyRows) {
  std::string text = std::string(kLegacyCsvHeader) + "\r\n" +
                     "mx1;05/11/2026 07:03;192.0.2.7;null;N/A;NXDOMAIN;N/A;null;null\r\n" +
                     "mx1;2026-11-05T07:04:00+01:00;192.0.2.8;bob;h.example;OK;DE;3320;DTAG\r\n";
  std::optional<std::string> fatal;
  std::vector<DatasetRow> rows = ReadDataset(text, &fatal);
  ASSERT_FALSE(fatal) << *fatal;
  ASSERT_EQ(2u, rows.size());
  EXPECT_TRUE(rows[0].legacy);
  EXPECT_EQ("2026-11-05T07:03:00", rows[0].fields[kTime]);
  EXPECT_EQ("192.0.2.7", rows[0].fields[kIp]);
  EXPECT_EQ("", rows[0].fields[kUser]);
  EXPECT_EQ("", rows[0].fields[kRdns]);
  EXPECT_EQ("NXDOMAIN", rows[0].fields[kRdnsStatus]);
  EXPECT_EQ("", rows[0].fields[kCountry]);
  EXPECT_EQ("", rows[0].fields[kMethod]);
  EXPECT_FALSE(rows[1].legacy);
  EXPECT_EQ("DTAG", rows[1].fields[kAsOrg]);
  EXPECT_EQ("3320", rows[1].fields[kAsn]);
}

TEST(Dataset, NullIsDataInOurOwnRows) {
  std::vector<std::string> e(kEnrichedColumns, "null");
  e[kTime] = "2026-11-25T20:18:08+00:00";
  std::string text = std::string(kCsvHeader) + "\n";
  CsvAppendEvent(e, text);
  std::vector<DatasetRow> rows = ReadDataset(text, nullptr);
  ASSERT_EQ(1u, rows.size());
  EXPECT_EQ("null", rows[0].fields[kUser]);
}

TEST(Dataset, BadRowsAreReportedAndSkipped) {
  std::string text = std::string(kCsvHeader) + "\n" + "a;b;c\n" +
                     "mx1;yesterday;1.2.3.4;;;;;;;;;;;\n" +
                     "mx1;2026-11-25T20:18:08+00:00;1.2.3.4;;;;;;;;;;;\n" + "x;\"open\n";
  std::vector<DatasetRow> rows = ReadDataset(text, nullptr);
  ASSERT_EQ(4u, rows.size());
  EXPECT_EQ("line 2: expected 14 fields, got 3", rows[0].error.value_or(""));
  EXPECT_EQ("line 3: date is neither ISO 8601 nor DD/MM/YYYY HH:MM", rows[1].error.value_or(""));
  EXPECT_FALSE(rows[2].error);
  EXPECT_EQ("1.2.3.4", rows[2].fields[kIp]);
  EXPECT_EQ("line 5: unterminated quoted field", rows[3].error.value_or(""));
}

TEST(Dataset, ForeignHeaderIsFatal) {
  std::optional<std::string> fatal;
  EXPECT_TRUE(ReadDataset("name;age\nbob;3\n", &fatal).empty());
  EXPECT_EQ("line 1: not a maillogsentinel dataset (unexpected header)", fatal.value_or(""));
  EXPECT_TRUE(ReadDataset("", &fatal).empty());
  EXPECT_FALSE(fatal);
}

TEST(Dataset, ResumesFromARowsEndOffset) {
  std::string text = std::string(kCsvHeader) + "\n";
  std::vector<std::vector<std::string>> events;
  for (const char* user : {"a", "multi\nline", "c"}) {
    std::vector<std::string> e(kEnrichedColumns, "x");
    e[kTime] = "2026-11-25T20:18:08+00:00";
    e[kUser] = user;
    events.push_back(e);
    CsvAppendEvent(e, text);
  }
  char path[] = "/tmp/mls-csv-test.XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(static_cast<ssize_t>(text.size()), ::write(fd, text.data(), text.size()));
  ASSERT_EQ(0, ::lseek(fd, 0, SEEK_SET));
  DatasetReader all(fd);
  DatasetRow row;
  std::vector<std::uint64_t> ends;
  while (all.Next(row)) ends.push_back(row.end_offset);
  ASSERT_EQ(3u, ends.size());
  EXPECT_EQ(text.size(), ends[2]);

  ASSERT_EQ(static_cast<off_t>(ends[0]), ::lseek(fd, static_cast<off_t>(ends[0]), SEEK_SET));
  DatasetReader rest(fd, ends[0]);
  ASSERT_TRUE(rest.Next(row));
  EXPECT_FALSE(row.error);
  EXPECT_EQ(events[1], row.fields);
  EXPECT_EQ(ends[1], row.end_offset);
  ASSERT_TRUE(rest.Next(row));
  EXPECT_EQ(events[2], row.fields);
  EXPECT_EQ(ends[2], row.end_offset);
  EXPECT_FALSE(rest.Next(row));
  EXPECT_FALSE(rest.fatal_error());
  ::close(fd);
  ::unlink(path);
}

TEST(CsvReader, OverlongRecordIsSkipped) {
  int fds[2];
  ASSERT_EQ(0, ::pipe(fds));
  std::string text = "short\n" + std::string(100, 'x') + "\nafter\n";
  ASSERT_EQ(static_cast<ssize_t>(text.size()), ::write(fds[1], text.data(), text.size()));
  ::close(fds[1]);
  CsvReader reader(fds[0], 50);
  std::vector<std::string> cells;
  std::optional<std::string> err;
  ASSERT_TRUE(reader.Next(cells, err));
  EXPECT_EQ(std::vector<std::string>{"short"}, cells);
  ASSERT_TRUE(reader.Next(cells, err));
  EXPECT_EQ("record longer than 50 bytes", err.value_or(""));
  EXPECT_EQ(2u, reader.line());
  ASSERT_TRUE(reader.Next(cells, err));
  EXPECT_FALSE(err);
  EXPECT_EQ(std::vector<std::string>{"after"}, cells);
  EXPECT_EQ(3u, reader.line());
  EXPECT_FALSE(reader.Next(cells, err));
  ::close(fds[0]);
}

}  // namespace
}  // namespace mls
