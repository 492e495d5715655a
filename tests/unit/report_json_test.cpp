#include <gtest/gtest.h>

#include "report.h"
#include "report_render.h"
#include "syslog_time.h"
#include "tz_scope.h"

namespace mls {
namespace {

std::time_t At(const char* iso) { return ParseIso8601Instant(iso).value(); }

// The string RenderJson writes for `s` (as the value of "user" in top_users).
std::string JsonString(const std::string& s) {
  ReportData d;
  d.top_users = {{s, 1}};
  std::string json = RenderJson(d);
  std::string key = "{\"user\": ";
  std::size_t a = json.find(key);
  EXPECT_NE(std::string::npos, a);
  a += key.size();
  std::size_t b = json.find(", \"count\": 1}", a);
  EXPECT_NE(std::string::npos, b);
  return json.substr(a, b - a);
}

ReportData Sample() {
  ReportData d;
  d.version = "1.2.3";
  d.server_name = "mx1.example.org";
  d.server_address = "127.0.0.1";
  d.generated = At("2026-11-25T15:30:00+01:00");
  d.window = {"today", At("2026-11-25T00:00:00+01:00"), d.generated};
  d.previous_window = {"previous", At("2026-11-24T08:30:00+01:00"), d.window.since};
  d.previous_total = 4;
  d.schedule = "OnCalendar=*:0/10";
  d.last_extraction = At("2026-11-25T15:20:00+01:00");
  d.dataset_path = "/var/lib/maillogsentinel/maillogsentinel.csv";
  d.total = 3;
  d.distinct_ips = 2;
  d.distinct_users = 1;
  d.no_user = 1;
  d.top_auth = {{"admin", "127.0.0.1", "h.example", "FR", 2}};
  d.top_users = {{"admin", 2}};
  IpCount ip;
  ip.ip = "127.0.0.1";
  ip.hostname = "h.example";
  ip.country = "FR";
  ip.asn = "3215";
  ip.as_org = "Orange";
  ip.count = 2;
  ip.distinct_users = 2;
  ip.first = At("2026-11-25T01:00:00+01:00");
  ip.last = At("2026-11-25T02:00:00+01:00");
  d.top_ips = {ip};
  d.top_countries = {{"FR", 3}};
  d.top_as_orgs = {{"Orange", 3}};
  d.top_asns = {{"3215", 3}};
  d.rdns_ok = 2;
  d.rdns_failures = {{"NXDOMAIN", 1}};
  d.buckets = {{At("2026-11-25T00:00:00+01:00"), 0}, {At("2026-11-25T01:00:00+01:00"), 3}};
  d.brute_force = {ip};
  d.spraying = {{"admin", 2, 2}};
  d.new_ip_count = 1;
  d.new_ips = {ip};
  d.outages = 2;
  d.dataset_rows = 10;
  d.dataset_bytes = 1234;
  d.skipped_rows = 1;
  d.dataset_first = At("2026-11-01T00:00:00+01:00");
  d.dataset_last = At("2026-11-25T02:00:00+01:00");
  return d;
}

TEST(ReportJson, TheDocumentedLayout) {
  TzScope tz("Europe/Paris");
  const std::string ipobj =
      "{\"ip\": \"127.0.0.1\", \"count\": 2, \"distinct_users\": 2, "
      "\"first\": \"2026-11-25T01:00:00+01:00\", \"last\": \"2026-11-25T02:00:00+01:00\", "
      "\"hostname\": \"h.example\", \"country\": \"FR\", \"asn\": 3215, \"as_org\": "
      "\"Orange\"}";
  std::string want =
      "{\n"
      "  \"version\": \"1.2.3\",\n"
      "  \"generated\": \"2026-11-25T15:30:00+01:00\",\n"
      "  \"server\": {\"name\": \"mx1.example.org\", \"address\": \"127.0.0.1\"},\n"
      "  \"schedule\": \"OnCalendar=*:0/10\",\n"
      "  \"last_extraction\": \"2026-11-25T15:20:00+01:00\",\n"
      "  \"window\": {\"name\": \"today\", \"since\": \"2026-11-25T00:00:00+01:00\", "
      "\"until\": \"2026-11-25T15:30:00+01:00\"},\n"
      "  \"previous_window\": {\"since\": \"2026-11-24T08:30:00+01:00\", "
      "\"until\": \"2026-11-25T00:00:00+01:00\", \"total\": 4},\n"
      "  \"total\": 3,\n"
      "  \"distinct_ips\": 2,\n"
      "  \"distinct_users\": 1,\n"
      "  \"no_user\": 1,\n"
      "  \"outages\": 2,\n"
      "  \"logins_after_failures\": {\"tracked\": false, \"lookback_days\": 30, \"high\": 0, "
      "\"low\": 0, \"cases\": []},\n"
      "  \"top_auth\": [\n"
      "    {\"user\": \"admin\", \"ip\": \"127.0.0.1\", \"hostname\": \"h.example\", "
      "\"country\": \"FR\", \"count\": 2}\n"
      "  ],\n"
      "  \"top_users\": [\n"
      "    {\"user\": \"admin\", \"count\": 2}\n"
      "  ],\n"
      "  \"top_ips\": [\n"
      "    " +
      ipobj +
      "\n"
      "  ],\n"
      "  \"top_countries\": [\n"
      "    {\"country\": \"FR\", \"count\": 3}\n"
      "  ],\n"
      "  \"top_as_orgs\": [\n"
      "    {\"as_org\": \"Orange\", \"count\": 3}\n"
      "  ],\n"
      "  \"top_asns\": [\n"
      "    {\"asn\": 3215, \"count\": 3}\n"
      "  ],\n"
      "  \"rdns\": {\"ok\": 2, \"failures\": [\n"
      "      {\"status\": \"NXDOMAIN\", \"count\": 1}\n"
      "    ]},\n"
      "  \"attempts\": {\"bucket_seconds\": 3600, \"buckets\": [\n"
      "      {\"start\": \"2026-11-25T00:00:00+01:00\", \"count\": 0},\n"
      "      {\"start\": \"2026-11-25T01:00:00+01:00\", \"count\": 3}\n"
      "    ]},\n"
      "  \"brute_force\": [\n"
      "    " +
      ipobj +
      "\n"
      "  ],\n"
      "  \"spraying\": [\n"
      "    {\"user\": \"admin\", \"count\": 2, \"distinct_ips\": 2}\n"
      "  ],\n"
      "  \"new_ips\": {\"count\": 1, \"top\": [\n"
      "      " +
      ipobj +
      "\n"
      "    ]},\n"
      "  \"dataset\": {\"path\": \"/var/lib/maillogsentinel/maillogsentinel.csv\", \"error\": "
      "null, "
      "\"rows\": 10, \"bytes\": 1234, \"skipped_rows\": 1, "
      "\"first\": \"2026-11-01T00:00:00+01:00\", \"last\": \"2026-11-25T02:00:00+01:00\"}\n"
      "}\n";
  EXPECT_EQ(want, RenderJson(Sample()));
}

TEST(ReportJson, NullsEmptyListsAndThresholdIps) {
  TzScope tz("UTC");
  ReportData d;
  std::string json = RenderJson(d);
  EXPECT_NE(std::string::npos, json.find("\n  \"last_extraction\": null,\n"));
  EXPECT_NE(std::string::npos, json.find("\n  \"outages\": null,\n"));
  EXPECT_NE(std::string::npos, json.find("\n  \"top_auth\": [],\n"));
  EXPECT_NE(std::string::npos, json.find("\"buckets\": []}"));
  EXPECT_NE(std::string::npos, json.find("\"first\": null, \"last\": null}\n}\n"));
  EXPECT_EQ(std::string::npos, json.find("threshold"));
  EXPECT_NE(std::string::npos, json.find("\"address\": null}")) << json;

  // Unknown values are null, ASNs numbers (null when not a 32-bit decimal).
  IpCount ip;
  ip.ip = "127.0.0.1";
  ip.asn = "AS3215";
  d.top_ips = {ip};
  d.top_asns = {{"", 2}, {"4294967295", 1}, {"4294967296", 1}, {"x", 1}};
  d.top_countries = {{"", 1}};
  d.rdns_failures = {{"", 1}};
  json = RenderJson(d);
  EXPECT_NE(std::string::npos, json.find("\"hostname\": null, \"country\": null, \"asn\": null, "
                                         "\"as_org\": null}"))
      << json;
  EXPECT_NE(std::string::npos, json.find("    {\"asn\": null, \"count\": 2},\n"
                                         "    {\"asn\": 4294967295, \"count\": 1},\n"
                                         "    {\"asn\": null, \"count\": 1},\n"
                                         "    {\"asn\": null, \"count\": 1}\n"))
      << json;
  EXPECT_NE(std::string::npos, json.find("{\"country\": null, \"count\": 1}")) << json;
  EXPECT_NE(std::string::npos, json.find("{\"status\": null, \"count\": 1}")) << json;
  d = ReportData();

  d.threshold = 5;
  json = RenderJson(d);
  EXPECT_NE(std::string::npos,
            json.find(",\n  \"threshold_ips\": {\"threshold\": 5, \"ips\": []}\n}\n"))
      << json;
  d.threshold_ips = {{"127.0.0.1", 9}, {"::1", 5}};
  json = RenderJson(d);
  EXPECT_NE(std::string::npos, json.find("\"threshold_ips\": {\"threshold\": 5, \"ips\": [\n"
                                         "      {\"ip\": \"127.0.0.1\", \"count\": 9},\n"
                                         "      {\"ip\": \"::1\", \"count\": 5}\n"
                                         "    ]}\n}\n"))
      << json;
}

TEST(ReportJson, StringsAreEscapedPerRfc8259) {
  EXPECT_EQ("\"plain\"", JsonString("plain"));
  EXPECT_EQ("\"\"", JsonString(""));
  EXPECT_EQ("\"say \\\"hi\\\" \\\\ /\"", JsonString("say \"hi\" \\ /"));
  EXPECT_EQ("\"\\r\\nBcc: x@y\"", JsonString("\r\nBcc: x@y"));
  EXPECT_EQ("\"\\t\\b\\f\\u0000\\u001b\\u007f\"", JsonString(std::string("\t\b\f\0\x1b\x7f", 6)));
  EXPECT_EQ("\"jos\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"",
            JsonString("jos\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_EQ("\"a\\u2028b\\u2029c\"", JsonString("a\xE2\x80\xA8"
                                                "b\xE2\x80\xA9"
                                                "c"));
}

TEST(ReportJson, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ("\"a" + fffd + "b\"", JsonString("a\xFF"
                                             "b"));
  EXPECT_EQ("\"" + fffd + "(\"", JsonString("\xC3("));                      // truncated sequence
  EXPECT_EQ("\"" + fffd + fffd + "\"", JsonString("\xC0\xAF"));             // overlong '/'
  EXPECT_EQ("\"" + fffd + fffd + fffd + "\"", JsonString("\xED\xA0\x80"));  // surrogate
  EXPECT_EQ("\"x" + fffd + fffd + "\"", JsonString("x\xE2\x82"));  // cut short: one per byte
}

TEST(ReportIps, OneValidAddressPerLine) {
  ReportData d;
  d.threshold = 1;
  d.threshold_ips = {{"127.0.0.1", 9},     {"::1", 5},         {"", 4},
                     {"127.0.0.4; rm", 3}, {"127.0.0.2\n", 2}, {"::ffff:127.0.0.3", 1}};
  EXPECT_EQ("127.0.0.1\n::1\n::ffff:127.0.0.3\n", RenderIps(d));
  EXPECT_EQ("", RenderIps(ReportData()));
}

}  // namespace
}  // namespace mls
