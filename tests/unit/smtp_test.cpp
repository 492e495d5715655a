#include "smtp.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mls {
namespace {

TEST(Smtp, TlsNamesAndPorts) {
  EXPECT_EQ(SmtpTls::kStartTls, ParseSmtpTls("starttls"));
  EXPECT_EQ(SmtpTls::kImplicit, ParseSmtpTls("implicit"));
  EXPECT_EQ(SmtpTls::kNone, ParseSmtpTls("none"));
  EXPECT_FALSE(ParseSmtpTls("ssl"));
  for (SmtpTls t : {SmtpTls::kStartTls, SmtpTls::kImplicit, SmtpTls::kNone})
    EXPECT_EQ(t, ParseSmtpTls(SmtpTlsName(t)));
  EXPECT_EQ(587, SmtpDefaultPort(SmtpTls::kStartTls));
  EXPECT_EQ(465, SmtpDefaultPort(SmtpTls::kImplicit));
  EXPECT_EQ(25, SmtpDefaultPort(SmtpTls::kNone));
}

TEST(Smtp, ServerNames) {
  SmtpOptions o;
  o.host = "mail.example.org";
  EXPECT_EQ("smtp://mail.example.org:587 (STARTTLS)", SmtpServerName(o));
  o.tls = SmtpTls::kImplicit;
  EXPECT_EQ("smtps://mail.example.org:465", SmtpServerName(o));
  o.host = "::1";
  o.port = 2465;
  EXPECT_EQ("smtps://[::1]:2465", SmtpServerName(o));
  o.tls = SmtpTls::kNone;
  o.port = 0;
  EXPECT_EQ("smtp://[::1]:25", SmtpServerName(o));
}

TEST(Smtp, OptionsThatCannotWork) {
  SmtpOptions o;
  EXPECT_EQ("no SMTP server (smtp_host)", CheckSmtpOptions(o));
  o.host = "mail.example.org/x";
  EXPECT_TRUE(CheckSmtpOptions(o));
  o.host = "mail.example.org";
  EXPECT_EQ(std::nullopt, CheckSmtpOptions(o));
  o.user = "u";
  o.password = "p";
  EXPECT_EQ(std::nullopt, CheckSmtpOptions(o));
  o.tls = SmtpTls::kNone;
  ASSERT_TRUE(CheckSmtpOptions(o));
  EXPECT_NE(std::string::npos, CheckSmtpOptions(o)->find("in the clear"));
}

// Nothing listens: the error names the server, never the password.
TEST(Smtp, RefusedConnectionIsAnErrorWithoutThePassword) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(s, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(0, ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a));
  socklen_t len = sizeof a;
  ASSERT_EQ(0, ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len));
  ::close(s);  // the port is free again: a connection is refused
  SmtpOptions o;
  o.host = "127.0.0.1";
  o.port = ntohs(a.sin_port);
  o.user = "alice";
  o.password = "Secr3t-pw";
  o.timeout_ms = 5000;
  SmtpResult r = SendSmtp(o, "a@localhost", {"root@localhost"}, "Subject: x\n\nbody\n");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(0u, r.error->find(SmtpServerName(o) + ": ")) << *r.error;
  EXPECT_EQ(std::string::npos, r.error->find("Secr3t-pw"));
  EXPECT_EQ(SmtpServerName(o) + ": no envelope sender; set [report] sender",
            SendSmtp(o, "", {"root@localhost"}, "x").error);
}

}  // namespace
}  // namespace mls
