#include "login_signal.h"

#include <gtest/gtest.h>

#include "dataset.h"
#include "event.h"
#include "report.h"
#include "syslog_time.h"
#include "test_files.h"

namespace mls {
namespace {

std::time_t At(const char* iso) { return *ParseIso8601Instant(iso); }

// A login record (8 fields) and a failure (9 fields) as dataset rows.
std::string Login(const char* time, const char* ip, const char* user) {
  std::string out;
  CsvAppendEvent({time, "mx1", ip, user, "PLAIN", "unknown", "", "postfix/smtpd"}, out);
  return out;
}
std::string Failure(const char* time, const char* ip, const char* user) {
  std::string out;
  CsvAppendEvent({time, "mx1", ip, user, "LOGIN", "unknown", "", "postfix/smtpd", "x"}, out);
  return out;
}

class LoginSignalTest : public testing::Test {
 protected:
  // The report of 2026-11-25 (UTC) over the two datasets.
  LoginsAfterFailures Run(const std::string& logins, const std::string& failures) {
    WriteAll(dir_.path() + "/d.csv", std::string(kCsvHeader) + "\n" + failures);
    WriteAll(dir_.path() + "/d-logins.csv", std::string(kLoginsCsvHeader) + "\n" + logins);
    ReportOptions o;
    o.window = {"custom", At("2026-11-25T00:00:00Z"), At("2026-11-26T00:00:00Z")};
    o.logins_path = LoginsDatasetPath(dir_.path() + "/d.csv");
    o.lookback_days = 30;
    ReportBuild b = BuildReport(dir_.path() + "/d.csv", o);
    EXPECT_EQ(std::nullopt, b.error);
    return b.data.logins;
  }
  ScratchDir dir_{"mls-login-signal"};
};

TEST_F(LoginSignalTest, AMistypedPasswordFromTheUsualAddressIsLow) {
  LoginsAfterFailures l = Run(Login("2026-11-20T08:00:00Z", "192.0.2.1", "alice") +
                                  Login("2026-11-25T08:00:05Z", "192.0.2.1", "alice") +
                                  Login("2026-11-25T12:00:00Z", "192.0.2.1", "alice"),
                              Failure("2026-11-25T08:00:00Z", "192.0.2.1", "alice"));
  EXPECT_TRUE(l.tracked);
  ASSERT_EQ(1u, l.cases.size());
  const LoginCase& c = l.cases[0];
  EXPECT_FALSE(c.high);
  EXPECT_TRUE(c.address);
  EXPECT_FALSE(c.account);
  EXPECT_EQ(At("2026-11-25T08:00:05Z"), c.first_login);
  EXPECT_EQ(2u, c.logins);
  EXPECT_EQ(1u, c.failures_before);
  EXPECT_EQ(std::vector<std::string>{"alice"}, c.users_tried);
  EXPECT_FALSE(c.new_address);
  EXPECT_EQ(0u, l.high);
  EXPECT_EQ(1u, l.low);
}

TEST_F(LoginSignalTest, ManyPasswordsOrAnotherUserFromTheAddressIsHigh) {
  std::string failures;
  for (const char* t : {"2026-11-25T09:00:00Z", "2026-11-25T09:00:01Z", "2026-11-25T09:00:02Z"})
    failures += Failure(t, "203.0.113.5", "bob");
  failures += Failure("2026-11-25T10:00:00Z", "2001:db8::7", "root");  // another user
  LoginsAfterFailures l = Run(Login("2026-11-25T09:01:00Z", "203.0.113.5", "bob") +
                                  Login("2026-11-25T10:00:30Z", "2001:db8::7", "carol"),
                              failures);
  ASSERT_EQ(2u, l.cases.size());
  EXPECT_TRUE(l.cases[0].high);
  EXPECT_EQ("203.0.113.5", l.cases[0].ip);
  EXPECT_EQ(3u, l.cases[0].failures_before);
  EXPECT_EQ(At("2026-11-25T09:00:00Z"), l.cases[0].first_failure);
  EXPECT_EQ(At("2026-11-25T09:00:02Z"), l.cases[0].last_failure);
  EXPECT_TRUE(l.cases[1].high);
  EXPECT_EQ("carol", l.cases[1].user);
  EXPECT_EQ(std::vector<std::string>{"root"}, l.cases[1].users_tried);
  EXPECT_EQ(2u, l.high);
}

TEST_F(LoginSignalTest, ATargetedAccountFromANewAddressIsAPossibleTakeover) {
  std::string failures;
  // Sprayed from three addresses (a failure each), brute-forced by nobody.
  for (const char* ip : {"198.51.100.1", "198.51.100.2", "198.51.100.3"})
    failures += Failure("2026-11-24T10:00:00Z", ip, "dave");
  LoginsAfterFailures l =
      Run(Login("2026-11-20T08:00:00Z", "192.0.2.44", "dave") +  // its usual address
              Login("2026-11-25T07:00:00Z", "192.0.2.44", "dave") +
              Login("2026-11-25T11:00:00Z", "203.0.113.99", "dave"),  // new
          failures);
  ASSERT_EQ(1u, l.cases.size());
  const LoginCase& c = l.cases[0];
  EXPECT_TRUE(c.high);
  EXPECT_TRUE(c.account);
  EXPECT_FALSE(c.address);
  EXPECT_EQ("203.0.113.99", c.ip);
  EXPECT_EQ(3u, c.account_failures);
  EXPECT_EQ(3u, c.account_addresses);
  EXPECT_TRUE(c.new_address);
}

TEST_F(LoginSignalTest, AFailureInTheLoginsOwnSecondCameBeforeIt) {
  // Whole-second stamps: the log's order puts the failure first.
  LoginsAfterFailures l = Run(Login("2026-11-25T08:00:00Z", "192.0.2.1", "alice"),
                              Failure("2026-11-25T08:00:00Z", "192.0.2.1", "alice"));
  ASSERT_EQ(1u, l.cases.size());
  EXPECT_EQ(1u, l.cases[0].failures_before);
}

TEST_F(LoginSignalTest, OnlyFailuresInTheLookbackBeforeTheLoginCount) {
  std::string failures = Failure("2026-10-20T08:00:00Z", "192.0.2.9", "erin") +  // 36 days before
                         Failure("2026-11-25T08:30:00Z", "192.0.2.9", "erin");   // after it
  for (int i = 0; i < 10; ++i) failures += Failure("2026-10-01T00:00:00Z", "192.0.2.8", "erin");
  LoginsAfterFailures l = Run(Login("2026-11-25T08:00:00Z", "192.0.2.9", "erin"), failures);
  EXPECT_TRUE(l.cases.empty());
  // No logins dataset: nothing tracked, nothing said.
  std::remove((dir_.path() + "/d-logins.csv").c_str());
  ReportOptions o;
  o.window = {"custom", At("2026-11-25T00:00:00Z"), At("2026-11-26T00:00:00Z")};
  o.logins_path = dir_.path() + "/d-logins.csv";
  ReportBuild b = BuildReport(dir_.path() + "/d.csv", o);
  EXPECT_FALSE(b.data.logins.tracked);
  EXPECT_TRUE(b.data.logins.cases.empty());
}

TEST_F(LoginSignalTest, AFailuresFileIsNoLoginsFileAndTheOtherWayRound) {
  WriteAll(dir_.path() + "/d.csv", std::string(kCsvHeader) + "\n");
  WriteAll(dir_.path() + "/d-logins.csv", std::string(kCsvHeader) + "\n");
  ReportOptions o;
  o.window = {"custom", At("2026-11-25T00:00:00Z"), At("2026-11-26T00:00:00Z")};
  o.logins_path = dir_.path() + "/d-logins.csv";
  ReportBuild b = BuildReport(dir_.path() + "/d.csv", o);
  ASSERT_FALSE(b.warnings.empty());
  EXPECT_EQ(dir_.path() + "/d-logins.csv: line 1: the failures' dataset, not the logins'",
            b.warnings[0]);
  WriteAll(dir_.path() + "/d.csv", std::string(kLoginsCsvHeader) + "\n");
  o.logins_path.clear();
  b = BuildReport(dir_.path() + "/d.csv", o);
  ASSERT_TRUE(b.error);
  EXPECT_EQ(dir_.path() + "/d.csv: line 1: the logins' dataset, not the failures'", *b.error);
}

}  // namespace
}  // namespace mls
