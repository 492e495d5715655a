#include "report_cli.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "dataset.h"
#include "local_time.h"
#include "run_stats.h"
#include "syslog_time.h"
#include "test_files.h"
#include "tz_scope.h"

namespace mls {
namespace {

std::time_t At(const char* iso) { return ParseIso8601Instant(iso).value(); }

std::optional<int> Parse(std::vector<std::string> args, ReportCliOptions& o) {
  Argv a("mls-report", std::move(args));
  return ParseReportOptions(a.argc(), a.argv(), o);
}

// The exit status of a usage error, and what it printed.
std::pair<std::optional<int>, std::string> ParseError(std::vector<std::string> args) {
  ReportCliOptions o;
  testing::internal::CaptureStderr();
  std::optional<int> rc = Parse(std::move(args), o);
  return {rc, testing::internal::GetCapturedStderr()};
}

std::string Row(const std::string& time, const std::string& ip, const std::string& user) {
  std::vector<std::string> f = {
      time,           "mx1",       ip,   user, "LOGIN", "unknown", "", "postfix/smtpd",
      "UGFzc3dvcmQ6", "h.example", "OK", "FR", "3215",  "Orange"};
  std::string out;
  CsvAppendEvent(f, out);
  return out;
}

TEST(ReportOptions, Defaults) {
  ReportCliOptions o;
  EXPECT_EQ(std::nullopt, Parse({}, o));
  EXPECT_FALSE(o.config_path);
  EXPECT_FALSE(o.csv_path);
  EXPECT_FALSE(o.window);
  EXPECT_FALSE(o.since);
  EXPECT_FALSE(o.until);
  EXPECT_FALSE(o.now);
  EXPECT_FALSE(o.top);
  EXPECT_EQ("text", o.format);
  EXPECT_FALSE(o.threshold);
  EXPECT_FALSE(o.oplog);
}

TEST(ReportOptions, ParsesEveryOption) {
  ReportCliOptions o;
  EXPECT_EQ(std::nullopt,
            Parse({"--config", "/c.conf", "--csv", "/d.csv", "--since", "2026-11-01T00:00:00Z",
                   "--until", "2026-11-02", "--now", "@1764000000", "--top", "25", "--format",
                   "ips", "--threshold", "7", "--oplog", "/o.log"},
                  o));
  EXPECT_EQ("/c.conf", o.config_path);
  EXPECT_EQ("/d.csv", o.csv_path);
  EXPECT_EQ(At("2026-11-01T00:00:00Z"), o.since);
  EXPECT_EQ(At("2026-11-02"), o.until);
  EXPECT_EQ(1764000000, o.now);
  EXPECT_EQ(25u, o.top);
  EXPECT_EQ("ips", o.format);
  EXPECT_EQ(7u, o.threshold);
  EXPECT_EQ("/o.log", o.oplog);

  ReportCliOptions s;
  EXPECT_EQ(std::nullopt, Parse({"-w", "yesterday", "--top", "1", "--format", "json"}, s));
  EXPECT_EQ("yesterday", s.window);
  EXPECT_EQ(1u, s.top);
  EXPECT_EQ("json", s.format);
  // -n and -f mean --dry-run and --follow wherever they exist (lib/cli.h):
  // not --top and --format.
  ReportCliOptions t;
  EXPECT_EQ(2, Parse({"-f", "json"}, t));
}

TEST(ReportOptions, UsageErrorsAreStatus2WithAClearMessage) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"--window", "week"},
       "--window: expected today, yesterday or a time span (24h, 7d, 10m, 36h), got 'week'"},
      {{"--window", "today", "--since", "2026-11-01"}, "--window excludes --since and --until"},
      {{"--until", "2026-11-01"}, "--until needs --since"},
      {{"--since", "2026-11-02", "--until", "2026-11-01"}, "--since must be before --until"},
      {{"--since", "2026-11-02", "--until", "2026-11-02"}, "--since must be before --until"},
      {{"--since", "last week"}, "--since: not an ISO 8601 time or a relative one: 'last week'"},
      {{"--since", "-2 parsecs"}, "--since: not an ISO 8601 time or a relative one"},
      {{"--now", "yesterday"}, "--now: not an ISO 8601 time: 'yesterday'"},
      {{"--window", "today", "--since", "-2h"}, "--window excludes --since and --until"},
      {{"--until", "now"}, "--until needs --since"},
      {{"--now", "2026-13-01"}, "--now: not an ISO 8601 time: '2026-13-01'"},
      {{"--top", "0"}, "--top: expected a number from 1 to 1000000"},
      {{"--top", "10x"}, "--top: expected a number from 1 to 1000000"},
      {{"--top", "-1"}, "--top: expected a number from 1 to 1000000"},
      {{"--top", "1000001"}, "--top: expected a number from 1 to 1000000"},
      {{"--format", "xml"}, "--format: expected text, html, json, ips, nft or logins, got 'xml'"},
      {{"--format", "ips", "--threshold", "0"}, "--threshold: expected a number of attempts"},
      {{"--threshold", "5"}, "--threshold applies to --format ips, nft and json only"},
      {{"--format", "html", "--threshold", "5"},
       "--threshold applies to --format ips, nft and json"},
      {{"--csv", ""}, "--csv: empty file name"},
      {{"--config", ""}, "--config: empty file name"},
      {{"--oplog", ""}, "--oplog: empty file name"},
      {{"--ban-list", ""}, "--ban-list: empty file name"},
      {{"--ban-list", "f"}, "--ban-list applies to --format nft only"},
      {{"--format", "nft", "--ban-list", "f", "--window", "1h"},
       "--ban-list replaces the dataset: --window does not apply"},
      {{"--format", "nft", "--ban-list", "f", "--csv", "d.csv"},
       "--ban-list replaces the dataset: --csv does not apply"},
      {{"--format", "nft", "--ban-list", "f", "--threshold", "5"},
       "--ban-list replaces the dataset: --threshold does not apply"},
      {{"--bogus"}, "unrecognised option '--bogus'"},
      {{"extra"}, "too many positional options"},
  };
  for (const Case& c : cases) {
    auto [rc, err] = ParseError(c.args);
    EXPECT_EQ(2, rc) << c.args[0];
    EXPECT_NE(std::string::npos, err.find("mls-report: ")) << err;
    EXPECT_NE(std::string::npos, err.find(c.message)) << err;
    EXPECT_NE(std::string::npos, err.find("Try 'mls-report --help'.")) << err;
  }
}

TEST(ReportOptions, HelpAndVersionStopWithStatus0) {
  ReportCliOptions o;
  testing::internal::CaptureStdout();
  EXPECT_EQ(0, Parse({"--help"}, o));
  std::string help = testing::internal::GetCapturedStdout();
  for (const char* opt : {"--config", "--csv", "--window", "--since", "--until", "--now", "--top",
                          "--format", "--threshold", "--oplog"})
    EXPECT_NE(std::string::npos, help.find(opt)) << opt;
  testing::internal::CaptureStdout();
  EXPECT_EQ(0, Parse({"--version"}, o));
  EXPECT_NE(std::string::npos, testing::internal::GetCapturedStdout().find("mls-report"));
}

class ReportRun : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mls-report-cli.XXXXXX";
    ASSERT_NE(nullptr, ::mkdtemp(tmpl));
    dir_ = tmpl;
    out_path_ = dir_ + "/out";
    env_.clock = [] { return At("2026-11-25T15:00:00+01:00"); };
    env_.host = [] { return HostIdentity{"mx1.example.org", "127.0.0.1"}; };
    env_.schedule = [] { return std::optional<std::string>("OnCalendar=*:0/10"); };
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void WriteConfig(const std::string& report_section) {
    WriteAll(dir_ + "/c.conf", "[paths]\nworking_dir = " + dir_ + "\nstate_dir = " + dir_ +
                                   "\n[report]\n" + report_section);
  }

  // Runs mls-report with `args`; returns the exit status, sets out_ and err_.
  int Run(std::vector<std::string> args) {
    ReportCliOptions o;
    testing::internal::CaptureStderr();
    std::optional<int> rc = Parse(std::move(args), o);
    if (!rc) {
      int fd = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      env_.out_fd = fd;
      rc = RunReport(o, env_);
      ::close(fd);
    }
    err_ = testing::internal::GetCapturedStderr();
    out_ = ReadAll(out_path_);
    return *rc;
  }

  TzScope tz_{"Europe/Paris"};
  std::string dir_, out_path_, out_, err_;
  ReportEnv env_;
};

TEST_F(ReportRun, TheConfigGivesTheDatasetOpLogWindowAndTop) {
  WriteConfig("window = yesterday\ntop = 1\n");
  WriteAll(dir_ + "/maillogsentinel.csv", std::string(kCsvHeader) + "\n" +
                                              Row("2026-11-24T10:00:00+01:00", "127.0.0.1", "a") +
                                              Row("2026-11-24T11:00:00+01:00", "127.0.0.2", "b") +
                                              Row("2026-11-25T10:00:00+01:00", "127.0.0.3", "c"));
  RunStats stats;
  stats.outages = 3;
  WriteAll(
      dir_ + "/maillogsentinel.log",
      "2026-11-24T12:00:00+01:00 INFO maillogsentinel: committed: " + FormatSummary(stats) + "\n");
  ASSERT_EQ(0, Run({"--config", dir_ + "/c.conf", "--format", "json"})) << err_;
  EXPECT_EQ("", err_);
  EXPECT_NE(std::string::npos, out_.find("\"window\": {\"name\": \"yesterday\", \"since\": "
                                         "\"2026-11-24T00:00:00+01:00\""))
      << out_;
  EXPECT_NE(std::string::npos, out_.find("\n  \"total\": 2,\n"));
  EXPECT_NE(std::string::npos, out_.find("\n  \"outages\": 3,\n"));
  EXPECT_NE(std::string::npos,
            out_.find("\n  \"last_extraction\": \"2026-11-24T12:00:00+01:00\",\n"));
  EXPECT_NE(std::string::npos, out_.find("\"server\": {\"name\": \"mx1.example.org\", "
                                         "\"address\": \"127.0.0.1\"}"));
  EXPECT_NE(std::string::npos, out_.find("\"schedule\": \"OnCalendar=*:0/10\""));
  EXPECT_NE(std::string::npos, out_.find("\"generated\": \"2026-11-25T15:00:00+01:00\""));
  EXPECT_NE(std::string::npos, out_.find("\"version\": \"" MLS_VERSION "\""));
  EXPECT_NE(std::string::npos,
            out_.find("\"dataset\": {\"path\": \"" + dir_ + "/maillogsentinel.csv\""));
  // top = 1
  EXPECT_NE(std::string::npos,
            out_.find("\"top_users\": [\n    {\"user\": \"a\", \"count\": 1}\n  ]"))
      << out_;

  // Options win over the config.
  ASSERT_EQ(0, Run({"--config", dir_ + "/c.conf", "--format", "json", "--window", "today", "--top",
                    "5", "--oplog", dir_ + "/none.log"}));
  EXPECT_NE(std::string::npos, out_.find("\n  \"total\": 1,\n"));
  EXPECT_NE(std::string::npos, out_.find("\n  \"outages\": null,\n"));
  EXPECT_NE(std::string::npos, err_.find(dir_ + "/none.log: cannot read the op log")) << err_;
}

TEST_F(ReportRun, CsvAloneReadsNoConfig) {
  // No config file exists at the default path's place in this test; --csv alone
  // must not try to read one, and has no op log.
  std::string csv = dir_ + "/d.csv";
  WriteAll(csv,
           std::string(kCsvHeader) + "\n" + Row("2026-11-25T10:00:00+01:00", "127.0.0.1", "a"));
  ASSERT_EQ(0, Run({"--csv", csv, "--format", "json"})) << err_;
  EXPECT_NE(std::string::npos, out_.find("\"name\": \"today\""));
  EXPECT_NE(std::string::npos, out_.find("\n  \"outages\": null,\n"));
  EXPECT_NE(std::string::npos, out_.find("\n  \"last_extraction\": null,\n"));

  ReportCliOptions o;
  o.csv_path = csv;
  ReportSetup s = ResolveReportSetup(o, env_);
  EXPECT_FALSE(s.error);
  EXPECT_FALSE(s.config_read);
  EXPECT_EQ("", s.oplog_path);
  EXPECT_EQ(10u, s.build.top);
  EXPECT_EQ(0u, s.build.threshold);
  PreparedReport p = PrepareReport(s, env_);
  EXPECT_EQ("", p.data.oplog_path);
  EXPECT_FALSE(p.data.outages);

  WriteConfig("");
  o.config_path = dir_ + "/c.conf";
  s = ResolveReportSetup(o, env_);
  EXPECT_TRUE(s.config_read);
  EXPECT_EQ(csv, s.csv_path);  // --csv wins over the config's working_dir
  EXPECT_EQ(dir_ + "/maillogsentinel.log", s.oplog_path);
  EXPECT_EQ(dir_ + "/maillogsentinel.log", PrepareReport(s, env_).data.oplog_path);
}

TEST_F(ReportRun, RelativeSinceAndUntilAsJournalctlTakesThem) {
  // Resolved against --now (or the clock) once it is known, in local time.
  ReportCliOptions o;
  ASSERT_EQ(std::nullopt, Parse({"--csv", "/x.csv", "--since", "yesterday", "--until", "-30min",
                                 "--now", "2026-10-26T12:00:00+01:00"},
                                o));
  EXPECT_FALSE(o.since);
  EXPECT_EQ("yesterday", o.since_relative.value_or(""));
  ReportSetup s = ResolveReportSetup(o, env_);
  ASSERT_FALSE(s.error) << *s.error;
  EXPECT_EQ("custom", s.build.window.name);
  EXPECT_EQ(At("2026-10-25T00:00:00+02:00"), s.build.window.since);  // the 25-hour day
  EXPECT_EQ(At("2026-10-26T11:30:00+01:00"), s.build.window.until);

  const std::time_t now = At("2026-10-26T12:00:00+01:00");
  EXPECT_EQ(now, ParseRelativeTime("now", now));
  EXPECT_EQ(At("2026-10-26T00:00:00+01:00"), ParseRelativeTime("today", now));
  EXPECT_EQ(At("2026-10-27T00:00:00+01:00"), ParseRelativeTime("tomorrow", now));
  EXPECT_EQ(now - 7200, ParseRelativeTime("-2h", now));
  EXPECT_EQ(now - 1800, ParseRelativeTime("-30min", now));
  EXPECT_EQ(now - 86400 - 12 * 3600, ParseRelativeTime("-1d 12h", now));
  EXPECT_EQ(now + 90, ParseRelativeTime("+90s", now));
  for (const char* bad : {"", "-", "2h", "-2 parsecs", "Yesterday", "-0h", "last week"})
    EXPECT_EQ(std::nullopt, ParseRelativeTime(bad, now)) << bad;

  // "--since -2h --until -3h": an empty window is an error, as with ISO times.
  ReportCliOptions e;
  ASSERT_EQ(
      std::nullopt,
      Parse({"--csv", "/x.csv", "--since", "-2h", "--until", "-3h", "--now", "@1764000000"}, e));
  s = ResolveReportSetup(e, env_);
  ASSERT_TRUE(s.error);
  EXPECT_EQ("--since must be before --until (now, when --until is not given)", *s.error);
}

TEST_F(ReportRun, SendBeforeOneInTheMorningReportsYesterday) {
  ReportCliOptions o;
  ASSERT_EQ(std::nullopt, Parse({"--csv", "/x.csv"}, o));
  o.send.send = true;
  o.now = At("2026-11-26T00:05:00+01:00");  // cron at midnight
  ReportSetup s = ResolveReportSetup(o, env_);
  EXPECT_EQ("yesterday", s.build.window.name);
  EXPECT_EQ(At("2026-11-25T00:00:00+01:00"), s.build.window.since);
  EXPECT_EQ(At("2026-11-26T00:00:00+01:00"), s.build.window.until);
  o.now = At("2026-11-26T01:00:00+01:00");  // from 01:00 on, today
  EXPECT_EQ("today", ResolveReportSetup(o, env_).build.window.name);
  o.now = At("2026-11-26T00:05:00+01:00");
  o.window = "today";  // asked for: as asked
  EXPECT_EQ("today", ResolveReportSetup(o, env_).build.window.name);
  o.window.reset();
  o.send.send = false;  // printed reports: today
  EXPECT_EQ("today", ResolveReportSetup(o, env_).build.window.name);
}

TEST_F(ReportRun, NowSinceAndUntil) {
  ReportCliOptions o;
  o.csv_path.emplace("/x.csv");
  o.now = At("2026-10-25T12:00:00+01:00");
  ReportSetup s = ResolveReportSetup(o, env_);
  EXPECT_EQ(At("2026-10-25T00:00:00+02:00"), s.build.window.since);
  EXPECT_EQ(*o.now, s.build.window.until);
  EXPECT_EQ(*o.now, s.now);

  o.since = At("2026-10-20T00:00:00+02:00");
  s = ResolveReportSetup(o, env_);
  EXPECT_EQ("custom", s.build.window.name);
  EXPECT_EQ(*o.since, s.build.window.since);
  EXPECT_EQ(*o.now, s.build.window.until);  // --until defaults to now

  o.since = At("2026-10-26T00:00:00+01:00");  // after now
  s = ResolveReportSetup(o, env_);
  ASSERT_TRUE(s.error);
  EXPECT_TRUE(s.usage_error);
  testing::internal::CaptureStderr();
  EXPECT_EQ(2, RunReport(o, env_));
  EXPECT_NE(std::string::npos,
            testing::internal::GetCapturedStderr().find("--since must be before --until"));

  // Without --now, the clock.
  ReportCliOptions c;
  c.csv_path.emplace("/x.csv");
  s = ResolveReportSetup(c, env_);
  EXPECT_EQ(At("2026-11-25T15:00:00+01:00"), s.now);
}

TEST_F(ReportRun, BadConfigIsStatus2) {
  WriteAll(dir_ + "/c.conf", "[report]\nwindow = fortnight\n");
  EXPECT_EQ(2, Run({"--config", dir_ + "/c.conf"}));
  EXPECT_NE(std::string::npos, err_.find(dir_ + "/c.conf:2:")) << err_;
  EXPECT_EQ("", out_);
  EXPECT_EQ(2, Run({"--config", dir_ + "/missing.conf"}));
  EXPECT_NE(std::string::npos, err_.find("missing.conf")) << err_;
}

TEST_F(ReportRun, SkippedRowsStillGiveTheReportAndStatus1) {
  std::string csv = dir_ + "/d.csv";
  WriteAll(csv, std::string(kCsvHeader) + "\n" +
                    Row("2026-11-25T10:00:00+01:00", "127.0.0.1", "a") + "broken;row\n" +
                    Row("2026-11-25T11:00:00+01:00", "127.0.0.1", "a"));
  EXPECT_EQ(1, Run({"--csv", csv, "--format", "json"}));
  EXPECT_NE(std::string::npos, out_.find("\n  \"total\": 2,\n"));
  EXPECT_NE(std::string::npos, out_.find("\"skipped_rows\": 1"));
  EXPECT_NE(std::string::npos,
            err_.find("mls-report: " + csv + ": line 3: expected 14 fields, got 2; row skipped"))
      << err_;
  EXPECT_NE(std::string::npos, err_.find(csv + ": 1 unreadable row left out of the report"));
}

TEST_F(ReportRun, ForeignOrUnreadableDatasetIsStatus1AndPrintsNothing) {
  std::string csv = dir_ + "/d.csv";
  WriteAll(csv, "Date,Time,Amount\n2026-11-25,10:00,5\n");
  EXPECT_EQ(1, Run({"--csv", csv}));
  EXPECT_EQ("", out_);
  EXPECT_EQ("mls-report: " + csv + ": line 1: not a maillogsentinel dataset (unexpected header)\n",
            err_);
  EXPECT_EQ(2, Run({"--csv", dir_}));  // not a regular file: a usage error
  EXPECT_EQ("", out_);
  EXPECT_NE(std::string::npos, err_.find("not a regular file"));
}

TEST_F(ReportRun, MissingDatasetIsReportedAsMissingWithStatus1) {
  EXPECT_EQ(1, Run({"--csv", dir_ + "/none.csv", "--format", "json"}));
  EXPECT_NE(std::string::npos, out_.find("\n  \"total\": null,\n")) << out_;
  EXPECT_NE(std::string::npos, out_.find("\"error\": \"missing (No such file or directory)\""))
      << out_;
  EXPECT_EQ("mls-report: " + dir_ +
                "/none.csv: the dataset is missing (No such file or directory); the report "
                "cannot count the failures\n",
            err_);
  EXPECT_EQ(1, Run({"--csv", dir_ + "/none.csv"}));
  EXPECT_EQ(std::string::npos, out_.find("No failed SMTP")) << out_;
  EXPECT_NE(std::string::npos, out_.find("Failed logins  unknown")) << out_;
  EXPECT_NE(std::string::npos,
            out_.find("No figures: the dataset is missing (No such file or directory).\n"))
      << out_;
}

TEST_F(ReportRun, EveryFormat) {
  std::string csv = dir_ + "/d.csv";
  std::string rows;
  for (int i = 0; i < 3; ++i) rows += Row("2026-11-25T10:00:00+01:00", "192.0.2.1", "a");
  rows += Row("2026-11-25T10:00:00+01:00", "2001:db8::1", "b");
  // The loopback is never in a ban list (nor this host's addresses).
  for (int i = 0; i < 4; ++i) rows += Row("2026-11-25T10:00:00+01:00", "127.0.0.1", "c");
  rows += Row("2026-11-25T10:00:00+01:00", "::1", "c");
  WriteAll(csv, std::string(kCsvHeader) + "\n" + rows);
  ASSERT_EQ(0, Run({"--csv", csv, "--format", "ips"}));
  EXPECT_EQ("192.0.2.1\n2001:db8::1\n", out_);
  ASSERT_EQ(0, Run({"--csv", csv, "--format", "ips", "--threshold", "2"}));
  EXPECT_EQ("192.0.2.1\n", out_);
  ASSERT_EQ(0, Run({"--csv", csv, "--format", "json", "--threshold", "2"}));
  EXPECT_NE(std::string::npos, out_.find("\"threshold_ips\": {\"threshold\": 2"));
  ASSERT_EQ(0, Run({"--csv", csv, "--format", "nft", "--threshold", "2"}));
  EXPECT_NE(std::string::npos,
            out_.find("add element inet maillogsentinel ban4 { 192.0.2.1 timeout"))
      << out_;
  EXPECT_EQ(std::string::npos, out_.find("127.0.0.1")) << out_;
  ASSERT_EQ(0, Run({"--csv", csv}));
  EXPECT_NE(std::string::npos, out_.find("mx1.example.org")) << out_;
  ASSERT_EQ(0, Run({"--csv", csv, "--format", "html"}));
  EXPECT_NE(std::string::npos, out_.find("<html")) << out_.substr(0, 200);
}

TEST_F(ReportRun, ABanListAfterAnExtractionThatStoredNothingIsEmptyNotAnError) {
  const std::string csv = dir_ + "/none.csv", oplog = dir_ + "/op.log";
  // No extraction on record: the dataset is missing, an error for every format.
  WriteAll(oplog, "2026-11-25T09:00:00+01:00 INFO maillogsentinel: extraction started\n");
  EXPECT_EQ(
      1, Run({"--csv", csv, "--oplog", oplog, "--format", "ips", "--now", "2026-11-25T12:00:00"}));
  EXPECT_NE(std::string::npos, err_.find("the dataset is missing")) << err_;
  // A committed run that stored nothing: no failures yet, nothing to ban.
  WriteAll(oplog,
           "2026-11-25T09:00:00+01:00 INFO maillogsentinel: committed: 0 new lines read, 0 "
           "events stored\n");
  for (const char* format : {"ips", "nft"}) {
    EXPECT_EQ(0, Run({"--csv", csv, "--oplog", oplog, "--format", format, "--now",
                      "2026-11-25T12:00:00"}))
        << format;
    EXPECT_EQ("", err_);
    EXPECT_EQ(std::string::npos, out_.find("add element")) << out_;
  }
  // The report itself still says the dataset is missing.
  EXPECT_EQ(1, Run({"--csv", csv, "--oplog", oplog, "--now", "2026-11-25T12:00:00"}));
  EXPECT_NE(std::string::npos, err_.find("the dataset is missing")) << err_;
}

TEST_F(ReportRun, BanListBansItsAddressesOrNothing) {
  const std::string list = dir_ + "/ban.ips";
  WriteAll(list, "203.0.113.5\n2001:db8::5\n127.0.0.1\n198.51.100.7\n");
  // No dataset, no config: the list alone, the allowlist and the loopback left out.
  ASSERT_EQ(0, Run({"--format", "nft", "--ban-list", list, "--allow", "198.51.100.0/24",
                    "--ban-time", "2h"}));
  EXPECT_EQ("", err_);
  EXPECT_NE(std::string::npos,
            out_.find("add element inet maillogsentinel ban4 { 203.0.113.5 timeout 7200s }\n"))
      << out_;
  EXPECT_NE(std::string::npos,
            out_.find("add element inet maillogsentinel ban6 { 2001:db8::5 timeout 7200s }\n"));
  EXPECT_EQ(std::string::npos, out_.find("127.0.0.1"));
  EXPECT_EQ(std::string::npos, out_.find("198.51.100.7"));
  // [firewall] of a config named by --config.
  const std::string conf = dir_ + "/c.conf";
  WriteAll(conf, "[firewall]\nallowlist = 203.0.113.0/24\nban_time = 10min\n");
  ASSERT_EQ(0, Run({"--format", "nft", "--ban-list", list, "--config", conf}));
  EXPECT_EQ(std::string::npos, out_.find("203.0.113.5")) << out_;
  EXPECT_NE(std::string::npos, out_.find("{ 2001:db8::5 timeout 600s }")) << out_;
  // One bad line: nothing at all.
  WriteAll(list, "203.0.113.5\n203.0.113.6 timeout 1s }\n");
  EXPECT_EQ(1, Run({"--format", "nft", "--ban-list", list}));
  EXPECT_EQ("", out_);
  EXPECT_EQ("mls-report: " + list +
                ": line 2: '203.0.113.6 timeout 1s }' is not an address; nothing banned\n",
            err_);
  EXPECT_EQ(1, Run({"--format", "nft", "--ban-list", dir_ + "/none"}));
  EXPECT_EQ("", out_);
  EXPECT_EQ("mls-report: " + dir_ + "/none: No such file or directory\n", err_);
}

TEST_F(ReportRun, AWriteErrorIsStatus1) {
  std::string csv = dir_ + "/d.csv";
  WriteAll(csv, std::string(kCsvHeader) + "\n");
  ReportCliOptions o;
  o.csv_path = csv;
  int fd = ::open(csv.c_str(), O_RDONLY);
  env_.out_fd = fd;
  testing::internal::CaptureStderr();
  EXPECT_EQ(1, RunReport(o, env_));
  ::close(fd);
  EXPECT_NE(std::string::npos,
            testing::internal::GetCapturedStderr().find("standard output: write: Bad file"));
}

TEST_F(ReportRun, WindowsOutOfRangeAndDatasetsThatAreNotFilesAreStatus2) {
  std::string csv = dir_ + "/d.csv";
  WriteAll(csv,
           std::string(kCsvHeader) + "\n" + Row("2026-11-25T10:00:00+01:00", "127.0.0.1", "a"));
  EXPECT_EQ(2, Run({"--csv", csv, "--since", "@-9999999999999", "--until", "2026-11-26"}));
  EXPECT_EQ("", out_);
  EXPECT_NE(std::string::npos, err_.find("the window starts before 1970-01-01T00:00Z")) << err_;
  EXPECT_EQ(2, Run({"--csv", csv, "--since", "2026-01-01", "--until", "2126-02-01"}));
  EXPECT_NE(std::string::npos, err_.find("the window is longer than 100 years")) << err_;
  EXPECT_EQ(2, Run({"--csv", csv, "--window", "7d", "--now", "1970-01-02T00:00:00Z"}));
  EXPECT_EQ(
      0, Run({"--csv", csv, "--since", "2026-01-01", "--until", "2126-01-01", "--format", "json"}))
      << err_;

  EXPECT_EQ(2, Run({"--csv", dir_}));
  EXPECT_EQ("mls-report: " + dir_ + ": not a regular file (the dataset must be a regular file)\n",
            err_);
  EXPECT_EQ(2, Run({"--csv", "-"}));
  EXPECT_NE(std::string::npos, err_.find("--csv -: standard input cannot be read")) << err_;
  ASSERT_EQ(0, ::mkfifo((dir_ + "/fifo").c_str(), 0600));
  EXPECT_EQ(2, Run({"--csv", dir_ + "/fifo"}));
  EXPECT_NE(std::string::npos, err_.find("/fifo: not a regular file")) << err_;
  EXPECT_EQ("", out_);
}

TEST_F(ReportRun, SinceWithoutAnOffsetInADstChange) {
  ReportCliOptions o;
  ASSERT_FALSE(Parse({"--since", "2026-03-29T02:30", "--until", "2026-10-25T02:30"}, o));
  EXPECT_EQ(At("2026-03-29T03:30:00+02:00"), o.since);
  EXPECT_EQ(At("2026-10-25T02:30:00+02:00"), o.until);
}

}  // namespace
}  // namespace mls
