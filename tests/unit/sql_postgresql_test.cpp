#include "sql_postgresql.h"

#include <gtest/gtest.h>

#include <map>

#include "sql_import.h"

namespace mls {
namespace {

std::string Copy(std::string_view v) {
  std::string out = "<";
  AppendCopyText(v, out);
  return out + ">";
}

TEST(AppendCopyText, EscapesWhatCopyTextFormatReads) {
  EXPECT_EQ("<plain>", Copy("plain"));
  EXPECT_EQ("<>", Copy(""));
  EXPECT_EQ("<a\\\\b>", Copy("a\\b"));
  EXPECT_EQ("<\\\\x00>", Copy("\\x00"));  // the stored text of a NUL: its backslash doubled
  EXPECT_EQ("<a\\tb\\nc\\rd>", Copy("a\tb\nc\rd"));
  EXPECT_EQ("<\\\\.>", Copy("\\."));  // never COPY's end marker
  EXPECT_EQ("<\\\\N>", Copy("\\N"));  // never COPY's NULL
  EXPECT_EQ("<it's \"q\" caf\xc3\xa9 ; , |>", Copy("it's \"q\" caf\xc3\xa9 ; , |"));
  EXPECT_EQ("<\\r\\n\\t\\\\>", Copy("\r\n\t\\"));
}

TEST(AppendCopyText, AppendsToWhatIsThere) {
  std::string out = "x\t";
  AppendCopyText("a\tb", out);
  EXPECT_EQ("x\ta\\tb", out);
}

SqlConnection Server() {
  SqlConnection c;
  c.dialect = SqlDialect::kPostgresql;
  c.name = "sasldb";
  c.host = "127.0.0.1";
  c.port = 54329;
  c.user = "sasl";
  c.password = "s3cret";
  c.sslmode = "verify-full";
  c.sslrootcert = "/etc/ssl/ca.pem";
  return c;
}

TEST(PostgresqlConnectParams, EveryKeywordFromTheConnection) {
  auto p = PostgresqlConnectParams(Server(), "mls-sql", 150000);
  std::map<std::string, std::string> m(p.begin(), p.end());
  EXPECT_EQ(p.size(), m.size());  // no keyword twice
  EXPECT_EQ((std::map<std::string, std::string>{{"host", "127.0.0.1"},
                                                {"port", "54329"},
                                                {"dbname", "sasldb"},
                                                {"user", "sasl"},
                                                {"password", "s3cret"},
                                                {"sslmode", "verify-full"},
                                                {"sslrootcert", "/etc/ssl/ca.pem"},
                                                {"application_name", "mls-sql"},
                                                {"connect_timeout", "10"},
                                                {"client_encoding", "UTF8"}}),
            m);
}

TEST(PostgresqlConnectParams, TheToolNamesItselfInApplicationName) {
  auto p = PostgresqlConnectParams(Server(), "mls-report", 150000);
  std::map<std::string, std::string> m(p.begin(), p.end());
  EXPECT_EQ("mls-report", m["application_name"]);
}

TEST(PostgresqlConnectParams, UnsetKeysAreLeftToLibpq) {
  SqlConnection c;
  c.dialect = SqlDialect::kPostgresql;
  c.name = "events";
  auto p = PostgresqlConnectParams(c, "mls-sql", 150000);
  std::map<std::string, std::string> m(p.begin(), p.end());
  EXPECT_EQ(0u, m.count("host"));
  EXPECT_EQ(0u, m.count("port"));
  EXPECT_EQ(0u, m.count("user"));
  EXPECT_EQ(0u, m.count("password"));
  EXPECT_EQ(0u, m.count("sslrootcert"));
  EXPECT_EQ("disable", m["sslmode"]);
  EXPECT_EQ("events", m["dbname"]);
}

TEST(PostgresqlConnectParams, VerifyWithoutCaFileUsesTheSystemCasFromLibpq16) {
  SqlConnection c = Server();
  c.sslrootcert.clear();
  auto old = PostgresqlConnectParams(c, "mls-sql", 150018);
  for (const auto& [k, v] : old) EXPECT_NE("sslrootcert", k);
  auto now = PostgresqlConnectParams(c, "mls-sql", 160000);
  std::map<std::string, std::string> m(now.begin(), now.end());
  EXPECT_EQ("system", m["sslrootcert"]);
  c.sslmode = "require";
  auto req = PostgresqlConnectParams(c, "mls-sql", 160000);
  for (const auto& [k, v] : req) EXPECT_NE("sslrootcert", k);
}

TEST(PostgresqlMessage, OneLineTrimmedWithoutThePassword) {
  EXPECT_EQ(
      "connection to server at \"127.0.0.1\", port 54329 failed: FATAL: password "
      "authentication failed for user \"sasl\"",
      PostgresqlMessage("connection to server at \"127.0.0.1\", port 54329 failed: FATAL:  "
                        "password authentication failed for user \"sasl\"\n",
                        "s3cret"));
  EXPECT_EQ(
      "ERROR: bad *** and *** CONTEXT: COPY x, line 1",
      PostgresqlMessage("ERROR:  bad s3cret and s3cret\nCONTEXT:  COPY x, line 1\n", "s3cret"));
  EXPECT_EQ("keeps s3cret", PostgresqlMessage("keeps s3cret", ""));
  EXPECT_EQ("esc \\x1B[31m", PostgresqlMessage("esc \x1b[31m", ""));
}

TEST(OpenPostgresqlBackend, AClosedPortFailsWithTheServerNamedAndNoPassword) {
  SqlConnection c = Server();
  c.port = 1;  // nothing listens there
  c.sslmode = "disable";
  c.password = "pw-that-must-not-show";
  SqlOpenResult r = OpenSqlBackend(c);
  ASSERT_TRUE(r.error);
  EXPECT_FALSE(r.backend);
  EXPECT_EQ(0u, r.error->rfind("sasl@127.0.0.1:1/sasldb: connection to server", 0)) << *r.error;
  EXPECT_EQ(std::string::npos, r.error->find("pw-that-must-not-show"));
  EXPECT_EQ(std::string::npos, r.error->find('\n'));
}

}  // namespace
}  // namespace mls
