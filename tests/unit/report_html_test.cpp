#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

#include "report_format.h"
#include "report_render.h"
#include "report_sample.h"
#include "tz_scope.h"

namespace mls {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Checks that tags nest properly and that the text between tags and inside
// attribute values has no raw '<', '>' or stray '&'. Returns "" or the problem.
std::string CheckWellFormed(const std::string& html) {
  static const std::set<std::string> kVoid = {"meta", "br", "hr", "img", "link", "input", "col"};
  std::vector<std::string> stack;
  std::size_t i = html.find("<html");
  if (html.rfind("<!DOCTYPE html>\n", 0) != 0) return "no doctype";
  auto check_text = [](std::string_view text) -> std::string {
    for (std::size_t k = 0; k < text.size(); ++k) {
      if (text[k] == '>') return "raw '>' in text";
      if (text[k] == '&') {
        std::size_t semi = text.find(';', k);
        if (semi == std::string_view::npos || semi - k > 8) return "stray '&'";
        std::string_view ent = text.substr(k, semi - k + 1);
        if (ent != "&amp;" && ent != "&lt;" && ent != "&gt;" && ent != "&quot;" && ent != "&#39;" &&
            ent != "&nbsp;") {
          return "unknown entity " + std::string(ent);
        }
      }
    }
    return "";
  };
  while (i < html.size()) {
    std::size_t lt = html.find('<', i);
    if (std::string e = check_text(std::string_view(html).substr(i, lt - i)); !e.empty()) {
      return e + " near " + html.substr(i, 60);
    }
    if (lt == std::string::npos) break;
    std::size_t gt = lt + 1;
    char quote = 0;
    for (; gt < html.size(); ++gt) {
      char c = html[gt];
      if (quote) {
        if (c == quote) quote = 0;
        if (c == '<' || c == '>')
          return "raw '<' or '>' in an attribute near " + html.substr(lt, 80);
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      } else if (c == '<') {
        return "'<' inside a tag near " + html.substr(lt, 80);
      }
    }
    if (gt >= html.size()) return "unterminated tag";
    std::string tag = html.substr(lt + 1, gt - lt - 1);
    bool closing = !tag.empty() && tag[0] == '/';
    std::string name = tag.substr(closing ? 1 : 0);
    name = Lower(name.substr(0, name.find_first_of(" \t\n")));
    if (closing) {
      if (stack.empty() || stack.back() != name) {
        return "</" + name + "> closes <" + (stack.empty() ? "" : stack.back()) + ">";
      }
      stack.pop_back();
    } else if (!kVoid.count(name)) {
      stack.push_back(name);
    }
    i = gt + 1;
  }
  if (!stack.empty()) return "<" + stack.back() + "> left open";
  return "";
}

// Valid UTF-8 without control characters other than '\n'.
bool SafeUtf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    std::size_t len = DecodeUtf8(s, i, cp);
    if (len == 0) return false;
    if (cp != '\n' && (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))) return false;
    i += len;
  }
  return true;
}

struct Tag {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;  // name (lower case), raw value
};

// The start tags of `html` with their attributes (quoted values only, as we write them).
std::vector<Tag> Tags(const std::string& html) {
  std::vector<Tag> tags;
  for (std::size_t lt = html.find('<'); lt != std::string::npos; lt = html.find('<', lt + 1)) {
    std::size_t k = lt + 1;
    if (k < html.size() && (html[k] == '/' || html[k] == '!')) continue;
    Tag t;
    while (k < html.size() && std::isalnum(static_cast<unsigned char>(html[k])))
      t.name += html[k++];
    t.name = Lower(t.name);
    for (;;) {
      while (k < html.size() && html[k] == ' ') ++k;
      if (k >= html.size() || html[k] == '>') break;
      std::string name;
      while (k < html.size() && html[k] != '=' && html[k] != ' ' && html[k] != '>')
        name += html[k++];
      std::string value;
      if (k < html.size() && html[k] == '=') {
        char q = html[++k];
        std::size_t end = html.find(q, k + 1);
        value = html.substr(k + 1, end - k - 1);
        k = end + 1;
      }
      t.attrs.push_back({Lower(name), value});
    }
    tags.push_back(std::move(t));
  }
  return tags;
}

// Nothing that runs, loads or leaves the document: only our tags, no URL-bearing
// attribute, no event handler, no url() in styles.
void ExpectInert(const std::string& html) {
  static const std::set<std::string> kAllowed = {
      "html", "head", "meta", "title", "body", "table", "caption", "thead", "tbody", "tr",
      "th",   "td",   "h1",   "h2",    "p",    "span",  "div",     "b",     "br"};
  for (const Tag& t : Tags(html)) {
    EXPECT_TRUE(kAllowed.count(t.name)) << "<" << t.name << ">";
    for (const auto& [name, value] : t.attrs) {
      EXPECT_FALSE(name.starts_with("on")) << name;
      EXPECT_TRUE(name != "src" && name != "href" && name != "background" && name != "action" &&
                  name != "srcset" && name != "poster")
          << name;
      if (name == "style") {
        std::string v = Lower(value);
        EXPECT_EQ(std::string::npos, v.find("url(")) << value;
        EXPECT_EQ(std::string::npos, v.find("expression")) << value;
        EXPECT_EQ(std::string::npos, v.find("@import")) << value;
      }
    }
  }
  std::string l = Lower(html);
  EXPECT_EQ(std::string::npos, l.find("<script"));
  EXPECT_EQ(std::string::npos, l.find("<style"));
}

TEST(RenderHtml, DocumentIsWellFormedInertUtf8) {
  TzScope tz("Europe/Paris");
  std::string h = RenderHtml(FullReport());
  EXPECT_EQ("", CheckWellFormed(h));
  EXPECT_NE(std::string::npos, h.find("<meta charset=\"utf-8\">"));
  EXPECT_NE(std::string::npos, h.find("<html lang=\"en\">"));
  EXPECT_NE(std::string::npos,
            h.find("<title>SMTP AUTH failures on mx.example.test: today, 2026-11-28 00:00 CET .. "
                   "2026-11-28 14:00 CET (14 h 00 min)</title>"));
  EXPECT_TRUE(SafeUtf8(h));
  ExpectInert(h);
}

TEST(RenderHtml, ChartHasOneBarPerBucketCarryingItsCount) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  std::string h = RenderHtml(d);
  ASSERT_NE(std::string::npos, h.find("<table id=\"chart\""));
  std::regex bar("<td class=\"bar\" data-count=\"(\\d+)\" title=\"([^\"]*)\"");
  std::vector<std::pair<std::uint64_t, std::string>> bars;
  for (std::sregex_iterator it(h.begin(), h.end(), bar), end; it != end; ++it) {
    bars.push_back({std::stoull((*it)[1]), (*it)[2]});
  }
  ASSERT_EQ(d.buckets.size(), bars.size());
  for (std::size_t i = 0; i < bars.size(); ++i) {
    EXPECT_EQ(d.buckets[i].count, bars[i].first);
    char title[64];
    std::snprintf(title, sizeof title, "%02zu:00: %llu attempt%s", i,
                  static_cast<unsigned long long>(d.buckets[i].count),
                  d.buckets[i].count == 1 ? "" : "s");
    EXPECT_EQ(title, bars[i].second);
  }
  // The filled part is a percentage of the peak (40): 17 -> 43 %, 0 -> nothing.
  EXPECT_NE(std::string::npos, h.find("data-count=\"17\" title=\"02:00: 17 attempts\" "
                                      "style=\"padding:1px 0;width:100%;\"><table "
                                      "role=\"presentation\" width=\"43%\""));
  EXPECT_NE(std::string::npos,
            h.find("data-count=\"0\" title=\"01:00: 0 attempts\" style=\"padding:1px 0;width:"
                   "100%;\"></td>"));
  EXPECT_EQ(2u, Count(h,
                      "width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
                      "style=\"width:100%;\"><tr><td height=\"12\""));  // the two 40s
  EXPECT_NE(std::string::npos, h.find("<caption"));
  EXPECT_NE(std::string::npos, h.find("peak 40 at 03:00"));
}

TEST(RenderHtml, DayClocksGoBack) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  d.window = {"yesterday", kFallBack, kFallBack + 25 * 3600};
  d.buckets = HourBuckets(kFallBack, 25, {2});
  d.total = Sum(d.buckets);
  std::string h = RenderHtml(d);
  EXPECT_EQ(25u, Count(h, "<td class=\"bar\""));
  EXPECT_NE(std::string::npos, h.find("title=\"02:00 CEST: 2 attempts\""));
  EXPECT_NE(std::string::npos, h.find("title=\"02:00 CET: 2 attempts\""));
  EXPECT_EQ("", CheckWellFormed(h));
}

TEST(RenderHtml, PartialRowsHaveALighterBarAndSayWhy) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  d.window.until = kNov28 + 13 * 3600 + 45 * 60;  // the 13:00 hour is cut at 13:45
  d.generated = d.window.until;
  std::string h = RenderHtml(d);
  EXPECT_EQ(14u, Count(h, "<td class=\"bar\""));
  EXPECT_EQ(1u, Count(h, "data-partial="));
  EXPECT_NE(std::string::npos,
            h.find("data-count=\"22\" data-partial=\"13:00-13:45\" title=\"13:00: 22 attempts "
                   "(partial hour, 13:00-13:45 in the window)\""));
  EXPECT_NE(std::string::npos, h.find(">13:00*</td>"));
  EXPECT_NE(std::string::npos, h.find("13:00*: partial hour, 13:00-13:45 in the window."));
  EXPECT_EQ(1u, Count(h, "background:#e8a49c;"));
  EXPECT_EQ("", CheckWellFormed(h));
  EXPECT_EQ(0u, Count(RenderHtml(FullReport()), "data-partial="));
}

TEST(RenderHtml, TablesAndHooks) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  std::string h = RenderHtml(d);
  for (const char* id :
       {"header", "summary", "chart", "top-auth", "top-users", "top-ips", "brute-force", "spraying",
        "new-ips", "top-countries", "top-as-orgs", "top-asns", "rdns", "dataset"}) {
    EXPECT_EQ(1u, Count(h, std::string("id=\"") + id + "\"")) << id;
  }
  EXPECT_EQ(0u, Count(h, "id=\"warnings\""));
  // Rows per table: header row + one per entry.
  auto rows = [&](const std::string& id) {
    std::size_t at = h.find("id=\"" + id + "\"");
    std::size_t end = h.find("</table>", at);
    return Count(std::string_view(h).substr(at, end - at), "<tr");
  };
  EXPECT_EQ(1 + d.top_auth.size(), rows("top-auth"));
  EXPECT_EQ(1 + d.top_users.size(), rows("top-users"));
  EXPECT_EQ(1 + d.top_ips.size(), rows("top-ips"));
  EXPECT_EQ(1 + d.brute_force.size(), rows("brute-force"));
  EXPECT_EQ(1 + d.top_countries.size(), rows("top-countries"));
  EXPECT_EQ(1 + d.rdns_failures.size(), rows("rdns"));
  EXPECT_NE(std::string::npos, h.find(">CHINANET-BACKBONE</td>"));
  EXPECT_NE(std::string::npos, h.find(">AS4134</td>"));
  EXPECT_NE(std::string::npos, h.find(">38.0 %</td>"));
  EXPECT_NE(std::string::npos, h.find(">+104 (+130.0 %) vs 80 yesterday 00:00-14:00<"));
  EXPECT_NE(std::string::npos, h.find("id=\"top-ips-note\""));
  EXPECT_NE(std::string::npos, h.find(">164 OK (89.1 %)<"));
  EXPECT_NE(std::string::npos, h.find(">184 failed SMTP logins from 6 IPs, 4 user names; +104 "
                                      "(+130.0 %) vs 80 yesterday 00:00-14:00</div>"));
}

TEST(RenderHtml, HostileStringsAreEscapedAfterDisplayText) {
  TzScope tz("Europe/Paris");
  std::string long_name(300, 'n');
  for (const std::string& evil :
       {std::string("\r\nBcc: x@y"), std::string("<script>alert(1)</script>"),
        std::string("\"><img src=http://127.0.0.1/x onerror=alert(1)>"),
        std::string("' onmouseover='alert(1)"), std::string("&lt;&amp;"),
        std::string("\xFF\xFE\xC3"),
        std::string("\xC2\x9B"
                    "31m\x1b[2J"),
        long_name, std::string("a\0b", 3)}) {
    ReportData d = FullReport(evil, evil);
    d.server_name = evil;
    d.server_address = evil;
    d.version = evil;
    d.schedule = evil;
    d.window.name = evil;
    d.dataset_path = evil;
    d.top_countries[0].key = evil;
    d.top_as_orgs[0].key = evil;
    d.top_asns[0].key = evil;
    d.rdns_failures[0].key = evil;
    d.top_ips[0].as_org = evil;
    std::string h = RenderHtml(d);
    EXPECT_EQ("", CheckWellFormed(h)) << testing::PrintToString(evil);
    EXPECT_TRUE(SafeUtf8(h)) << testing::PrintToString(evil);
    ExpectInert(h);
  }
  std::string h = RenderHtml(FullReport("<script>alert(1)</script>", "\r\nBcc: x@y"));
  EXPECT_NE(std::string::npos, h.find("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_NE(std::string::npos, h.find(">\\x0D\\x0ABcc: x@y<"));
  h = RenderHtml(FullReport("' onmouseover='x", "\"q\""));
  EXPECT_NE(std::string::npos, h.find("&#39; onmouseover=&#39;x"));
  EXPECT_NE(std::string::npos, h.find("&quot;q&quot;"));
  h = RenderHtml(FullReport("&lt;"));
  EXPECT_NE(std::string::npos, h.find(">&amp;lt;<"));
  // Long values are cut, the whole (escaped) value kept in the cell's title.
  h = RenderHtml(FullReport(long_name + "<"));
  EXPECT_NE(std::string::npos, h.find(" title=\"" + long_name + "&lt;\""));
  EXPECT_NE(std::string::npos, h.find(">" + std::string(59, 'n') + "\u2026</td>"));
}

TEST(RenderHtml, EmptyWindowAndWarnings) {
  TzScope tz("Europe/Paris");
  ReportData d = EmptyReport();
  d.outages = std::nullopt;
  d.last_extraction = std::nullopt;
  d.skipped_rows = 3;
  std::string h = RenderHtml(d);
  EXPECT_EQ("", CheckWellFormed(h));
  EXPECT_NE(std::string::npos, h.find("No failed SMTP authentications in this window."));
  EXPECT_EQ(std::string::npos, h.find("id=\"chart\""));
  EXPECT_EQ(std::string::npos, h.find("id=\"top-ips\""));
  EXPECT_NE(std::string::npos, h.find(">no attempts yesterday 00:00-14:00<"));
  EXPECT_NE(std::string::npos, h.find(">unknown<"));  // SASL outages
  EXPECT_NE(std::string::npos, h.find("op log unreadable"));
  EXPECT_EQ(2u, Count(h, "class=\"warning\""));
  EXPECT_NE(std::string::npos,
            h.find("the op log /var/lib/maillogsentinel/maillogsentinel.log could not be read"));
  EXPECT_NE(std::string::npos, h.find("3 dataset rows could not be read"));
  d.outages = 4;
  h = RenderHtml(d);
  EXPECT_NE(std::string::npos, h.find("4 SASL backend outages in this window"));
  EXPECT_NE(std::string::npos, h.find("backend unhealthy"));
}

}  // namespace
}  // namespace mls

namespace mls {
namespace {

TEST(RenderHtml, NoBucketsNoChart) {
  TzScope tz("Europe/Paris");
  ReportData d = FullReport();
  d.buckets.clear();
  d.rdns_failures = {{"", 12}};
  std::string h = RenderHtml(d);
  EXPECT_EQ("", CheckWellFormed(h));
  EXPECT_EQ(std::string::npos, h.find("id=\"chart\""));
  EXPECT_NE(std::string::npos, h.find("id=\"top-auth\""));
  EXPECT_NE(std::string::npos, h.find(">(not recorded)</td>"));
}

}  // namespace
}  // namespace mls

namespace mls {
namespace {

TEST(RenderHtml, RandomBytesInEveryNameStaySafe) {
  TzScope tz("Europe/Paris");
  std::uint32_t seed = 54321;
  auto next = [&] { return seed = seed * 1103515245u + 12345u, seed >> 16; };
  for (int round = 0; round < 200; ++round) {
    std::string junk(next() % 160, '\0');
    for (char& c : junk) c = static_cast<char>(next() & 0xFF);
    // Biased towards the characters HTML cares about.
    for (char& c : junk) {
      if (next() % 4 == 0) c = "<>&\"'\\"[next() % 6];
    }
    ReportData d = FullReport(junk, junk);
    d.top_as_orgs[0].key = junk;
    d.server_name = junk;
    std::string h = RenderHtml(d);
    ASSERT_EQ("", CheckWellFormed(h)) << testing::PrintToString(junk);
    ASSERT_TRUE(SafeUtf8(h)) << testing::PrintToString(junk);
  }
}

}  // namespace
}  // namespace mls
