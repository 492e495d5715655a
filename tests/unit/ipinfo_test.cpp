#include "ipinfo.h"

#include <gtest/gtest.h>

#include <sstream>

namespace mls {
namespace {

TEST(JsonString, Escapes) {
  EXPECT_EQ(R"("")", JsonString(""));
  EXPECT_EQ(R"("Example Net DE")", JsonString("Example Net DE"));
  EXPECT_EQ(R"("=HYPERLINK(\"x\");evil")", JsonString("=HYPERLINK(\"x\");evil"));
  EXPECT_EQ(R"("a\\b")", JsonString("a\\b"));
  EXPECT_EQ(R"("a\nb\tc\rd\u0000e\u001bf\u007f")", JsonString(std::string("a\nb\tc\rd\0e\x1b"
                                                                          "f\x7f",
                                                                          12)));
  EXPECT_EQ("\"Telef\xC3\xB3nica \xE4\xB8\xAD \xF0\x9F\x98\x80\"",
            JsonString("Telef\xC3\xB3nica \xE4\xB8\xAD \xF0\x9F\x98\x80"));
  EXPECT_EQ(R"("a\u2028b\u2029c")", JsonString("a\xE2\x80\xA8"
                                               "b\xE2\x80\xA9"
                                               "c"));
}

TEST(JsonString, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(R"("a\ufffdb")", JsonString("a\xFF"
                                        "b"));
  EXPECT_EQ(R"("\ufffd\ufffd")", JsonString("\xC0\xAF"));            // overlong '/'
  EXPECT_EQ(R"("\ufffd\ufffd\ufffd")", JsonString("\xED\xA0\x80"));  // surrogate
  EXPECT_EQ(R"("x\ufffd\ufffd")", JsonString("x\xE4\xB8"));          // truncated: one per byte
  EXPECT_EQ(R"("\ufffd\ufffd\ufffd\ufffd")", JsonString("\xF4\x90\x80\x80"));  // > U+10FFFF
}

TEST(FormatIpinfoJson, FieldsAndNulls) {
  EXPECT_EQ(R"({"ip":"192.0.2.1","country":"DE","asn":64500,"as_org":"Example Net DE"})"
            "\n",
            FormatIpinfoJson({"192.0.2.1", {"DE", "64500", "Example Net DE"}}));
  EXPECT_EQ(R"({"ip":"10.0.0.1","country":null,"asn":null,"as_org":null})"
            "\n",
            FormatIpinfoJson({"10.0.0.1", {}}));
  EXPECT_EQ(R"({"ip":"198.18.0.1","country":null,"asn":64505,"as_org":"=HYPERLINK(\"x\");evil"})"
            "\n",
            FormatIpinfoJson({"198.18.0.1", {"", "64505", "=HYPERLINK(\"x\");evil"}}));
  // Not digits (cannot come from geo.cpp): never emitted as a bare JSON token.
  EXPECT_EQ(R"({"ip":"::1","country":null,"asn":null,"as_org":null})"
            "\n",
            FormatIpinfoJson({"::1", {"", "1,2", ""}}));
}

TEST(FormatIpinfoText, AlignedColumns) {
  std::vector<IpinfoRow> rows = {
      {"192.0.2.1", {"DE", "64500", "Example Net DE"}},
      {"2001:db8::1", {"NL", "64504", "IPv6 Docs B.V."}},
      {"10.0.0.1", {}},
      {"100.64.0.1", {"", "7", ""}},
  };
  EXPECT_EQ(
      "192.0.2.1    DE  AS64500  Example Net DE\n"
      "2001:db8::1  NL  AS64504  IPv6 Docs B.V.\n"
      "10.0.0.1     -   -        -\n"
      "100.64.0.1   -   AS7      -\n",
      FormatIpinfoText(rows));
  EXPECT_EQ("", FormatIpinfoText({}));
}

TEST(FormatIpinfoText, ControlCharactersEscaped) {
  EXPECT_EQ("192.0.2.1  DE  AS1  evil\\x0A192.0.2.2 \\x1B[31m\\\\\n",
            FormatIpinfoText({{"192.0.2.1", {"DE", "1", "evil\n192.0.2.2 \x1b[31m\\"}}}));
}

TEST(RunIpinfoQuery, InvalidAddressesAndMissingDatabases) {
  IpinfoQuery q;
  q.country_db = "/nonexistent/country.mmdb";
  q.ips = {"192.0.2.1", "300.1.2.3", "2001:db8::1", "x\ny"};
  std::ostringstream out;
  std::vector<std::string> w;
  int rc = RunIpinfoQuery(q, out, [&](const std::string& m) { w.push_back(m); });
  EXPECT_EQ(1, rc);
  EXPECT_EQ("192.0.2.1    -  -  -\n2001:db8::1  -  -  -\n", out.str());
  std::vector<std::string> want = {"no ASN database configured (asn_db_path)",
                                   "/nonexistent/country.mmdb: No such file or directory",
                                   "300.1.2.3: not an IP address", "x\\x0Ay: not an IP address"};
  EXPECT_EQ(want, w);

  q.ips = {"::1"};
  q.json = true;
  out.str("");
  w.clear();
  EXPECT_EQ(0, RunIpinfoQuery(q, out, [&](const std::string& m) { w.push_back(m); }));
  EXPECT_EQ(R"({"ip":"::1","country":null,"asn":null,"as_org":null})"
            "\n",
            out.str());
  EXPECT_EQ(2u, w.size());
}

TEST(RunIpinfoUpdate, FailureIsReportedAndNothingElseHappens) {
  IpinfoUpdate u;
  u.country_url = "file:///nonexistent/dir/x.mmdb";
  u.country_db = "/nonexistent/dir/country.mmdb";
  std::ostringstream out;
  std::vector<std::string> w;
  EXPECT_EQ(1, RunIpinfoUpdate(u, out, [&](const std::string& m) { w.push_back(m); }));
  EXPECT_EQ("", out.str());
  ASSERT_EQ(1u, w.size());
  EXPECT_EQ(0u, w[0].rfind("file:///nonexistent/dir/x.mmdb: ", 0)) << w[0];
}

}  // namespace
}  // namespace mls
