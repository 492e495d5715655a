#include "anonymize.h"

#include <gtest/gtest.h>

#include "event.h"
#include "postfix_parse.h"

namespace mls {
namespace {

PseudonymKey Key() {
  PseudonymKey k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i * 13 + 1);
  return k;
}

struct Fixture {
  Pseudonyms names{Key(), false};
  Anonymizer anon;
  explicit Fixture(AnonymizeOptions o = {}) : anon(names, std::move(o)) {}
  std::string Line(std::string_view line) {
    std::string out;
    anon.Line(line, out);
    return out;
  }
  std::string Ip(std::string_view ip) { return std::string(*names.Ip(ip)); }
  std::string User(std::string_view u) { return std::string(names.User(u)); }
  std::string Domain(std::string_view d) { return std::string(names.Domain(d)); }
};

TEST(Anonymizer, ASaslFailureLineGivesMlsParseTheSameEvent) {
  Fixture f;
  const std::string line =
      "Nov 25 20:18:08 mx1 postfix/submission/smtpd[18955]: warning: "
      "mail.example.org[203.0.113.9]:4711: SASL LOGIN authentication failed: UGFzc3dvcmQ6, "
      "sasl_username=alice@example.org";
  const std::string out = f.Line(line);
  EXPECT_EQ(out, "Nov 25 20:18:08 mx1 postfix/submission/smtpd[18955]: warning: " +
                     f.Domain("mail.example.org") + "[" + f.Ip("203.0.113.9") +
                     "]:4711: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=" +
                     f.User("alice") + "@" + f.Domain("example.org"));
  SaslLine a, b;
  ASSERT_EQ(ParsePostfixLine(line, a), LineKind::kEvent);
  ASSERT_EQ(ParsePostfixLine(out, b), LineKind::kEvent);
  EXPECT_EQ(a.mech, b.mech);
  EXPECT_EQ(a.port, b.port);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.service, b.service);
  EXPECT_EQ(a.stamp, b.stamp);
  EXPECT_EQ(std::string(b.ip), f.Ip("203.0.113.9"));
}

TEST(Anonymizer, TheWholeAttackerUserNameGoesAsMlsParseReadsIt) {
  Fixture f;
  // The user name holds ", sasl_username=" and an address: all of it is the user.
  const std::string line =
      "2026-01-01T00:00:00+00:00 mx1 postfix/smtpd[1]: warning: unknown[2001:db8::5]: SASL "
      "PLAIN authentication failed: , sasl_username=x, sasl_username=198.51.100.1 y";
  const std::string out = f.Line(line);
  EXPECT_EQ(out.find("198.51.100.1"), std::string::npos) << out;
  EXPECT_NE(out.find("unknown[" + f.Ip("2001:db8::5") + "]"), std::string::npos) << out;
  SaslLine b;
  ASSERT_EQ(ParsePostfixLine(out, b), LineKind::kEvent);
  EXPECT_EQ(b.user, f.User("x, sasl_username=198.51.100.1 y"));
  // Aborted, unavailable: kept as words.
  EXPECT_EQ(f.Line("Nov 25 20:18:10 vm postfix/smtpd[19002]: warning: unknown[127.0.0.1]: "
                   "SASL LOGIN authentication aborted"),
            "Nov 25 20:18:10 vm postfix/smtpd[19002]: warning: unknown[" + f.Ip("127.0.0.1") +
                "]: SASL LOGIN authentication aborted");
  EXPECT_NE(f.Line("Nov 25 20:18:10 vm postfix/smtpd[1]: warning: unknown[10.1.2.3]: SASL "
                   "LOGIN authentication failed: x, sasl_username=(unavailable)")
                .find("sasl_username=(unavailable)"),
            std::string::npos);
}

TEST(Anonymizer, FieldsTokensAndWhatStays) {
  Fixture f;
  struct Case {
    std::string in, out;
  } cases[] = {
      {"Jan  1 00:00:02 mx1 postfix/qmgr[8281]: 9924FEF4C8: from=<j.doe@hotmail.com>, "
       "size=328982, nrcpt=1 (queue active)",
       "Jan  1 00:00:02 mx1 postfix/qmgr[8281]: 9924FEF4C8: from=<" + f.User("j.doe") + "@" +
           f.Domain("hotmail.com") + ">, size=328982, nrcpt=1 (queue active)"},
      {"Jan  1 00:00:02 mx1 postfix/local[1]: 3B3A: to=<root@mx1.example.com>, orig_to=<root>, "
       "relay=local, dsn=2.0.0, status=sent (delivered to mailbox)",
       "Jan  1 00:00:02 mx1 postfix/local[1]: 3B3A: to=<" + f.User("root") + "@" +
           f.Domain("mx1.example.com") + ">, orig_to=<" + f.User("root") +
           ">, relay=local, dsn=2.0.0, status=sent (delivered to mailbox)"},
      {"Jan  1 00:00:02 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from x.example.net[192.0.2.4]: "
       "554 5.7.1 <a@b.example>: Relay access denied; from=<> to=<a@b.example> proto=ESMTP "
       "helo=<WIN-7Q2>",
       "Jan  1 00:00:02 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from " +
           f.Domain("x.example.net") + "[" + f.Ip("192.0.2.4") + "]: 554 5.7.1 <" + f.User("a") +
           "@" + f.Domain("b.example") + ">: Relay access denied; from=<> to=<" + f.User("a") +
           "@" + f.Domain("b.example") + "> proto=ESMTP helo=<" + f.Domain("WIN-7Q2") + ">"},
      {"Jan  1 00:00:02 mx1 dovecot: auth: passwd-file(carol,192.0.2.8): unknown user",
       "Jan  1 00:00:02 mx1 dovecot: auth: passwd-file(" + f.User("carol") + "," +
           f.Ip("192.0.2.8") + "): unknown user"},
      {"Jan  1 00:00:02 mx1 dovecot: imap-login: Disconnected (auth failed, 1 attempts): "
       "user=<dave>, method=PLAIN, rip=2001:db8::9, lip=::1, TLS",
       "Jan  1 00:00:02 mx1 dovecot: imap-login: Disconnected (auth failed, 1 attempts): user=<" +
           f.User("dave") + ">, method=PLAIN, rip=" + f.Ip("2001:db8::9") + ", lip=" + f.Ip("::1") +
           ", TLS"},
      {"Jan  1 00:00:02 mx1 postfix/smtp[9]: connect to mx.example.org[192.0.2.5]:25: Connection "
       "timed out; see main.cf, libsasl2.so and TLSv1.3, version 3.7.11",
       "Jan  1 00:00:02 mx1 postfix/smtp[9]: connect to " + f.Domain("mx.example.org") + "[" +
           f.Ip("192.0.2.5") +
           "]:25: Connection timed out; see main.cf, libsasl2.so and "
           "TLSv1.3, version 3.7.11"},
      {"saslauthd[5]: do_auth : auth failure: [user=eve] [service=smtp] [realm=] [mech=pam]",
       "saslauthd[5]: do_auth : auth failure: [user=" + f.User("eve") +
           "] [service=smtp] [realm=] [mech=pam]"},
      {"Jan  1 00:00:02 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.4]: 450 "
       "4.7.1 <User>: Helo command rejected: Host not found; from=<> to=<a@b.example> "
       "proto=ESMTP helo=<User>",
       "Jan  1 00:00:02 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[" +
           f.Ip("192.0.2.4") + "]: 450 4.7.1 <" + f.Domain("user") +
           ">: Helo command rejected: Host not found; from=<> to=<" + f.User("a") + "@" +
           f.Domain("b.example") + "> proto=ESMTP helo=<" + f.Domain("User") + ">"},
      {"Jan  1 00:00:02 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.4]: 550 "
       "5.1.1 <frank>: Recipient address rejected: User unknown in local recipient table",
       "Jan  1 00:00:02 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[" +
           f.Ip("192.0.2.4") + "]: 550 5.1.1 <" + f.User("frank") +
           ">: Recipient address rejected: User unknown in local recipient table"},
      {"Dec 31 23:45:12 mx2 postfix/postscreen[7819]: PREGREET 22 after 0.71 from "
       "[192.0.2.9]:3216: EHLO ADMIN\\r\\n",
       "Dec 31 23:45:12 mx2 postfix/postscreen[7819]: PREGREET 22 after 0.71 from [" +
           f.Ip("192.0.2.9") + "]:3216: EHLO " + f.Domain("admin") + "\\r\\n"},
      {"Dec 31 23:45:30 mx1 postfix/submission/smtpd[5620]: warning: SASL authentication failure: "
       "checkpass failed, user: grace",
       "Dec 31 23:45:30 mx1 postfix/submission/smtpd[5620]: warning: SASL authentication failure: "
       "checkpass failed, user: " +
           f.User("grace")},
      {"not syslog at all: 192.0.2.66:25 and host.example.com. and x@y.example",
       "not syslog at all: " + f.Ip("192.0.2.66") + ":25 and " + f.Domain("host.example.com") +
           ". and " + f.User("x") + "@" + f.Domain("y.example")},
  };
  for (const Case& c : cases) EXPECT_EQ(f.Line(c.in), c.out);
}

TEST(Anonymizer, AnyBytesPassAndTokensInThemAreReplaced) {
  Fixture f;
  static constexpr char kBytes[] = "\xff\xfe junk \0 192.0.2.200\r\x80mail.example.com\xc3";
  std::string line(kBytes, sizeof kBytes - 1);
  std::string out = f.Line(line);
  EXPECT_EQ(out.find("192.0.2.200"), std::string::npos);
  EXPECT_EQ(out.find("mail.example.com"), std::string::npos);
  EXPECT_EQ(out.substr(0, 10), line.substr(0, 10));
  EXPECT_NE(out.find(std::string("\r\x80", 2)), std::string::npos);
  EXPECT_EQ(f.Line(""), "");
  EXPECT_EQ(f.Line(std::string(100000, 'a')), std::string(100000, 'a'));
}

TEST(Anonymizer, HostnameAndAlso) {
  AnonymizeOptions o;
  o.hostname = true;
  o.also.emplace_back("ticket-[0-9]+");
  Fixture f(std::move(o));
  const std::string out =
      f.Line("Jan  1 00:00:02 mx1 postfix/smtpd[1]: see ticket-4711 from 192.0.2.1");
  EXPECT_EQ(out, "Jan  1 00:00:02 " + f.Domain("mx1") + " postfix/smtpd[1]: see " +
                     std::string(f.names.Other("ticket-4711")) + " from " + f.Ip("192.0.2.1"));
}

TEST(Anonymizer, EventFieldsAsTheLogs) {
  Fixture f;
  std::vector<std::string> e(kEnrichedColumns);
  e[kServer] = "mx1";
  e[kIp] = "192.0.2.1";
  e[kUser] = "alice@example.org";
  e[kRdns] = "Mail.Example.org";
  e[kClient] = "unknown";
  e[kReason] = "see 192.0.2.2";
  e[kMethod] = "LOGIN";
  f.anon.Event(e);
  EXPECT_EQ(e[kServer], "mx1");
  EXPECT_EQ(e[kIp], f.Ip("192.0.2.1"));
  EXPECT_EQ(e[kUser], f.User("alice") + "@" + f.Domain("example.org"));
  EXPECT_EQ(e[kRdns], f.Domain("mail.example.org"));
  EXPECT_EQ(e[kClient], "unknown");
  EXPECT_EQ(e[kReason], "see " + f.Ip("192.0.2.2"));
  EXPECT_EQ(e[kMethod], "LOGIN");
}

// Found by fuzz/anonymize.cpp: an address in a column that should never hold
// one (a hand-edited dataset) was copied; the columns' own values still pass.
TEST(Anonymizer, EventColumnsThatHoldNoAddressAreScannedToo) {
  Fixture f;
  std::vector<std::string> e(kEnrichedColumns);
  e[kTime] = "2026-11-25T20:18:08+00:00";
  e[kMethod] = "192.0.2.7";
  e[kPort] = "587";
  e[kService] = "postfix/submission/smtpd";
  e[kRdnsStatus] = "OK";
  e[kCountry] = "see 2001:db8::7";
  e[kAsn] = "3320";
  e[kAsOrg] = "Amazon.com, Inc.";
  f.anon.Event(e);
  EXPECT_EQ(e[kMethod], f.Ip("192.0.2.7"));
  EXPECT_EQ(e[kCountry], "see " + f.Ip("2001:db8::7"));
  EXPECT_EQ(e[kPort], "587");
  EXPECT_EQ(e[kService], "postfix/submission/smtpd");
  EXPECT_EQ(e[kRdnsStatus], "OK");
  EXPECT_EQ(e[kAsn], "3320");
  EXPECT_EQ(e[kAsOrg], "Amazon.com, Inc.");
}

// Found by fuzz/anonymize.cpp: an address joined to a word by '+', '-' or '%'
// was kept ("x-192.0.2.1", "59+0::1"). A host name before a ':' stays whole,
// times and words pass unchanged, and a long run of ':' costs no stack.
TEST(Anonymizer, AddressesJoinedToWordsAreReplaced) {
  Fixture f;
  EXPECT_EQ(f.Line("t 20:18>0::1+00"), "t 20:18>" + f.Ip("::1") + "+00");
  EXPECT_EQ(f.Line("a+2001:db8:: b"), "a+" + f.Ip("2001:db8::") + " b");
  EXPECT_EQ(f.Line("fe80::1%192.0.2.1"), f.Ip("fe80::1") + "%" + f.Ip("192.0.2.1"));
  EXPECT_EQ(f.Line("fe80::1%eth0-192.0.2.1 x-1.2.3.4: mail-1.example.org:"),
            f.Ip("fe80::1") + "%eth0-" + f.Ip("192.0.2.1") + " x-" + f.Ip("1.2.3.4") + ": " +
                f.Domain("mail-1.example.org") + ":");
  EXPECT_EQ(
      f.Line("see x-192.0.2.1 and a+2001:db8::1 then 59+0::1"),
      "see x-" + f.Ip("192.0.2.1") + " and a+" + f.Ip("2001:db8::1") + " then 59+" + f.Ip("::1"));
  EXPECT_EQ(f.Line("connect to mail-1.example.org:587 at 2026-11-25T20:18:08+00:00"),
            "connect to " + f.Domain("mail-1.example.org") + ":587 at 2026-11-25T20:18:08+00:00");
  EXPECT_EQ(f.Line("queue-id 4Xz-9+ab%c: status=sent"), "queue-id 4Xz-9+ab%c: status=sent");
  std::string colons(1 << 20, ':');
  EXPECT_EQ(f.Line("x " + colons + "x-192.0.2.1"), "x " + colons + "x-" + f.Ip("192.0.2.1"));
  std::string dashes;
  for (int i = 0; i < 100000; ++i) dashes += "a-";
  EXPECT_EQ(f.Line(dashes + "192.0.2.1"), dashes + f.Ip("192.0.2.1"));
}

// Found by fuzz/anonymize.cpp: the syslog tag was copied as written, an
// address in it too. The tag's words, and the stamp, stay.
TEST(Anonymizer, AnAddressInTheTagIsReplacedItsWordsStay) {
  AnonymizeOptions o;
  o.hostname = true;
  Fixture f(o);
  EXPECT_EQ(f.Line("Dec 31 23:48:54 mx1 dovecot-x(smtp,192.0.2.1,<a1>)[7]: unknown user"),
            "Dec 31 23:48:54 " + f.Domain("mx1") + " dovecot-x(smtp," + f.Ip("192.0.2.1") +
                ",<a1>)[7]: unknown user");
  EXPECT_EQ(
      f.Line("2026-11-25T20:18:08.5+01:00 mx1 postfix/submission/smtpd[18955]: x"),
      "2026-11-25T20:18:08.5+01:00 " + f.Domain("mx1") + " postfix/submission/smtpd[18955]: x");
}

// Found by fuzz/anonymize.cpp: an IPv6 address with a zone was kept whole.
TEST(Anonymizer, AnAddressWithAZoneIsReplacedAndTheZoneKept) {
  Fixture f;
  EXPECT_EQ(f.Line("x unknown[fe80::1%eth0]: y fe80::2%2"),
            "x unknown[" + f.Ip("fe80::1") + "%eth0]: y " + f.Ip("fe80::2") + "%2");
}

}  // namespace
}  // namespace mls
