#include "dataset.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "event.h"
#include "tz_scope.h"

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

struct Row {
  std::size_t line = 0;
  std::uint64_t end_offset = 0;
  std::optional<std::string> error;
  std::vector<std::string> fields;  // ToEvent: lib/event.h order
  std::time_t time = 0;
  bool legacy = false;
};

// A temporary file holding `text`, open for reading at `offset`.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    fd_ = ::mkstemp(path_);
    EXPECT_GE(fd_, 0);
    EXPECT_EQ(static_cast<ssize_t>(text.size()), ::write(fd_, text.data(), text.size()));
    ::lseek(fd_, 0, SEEK_SET);
  }
  ~TempFile() {
    ::close(fd_);
    ::unlink(path_);
  }
  int fd() const { return fd_; }

 private:
  char path_[32] = "/tmp/mls-dataset-test.XXXXXX";
  int fd_ = -1;
};

std::vector<Row> Drain(DatasetScanner& scan) {
  std::vector<Row> rows;
  DatasetRecord rec;
  DatasetCells cells;
  while (scan.Next(rec)) {
    Row r;
    r.line = rec.line;
    r.end_offset = rec.end_offset;
    r.error = rec.error;
    if (!rec.error) {
      scan.Split(rec, cells);
      scan.ToEvent(cells, r.fields);
      r.time = rec.time;
      r.legacy = rec.legacy_date;
    }
    rows.push_back(r);
  }
  return rows;
}

// Reads `text` as mls-report does and returns every record.
std::vector<Row> ReadDataset(const std::string& text, std::optional<std::string>* fatal) {
  TempFile f(text);
  DatasetScanner scan(f.fd());
  std::vector<Row> rows;
  if (scan.ReadHeader()) rows = Drain(scan);
  if (fatal) *fatal = scan.error();
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
  EXPECT_TRUE(IsIsoTime("2024-02-29T10:00:00+00:00"));  // a leap day
  EXPECT_TRUE(IsIsoTime("2026-12-31T23:59:60Z"));       // a leap second
  EXPECT_FALSE(IsIsoTime("2025-02-29T10:00:00+00:00"));
  EXPECT_FALSE(IsIsoTime("2026-02-31T10:00:00+00:00"));
  EXPECT_FALSE(IsIsoTime("2026-04-31T10:00:00+00:00"));
  EXPECT_FALSE(IsIsoTime("2026-11-25T24:00:00+00:00"));
  EXPECT_FALSE(IsIsoTime("2026-11-25 20:18:08+00:00"));
  EXPECT_FALSE(IsIsoTime("2026-13-25T20:18:08+00:00"));
  EXPECT_FALSE(IsIsoTime("2026-11-25T20:18:08"));
  EXPECT_FALSE(IsIsoTime("2026-11-25T20:18:08.+00:00"));
  EXPECT_FALSE(IsIsoTime("2026-11-25T20:18:08+0000"));
  EXPECT_FALSE(IsIsoTime("25/11/2026 20:18"));  // a legacy date: rows only, never events
  EXPECT_FALSE(IsIsoTime(""));
}

TEST(Csv, CheckEventSaysWhy) {
  std::vector<std::string> e = Event9();
  EXPECT_FALSE(CheckEvent(e));
  e[kTime] = "2026-02-31T10:00:00+00:00";
  EXPECT_EQ("field 1 (time) 2026-02-31T10:00:00+00:00 names a day or clock that does not exist",
            CheckEvent(e).value_or(""));
  e[kTime] = "2026-11-25T25:00:00Z";
  EXPECT_EQ("field 1 (time) 2026-11-25T25:00:00Z names a day or clock that does not exist",
            CheckEvent(e).value_or(""));
  e[kTime] = "not-a-time";
  EXPECT_EQ("field 1 (time) is not an ISO 8601 time", CheckEvent(e).value_or(""));
  e[kTime] = "2026-11-25T20:18:08";
  EXPECT_EQ("field 1 (time) is not an ISO 8601 time", CheckEvent(e).value_or(""));
  e.pop_back();
  e.pop_back();
  EXPECT_EQ("expected 9 or 14 fields (a login: 8 or 13), got 7", CheckEvent(e).value_or(""));
  e.push_back("");  // 8 fields: a login record, checked like an event
  EXPECT_EQ("field 1 (time) is not an ISO 8601 time", CheckEvent(e).value_or(""));
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
  std::vector<Row> rows = ReadDataset(text, &fatal);
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
  TzScope tz("Europe/Paris");
  std::string text = std::string(kLegacyCsvHeader) + "\r\n" +
                     "mx1;05/11/2026 07:03;192.0.2.7;null;N/A;NXDOMAIN;N/A;null;null\r\n" +
                     "mx1;2026-11-05T07:04:00+01:00;192.0.2.8;bob;h.example;OK;DE;3320;DTAG\r\n";
  std::optional<std::string> fatal;
  std::vector<Row> rows = ReadDataset(text, &fatal);
  ASSERT_FALSE(fatal) << *fatal;
  ASSERT_EQ(2u, rows.size());
  EXPECT_TRUE(rows[0].legacy);
  EXPECT_EQ("2026-11-05T07:03:00+01:00", rows[0].fields[kTime]);  // local time, its offset
  EXPECT_EQ("192.0.2.7", rows[0].fields[kIp]);
  EXPECT_EQ("", rows[0].fields[kUser]);
  EXPECT_EQ("", rows[0].fields[kRdns]);
  EXPECT_EQ("NXDOMAIN", rows[0].fields[kRdnsStatus]);
  EXPECT_EQ("", rows[0].fields[kCountry]);
  EXPECT_EQ("", rows[0].fields[kMethod]);
  EXPECT_FALSE(rows[1].legacy);
  EXPECT_EQ("DTAG", rows[1].fields[kAsOrg]);
  EXPECT_EQ("3320", rows[1].fields[kAsn]);
  EXPECT_EQ(rows[0].time + 60, rows[1].time);
}

TEST(Dataset, NullIsDataInOurOwnRows) {
  std::vector<std::string> e(kEnrichedColumns, "null");
  e[kTime] = "2026-11-25T20:18:08+00:00";
  std::string text = std::string(kCsvHeader) + "\n";
  CsvAppendEvent(e, text);
  text += "mx1;05/11/2026 07:03;192.0.2.7;null;;;;;;;;;;\n";  // a legacy date in our file
  std::vector<Row> rows = ReadDataset(text, nullptr);
  ASSERT_EQ(2u, rows.size());
  EXPECT_EQ("null", rows[0].fields[kUser]);
  EXPECT_TRUE(rows[1].legacy);
  EXPECT_EQ("null", rows[1].fields[kUser]);
}

TEST(Dataset, BadRowsAreReportedAndSkipped) {
  std::string text = std::string(kCsvHeader) + "\n" + "a;b;c\n" +
                     "mx1;yesterday;1.2.3.4;;;;;;;;;;;\n" +
                     "mx1;2026-11-25T20:18:08+00:00;1.2.3.4;;;;;;;;;;;\n" + "x;\"open\n" +
                     "mx1;2026-11-25T20:18:09+00:00;1.2.3.5;;;;;;;;;;;\n" + "x;\"open\n";
  std::vector<Row> rows = ReadDataset(text, nullptr);
  ASSERT_EQ(6u, rows.size());
  EXPECT_EQ("expected 14 fields, got 3", rows[0].error.value_or(""));
  EXPECT_EQ(2u, rows[0].line);
  EXPECT_EQ("date is neither ISO 8601 nor DD/MM/YYYY HH:MM", rows[1].error.value_or(""));
  EXPECT_FALSE(rows[2].error);
  EXPECT_EQ("1.2.3.4", rows[2].fields[kIp]);
  // A broken quote costs its own line only: the next row is read.
  EXPECT_EQ(
      "unbalanced quote: a record over lines 5-7 would have 2 fields, not 14; reading on at "
      "line 6",
      rows[3].error.value_or(""));
  EXPECT_FALSE(rows[4].error);
  EXPECT_EQ("1.2.3.5", rows[4].fields[kIp]);
  EXPECT_EQ(6u, rows[4].line);
  // At the end of the file the quote never closes: that line is skipped too.
  EXPECT_EQ("unterminated quoted field", rows[5].error.value_or(""));
  EXPECT_EQ(7u, rows[5].line);
}

TEST(Dataset, ForeignHeaderIsFatal) {
  std::optional<std::string> fatal;
  EXPECT_TRUE(ReadDataset("name;age\nbob;3\n", &fatal).empty());
  EXPECT_EQ("line 1: not a maillogsentinel dataset (unexpected header)", fatal.value_or(""));
  EXPECT_TRUE(ReadDataset("", &fatal).empty());
  EXPECT_FALSE(fatal);
}

TEST(Dataset, UnfinishedLastLineIsNoRow) {
  std::string text = std::string(kCsvHeader) + "\n" +
                     "mx1;2026-11-25T20:18:08+00:00;1.2.3.4;;;;;;;;;;;\n" +
                     "mx1;2026-11-25T20:18:09+00:00;1.2.3.5;;;;;;";
  std::vector<Row> rows = ReadDataset(text, nullptr);
  ASSERT_EQ(1u, rows.size());
  EXPECT_FALSE(rows[0].error);
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
  TempFile f(text);
  DatasetScanner all(f.fd());
  ASSERT_TRUE(all.ReadHeader());
  EXPECT_EQ(kCsvHeader.size() + 1, all.data_start());
  std::vector<Row> rows = Drain(all);
  ASSERT_EQ(3u, rows.size());
  EXPECT_EQ(text.size(), rows[2].end_offset);

  const std::uint64_t at = rows[0].end_offset;
  ASSERT_EQ(static_cast<off_t>(at), ::lseek(f.fd(), static_cast<off_t>(at), SEEK_SET));
  DatasetScanner rest(f.fd(), at, 3, kEnrichedColumns);
  std::vector<Row> tail = Drain(rest);
  ASSERT_EQ(2u, tail.size());
  EXPECT_EQ(events[1], tail[0].fields);
  EXPECT_EQ(rows[1].end_offset, tail[0].end_offset);
  EXPECT_EQ(3u, tail[0].line);
  EXPECT_EQ(events[2], tail[1].fields);
  EXPECT_EQ(5u, tail[1].line);
  EXPECT_FALSE(rest.error());

  // set_limit: nothing past the first row's end.
  ASSERT_EQ(static_cast<off_t>(all.data_start()),
            ::lseek(f.fd(), static_cast<off_t>(all.data_start()), SEEK_SET));
  DatasetScanner first(f.fd(), all.data_start(), 2, kEnrichedColumns);
  first.set_limit(at);
  EXPECT_EQ(1u, Drain(first).size());
}

TEST(Dataset, OverlongRecordIsSkipped) {
  std::string text = std::string(kCsvHeader) + "\n" + "mx1;" + std::string(2u << 20, 'x') + "\n" +
                     "mx1;2026-11-25T20:18:08+00:00;1.2.3.4;;;;;;;;;;;\n";
  std::vector<Row> rows = ReadDataset(text, nullptr);
  ASSERT_EQ(2u, rows.size());
  EXPECT_EQ("record longer than 1048576 bytes", rows[0].error.value_or(""));
  EXPECT_FALSE(rows[1].error);
  EXPECT_EQ(3u, rows[1].line);
}

// ---- mls-store and mls-report agree --------------------------------------------
//
// mls-store appends an event when CheckEvent accepts it, as CsvAppendEvent
// writes it; mls-report counts a row when DatasetScanner::Next returns it
// without an error. Both go through this module: every event the store
// accepts is a row the report counts (with the same cells and time), every
// event it refuses is a row the report skips; and every row the report
// counts, turned back into an event (ToEvent, as the report's attachment
// does), is one the store accepts and the report reads back the same.

struct Edge {
  const char* what;
  std::string time;
  std::string cell;  // put in every other field
  bool valid;
};

std::vector<Edge> EdgeEvents() {
  return {
      {"plain", "2026-11-25T20:18:08+00:00", "x", true},
      {"Z and fraction", "2026-11-25T20:18:08.019216Z", "x", true},
      {"negative offset", "2026-11-25T20:18:08-05:30", "x", true},
      {"leap day", "2024-02-29T10:00:00+00:00", "x", true},
      {"leap second", "2026-12-31T23:59:60+00:00", "x", true},
      {"no leap day in 2025", "2025-02-29T10:00:00+00:00", "x", false},
      {"February 31", "2026-02-31T10:00:00+00:00", "x", false},
      {"April 31", "2026-04-31T10:00:00+00:00", "x", false},
      {"month 13", "2026-13-01T10:00:00+00:00", "x", false},
      {"day 0", "2026-11-00T10:00:00+00:00", "x", false},
      {"hour 24", "2026-11-25T24:00:00+00:00", "x", false},
      {"minute 60", "2026-11-25T20:60:00+00:00", "x", false},
      {"no offset", "2026-11-25T20:18:08", "x", false},
      {"space for T", "2026-11-25 20:18:08+00:00", "x", false},
      {"offset without colon", "2026-11-25T20:18:08+0000", "x", false},
      {"offset hour 24", "2026-11-25T20:18:08+24:00", "x", false},
      {"empty time", "", "x", false},
      {"neutralised time", "'2026-11-25T20:18:08+00:00", "x", false},
      {"quotes", "2026-11-25T20:18:08+00:00", "say \"hi\"", true},
      {"a lone quote", "2026-11-25T20:18:08+00:00", "\"", true},
      {"a quote that opens a cell", "2026-11-25T20:18:08+00:00", "\"open", true},
      {"separator", "2026-11-25T20:18:08+00:00", "a;b", true},
      {"LF inside", "2026-11-25T20:18:08+00:00", "two\nlines", true},
      {"CR LF inside", "2026-11-25T20:18:08+00:00", "two\r\nlines", true},
      {"trailing CR", "2026-11-25T20:18:08+00:00", "cr\r", true},
      {"formula", "2026-11-25T20:18:08+00:00", "=cmd|' /C calc'!A0", true},
      {"already neutralised-looking", "2026-11-25T20:18:08+00:00", "'=cmd", true},
      {"leading CR", "2026-11-25T20:18:08+00:00", "\rx", true},
      {"null is data", "2026-11-25T20:18:08+00:00", "null", true},
      {"empty cells", "2026-11-25T20:18:08+00:00", "", true},
  };
}

TEST(StoreAndReport, EveryEventTheStoreAcceptsIsARowTheReportCounts) {
  for (std::size_t width : {kEventColumns, kEnrichedColumns}) {
    for (const Edge& e : EdgeEvents()) {
      std::vector<std::string> event(width, e.cell);
      event[kTime] = e.time;
      const bool stored = !CheckEvent(event).has_value();
      EXPECT_EQ(e.valid, stored) << e.what;
      // Written as the store would write it (whether or not it would).
      std::string text = std::string(kCsvHeader) + "\n";
      CsvAppendEvent(event, text);
      std::vector<Row> rows = ReadDataset(text, nullptr);
      ASSERT_EQ(1u, rows.size()) << e.what;
      EXPECT_EQ(stored, !rows[0].error) << e.what << ": " << rows[0].error.value_or("");
      if (stored && !rows[0].error) {
        std::vector<std::string> expected = event;
        expected.resize(kEnrichedColumns);
        EXPECT_EQ(expected, rows[0].fields) << e.what;
      }
    }
  }
}

TEST(StoreAndReport, EveryRowTheReportCountsIsAnEventTheStoreAccepts) {
  TzScope tz("Europe/Paris");
  const std::string ok = ";1.2.3.4;u;;;;;;;;;;\n";
  const std::string legacy_ok = ";1.2.3.4;u;null;;N/A;;\n";
  struct Case {
    std::string header, row;
    bool counted;
  };
  const std::string ours = std::string(kCsvHeader) + "\n";
  const std::string old = std::string(kLegacyCsvHeader) + "\n";
  const std::vector<Case> cases = {
      {ours, "mx1;2026-11-25T20:18:08+00:00" + ok, true},
      {ours, "mx1;2024-02-29T10:00:00+00:00" + ok, true},
      {ours, "mx1;2025-02-29T10:00:00+00:00" + ok, false},
      {ours, "mx1;2026-02-31T10:00:00+00:00" + ok, false},
      {ours, "mx1;2026-11-25T20:18:08+00:00" + ok.substr(0, ok.size() - 1) + "\r\n", true},
      {ours, "mx1;'2026-11-25T20:18:08+00:00" + ok, false},
      {ours, "mx1;2026-11-25T20:18:08+00:00;\"1.2\n.3.4\";u;;;;;;;;;;\n", true},
      {ours, "mx1;2026-11-25T20:18:08+00:00;'=cmd;\"a;b\";;;;;;;;;;\n", true},
      {ours, "mx1;2026-11-25T20:18:08+00:00;\"1.2.3.4;u;;;;;;;;;;\n", false},  // broken quote
      {ours, "mx1;25/11/2026 20:18" + ok, true},  // a legacy date in our file
      {ours, "mx1;29/02/2024 20:18" + ok, true},
      {ours, "mx1;29/02/2025 20:18" + ok, false},
      {ours, "mx1;31/02/2026 10:00" + ok, false},
      {ours, "mx1;5/11/2026 07:03" + ok, false},
      {ours, "mx1;25/11/2026 20:18:00" + ok, false},
      {old, "mx1;05/11/2026 07:03" + legacy_ok, true},
      {old, "mx1;29/03/2026 02:30" + legacy_ok, true},  // in the spring-forward gap
      {old, "mx1;31/04/2026 07:03" + legacy_ok, false},
      {old, "mx1;2026-11-05T07:04:00+01:00" + legacy_ok, true},
  };
  for (const Case& c : cases) {
    std::vector<Row> rows = ReadDataset(c.header + c.row, nullptr);
    ASSERT_FALSE(rows.empty()) << c.row;
    EXPECT_EQ(c.counted, !rows[0].error) << c.row << rows[0].error.value_or("");
    if (rows[0].error) continue;
    // As an event: the store takes it, and writes a row the report reads the same.
    EXPECT_EQ(std::nullopt, CheckEvent(rows[0].fields)) << c.row;
    std::string again = std::string(kCsvHeader) + "\n";
    CsvAppendEvent(rows[0].fields, again);
    std::vector<Row> back = ReadDataset(again, nullptr);
    ASSERT_EQ(1u, back.size()) << c.row;
    EXPECT_FALSE(back[0].error) << c.row;
    EXPECT_FALSE(back[0].legacy) << c.row;
    EXPECT_EQ(rows[0].time, back[0].time) << c.row;
    EXPECT_EQ(rows[0].fields, back[0].fields) << c.row;
  }
}

}  // namespace
}  // namespace mls
