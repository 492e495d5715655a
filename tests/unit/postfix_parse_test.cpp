#include "postfix_parse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "event.h"
#include "tsv.h"

namespace mls {
namespace {

constexpr std::string_view kLine =
    "Nov 25 20:18:08 vm postfix/submission/smtpd[18955]: warning: unknown[127.0.0.2]:4711: SASL "
    "login authentication failed: (reason unavailable), sasl_username=admin@test.local";

TEST(PostfixParse, SplitsTheFields) {
  SaslLine f;
  ASSERT_EQ(LineKind::kEvent, ParsePostfixLine(kLine, f));
  EXPECT_EQ(11, f.time.month);
  EXPECT_EQ(25, f.time.day);
  EXPECT_EQ("vm", f.server);
  EXPECT_EQ("postfix/submission/smtpd", f.service);
  EXPECT_EQ("unknown", f.client);
  EXPECT_EQ("4711", f.port);
  EXPECT_EQ("login", f.mech);
  EXPECT_EQ("(reason unavailable)", f.reason);
  EXPECT_EQ("admin@test.local", f.user);
  EXPECT_STREQ("127.0.0.2", f.ip);
}

TEST(PostfixParse, ClassifiesOutagesAndAborts) {
  SaslLine f;
  EXPECT_EQ(LineKind::kOutage,
            ParsePostfixLine("Nov 25 20:18:08 vm postfix/smtpd[1]: warning: localhost[127.0.0.1]: SASL "
                             "LOGIN authentication failed: Connection lost to authentication "
                             "server, sasl_username=(unavailable)",
                             f));
  EXPECT_EQ("", f.user);
  EXPECT_EQ(LineKind::kAborted,
            ParsePostfixLine("Nov 25 20:18:08 vm postfix/smtpd[1]: warning: localhost[127.0.0.1]: SASL "
                             "LOGIN authentication aborted",
                             f));
  EXPECT_EQ(kAbortedReason, f.reason);
  EXPECT_EQ(LineKind::kEvent,
            ParsePostfixLine("Nov 25 20:18:08 vm postfix/smtpd[1]: warning: localhost[127.0.0.1]: SASL "
                             "CRAM-MD5 authentication failed: Invalid authentication mechanism",
                             f));
}

TEST(PostfixParse, UserIsEverythingAfterTheFirstKey) {
  SaslLine f;
  ASSERT_EQ(LineKind::kEvent,
            ParsePostfixLine("Nov 25 20:18:08 vm postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL "
                             "PLAIN authentication failed: r, sasl_username=a, sasl_username=b",
                             f));
  EXPECT_EQ("r", f.reason);
  EXPECT_EQ("a, sasl_username=b", f.user);
}

TEST(PostfixParse, TsvRecordCannotForgeColumns) {
  const std::string line =
      "Nov 25 20:18:08 vm postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL x\tlogin "
      "authentication failed: why\tnot\r, sasl_username=evil\t203.0.113.9\t\\t\n";
  SaslLine f;
  ASSERT_EQ(LineKind::kEvent, ParsePostfixLine(std::string_view(line).substr(0, line.size() - 1), f));
  std::string out;
  AppendEventTsv(f, "2026-11-25T20:18:08+00:00", out);
  ASSERT_EQ('\n', out.back());
  out.pop_back();
  std::vector<std::string> fields;
  ASSERT_EQ(std::nullopt, TsvDecodeRecord(out, fields));
  ASSERT_EQ(kEventColumns, fields.size());
  EXPECT_EQ("2026-11-25T20:18:08+00:00", fields[kTime]);
  EXPECT_EQ("vm", fields[kServer]);
  EXPECT_EQ("192.0.2.1", fields[kIp]);
  EXPECT_EQ("evil\t203.0.113.9\t\\t", fields[kUser]);
  EXPECT_EQ("X\tLOGIN", fields[kMethod]);
  EXPECT_EQ("unknown", fields[kClient]);
  EXPECT_EQ("", fields[kPort]);
  EXPECT_EQ("postfix/smtpd", fields[kService]);
  EXPECT_EQ("why\tnot\r", fields[kReason]);
}

TEST(PostfixParse, MethodIsUpperCasedOnOutput) {
  SaslLine f;
  ASSERT_EQ(LineKind::kEvent, ParsePostfixLine(kLine, f));
  std::string out;
  AppendEventTsv(f, "T", out);
  EXPECT_EQ("T\tvm\t127.0.0.2\tadmin@test.local\tLOGIN\tunknown\t4711\tpostfix/submission/smtpd\t"
            "(reason unavailable)\n",
            out);
}

TEST(PostfixParse, NotEvents) {
  SaslLine f;
  for (std::string_view line : {
           "",
           "warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: x",
           "Nov 25 20:18:08 vm postfix/smtp[1]: warning: unknown[192.0.2.1]: SASL LOGIN "
           "authentication failed: x",
           "Nov 25 20:18:08 vm postfix/smtpd[1]: warning: SASL authentication failure: Password "
           "verification failed",
           "Nov 25 20:18:08 vm postfix/smtpd[1]: lost connection after AUTH from unknown[192.0.2.1]",
           "Nov 25 20:18:08 vm postfix/smtpd[1]: warning: unknown[unknown]: SASL LOGIN "
           "authentication failed: x",
           "Nov 25 20:18:08 vm postfix/smtpd[1]: warning: a b[192.0.2.1]: SASL LOGIN "
           "authentication failed: x",
           "Nov 25 20:18:08 vm postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN "
           "authentication aborted early",
       }) {
    EXPECT_EQ(LineKind::kNone, ParsePostfixLine(line, f)) << line;
  }
  // A successful login is a record of its own kind (the scanner emits it only
  // with ScanOptions::logins), never an event.
  EXPECT_EQ(LineKind::kLogin, ParsePostfixLine("Nov 25 20:18:08 vm postfix/smtpd[1]: 1234: "
                                               "client=unknown[192.0.2.1], sasl_method=PLAIN, "
                                               "sasl_username=a",
                                               f));
  EXPECT_EQ("a", f.user);
  EXPECT_EQ("", f.reason);
}

}  // namespace
}  // namespace mls
