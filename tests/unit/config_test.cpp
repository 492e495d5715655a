#include "config.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace mls {
namespace {

std::string ErrorOf(const std::string& text) {
  ConfigResult r = ParseConfig(text, "/etc/x.conf");
  return r.error.value_or("(no error)");
}

TEST(Config, EmptyTextGivesDefaults) {
  ConfigResult r = ParseConfig("", "x.conf");
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_TRUE(r.warnings.empty());
  const Config& c = r.config;
  EXPECT_EQ("/var/lib/maillogsentinel", c.working_dir);
  EXPECT_EQ("/var/lib/maillogsentinel/state", c.state_dir);
  EXPECT_EQ("/var/log/mail.log", c.mail_log);
  EXPECT_EQ("", c.rotated_dir);
  EXPECT_EQ("INFO", c.log_level);
  EXPECT_EQ(0, c.retention_days);  // keep everything
  EXPECT_TRUE(c.retention_archive);
  EXPECT_EQ("", c.report_email);
  EXPECT_EQ("", c.report_sender);
  EXPECT_EQ("[maillogsentinel]", c.report_subject_prefix);
  EXPECT_EQ("today", c.report_window);
  EXPECT_EQ(10, c.report_top);
  EXPECT_EQ("/usr/sbin/sendmail", c.report_sendmail);
  EXPECT_TRUE(c.dns_cache_enabled);
  EXPECT_EQ(10000, c.dns_cache_size);
  EXPECT_EQ(86400, c.dns_cache_ttl_seconds);
  EXPECT_TRUE(c.dns_enabled);
  EXPECT_TRUE(c.dns_servers.empty());
  EXPECT_EQ(2000, c.dns_timeout_ms);
  EXPECT_EQ(256, c.dns_concurrency);
  EXPECT_EQ("", c.country_db_path);
  EXPECT_EQ("", c.asn_db_path);
  EXPECT_EQ("", c.sql_export_dir);
  EXPECT_EQ("sqlite", c.db_type);
  EXPECT_EQ(0, c.db_port);
  EXPECT_EQ("maillogsentinel_events", c.db_table);
  EXPECT_EQ("/var/lib/maillogsentinel/maillogsentinel.csv", c.CsvPath());
  EXPECT_EQ("/var/lib/maillogsentinel/maillogsentinel.log", c.LogPath());
  EXPECT_EQ("/var/lib/maillogsentinel/state/state.offset", c.StatePath());
}

TEST(Config, ParsesEveryKey) {
  const char* text =
      "# full example\n"
      "; semicolon comment\n"
      "\n"
      "[paths]\n"
      "working_dir = /srv/mls\n"
      "state_dir=/srv/mls/state\n"
      "  mail_log   =   /var/log/maillog  \n"
      "rotated_dir = /var/log/old\n"
      "[general]\n"
      "log_level = debug\n"
      "[report]\n"
      "email = ops@example.com\n"
      "sender = mls@mx1.example.com\n"
      "subject_prefix = [mx1]\n"
      "window = 7D\n"
      "top = 25\n"
      "sendmail = /usr/local/sbin/sendmail\n"
      "[dns_cache]\n"
      "enabled = no\n"
      "size = 500\n"
      "ttl_seconds = 3600\n"
      "[dns]\n"
      "enabled = off\n"
      "servers = 127.0.0.1:5353, ::1 [2001:db8::53]:53 192.0.2.1\n"
      "timeout_ms = 150\n"
      "concurrency = 32\n"
      "[ipinfo]\n"
      "country_db_path = /var/lib/mls/country.mmdb\n"
      "asn_db_path = /var/lib/mls/asn.mmdb\n"
      "db_update_url_country = https://example.com/c.mmdb.gz\n"
      "db_update_url_asn = https://example.com/a.tar.gz\n"
      "[database]\n"
      "sql_export_dir = /var/lib/mls/sql\n"
      "db_type = PostgreSQL\n"
      "db_host = 127.0.0.1\n"
      "db_name = mls\n"
      "db_user = mls\n"
      "db_password = s3cr#t;=x\n"
      "db_port = 5432\n"
      "table = auth_failures\n";
  ConfigResult r = ParseConfig(text, "x.conf");
  ASSERT_FALSE(r.error) << *r.error;
  const Config& c = r.config;
  EXPECT_EQ("/srv/mls", c.working_dir);
  EXPECT_EQ("/srv/mls/state", c.state_dir);
  EXPECT_EQ("/var/log/maillog", c.mail_log);
  EXPECT_EQ("/var/log/old", c.rotated_dir);
  EXPECT_EQ("DEBUG", c.log_level);
  EXPECT_EQ("ops@example.com", c.report_email);
  EXPECT_EQ("mls@mx1.example.com", c.report_sender);
  EXPECT_EQ("[mx1]", c.report_subject_prefix);
  EXPECT_EQ("7d", c.report_window);
  EXPECT_EQ(25, c.report_top);
  EXPECT_EQ("/usr/local/sbin/sendmail", c.report_sendmail);
  EXPECT_FALSE(c.dns_cache_enabled);
  EXPECT_EQ(500, c.dns_cache_size);
  EXPECT_EQ(3600, c.dns_cache_ttl_seconds);
  EXPECT_FALSE(c.dns_enabled);
  EXPECT_EQ((std::vector<std::string>{"127.0.0.1:5353", "::1", "[2001:db8::53]:53", "192.0.2.1"}),
            c.dns_servers);
  EXPECT_EQ(150, c.dns_timeout_ms);
  EXPECT_EQ(32, c.dns_concurrency);
  EXPECT_EQ("/var/lib/mls/country.mmdb", c.country_db_path);
  EXPECT_EQ("/var/lib/mls/asn.mmdb", c.asn_db_path);
  EXPECT_EQ("https://example.com/c.mmdb.gz", c.db_update_url_country);
  EXPECT_EQ("https://example.com/a.tar.gz", c.db_update_url_asn);
  EXPECT_EQ("/var/lib/mls/sql", c.sql_export_dir);
  EXPECT_EQ("postgresql", c.db_type);
  EXPECT_EQ("127.0.0.1", c.db_host);
  EXPECT_EQ("mls", c.db_name);
  EXPECT_EQ("mls", c.db_user);
  EXPECT_EQ("s3cr#t;=x", c.db_password);  // '#' and ';' inside a value are data
  EXPECT_EQ(5432, c.db_port);
  EXPECT_EQ("auth_failures", c.db_table);
  EXPECT_EQ("/srv/mls/maillogsentinel.csv", c.CsvPath());
}

TEST(Config, RetentionKeys) {
  ConfigResult r = ParseConfig("[general]\nretention_days = 400\nretention_archive = no\n", "x");
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(400, r.config.retention_days);
  EXPECT_FALSE(r.config.retention_archive);
  EXPECT_EQ("/var/lib/maillogsentinel/archive", r.config.ArchiveDir());
}

TEST(Config, MetricsFile) {
  EXPECT_EQ("", ParseConfig("", "x").config.metrics_file);  // none by default
  ConfigResult r = ParseConfig("[general]\nmetrics_file = /var/lib/node/mls.prom\n", "x");
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ("/var/lib/node/mls.prom", r.config.metrics_file);
  ConfigResult relative = ParseConfig("[general]\nmetrics_file = mls.prom\n", "/etc/x.conf");
  ASSERT_TRUE(relative.error);
  EXPECT_EQ(
      "/etc/x.conf:2: bad value 'mls.prom' for metrics_file in [general]: expected an absolute "
      "path (the runs start in /)",
      *relative.error);
}

TEST(Config, AcceptsEveryBooleanSpelling) {
  for (const char* t : {"true", "yes", "on", "1", "TRUE", "Yes"}) {
    ConfigResult r = ParseConfig(std::string("[dns]\nenabled = ") + t + "\n", "x");
    ASSERT_FALSE(r.error) << t;
    EXPECT_TRUE(r.config.dns_enabled) << t;
  }
  for (const char* f : {"false", "no", "off", "0", "False", "OFF"}) {
    ConfigResult r = ParseConfig(std::string("[dns_cache]\nenabled = ") + f + "\n", "x");
    ASSERT_FALSE(r.error) << f;
    EXPECT_FALSE(r.config.dns_cache_enabled) << f;
  }
}

TEST(Config, AcceptsCrlfBomAndUpperCaseKeys) {
  ConfigResult r = ParseConfig("\xEF\xBB\xBF[paths]\r\nWorking_Dir = /w\r\n\r\n", "x");
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ("/w", r.config.working_dir);
}

TEST(Config, ValuesKeepHashAndControlBytes) {
  ConfigResult r = ParseConfig("[database]\ndb_password = #a\x01H\x01\x01b#\n", "x");
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ("#a\x01H\x01\x01b#", r.config.db_password);
}

TEST(Config, EmptyValuesWhereAllowed) {
  ConfigResult r =
      ParseConfig("[report]\nemail =\n[dns]\nservers =\n[database]\ndb_port = 0\n", "x");
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ("", r.config.report_email);
  EXPECT_TRUE(r.config.dns_servers.empty());
  EXPECT_EQ(0, r.config.db_port);
}

TEST(Config, UnknownKeyGetsADidYouMeanHint) {
  EXPECT_EQ("/etc/x.conf:2: unknown key 'mail_logs' in [paths]; did you mean 'mail_log'?",
            ErrorOf("[paths]\nmail_logs = /var/log/mail.log\n"));
  EXPECT_EQ("/etc/x.conf:2: unknown key 'tpo' in [report]; did you mean 'top'?",
            ErrorOf("[report]\ntpo = 5\n"));
  EXPECT_EQ("/etc/x.conf:2: unknown key 'timout_ms' in [dns]; did you mean 'timeout_ms'?",
            ErrorOf("[dns]\ntimout_ms = 5\n"));
  // A key of another section.
  EXPECT_EQ("/etc/x.conf:2: unknown key 'email' in [paths]; 'email' belongs in [report]",
            ErrorOf("[paths]\nemail = a@b\n"));
  EXPECT_EQ(
      "/etc/x.conf:2: unknown key 'ttl_seconds' in [dns]; 'ttl_seconds' belongs in [dns_cache]",
      ErrorOf("[dns]\nttl_seconds = 5\n"));
  // Nothing close: no hint.
  EXPECT_EQ("/etc/x.conf:2: unknown key 'threshold' in [report]",
            ErrorOf("[report]\nthreshold = 5\n"));
}

TEST(Config, UnknownKeyHintDistance) {
  EXPECT_EQ("; did you mean 'state_dir'?", UnknownKeyHint("paths", "statedir"));
  EXPECT_EQ("; did you mean 'window'?", UnknownKeyHint("report", "windwo"));  // 2 edits
  EXPECT_EQ("", UnknownKeyHint("report", "wnidwoo"));                         // 3 edits
  EXPECT_EQ("", UnknownKeyHint("general", "verbosity"));
}

TEST(Config, KeepsTheLineOfEveryKey) {
  ConfigResult r = ParseConfig("# c\n[paths]\n\nmail_log = /x\n[general]\nlog_level = INFO\n", "x");
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ(4, r.key_lines["paths.mail_log"]);
  EXPECT_EQ(6, r.key_lines["general.log_level"]);
  EXPECT_EQ(0u, r.key_lines.count("paths.state_dir"));
}

TEST(Config, StructuralErrorsNameFileAndLine) {
  EXPECT_EQ("/etc/x.conf:3: unknown key 'treshold' in [report]",
            ErrorOf("[report]\nemail = a@b\ntreshold = 5\n"));
  EXPECT_EQ("/etc/x.conf:2: unknown section [smtp]", ErrorOf("# c\n[smtp]\nhost = x\n"));
  EXPECT_EQ("/etc/x.conf:1: key 'email' outside of any section", ErrorOf("email = a@b\n"));
  EXPECT_EQ("/etc/x.conf:4: duplicate key 'email' in [report] (first on line 2)",
            ErrorOf("[report]\nemail = a@b\n\nEMAIL = c@d\n"));
  EXPECT_EQ("/etc/x.conf:3: duplicate section [paths] (first on line 1)",
            ErrorOf("[paths]\nmail_log = /l\n[paths]\n"));
  EXPECT_EQ("/etc/x.conf:2: syntax error: expected '[section]', 'key = value' or a comment",
            ErrorOf("[paths]\njust some words\n"));
  EXPECT_EQ("/etc/x.conf:1: syntax error: expected '[section]', 'key = value' or a comment",
            ErrorOf("[paths\n"));
  EXPECT_EQ("/etc/x.conf:2: syntax error: expected '[section]', 'key = value' or a comment",
            ErrorOf("[paths]\n= /x\n"));
  EXPECT_EQ("/etc/x.conf:1: unknown section []", ErrorOf("[]\n"));
}

TEST(Config, BadValuesNameFileLineAndKey) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"[dns]\ntimeout_ms = 2s\n",
       "/etc/x.conf:2: bad value '2s' for timeout_ms in [dns]: expected a positive integer"},
      {"[dns]\nconcurrency = 0\n",
       "/etc/x.conf:2: bad value '0' for concurrency in [dns]: expected a positive integer"},
      {"[dns_cache]\nsize = -5\n",
       "/etc/x.conf:2: bad value '-5' for size in [dns_cache]: expected a positive integer"},
      {"[dns_cache]\nttl_seconds = 99999999999\n",
       "/etc/x.conf:2: bad value '99999999999' for ttl_seconds in [dns_cache]: expected a "
       "positive integer"},
      {"[report]\ntop =\n",
       "/etc/x.conf:2: bad value '' for top in [report]: expected a positive integer"},
      {"[dns_cache]\nenabled = maybe\n",
       "/etc/x.conf:2: bad value 'maybe' for enabled in [dns_cache]: expected true/false, "
       "yes/no, on/off or 1/0"},
      {"[general]\nlog_level = verbose\n",
       "/etc/x.conf:2: bad value 'verbose' for log_level in [general]: expected DEBUG, INFO, "
       "WARNING, ERROR or CRITICAL"},
      {"[general]\nretention_days = 0\n",
       "/etc/x.conf:2: bad value '0' for retention_days in [general]: expected a whole number of "
       "days from 1 to 1000000 (absent: keep every row)"},
      {"[general]\nretention_days = 30d\n",
       "/etc/x.conf:2: bad value '30d' for retention_days in [general]: expected a whole number "
       "of days from 1 to 1000000 (absent: keep every row)"},
      {"[general]\nretention_archive = gzip\n",
       "/etc/x.conf:2: bad value 'gzip' for retention_archive in [general]: expected true/false, "
       "yes/no, on/off or 1/0"},
      {"[database]\ndb_type = oracle\n",
       "/etc/x.conf:2: bad value 'oracle' for db_type in [database]: expected postgresql, mysql "
       "or sqlite"},
      {"[database]\ndb_port = 70000\n",
       "/etc/x.conf:2: bad value '70000' for db_port in [database]: expected a port number from "
       "0 to 65535 (0 = backend default)"},
      {"[database]\ntable = x; DROP TABLE y\n",
       "/etc/x.conf:2: bad value 'x; DROP TABLE y' for table in [database]: expected an SQL "
       "identifier (letters, digits and _, not starting with a digit, at most 55 characters)"},
      {"[report]\nwindow = month\n",
       "/etc/x.conf:2: bad value 'month' for window in [report]: expected today, yesterday or a "
       "time span (24h, 7d, 10m, 36h)"},
      {"[report]\nsendmail =\n",
       "/etc/x.conf:2: bad value '' for sendmail in [report]: expected a non-empty value"},
      {"\n[paths]\nworking_dir =\n",
       "/etc/x.conf:3: bad value '' for working_dir in [paths]: expected a non-empty value"},
  };
  for (const Case& c : cases) EXPECT_EQ(c.error, ErrorOf(c.text)) << c.text;
}

TEST(Config, DnsServerListIsValidated) {
  for (const char* ok : {"127.0.0.1", "127.0.0.1:53", "::1", "[::1]:5353", "[fe80::1]",
                         "1.1.1.1,8.8.8.8", " 1.1.1.1 ,  [::1]:53 "}) {
    ConfigResult r = ParseConfig(std::string("[dns]\nservers = ") + ok + "\n", "x");
    EXPECT_FALSE(r.error) << ok << ": " << r.error.value_or("");
  }
  const std::string prefix = "/etc/x.conf:2: bad value '";
  const std::string suffix =
      "' is not IPv4[:PORT], IPv6 or [IPv6]:PORT (comma- or space-separated)";
  EXPECT_EQ(prefix + "1.1.1.1 dns.example' for servers in [dns]: 'dns.example" + suffix,
            ErrorOf("[dns]\nservers = 1.1.1.1 dns.example\n"));
  EXPECT_EQ(prefix + "127.0.0.1:0' for servers in [dns]: '127.0.0.1:0" + suffix,
            ErrorOf("[dns]\nservers = 127.0.0.1:0\n"));
  EXPECT_EQ(prefix + "[::1]:99999' for servers in [dns]: '[::1]:99999" + suffix,
            ErrorOf("[dns]\nservers = [::1]:99999\n"));
  EXPECT_EQ(prefix + "[::1' for servers in [dns]: '[::1" + suffix,
            ErrorOf("[dns]\nservers = [::1\n"));
  EXPECT_EQ(prefix + "[1.2.3.4]:53' for servers in [dns]: '[1.2.3.4]:53" + suffix,
            ErrorOf("[dns]\nservers = [1.2.3.4]:53\n"));
  EXPECT_EQ(prefix + "300.1.1.1' for servers in [dns]: '300.1.1.1" + suffix,
            ErrorOf("[dns]\nservers = 300.1.1.1\n"));
}

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mls-config-test.XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(tmpl));
    dir_ = tmpl;
    path_ = dir_ + "/maillogsentinel.conf";
  }
  void TearDown() override {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  void Write(const std::string& text, mode_t mode) {
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(static_cast<ssize_t>(text.size()), ::write(fd, text.data(), text.size()));
    ASSERT_EQ(0, ::fchmod(fd, mode));
    ::close(fd);
  }
  std::string dir_, path_;
};

TEST_F(ConfigFile, MissingFileIsAnError) {
  ConfigResult r = LoadConfig(path_);
  EXPECT_EQ(path_ + ": No such file or directory", r.error.value_or(""));
}

TEST_F(ConfigFile, DirectoriesAndHugeFilesAreRejected) {
  EXPECT_EQ(dir_ + ": Is a directory", LoadConfig(dir_).error.value_or(""));
  EXPECT_EQ("/dev/zero: larger than 1 MiB, not a configuration file",
            LoadConfig("/dev/zero").error.value_or(""));
}

TEST_F(ConfigFile, ErrorsNameThePath) {
  Write("[report]\ntreshold = 1\n", 0600);
  EXPECT_EQ(path_ + ":2: unknown key 'treshold' in [report]", LoadConfig(path_).error.value_or(""));
}

TEST_F(ConfigFile, WarnsWhenPasswordIsReadableByOthers) {
  Write("[database]\ndb_password = hunter2\n", 0644);
  ConfigResult r = LoadConfig(path_);
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_EQ("hunter2", r.config.db_password);
  ASSERT_EQ(1u, r.warnings.size());
  EXPECT_EQ(path_ +
                ": holds db_password but is readable by others (mode 0644); restrict it, "
                "e.g. chmod 600",
            r.warnings[0]);

  Write("[database]\ndb_password = hunter2\n", 0604);
  EXPECT_EQ(1u, LoadConfig(path_).warnings.size());
  // root:SERVICE-GROUP 0640, the service user reading it through its group: fine.
  Write("[database]\ndb_password = hunter2\n", 0640);
  EXPECT_EQ(0u, LoadConfig(path_).warnings.size());
}

TEST_F(ConfigFile, NoWarningWhenPrivateOrWithoutPassword) {
  Write("[database]\ndb_password = hunter2\n", 0600);
  EXPECT_TRUE(LoadConfig(path_).warnings.empty());
  Write("[database]\ndb_password =\n", 0644);
  EXPECT_TRUE(LoadConfig(path_).warnings.empty());
  Write("[paths]\nworking_dir = /w\n", 0644);
  ConfigResult r = LoadConfig(path_);
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ("/w", r.config.working_dir);
}

}  // namespace
}  // namespace mls

namespace mls {
namespace {

TEST(ConfigEntries, ReadFormatAndReadBackAgree) {
  const std::string text =
      "# a comment\n[setup]\nuser = mls\n[report]\nEmail = a@b.example\n"
      "smtp_password = p#w;x\n[paths]\nmail_log = /var/log/mail.log\n"
      "[database]\ntable = t1\ndb_type = mysql\n";
  std::vector<ConfigEntry> entries;
  ASSERT_FALSE(ReadConfigEntries(text, "t", entries));
  ASSERT_EQ(entries.size(), 6u);
  EXPECT_EQ(entries[1], (ConfigEntry{"report", "email", "a@b.example"}));  // keys lower-cased
  EXPECT_EQ(entries[2].value, "p#w;x");
  const std::string out = FormatConfig(entries, "# header\n");
  // Sections in the manual's order ([paths] before [report] before [setup]).
  EXPECT_EQ(out,
            "# header\n\n[paths]\nmail_log = /var/log/mail.log\n\n[report]\nemail = a@b.example\n"
            "smtp_password = p#w;x\n\n[database]\ntable = t1\ndb_type = mysql\n\n[setup]\n"
            "user = mls\n");
  std::vector<ConfigEntry> back;
  ASSERT_FALSE(ReadConfigEntries(out, "out", back));
  EXPECT_EQ(ParseConfig(out, "out").config.smtp_password, "p#w;x");
  EXPECT_EQ(back.size(), entries.size());
}

TEST(ConfigEntries, AnInvalidTextGivesParseConfigsError) {
  std::vector<ConfigEntry> entries;
  auto err = ReadConfigEntries("[report]\ntop = lots\n", "t", entries);
  ASSERT_TRUE(err);
  EXPECT_EQ(*err, "t:2: bad value 'lots' for top in [report]: expected a positive integer");
}

TEST(ConfigEntries, CheckConfigValueAppliesTheKeysRules) {
  EXPECT_FALSE(CheckConfigValue("report", "top", "5"));
  EXPECT_EQ(CheckConfigValue("report", "top", "0"), "expected a positive integer");
  EXPECT_EQ(CheckConfigValue("report", "nope", "0"), "unknown key 'nope' in [report]");
  EXPECT_TRUE(CheckConfigValue("database", "table", "x; drop"));
  EXPECT_TRUE(CheckConfigValue("report", "email", " a@b.example"));  // not as a file would hold it
  EXPECT_FALSE(CheckConfigValue("dns", "servers", "127.0.0.1, [::1]:53"));
}

}  // namespace
}  // namespace mls

namespace mls {
namespace {

TEST(Config, TheJournalAsSource) {
  ConfigResult r = ParseConfig(
      "[paths]\nsource = Journal\njournal_dir = /srv/j\n"
      "journal_match = _SYSTEMD_UNIT=postfix@-.service  _SYSTEMD_UNIT=postfix@mx2.service\n",
      "t");
  ASSERT_FALSE(r.error) << *r.error;
  EXPECT_TRUE(r.config.FromJournal());
  EXPECT_EQ(r.config.journal_dir, "/srv/j");
  EXPECT_EQ(r.config.journal_matches,
            (std::vector<std::string>{"_SYSTEMD_UNIT=postfix@-.service",
                                      "_SYSTEMD_UNIT=postfix@mx2.service"}));
  EXPECT_FALSE(ParseConfig("", "t").config.FromJournal());
  EXPECT_EQ(*ParseConfig("[paths]\nsource = syslog\n", "t").error,
            "t:2: bad value 'syslog' for source in [paths]: expected file or journal");
  EXPECT_EQ(*ParseConfig("[paths]\njournal_match = =x\n", "t").error,
            "t:2: bad value '=x' for journal_match in [paths]: '=x' is not FIELD=VALUE "
            "(space-separated)");
}

}  // namespace
}  // namespace mls
