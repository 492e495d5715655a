// The HTML form of the report (the text/html mail part): one document, table
// layout, inline CSS in style attributes only (mail clients drop <style>), no
// scripts, no images, no links. Bars are table cells whose width encodes the
// count. Every value goes through DisplayText, then HTML escaping.
//
// Hooks for tests and scripts: id="header" "warnings" "summary" "chart"
// "top-auth" "top-users" "top-ips" "brute-force" "spraying" "new-ips"
// "top-countries" "top-as-orgs" "top-asns" "rdns" "dataset"; every chart bar is
// a <td class="bar" data-count="N" title="LABEL: N attempts">.

#include <algorithm>

#include "report_format.h"
#include "report_render.h"

namespace mls {
namespace {

constexpr std::size_t kMaxCell = 60;  // display columns of a table cell before truncation

constexpr const char* kFont =
    "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";
constexpr const char* kMono = "font-family:'SFMono-Regular',Consolas,'Liberation Mono',monospace;";
constexpr const char* kBarColour = "#c0392b";
constexpr const char* kPartialBarColour = "#e8a49c";  // a row only partly inside the window
constexpr const char* kMuted = "#6b7280";

std::string Esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Num(std::uint64_t v) { return std::to_string(v); }

// An IP's network in one cell: "AS64496 Example AS", either part alone, or empty.
std::string Network(const std::string& asn, const std::string& org) {
  std::string label = asn.empty() ? std::string() : AsnLabel(asn);
  if (!label.empty() && !org.empty()) label += ' ';
  return label + org;
}

// A cell's content from attacker-controlled text: shown safely, truncated, the
// whole value in a title attribute when truncated.
struct Cell {
  std::string html;   // escaped content
  std::string title;  // escaped full value, or empty
};

Cell Safe(std::string_view raw, std::string_view if_empty = "-") {
  if (raw.empty()) return {Esc(if_empty), ""};
  std::string shown = DisplayText(raw);
  std::string cut = TruncateDisplay(shown, kMaxCell);
  return {Esc(cut), cut == shown ? "" : Esc(shown)};
}

Cell Plain(const std::string& text) { return {Esc(text), ""}; }

enum class Kind {
  kNumber,  // right-aligned, as narrow as its numbers
  kCode,    // user names: monospace, wrapped anywhere when too long
  kIp,      // monospace, an IPv4 address on one line, an IPv6 one wrapped where needed
  kShort,   // country codes, times: wrapped at spaces only
  kText,    // host names, organisations: wrapped anywhere when too long
};
struct Column {
  std::string head;
  Kind kind = Kind::kText;
};

void Table(std::string_view id, const std::vector<Column>& cols,
           const std::vector<std::vector<Cell>>& rows, std::string& out) {
  out += "<table id=\"";
  out += id;
  out +=
      "\" class=\"data\" role=\"table\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
      "border=\"0\" style=\"border-collapse:collapse;width:100%;font-size:13px;\">";
  out += "<thead><tr>";
  for (const Column& c : cols) {
    out += c.kind == Kind::kNumber ? "<th align=\"right\" width=\"1%\"" : "<th align=\"left\"";
    out +=
        " style=\"padding:4px 4px;border-bottom:2px solid #d1d5db;color:#374151;"
        "font-size:11px;\">" +
        Esc(c.head) + "</th>";
  }
  out += "</tr></thead><tbody>";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out += r % 2 ? "<tr style=\"background:#f9fafb;\">" : "<tr>";
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const Cell& cell = rows[r][c];
      Kind kind = cols[c].kind;
      out += kind == Kind::kNumber ? "<td align=\"right\"" : "<td align=\"left\"";
      if (!cell.title.empty()) out += " title=\"" + cell.title + "\"";
      out += " style=\"padding:3px 4px;border-bottom:1px solid #eef0f3;vertical-align:top;";
      if (kind == Kind::kNumber) out += "white-space:nowrap;font-variant-numeric:tabular-nums;";
      if (kind == Kind::kCode || kind == Kind::kIp) out += kMono;
      if (kind == Kind::kIp) out += "font-size:12px;";
      // An IPv4 address stays whole; an IPv6 one and long names wrap where needed.
      const bool whole = kind == Kind::kIp && cell.html.find(':') == std::string::npos;
      if (whole) out += "white-space:nowrap;";
      if (kind == Kind::kCode || kind == Kind::kText || (kind == Kind::kIp && !whole)) {
        out += "overflow-wrap:anywhere;";
      }
      out += "\">" + cell.html + "</td>";
    }
    out += "</tr>";
  }
  out += "</tbody></table>";
}

void Heading(std::string_view title, std::string_view note, std::string& out) {
  out += "<h2 style=\"margin:0 0 6px 0;font-size:15px;color:#111827;\">" + Esc(title);
  if (!note.empty()) {
    out += " <span style=\"font-weight:normal;font-size:12px;color:";
    out += kMuted;
    out += ";\">" + Esc(note) + "</span>";
  }
  out += "</h2>";
}

void SectionStart(std::string_view title, std::string_view note, std::string& out) {
  out += "<tr><td style=\"padding:18px 12px 4px 12px;\">";
  Heading(title, note, out);
}
void SectionEnd(std::string& out) { out += "</td></tr>"; }

void Note(std::string_view id, std::string_view text, std::string& out) {
  out += "<p id=\"";
  out += id;
  out += "\" style=\"margin:2px 0;color:";
  out += kMuted;
  out += ";font-size:13px;\">" + Esc(text) + "</p>";
}

std::string When(std::time_t t, bool long_window) {
  return LocalTime(t, long_window ? "%m-%d %H:%M" : "%H:%M");
}

// A summary tile: an inline block, so that four sit in a row on a desktop and
// they wrap two by two (or one by one) on a phone instead of widening the page.
void Tile(std::string_view label, const std::string& value, const std::string& note,
          const char* colour, std::string& out) {
  out +=
      "<div class=\"tile\" style=\"display:inline-block;vertical-align:top;box-sizing:border-box;"
      "width:154px;margin:0 6px 6px 0;padding:8px 10px;border:1px solid #e5e7eb;"
      "background:#fafafa;\"><div style=\"font-size:11px;text-transform:uppercase;"
      "letter-spacing:.04em;color:";
  out += kMuted;
  out += ";\">" + Esc(label) +
         "</div><div class=\"value\" style=\"font-size:22px;font-weight:bold;"
         "color:";
  out += colour;
  out += ";\">" + Esc(value) + "</div><div style=\"font-size:12px;color:";
  out += kMuted;
  out += ";\">" + Esc(note) + "</div></div>";
}

// The attempts chart: one row per chart row, the bar's width relative to the peak.
void ChartHtml(const Chart& chart, std::uint64_t total, std::string& out) {
  std::string partial_note;
  for (const ChartRow& r : chart.rows) {
    if (!r.partial.empty()) {
      partial_note +=
          " " + r.label + "*: partial " + chart.unit + ", " + r.partial + " in the window.";
    }
  }
  SectionStart("Attempts per " + chart.unit,
               "peak " + Num(chart.peak) + " at " + chart.rows[chart.peak_row].label, out);
  out +=
      "<table id=\"chart\" role=\"table\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
      "border=\"0\" style=\"border-collapse:collapse;width:100%;font-size:12px;\">"
      "<caption style=\"caption-side:bottom;text-align:left;font-size:11px;color:";
  out += kMuted;
  out += ";padding-top:4px;\">" +
         Esc("Failed logins per " + chart.unit + ", " + Num(total) +
             " in total; each row: " + chart.unit + ", count, bar scaled to the peak (" +
             Num(chart.peak) + ")." + partial_note) +
         "</caption><tbody>";
  for (const ChartRow& r : chart.rows) {
    std::uint64_t pct = chart.peak == 0 ? 0 : (r.count * 100 + chart.peak / 2) / chart.peak;
    if (r.count > 0 && pct == 0) pct = 1;
    const bool partial = !r.partial.empty();
    std::string title =
        Esc(r.label + ": " + Num(r.count) + (r.count == 1 ? " attempt" : " attempts") +
            (partial ? " (partial " + chart.unit + ", " + r.partial + " in the window)" : ""));
    const char* colour = partial ? kPartialBarColour : kBarColour;
    out += "<tr><td class=\"label\" style=\"padding:1px 8px 1px 0;white-space:nowrap;";
    out += kMono;
    out += "\">" + Esc(partial ? r.label + "*" : r.label) +
           "</td><td class=\"count\" align=\"right\" style=\"padding:1px 8px 1px 0;"
           "white-space:nowrap;font-variant-numeric:tabular-nums;width:1%;\">" +
           Num(r.count) + "</td><td class=\"bar\" data-count=\"" + Num(r.count) + "\"" +
           (partial ? " data-partial=\"" + Esc(r.partial) + "\"" : std::string()) + " title=\"" +
           title + "\" style=\"padding:1px 0;width:100%;\">";
    if (pct > 0) {
      out += "<table role=\"presentation\" width=\"" + Num(pct) +
             "%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"width:" + Num(pct) +
             "%;\"><tr><td height=\"12\" bgcolor=\"" + colour +
             "\" style=\"height:12px;background:" + colour +
             ";font-size:0;line-height:0;\">&nbsp;</td></tr></table>";
    }
    out += "</td></tr>";
  }
  out += "</tbody></table>";
  SectionEnd(out);
  out += "\n";
}

}  // namespace

namespace {

// Whether times in the tables need their date (windows longer than a day).
bool LongWindow(const ReportData& d) { return d.window.until - d.window.since > 86400 + 3600; }

std::string ServerName(const ReportData& d) {
  return d.server_name.empty() ? "(unknown host)" : DisplayText(d.server_name);
}

// "today, 2026-11-25 00:00 CET .. 2026-11-25 18:00 CET (18 h)".
std::string WindowText(const ReportData& d) {
  const char* kStamp = "%Y-%m-%d %H:%M %Z";
  return (d.window.name.empty() ? std::string("custom") : DisplayText(d.window.name)) + ", " +
         LocalTime(d.window.since, kStamp) + " .. " + LocalTime(d.window.until, kStamp) + " (" +
         HumanDuration(d.window.until - d.window.since) + ")";
}

// The document's head, the inbox preview line and the outer tables.
void DocumentStartHtml(const ReportData& d, std::string& out) {
  const std::string server = ServerName(d);
  const std::string window_text = WindowText(d);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"color-scheme\" content=\"light\">"
      "<title>SMTP AUTH failures on " +
      Esc(server) + ": " + Esc(window_text) + "</title></head>\n";
  out += "<body style=\"margin:0;padding:0;background:#f3f4f6;\">";
  // The inbox preview line (hidden in the message itself).
  const bool unknown_counts = !d.dataset_error.empty();
  std::string preview =
      unknown_counts ? "The dataset is " + d.dataset_error + ": failed logins unknown"
                     : Num(d.total) + " failed SMTP logins from " + Num(d.distinct_ips) + " IPs, " +
                           Num(d.distinct_users) + " user names; " + ChangeText(d);
  if (d.outages && *d.outages > 0) preview += "; SASL backend outages: " + Num(*d.outages);
  out +=
      "<div id=\"preview\" style=\"display:none;font-size:1px;line-height:1px;max-height:0;"
      "max-width:0;opacity:0;overflow:hidden;\">" +
      Esc(preview) + "</div>\n";
  out +=
      "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
      "border=\"0\" style=\"background:#f3f4f6;\"><tr><td align=\"center\" "
      "style=\"padding:16px 4px;\">";
  out +=
      "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
      "border=\"0\" "
      "style=\"width:100%;max-width:760px;background:#ffffff;border:1px solid #e5e7eb;"
      "color:#1f2937;font-size:14px;line-height:1.4;";
  out += kFont;
  out += "\">\n";
}

// The title and the Window/Generated/Schedule/Last run lines.
void HeaderHtml(const ReportData& d, std::string& out) {
  const std::string server = ServerName(d);
  const std::string window_text = WindowText(d);
  out += "<tr><td id=\"header\" style=\"padding:20px 12px 12px 12px;border-bottom:3px solid ";
  out += kBarColour;
  out += ";\"><h1 style=\"margin:0 0 8px 0;font-size:20px;color:#111827;\">SMTP AUTH failures on " +
         Esc(server);
  if (!d.server_address.empty()) {
    out += " <span style=\"font-weight:normal;color:";
    out += kMuted;
    out += ";\">(" + Esc(DisplayText(d.server_address)) + ")</span>";
  }
  out +=
      "</h1><table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
      "style=\"font-size:13px;\">";
  auto field = [&](std::string_view name, const std::string& value) {
    out += "<tr><td style=\"padding:1px 16px 1px 0;color:";
    out += kMuted;
    out += ";white-space:nowrap;\" valign=\"top\">" + Esc(name) + "</td><td>" + Esc(value) +
           "</td></tr>";
  };
  field("Window", window_text);
  field("Generated", LocalTime(d.generated, "%Y-%m-%d %H:%M:%S %Z") + " by maillogsentinel " +
                         (d.version.empty() ? std::string("?") : DisplayText(d.version)));
  field("Schedule", d.schedule.empty() ? std::string("unknown") : DisplayText(d.schedule));
  field("Last run", LastRunText(d));
  out += "</table></td></tr>\n";
}

void WarningsHtml(const ReportData& d, std::string& out) {
  std::vector<std::string> warnings = HealthWarnings(d);
  if (!warnings.empty()) {
    out += "<tr><td id=\"warnings\" style=\"padding:12px 12px 0 12px;\">";
    for (const std::string& w : warnings) {
      out +=
          "<p class=\"warning\" style=\"margin:0 0 6px 0;padding:8px 12px;background:#fdecea;"
          "border-left:4px solid ";
      out += kBarColour;
      out += ";color:#7f1d1d;\"><b>Warning:</b> " + Esc(w) + "</p>";
    }
    out += "</td></tr>\n";
  }
}

// The summary tiles.
void SummaryHtml(const ReportData& d, std::string& out) {
  const bool unknown_counts = !d.dataset_error.empty();
  out += "<tr><td style=\"padding:16px 12px 4px 12px;\"><div id=\"summary\">";
  if (unknown_counts) {
    Tile("Failed logins", "unknown", "dataset " + d.dataset_error, kBarColour, out);
    Tile("Source IPs", "unknown", "", kMuted, out);
    Tile("User names", "unknown", "", kMuted, out);
  } else {
    std::string change = ChangeText(d);
    Tile("Failed logins", Num(d.total), change, "#111827", out);
    Tile("Source IPs", Num(d.distinct_ips),
         d.new_ip_count > 0 ? Num(d.new_ip_count) + " new" : "none new", "#111827", out);
    Tile("User names", Num(d.distinct_users),
         d.no_user > 0 ? "distinct; " + NoUserText(d) : std::string("distinct"), "#111827", out);
  }
  if (d.outages) {
    Tile("SASL outages", Num(*d.outages), *d.outages > 0 ? "backend unhealthy" : "backend healthy",
         *d.outages > 0 ? kBarColour : "#15803d", out);
  } else {
    Tile("SASL outages", "unknown", OutagesUnknownReason(d), kMuted, out);
  }
  if (d.suppressed > 0)
    Tile("Journal drops", Num(d.suppressed), "Postfix lines journald dropped (rate limit)",
         kBarColour, out);
  out += "</div></td></tr>\n";
}

void ChartSectionHtml(const ReportData& d, std::string& out) {
  if (Chart chart = BuildChart(d); !chart.rows.empty()) ChartHtml(chart, d.total, out);
}

// Several servers in the window: the fleet.
void ServersHtml(const ReportData& d, std::string& out) {
  if (d.servers.empty()) return;
  SectionStart("Servers", Num(d.servers.size()) + " in this window", out);
  std::vector<std::vector<Cell>> rows;
  for (const ServerTrend& k : d.servers) {
    // The previous window's count in the change's title: five columns fit a phone.
    Cell change = Plain(FormatShortChange(k.count, k.previous));
    change.title = Esc(Num(k.previous) + " in the previous window");
    rows.push_back({Plain(Num(k.count)), Plain(Percent(k.count, d.total)),
                    Plain(Num(k.distinct_ips)), change, Safe(k.server, "(unknown)")});
  }
  Table("servers",
        {{"Count", Kind::kNumber},
         {"Share", Kind::kNumber},
         {"IPs", Kind::kNumber},
         {"Change", Kind::kNumber},
         {"Server", Kind::kCode}},
        rows, out);
  SectionEnd(out);
  SectionStart("Addresses on several servers", Num(d.shared_ip_count) + " addresses", out);
  if (d.shared_ips.empty()) {
    Note("shared-ips", "None: every address tried one server only.", out);
  } else {
    rows.clear();
    for (const SharedIp& k : d.shared_ips) {
      rows.push_back({Plain(Num(k.servers)), Plain(Num(k.count)), Safe(k.ip), Safe(k.country),
                      Safe(k.as_org)});
    }
    Table("shared-ips",
          {{"Servers", Kind::kNumber},
           {"Count", Kind::kNumber},
           {"IP", Kind::kIp},
           {"CC", Kind::kShort},
           {"Network", Kind::kText}},
          rows, out);
  }
  SectionEnd(out);
  SectionStart("User names tried on several servers", Num(d.shared_user_count) + " user names",
               out);
  if (d.shared_users.empty()) {
    Note("shared-users", "None: every user name was tried on one server only.", out);
  } else {
    rows.clear();
    for (const SharedUser& k : d.shared_users) {
      rows.push_back({Plain(Num(k.servers)), Plain(Num(k.count)), Plain(Num(k.distinct_ips)),
                      Safe(k.user, "(none)")});
    }
    Table("shared-users",
          {{"Servers", Kind::kNumber},
           {"Count", Kind::kNumber},
           {"IPs", Kind::kNumber},
           {"User", Kind::kCode}},
          rows, out);
  }
  SectionEnd(out);
}

void TopAuthHtml(const ReportData& d, std::string& out) {
  if (!d.top_auth.empty()) {
    SectionStart("Top failed authentications", "user from IP", out);
    std::vector<std::vector<Cell>> rows;
    for (const AuthCount& a : d.top_auth) {
      rows.push_back({Plain(Num(a.count)), Safe(a.user, "(none)"), Safe(a.ip), Safe(a.country),
                      Safe(a.hostname)});
    }
    Table("top-auth",
          {{"Count", Kind::kNumber},
           {"User", Kind::kCode},
           {"IP", Kind::kIp},
           {"CC", Kind::kShort},
           {"Host"}},
          rows, out);
    SectionEnd(out);
  }
}

void TopUsersHtml(const ReportData& d, std::string& out) {
  if (!d.top_users.empty()) {
    SectionStart("Top user names",
                 Num(d.distinct_users) + " distinct" +
                     (d.no_user > 0 ? "; not counted: " + NoUserText(d) : std::string()),
                 out);
    std::vector<std::vector<Cell>> rows;
    for (const KeyCount& k : d.top_users) {
      rows.push_back(
          {Plain(Num(k.count)), Plain(Percent(k.count, d.total)), Safe(k.key, "(none)")});
    }
    Table("top-users", {{"Count", Kind::kNumber}, {"Share", Kind::kNumber}, {"User", Kind::kCode}},
          rows, out);
    SectionEnd(out);
  }
}

void TopIpsHtml(const ReportData& d, std::string& out) {
  if (!d.top_ips.empty()) {
    SectionStart("Top source IPs", Num(d.distinct_ips) + " distinct", out);
    std::vector<std::vector<Cell>> rows;
    for (const IpCount& k : d.top_ips) {
      rows.push_back({Plain(Num(k.count)), Plain(Num(k.distinct_users)), Safe(k.ip),
                      Safe(k.country), Safe(Network(k.asn, k.as_org)), Safe(k.hostname)});
    }
    Table("top-ips",
          {{"Count", Kind::kNumber},
           {"Users", Kind::kNumber},
           {"IP", Kind::kIp},
           {"CC", Kind::kShort},
           {"Network"},
           {"Host"}},
          rows, out);
    Note("top-ips-note",
         "CC, network (ASN and organisation) and hostname: from each IP's latest row (Top "
         "countries counts every row).",
         out);
    SectionEnd(out);
  }
}

void BruteForceHtml(const ReportData& d, std::string& out) {
  const bool long_window = LongWindow(d);
  SectionStart("Brute force", "IPs trying several user names", out);
  if (d.brute_force.empty()) {
    Note("brute-force", "None: no IP tried more than one user name.", out);
  } else {
    std::vector<std::vector<Cell>> rows;
    for (const IpCount& k : d.brute_force) {
      rows.push_back({Plain(Num(k.distinct_users)), Plain(Num(k.count)), Safe(k.ip),
                      Safe(k.country),
                      Plain(When(k.first, long_window) + " .. " + When(k.last, long_window)),
                      Safe(k.hostname)});
    }
    Table("brute-force",
          {{"Users", Kind::kNumber},
           {"Count", Kind::kNumber},
           {"IP", Kind::kIp},
           {"CC", Kind::kShort},
           {"Active", Kind::kShort},
           {"Host"}},
          rows, out);
  }
  SectionEnd(out);
}

void SprayingHtml(const ReportData& d, std::string& out) {
  SectionStart("Password spraying", "user names tried from several IPs", out);
  if (d.spraying.empty()) {
    Note("spraying", "None: no user name was tried from more than one IP.", out);
  } else {
    std::vector<std::vector<Cell>> rows;
    for (const UserSpread& k : d.spraying) {
      rows.push_back({Plain(Num(k.distinct_ips)), Plain(Num(k.count)), Safe(k.user, "(none)")});
    }
    Table("spraying", {{"IPs", Kind::kNumber}, {"Count", Kind::kNumber}, {"User", Kind::kCode}},
          rows, out);
  }
  SectionEnd(out);
}

void NewIpsHtml(const ReportData& d, std::string& out) {
  const bool long_window = LongWindow(d);
  SectionStart("New source IPs", Num(d.new_ip_count) + " never seen before this window", out);
  if (d.new_ips.empty()) {
    Note("new-ips", "None.", out);
  } else {
    std::vector<std::vector<Cell>> rows;
    for (const IpCount& k : d.new_ips) {
      rows.push_back({Plain(Num(k.count)), Plain(Num(k.distinct_users)), Safe(k.ip),
                      Safe(k.country), Plain(When(k.first, long_window)), Safe(k.hostname)});
    }
    Table("new-ips",
          {{"Count", Kind::kNumber},
           {"Users", Kind::kNumber},
           {"IP", Kind::kIp},
           {"CC", Kind::kShort},
           {"First", Kind::kShort},
           {"Host"}},
          rows, out);
  }
  SectionEnd(out);
}

// Top countries, ASNs and AS organisations.
void KeysHtml(const ReportData& d, std::string& out) {
  auto keyed = [&](std::string_view id, std::string_view title, std::string_view head,
                   const std::vector<KeyCount>& list, bool asn) {
    Heading(title, "", out);
    std::vector<std::vector<Cell>> rows;
    for (const KeyCount& k : list) {
      rows.push_back({Plain(Num(k.count)), Plain(Percent(k.count, d.total)),
                      asn ? Safe(AsnLabel(k.key)) : Safe(k.key, "(unknown)")});
    }
    Table(id, {{"Count", Kind::kNumber}, {"Share", Kind::kNumber}, {std::string(head)}}, rows, out);
  };
  // Countries and ASNs side by side (short keys) where there is room, one
  // above the other on a phone; AS organisations below.
  constexpr const char* kHalf =
      "<div style=\"display:inline-block;vertical-align:top;box-sizing:border-box;"
      "width:300px;padding:0 16px 0 0;\">";
  out += "<tr><td style=\"padding:18px 12px 4px 12px;\">";
  out += kHalf;
  keyed("top-countries", "Top countries", "Country", d.top_countries, false);
  out += "</div>";
  out += kHalf;
  keyed("top-asns", "Top ASNs", "ASN", d.top_asns, true);
  out += "</div></td></tr>";
  out += "<tr><td style=\"padding:18px 12px 4px 12px;\">";
  keyed("top-as-orgs", "Top AS organisations", "AS organisation", d.top_as_orgs, false);
  SectionEnd(out);
}

void RdnsHtml(const ReportData& d, std::string& out) {
  SectionStart("Reverse DNS", Num(d.rdns_ok) + " OK (" + Percent(d.rdns_ok, d.total) + ")", out);
  if (d.rdns_failures.empty()) {
    Note("rdns", "No failures.", out);
  } else {
    std::vector<std::vector<Cell>> rows;
    for (const KeyCount& k : d.rdns_failures) {
      rows.push_back(
          {Plain(Num(k.count)), Plain(Percent(k.count, d.total)), Safe(k.key, "(not recorded)")});
    }
    Table("rdns", {{"Count", Kind::kNumber}, {"Share", Kind::kNumber}, {"Status"}}, rows, out);
  }
  SectionEnd(out);
}

// The dataset line, and the end of the document.
void DatasetHtml(const ReportData& d, std::string& out) {
  const bool unknown_counts = !d.dataset_error.empty();
  std::string facts =
      std::string(d.dataset_rows_estimated ? "about " : "") + Num(d.dataset_rows) + " rows";
  if (!d.dataset_table) facts += ", " + HumanBytes(d.dataset_bytes);
  if (d.dataset_rows > 0) {
    facts += ", " + LocalTime(d.dataset_first, "%Y-%m-%d %H:%M") + " .. " +
             LocalTime(d.dataset_last, "%Y-%m-%d %H:%M");
  }
  if (d.skipped_rows > 0) facts += ", " + Num(d.skipped_rows) + " unreadable rows skipped";
  if (unknown_counts) facts = d.dataset_error;
  out += "<tr><td id=\"dataset\" style=\"padding:18px 12px 20px 12px;font-size:12px;color:";
  out += kMuted;
  out += ";border-top:1px solid #e5e7eb;\"><b>Dataset</b> <span style=\"";
  out += kMono;
  out += "\">" + Safe(d.dataset_path, "(unknown path)").html + "</span><br>" + Esc(facts) +
         "</td></tr>\n";
  out += "</table></td></tr></table></body></html>\n";
}

}  // namespace

// Logins after failures, highlighted, before the statistics.
void LoginsHtml(const ReportData& d, std::string& out) {
  const LoginsAfterFailures& l = d.logins;
  if (l.cases.empty()) return;
  out += "<tr><td id=\"logins-after-failures\" style=\"padding:12px 12px 0 12px;\">";
  out += "<p style=\"margin:0 0 6px 0;font-weight:bold;\">" + Esc(LoginsTitle(l)) + "</p>";
  for (const LoginCase& c : l.cases) {
    if (!c.high) continue;
    std::vector<std::string> lines = LoginCaseLines(c);
    out +=
        "<p class=\"login-high\" style=\"margin:0 0 6px 0;padding:8px 12px;background:#fdecea;"
        "border-left:4px solid ";
    out += kBarColour;
    out += ";color:#7f1d1d;\"><b>" + Esc(lines[0]) + "</b>";
    for (std::size_t i = 1; i < lines.size(); ++i) out += "<br>" + Esc(lines[i]);
    out += "</p>";
  }
  if (std::string low = LowLoginsLine(l); !low.empty())
    out += "<p style=\"margin:0 0 6px 0;color:#374151;\">" + Esc(low) + "</p>";
  out += "</td></tr>\n";
}

std::string RenderHtml(const ReportData& d) {
  std::string out;
  out.reserve(64 * 1024);
  DocumentStartHtml(d, out);
  HeaderHtml(d, out);
  WarningsHtml(d, out);
  LoginsHtml(d, out);
  SummaryHtml(d, out);
  if (!d.dataset_error.empty()) {
    out += "<tr><td style=\"padding:12px 12px;\">";
    Note("empty", "No figures: the dataset is " + d.dataset_error + ".", out);
    out += "</td></tr>\n";
  } else if (d.total == 0) {
    out += "<tr><td style=\"padding:12px 12px;\">";
    Note("empty", "No failed SMTP authentications in this window.", out);
    out += "</td></tr>\n";
  } else {
    ChartSectionHtml(d, out);
    ServersHtml(d, out);
    TopAuthHtml(d, out);
    TopUsersHtml(d, out);
    TopIpsHtml(d, out);
    BruteForceHtml(d, out);
    SprayingHtml(d, out);
    NewIpsHtml(d, out);
    KeysHtml(d, out);
    RdnsHtml(d, out);
  }
  DatasetHtml(d, out);
  return out;
}

}  // namespace mls
