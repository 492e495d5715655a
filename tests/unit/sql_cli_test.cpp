#include "sql_cli.h"

#include <gtest/gtest.h>

#include "test_files.h"

namespace mls {
namespace {

std::optional<int> Parse(std::vector<std::string> args, SqlCliOptions& o) {
  Argv a("mls-sql", std::move(args));
  return ParseSqlOptions(a.argc(), a.argv(), o);
}

class SqlCliTest : public ::testing::Test {
 protected:
  SqlSetup Resolve(std::vector<std::string> args, const std::string& config_text,
                   const std::string& host = "mx1.example.org") {
    WriteAll(dir_ + "/c.conf", config_text);
    args.push_back("--config");
    args.push_back(dir_ + "/c.conf");
    SqlCliOptions o;
    EXPECT_EQ(std::nullopt, Parse(std::move(args), o));
    SqlEnv env;
    env.clock = [] { return std::time_t{1764936000}; };
    env.host = host;
    return ResolveSqlSetup(o, env);
  }

  ScratchDir scratch_{"mls-sql-cli"};
  const std::string dir_ = scratch_.path();
  const std::string base_ = "[paths]\nworking_dir = /w\nstate_dir = /s\n[database]\n";
};

TEST(SqlCli, ParsesEveryOption) {
  SqlCliOptions o;
  EXPECT_EQ(std::nullopt,
            Parse({"--export", "-c", "c", "--server", "mx2", "--lock-timeout", "2.5"}, o));
  EXPECT_TRUE(o.do_export);
  EXPECT_EQ("c", o.config);
  EXPECT_EQ("mx2", o.server);
  EXPECT_EQ(2.5, o.lock_timeout);
  testing::internal::CaptureStderr();
  SqlCliOptions none;
  EXPECT_EQ(2, Parse({}, none));  // --export or --import is required
  EXPECT_EQ(2, Parse({"--export", "--import"}, none));
  EXPECT_EQ(2, Parse({"--import", "--server", "x"}, none));
  EXPECT_EQ(2, Parse({"--export", "--lock-timeout", "soon"}, none));
  EXPECT_EQ(2, Parse({"--export", "extra"}, none));
  testing::internal::GetCapturedStderr();
}

TEST_F(SqlCliTest, TheConfigGivesThePaths) {
  SqlSetup s = Resolve({"--export"}, base_ + "sql_export_dir = /x\ntable = ev\n");
  ASSERT_EQ(std::nullopt, s.error);
  const SqlExportOptions& e = s.export_options;
  EXPECT_EQ("/w/maillogsentinel.csv", e.csv);
  EXPECT_EQ("/s", e.state_dir);
  EXPECT_EQ("/x", e.export_dir);
  EXPECT_EQ("ev", e.table);
  EXPECT_EQ("mx1", e.server);  // the host name's first label
  EXPECT_EQ(1764936000, e.now);
  EXPECT_EQ(60, e.lock_timeout_seconds);
  const SqlImportOptions& i = s.import_options;
  EXPECT_EQ("/x", i.export_dir);
  EXPECT_EQ("ev", i.table);
  EXPECT_EQ("/w/maillogsentinel.sqlite", i.connection.name);
  EXPECT_EQ(60, i.lock_timeout_seconds);
}

TEST_F(SqlCliTest, ImportNeedsNoHostNameAndTakesDbName) {
  SqlSetup s = Resolve({"--import", "--lock-timeout", "3"},
                       base_ + "sql_export_dir = /x\ndb_name = /db/e.sqlite\n", "");
  ASSERT_EQ(std::nullopt, s.error);
  EXPECT_EQ("/db/e.sqlite", s.import_options.connection.name);
  EXPECT_EQ(3, s.import_options.lock_timeout_seconds);
}

TEST_F(SqlCliTest, ServerAndLockTimeoutOptionsWin) {
  SqlSetup s = Resolve({"--export", "--server", "edge-2.example", "--lock-timeout", "0"},
                       base_ + "sql_export_dir = /x\n");
  ASSERT_EQ(std::nullopt, s.error);
  EXPECT_EQ("edge-2.example", s.export_options.server);
  EXPECT_EQ(0, s.export_options.lock_timeout_seconds);
}

TEST_F(SqlCliTest, ServerConnection) {
  SqlSetup s = Resolve({"--import"}, base_ +
                                         "sql_export_dir = /x\ndb_type = postgresql\n"
                                         "db_host = db.example\ndb_port = 5433\ndb_name = mail\n"
                                         "db_user = mls\ndb_password = s3cret#x\n"
                                         "db_sslrootcert = /etc/ca.pem\n");
  ASSERT_EQ(std::nullopt, s.error);
  const SqlConnection& c = s.import_options.connection;
  EXPECT_EQ("mail", c.name);
  EXPECT_EQ("db.example", c.host);
  EXPECT_EQ(5433, c.port);
  EXPECT_EQ("mls", c.user);
  EXPECT_EQ("s3cret#x", c.password);
  EXPECT_EQ("verify-full", c.sslmode);  // a CA file alone means TLS, verified
  EXPECT_EQ("/etc/ca.pem", c.sslrootcert);
  EXPECT_EQ("mls@db.example:5433/mail", SqlServerName(c));
  EXPECT_EQ("disable", Resolve({"--import"}, base_ + "sql_export_dir = /x\ndb_type = postgresql\n"
                                                     "db_name = mail\n")
                           .import_options.connection.sslmode);
  EXPECT_EQ("require", Resolve({"--import"}, base_ + "sql_export_dir = /x\ndb_type = postgresql\n"
                                                     "db_name = mail\ndb_sslmode = Require\n"
                                                     "db_sslrootcert = /ca\n")
                           .import_options.connection.sslmode);
  EXPECT_TRUE(Resolve({"--import"}, base_ + "sql_export_dir = /x\ndb_sslmode = prefer\n")
                  .error.has_value());
}

TEST_F(SqlCliTest, Errors) {
  EXPECT_EQ("[database] sql_export_dir is not set: no directory for the batch files",
            Resolve({"--export"}, base_).error);
  EXPECT_EQ(std::nullopt,
            Resolve({"--export"}, base_ + "sql_export_dir = /x\ndb_type = mysql\n").error);
  EXPECT_EQ(std::nullopt,
            Resolve({"--export"}, base_ + "sql_export_dir = /x\ndb_type = postgresql\n").error);
  EXPECT_EQ("[database] db_name is not set: which postgresql database to import into",
            Resolve({"--import"}, base_ + "sql_export_dir = /x\ndb_type = PostgreSQL\n").error);
  EXPECT_EQ(
      "server name 'a b': expected letters, digits, '.', '_' and '-', at most 200 "
      "characters",
      Resolve({"--export", "--server", "a b"}, base_ + "sql_export_dir = /x\n").error);
  EXPECT_EQ("no server name: the host name is empty; give --server NAME",
            Resolve({"--export"}, base_ + "sql_export_dir = /x\n", "").error);
  EXPECT_EQ("--lock-timeout: expected a number of seconds between 0 and 1000000",
            Resolve({"--export", "--lock-timeout", "-1"}, base_ + "sql_export_dir = /x\n").error);
  SqlSetup missing;
  {
    SqlCliOptions o;
    o.do_export = true;
    o.config = dir_ + "/none.conf";
    SqlEnv env;
    env.clock = [] { return std::time_t{0}; };
    env.host = "h";
    missing = ResolveSqlSetup(o, env);
  }
  ASSERT_TRUE(missing.error);
}

}  // namespace
}  // namespace mls
