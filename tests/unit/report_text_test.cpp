#include <gtest/gtest.h>

#include <sstream>

#include "report_format.h"
#include "report_render.h"
#include "report_sample.h"
#include "tz_scope.h"

namespace mls {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// The lines of the section whose title starts with `title`, up to the blank line.
std::vector<std::string> SectionLines(const std::string& text, std::string_view title) {
  std::vector<std::string> all = Lines(text), out;
  bool in = false;
  for (const std::string& l : all) {
    if (in && l.empty()) break;
    if (in) out.push_back(l);
    if (!in && l.starts_with(title)) in = true;
  }
  return out;
}

// Valid UTF-8 with no control character but '\n'.
void ExpectSafeText(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    std::size_t len = DecodeUtf8(text, i, cp);
    ASSERT_NE(0u, len) << "invalid UTF-8 at byte " << i;
    if (cp != '\n') {
      ASSERT_FALSE(cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
                   (cp >= 0x202A && cp <= 0x202E))
          << "control character U+" << std::hex << static_cast<unsigned>(cp) << " at " << i;
    }
    i += len;
  }
}

void ExpectLinesFit(const std::string& text) {
  for (const std::string& l : Lines(text)) {
    EXPECT_LE(DisplayWidth(l), 100u) << l;
    EXPECT_FALSE(l.ends_with(" ")) << "trailing space: [" << l << "]";
  }
}

TEST(DisplayText, EscapesControlBytesBackslashAndInvalidUtf8) {
  EXPECT_EQ("admin", DisplayText("admin"));
  EXPECT_EQ("", DisplayText(""));
  EXPECT_EQ("\\x0D\\x0ABcc: x@y", DisplayText("\r\nBcc: x@y"));
  EXPECT_EQ("a\\\\b", DisplayText("a\\b"));
  EXPECT_EQ("\\\\x41", DisplayText("\\x41"));  // a literal "\x41" stays distinguishable
  EXPECT_EQ("\\x1B[2J\\x7F\\x00\\x09", DisplayText(std::string("\x1b[2J\x7f\0\t", 7)));
  EXPECT_EQ("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80",
            DisplayText("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"));
  EXPECT_EQ("\\xFF\\xFEx", DisplayText("\xFF\xFEx"));
  EXPECT_EQ("\\xC3", DisplayText("\xC3"));  // truncated sequence
  EXPECT_EQ("\\xC3(", DisplayText("\xC3("));
  EXPECT_EQ("\\xC0\\xAF", DisplayText("\xC0\xAF"));           // overlong '/'
  EXPECT_EQ("\\xED\\xA0\\x80", DisplayText("\xED\xA0\x80"));  // surrogate
  // Valid UTF-8 that steers terminals or text direction: C1 CSI, RLO, LS.
  EXPECT_EQ("\\xC2\\x9B2J", DisplayText("\xC2\x9B"
                                        "2J"));
  EXPECT_EQ("evil\\xE2\\x80\\xAEtxt.exe", DisplayText("evil\xE2\x80\xAEtxt.exe"));
  EXPECT_EQ("a\\xE2\\x80\\xA8b", DisplayText("a\xE2\x80\xA8"
                                             "b"));
}

TEST(RenderText, EmptyWindowIsShortAndClear) {
  TzScope tz("Europe/Paris");
  ReportData d = EmptyReport();
  std::string t = RenderText(d);
  EXPECT_NE(std::string::npos, t.find("No failed SMTP authentications in this window.")) << t;
  EXPECT_NE(std::string::npos, t.find("   no attempts yesterday 00:00-14:00\n")) << t;
  EXPECT_EQ(std::string::npos, t.find("ATTEMPTS PER")) << t;
  EXPECT_EQ(std::string::npos, t.find("TOP ")) << t;
  EXPECT_NE(std::string::npos, t.find("DATASET")) << t;
  EXPECT_NE(std::string::npos, t.find("10 rows, 2.0 KiB")) << t;
  EXPECT_LT(Lines(t).size(), 20u) << t;
  ExpectSafeText(t);
  ExpectLinesFit(t);
}

TEST(RenderText, HeaderNamesServerWindowScheduleAndLastRun) {
  TzScope tz("Europe/Paris");
  std::string t = RenderText(FullReport());
  std::vector<std::string> l = Lines(t);
  ASSERT_GT(l.size(), 5u);
  EXPECT_EQ("SMTP AUTH failures on mx.example.test (127.0.0.1)", l[0]);
  EXPECT_EQ(std::string(l[0].size(), '='), l[1]);
  EXPECT_EQ("Window      today, 2026-11-28 00:00 CET .. 2026-11-28 14:00 CET (14 h 00 min)", l[2]);
  EXPECT_EQ("Generated   2026-11-28 14:00:00 CET by maillogsentinel 1.2.3", l[3]);
  EXPECT_EQ("Schedule    OnBootSec=2min, OnUnitActiveSec=10min", l[4]);
  EXPECT_EQ("Last run    2026-11-28 13:56 CET (4 min ago)", l[5]);
  EXPECT_EQ(std::string::npos, t.find("WARNING")) << t;
}

TEST(RenderText, SummaryWithChangeNewIpsAndOutages) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();  // 184 attempts, 80 before
  std::vector<std::string> s = SectionLines(RenderText(d), "SUMMARY");
  ASSERT_EQ(4u, s.size());
  EXPECT_EQ("  Failed logins  184   +104 (+130.0 %) vs 80 yesterday 00:00-14:00", s[0]);
  EXPECT_EQ("  Source IPs       6   2 new (never seen before this window)", s[1]);
  EXPECT_EQ("  User names       4", s[2]);
  EXPECT_EQ("  SASL outages     0", s[3]);

  d.previous_total = 0;
  d.outages = std::nullopt;
  d.new_ip_count = 0;
  s = SectionLines(RenderText(d), "SUMMARY");
  ASSERT_EQ(4u, s.size());
  EXPECT_EQ("  Failed logins      184   no attempts yesterday 00:00-14:00", s[0]);
  EXPECT_EQ("  Source IPs           6", s[1]);
  EXPECT_EQ("  SASL outages   unknown   (op log unreadable)", s[3]);
  d.oplog_path.clear();
  s = SectionLines(RenderText(d), "SUMMARY");
  ASSERT_EQ(4u, s.size());
  EXPECT_EQ("  SASL outages   unknown   (no op log)", s[3]);

  d.previous_total = 184;
  d.outages = 2;
  std::string t = RenderText(d);
  EXPECT_NE(std::string::npos,
            t.find("  Failed logins  184   unchanged vs 184 yesterday 00:00-14:00\n"))
      << t;
  EXPECT_NE(std::string::npos, t.find("!! WARNING: 2 SASL backend outages in this window")) << t;
  ExpectLinesFit(t);

  // A 7-day window compares with the 7 days before it, named by its bounds.
  d.window = {"7d", d.generated - 7 * 86400, d.generated};
  d.previous_window = {"previous", d.generated - 14 * 86400, d.generated - 7 * 86400};
  d.previous_total = 15;
  s = SectionLines(RenderText(d), "SUMMARY");
  // Longer than a line: the note goes under it.
  EXPECT_EQ("  Failed logins  184", s[0]);
  EXPECT_EQ("                  +169 (+1126.7 %) vs 15 in 2026-11-14 14:00 .. 2026-11-21 14:00",
            s[1]);
}

TEST(RenderText, ChartHasOneRowPerBucketWithProportionalBars) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  std::vector<std::string> c = SectionLines(RenderText(d), "ATTEMPTS PER HOUR (peak 40 at 03:00)");
  ASSERT_EQ(d.buckets.size(), c.size());
  const std::string full = "\u2588";
  for (std::size_t i = 0; i < c.size(); ++i) {
    std::uint64_t n = d.buckets[i].count;
    char head[32];
    std::snprintf(head, sizeof head, "  %02zu:00  %2llu", i, static_cast<unsigned long long>(n));
    EXPECT_TRUE(c[i].starts_with(head)) << c[i];
    // 50 columns for the peak (40): 1.25 column per attempt, in eighths.
    std::size_t blocks = Count(c[i], full);
    EXPECT_EQ(n * 50 / 40, blocks) << c[i];
    if (n == 0) {
      EXPECT_EQ(std::string(head), c[i]);
    }
  }
}

TEST(RenderText, PartialFirstAndLastDaysAreMarked) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  d.generated = kNov28 + 18 * 3600;
  d.last_extraction = d.generated - 60;
  d.window = {"7d", d.generated - 7 * 86400, d.generated};
  d.buckets = HourBuckets(d.window.since, 7 * 24, {1, 0});
  d.total = Sum(d.buckets);
  std::string t = RenderText(d);
  std::vector<std::string> c = SectionLines(t, "ATTEMPTS PER DAY");
  ASSERT_EQ(10u, c.size()) << t;  // 8 days and 2 footnotes
  EXPECT_TRUE(c[0].starts_with("  2026-11-21*   3 ")) << c[0];
  EXPECT_TRUE(c[1].starts_with("  2026-11-22   12 ")) << c[1];
  EXPECT_TRUE(c[7].starts_with("  2026-11-28*   9 ")) << c[7];
  EXPECT_EQ("  * 2026-11-21: partial day, 18:00-24:00 in the window", c[8]);
  EXPECT_EQ("  * 2026-11-28: partial day, 00:00-18:00 in the window", c[9]);
  ExpectLinesFit(t);
  // Whole hours: no marks.
  EXPECT_EQ(std::string::npos, RenderText(FullReport()).find('*'));
}

TEST(RenderText, DayClocksGoBackShows25Hours) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  d.window = {"yesterday", kFallBack, kFallBack + 25 * 3600};
  d.generated = kFallBack + 30 * 3600;
  d.last_extraction = d.generated - 60;
  d.buckets = HourBuckets(kFallBack, 25, {5, 1});
  d.total = Sum(d.buckets);
  std::string t = RenderText(d);
  std::vector<std::string> c = SectionLines(t, "ATTEMPTS PER HOUR");
  ASSERT_EQ(25u, c.size()) << t;
  EXPECT_TRUE(c[2].starts_with("  02:00 CEST")) << c[2];
  EXPECT_TRUE(c[3].starts_with("  02:00 CET ")) << c[3];
  EXPECT_TRUE(c[24].starts_with("  23:00     ")) << c[24];
  EXPECT_NE(std::string::npos,
            t.find("Window      yesterday, 2026-10-25 00:00 CEST .. 2026-10-26 00:00 CET\n"
                   "            (25 h 00 min)\n"))
      << t;
}

TEST(RenderText, HostileStringsAreShownInertAndLinesFit) {
  TzScope tz("Europe/Paris");
  std::string long_name(300, 'n');
  for (const std::string& evil :
       {std::string("\r\nBcc: x@y"), std::string("<script>alert(1)</script>"),
        std::string("\x1b]0;owned\x07\x1b[2J"), std::string("\xFF\xFE\xC3"),
        std::string("\xC2\x9B"
                    "31m"),
        std::string("\xE2\x80\xAE"
                    "gpj.exe"),
        long_name, std::string(200, '\\'), std::string("a\0b", 3)}) {
    ReportData d = FullReport(evil, evil);
    d.server_name = evil;
    d.dataset_path = "/tmp/" + evil;
    d.top_countries[0].key = evil;
    d.top_as_orgs[0].key = evil;
    d.top_asns[0].key = evil;
    d.rdns_failures[0].key = evil;
    d.spraying[0].user = evil;
    std::string t = RenderText(d);
    ExpectSafeText(t);
    ExpectLinesFit(t);
  }
  ReportData d = FullReport("\r\nBcc: x@y");
  std::string t = RenderText(d);
  EXPECT_NE(std::string::npos, t.find("\\x0D\\x0ABcc: x@y")) << t;
  EXPECT_EQ(std::string::npos, t.find("\r")) << t;
  // A very long name is cut with an ellipsis, the rows stay aligned.
  t = RenderText(FullReport(long_name, long_name));
  EXPECT_NE(std::string::npos, t.find("nnnnn\u2026")) << t;
  EXPECT_EQ(std::string::npos, t.find(long_name)) << t;
}

TEST(RenderText, ColumnsAlignWithWideAndEscapedNames) {
  TzScope tz("Europe/Paris");
  // 日本語ユーザー (wide), an escaped name, an ASCII one.
  std::string wide = "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x83\xA6\xE3\x83\xBC\xE3\x82\xB6";
  ReportData d = FullReport(wide, "h\xC3\xA9te.example.test");
  d.top_auth[1].user = "a\tb";
  std::string t = RenderText(d);
  std::vector<std::string> rows = SectionLines(t, "TOP FAILED AUTHENTICATIONS");
  ASSERT_EQ(4u, rows.size()) << t;
  auto col = [](const std::string& line, std::string_view cell) {
    std::size_t at = line.find(cell);
    return at == std::string::npos ? std::size_t{999} : DisplayWidth(line.substr(0, at));
  };
  std::size_t ip = col(rows[0], "IP"), cc = col(rows[0], "CC"), host = col(rows[0], "HOSTNAME");
  EXPECT_EQ(ip, col(rows[1], "127.0.0.2"));
  EXPECT_EQ(ip, col(rows[2], "::1"));
  EXPECT_EQ(ip, col(rows[3], "127.0.0.3"));
  EXPECT_EQ(cc, col(rows[1], "CN"));
  EXPECT_EQ(host, col(rows[1], "h\xC3\xA9te.example.test"));
  EXPECT_EQ(host, col(rows[3], "h3.example.test"));
  EXPECT_EQ(col(rows[0], "USER"), col(rows[1], wide));
  EXPECT_EQ(col(rows[0], "USER"), col(rows[2], "a\\x09b"));
  // Counts are right-aligned under COUNT.
  EXPECT_EQ("  COUNT", rows[0].substr(0, 7));
  EXPECT_EQ("     40", rows[1].substr(0, 7));
  EXPECT_EQ("      3", rows[3].substr(0, 7));
  // The user list: the name column starts where its header does.
  std::vector<std::string> users = SectionLines(t, "TOP USER NAMES (4 distinct)");
  ASSERT_EQ(4u, users.size());
  std::size_t user = col(users[0], "USER");
  EXPECT_EQ(user, col(users[1], wide));
  EXPECT_EQ(user, col(users[3], "(none)"));
  EXPECT_NE(std::string::npos, users[1].find("32.6 %"));  // 60 of 184
}

TEST(RenderText, EverySectionOfAFullReport) {
  TzScope tz("Europe/Paris");
  std::string t = RenderText(FullReport());
  const char* order[] = {"SUMMARY",
                         "ATTEMPTS PER HOUR",
                         "TOP FAILED AUTHENTICATIONS",
                         "TOP USER NAMES (4 distinct)",
                         "TOP SOURCE IPS (6 distinct)",
                         "BRUTE FORCE",
                         "PASSWORD SPRAYING",
                         "NEW SOURCE IPS (2 never seen before this window)",
                         "TOP COUNTRIES",
                         "TOP AS ORGANISATIONS",
                         "TOP ASNS",
                         "REVERSE DNS (164 OK, 89.1 %)",
                         "DATASET"};
  std::size_t at = 0;
  for (const char* s : order) {
    std::size_t next = t.find(std::string("\n") + s, at);
    ASSERT_NE(std::string::npos, next) << s << "\n" << t;
    at = next + 1;
  }
  std::vector<std::string> ips = SectionLines(t, "TOP SOURCE IPS");
  ASSERT_EQ(5u, ips.size());
  EXPECT_EQ("  COUNT  USERS  IP         CC  ASN     AS ORGANISATION    HOSTNAME", ips[0]);
  EXPECT_EQ("  CC, ASN, organisation and hostname: from each IP's latest row", ips[3]);
  EXPECT_EQ("  (TOP COUNTRIES counts every row)", ips[4]);
  EXPECT_EQ("     70      3  127.0.0.2  CN  AS4134  CHINANET-BACKBONE  scanner.example.net",
            ips[1]);
  EXPECT_EQ("     17      1  ::1        -   -       -                  -", ips[2]);
  std::vector<std::string> bf = SectionLines(t, "BRUTE FORCE");
  ASSERT_EQ(2u, bf.size());
  EXPECT_EQ("      3     70  127.0.0.2  CN  00:01..03:00  scanner.example.net", bf[1]);
  std::vector<std::string> sp = SectionLines(t, "PASSWORD SPRAYING");
  ASSERT_EQ(2u, sp.size());
  EXPECT_EQ("    2     60  admin", sp[1]);
  std::vector<std::string> cc = SectionLines(t, "TOP COUNTRIES");
  ASSERT_EQ(4u, cc.size());
  EXPECT_EQ("     70  38.0 %  CN", cc[1]);
  EXPECT_EQ("     17   9.2 %  (unknown)", cc[2]);
  std::vector<std::string> asn = SectionLines(t, "TOP ASNS");
  ASSERT_EQ(3u, asn.size());
  EXPECT_EQ("     70  38.0 %  AS4134", asn[1]);
  std::vector<std::string> rdns = SectionLines(t, "REVERSE DNS");
  ASSERT_EQ(3u, rdns.size());
  EXPECT_EQ("     17  9.2 %  NXDOMAIN", rdns[1]);  // SHARE as wide as "SHARE"
  std::vector<std::string> ds = SectionLines(t, "DATASET");
  ASSERT_EQ(2u, ds.size());
  EXPECT_EQ("  /var/lib/maillogsentinel/maillogsentinel.csv", ds[0]);
  EXPECT_EQ("  10 rows, 2.0 KiB, 2026-10-29 00:00 .. 2026-11-27 23:00", ds[1]);
}

TEST(RenderText, EmptyListsSaySo) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  d.brute_force.clear();
  d.spraying.clear();
  d.new_ips.clear();
  d.new_ip_count = 0;
  d.rdns_failures.clear();
  std::string t = RenderText(d);
  EXPECT_NE(std::string::npos, t.find("  none: no IP tried more than one user name")) << t;
  EXPECT_NE(std::string::npos, t.find("  none: no user name was tried from more than one IP")) << t;
  EXPECT_NE(std::string::npos, t.find("NEW SOURCE IPS (0 never seen before this window)\n  none\n"))
      << t;
  EXPECT_NE(std::string::npos, t.find("  no failures\n")) << t;
}

TEST(RenderText, LongWindowsShowDatesInTimes) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  d.window = {"7d", kNov28 - 6 * 86400, kNov28 + 86400};
  d.buckets = HourBuckets(d.window.since, 7 * 24, {1});
  d.total = Sum(d.buckets);
  std::string t = RenderText(d);
  std::vector<std::string> c = SectionLines(t, "ATTEMPTS PER DAY (peak 24 at 2026-11-22)");
  ASSERT_EQ(7u, c.size()) << t;
  EXPECT_TRUE(c[6].starts_with("  2026-11-28  24  ")) << c[6];
  EXPECT_NE(std::string::npos, t.find("11-28 00:01..11-28 03:00")) << t;
}

}  // namespace
}  // namespace mls

namespace mls {
namespace {

TEST(RenderText, NoBucketsNoChartAndUnrecordedRdnsStatus) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  d.buckets.clear();
  d.rdns_failures = {{"", 12}};
  std::string t = RenderText(d);
  EXPECT_EQ(std::string::npos, t.find("ATTEMPTS PER")) << t;
  EXPECT_NE(std::string::npos, t.find("TOP FAILED AUTHENTICATIONS")) << t;
  EXPECT_NE(std::string::npos, t.find("     12  6.5 %  (not recorded)\n")) << t;
}

}  // namespace
}  // namespace mls

namespace mls {
namespace {

TEST(RenderText, RandomBytesInEveryNameStaySafe) {
  TzScope tz("Europe/Paris");
  std::uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1103515245u + 12345u, seed >> 16; };
  for (int round = 0; round < 200; ++round) {
    std::string junk(next() % 160, '\0');
    for (char& c : junk) c = static_cast<char>(next() & 0xFF);
    ReportData d = FullReport(junk, junk);
    d.top_as_orgs[0].key = junk;
    d.spraying[0].user = junk;
    std::string t = RenderText(d);
    ExpectSafeText(t);
    ExpectLinesFit(t);
    std::string shown = DisplayText(junk);
    for (std::size_t i = 0; i < shown.size();) {  // DisplayText alone: safe too
      char32_t cp = 0;
      std::size_t len = DecodeUtf8(shown, i, cp);
      ASSERT_NE(0u, len);
      ASSERT_FALSE(cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F));
      i += len;
    }
  }
}

}  // namespace
}  // namespace mls
