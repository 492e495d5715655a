// The text form of the report (terminals and the text/plain mail part): UTF-8,
// sections of aligned columns, lines of at most kMaxColumns.

#include <algorithm>
#include <cstdio>
#include <optional>

#include "report_format.h"
#include "report_render.h"
#include "text_safety.h"

namespace mls {
namespace {

constexpr std::size_t kMaxColumns = 80;
constexpr std::size_t kIndent = 2;
constexpr std::size_t kGap = 2;
constexpr std::size_t kChartWidth = 50;  // columns of the longest bar

std::string Pad(std::string_view s, std::size_t width, bool right) {
  std::size_t w = DisplayWidth(s);
  std::string fill(w < width ? width - w : 0, ' ');
  return right ? fill + std::string(s) : std::string(s) + fill;
}

std::string RTrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

struct Column {
  std::string head;
  bool right = false;     // numbers: right-aligned
  std::size_t cap = 40;   // widest it gets
  bool shrink = true;     // false: numbers and IPs, never cut to fit the line
  bool cut_left = false;  // host and AS names: cut from the left, the domain stays
};

// Shrinks the widest shrinkable column of `idx` (never below its minimum) until
// the line (indent + columns + gaps) fits kMaxColumns. False if it cannot.
bool Shrink(const std::vector<Column>& cols, const std::vector<std::size_t>& idx,
            std::size_t indent, std::size_t min_width, std::vector<std::size_t>& width) {
  auto total = [&] {
    std::size_t t = indent + kGap * (idx.empty() ? 0 : idx.size() - 1);
    for (std::size_t c : idx) t += width[c];
    return t;
  };
  while (total() > kMaxColumns) {
    std::size_t widest = cols.size();
    for (std::size_t c : idx) {
      if (!cols[c].shrink || cols[c].right || width[c] <= min_width) continue;
      if (widest == cols.size() || width[c] > width[widest]) widest = c;
    }
    if (widest == cols.size()) return false;
    --width[widest];
  }
  return true;
}

// Cells are display-safe already (DisplayText). Columns wider than their cap,
// or than the line allows, are truncated with an ellipsis (host and AS names
// from the left). When the names would be cut to less than kMinName columns,
// they go to a second line under each row, indented, as a table of their own.
void Table(const std::vector<Column>& cols, const std::vector<std::vector<std::string>>& rows,
           std::string& out) {
  constexpr std::size_t kMinShrunk = 8, kMinName = 16, kNameIndent = 6;
  std::vector<std::size_t> width(cols.size());
  for (std::size_t c = 0; c < cols.size(); ++c) {
    width[c] = DisplayWidth(cols[c].head);
    for (const auto& r : rows) width[c] = std::max(width[c], DisplayWidth(r[c]));
    width[c] = std::min(width[c], std::max(cols[c].cap, DisplayWidth(cols[c].head)));
  }
  std::vector<std::size_t> all, main, names;
  for (std::size_t c = 0; c < cols.size(); ++c) {
    all.push_back(c);
    (cols[c].cut_left ? names : main).push_back(c);
  }
  std::vector<std::size_t> w = width;
  bool wrap = false;
  if (!Shrink(cols, all, kIndent, kMinShrunk, w) && !names.empty()) {
    wrap = true;
  } else if (!names.empty()) {
    for (std::size_t c : names) wrap = wrap || w[c] < std::min(width[c], kMinName);
  }
  if (wrap) {
    w = width;
    Shrink(cols, main, kIndent, 4, w);
    Shrink(cols, names, kNameIndent, 4, w);
  } else {
    Shrink(cols, all, kIndent, 4, w);
  }
  auto line = [&](const std::vector<std::string>& cells, bool head,
                  const std::vector<std::size_t>& which, std::size_t indent) {
    std::string l(indent, ' ');
    for (std::size_t k = 0; k < which.size(); ++k) {
      const std::size_t c = which[k];
      if (k > 0) l += std::string(kGap, ' ');
      l += Pad(cols[c].cut_left && !head ? TruncateDisplayLeft(cells[c], w[c])
                                         : TruncateDisplay(cells[c], w[c]),
               w[c], cols[c].right);
    }
    out += RTrim(std::move(l)) + "\n";
  };
  auto row = [&](const std::vector<std::string>& cells, bool head) {
    line(cells, head, wrap ? main : all, kIndent);
    if (wrap) line(cells, head, names, kNameIndent);
  };
  std::vector<std::string> heads;
  for (const Column& c : cols) heads.push_back(c.head);
  row(heads, true);
  for (const auto& r : rows) row(r, false);
}

std::string Show(std::string_view raw, std::string_view if_empty = "-") {
  return raw.empty() ? std::string(if_empty) : DisplayText(raw);
}

void Section(std::string_view title, std::string& out) {
  out += "\n";
  out += title;
  out += "\n";
}

std::string Bar(std::uint64_t count, std::uint64_t peak) {
  static const char* const kEighths[] = {"",       "\u258F", "\u258E", "\u258D",
                                         "\u258C", "\u258B", "\u258A", "\u2589"};
  if (count == 0 || peak == 0) return "";
  std::uint64_t eighths = (count * kChartWidth * 8 + peak / 2) / peak;
  if (eighths == 0) eighths = 1;
  std::string bar;
  for (std::uint64_t k = 0; k < eighths / 8; ++k) bar += "\u2588";
  return bar + kEighths[eighths % 8];
}

std::string Num(std::uint64_t v) { return std::to_string(v); }

// "HH:MM" within a day-long window, "MM-DD HH:MM" otherwise.
std::string When(std::time_t t, bool long_window) {
  return LocalTime(t, long_window ? "%m-%d %H:%M" : "%H:%M");
}

// The attempts chart: one row per chart row, "label  count  bar".
void ChartText(const Chart& chart, std::string& out) {
  const char* unit = chart.unit == "hour" ? "HOUR" : chart.unit == "day" ? "DAY" : "MONTH";
  Section(std::string("ATTEMPTS PER ") + unit + " (peak " + Num(chart.peak) + " at " +
              chart.rows[chart.peak_row].label + ")",
          out);
  // A row only partly inside the window is marked "*" and explained below.
  auto label = [](const ChartRow& r) { return r.partial.empty() ? r.label : r.label + "*"; };
  std::size_t lw = 0, cw = 0;
  for (const ChartRow& r : chart.rows) {
    lw = std::max(lw, DisplayWidth(label(r)));
    cw = std::max(cw, Num(r.count).size());
  }
  for (const ChartRow& r : chart.rows) {
    out += RTrim("  " + Pad(label(r), lw, false) + "  " + Pad(Num(r.count), cw, true) + "  " +
                 Bar(r.count, chart.peak)) +
           "\n";
  }
  for (const ChartRow& r : chart.rows) {
    if (r.partial.empty()) continue;
    out += "  * " + r.label + ": partial " + chart.unit + ", " + r.partial + " in the window\n";
  }
}

// Every line cut to kMaxColumns: the last guard for what the layout above could
// not fit (a path longer than a line in a warning, huge counts).
std::string FitColumns(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    out +=
        DisplayWidth(line) > kMaxColumns ? TruncateDisplay(line, kMaxColumns) : std::string(line);
    if (nl < text.size()) out += '\n';
    pos = nl + 1;
  }
  return out;
}

}  // namespace

namespace {

// Whether times in the tables need their date (windows longer than a day).
bool LongWindow(const ReportData& d) { return d.window.until - d.window.since > 86400 + 3600; }

// The title and the Window/Generated/Schedule/Last run lines.
void HeaderText(const ReportData& d, std::string& out) {
  const char* kStamp = "%Y-%m-%d %H:%M %Z";
  const std::int64_t span = d.window.until - d.window.since;
  std::string server = Show(d.server_name, "(unknown host)");
  if (!d.server_address.empty()) server += " (" + DisplayText(d.server_address) + ")";
  std::string title = TruncateDisplay("SMTP AUTH failures on " + server, kMaxColumns);
  out += title + "\n" + std::string(DisplayWidth(title), '=') + "\n";
  // "Name        value", the value wrapped at spaces under itself when too long.
  auto field = [&](std::string_view name, const std::string& value) {
    std::string line = Pad(name, 12, false);
    std::size_t pos = 0;
    while (DisplayWidth(line) + DisplayWidth(std::string_view(value).substr(pos)) > kMaxColumns) {
      // Before a parenthesis if one fits, else at the last space that does.
      std::size_t sp = value.rfind(" (", pos + (kMaxColumns - 12));
      if (sp == std::string::npos || sp <= pos) sp = value.rfind(' ', pos + (kMaxColumns - 12));
      if (sp == std::string::npos || sp <= pos) break;
      out += line + value.substr(pos, sp - pos) + "\n";
      line = std::string(12, ' ');
      pos = sp + 1;
    }
    out += TruncateDisplay(line + value.substr(pos), kMaxColumns) + "\n";
  };
  field("Window", Show(d.window.name, "custom") + ", " + LocalTime(d.window.since, kStamp) +
                      " .. " + LocalTime(d.window.until, kStamp) + " (" + HumanDuration(span) +
                      ")");
  field("Generated", LocalTime(d.generated, "%Y-%m-%d %H:%M:%S %Z") + " by maillogsentinel " +
                         Show(d.version, "?"));
  field("Schedule", Show(d.schedule, "unknown"));
  field("Last run", LastRunText(d));
}

// "!! WARNING: ..." lines, wrapped.
// `text` as lines of at most kMaxColumns, the first starting with `prefix`,
// the others indented by `indent` columns (default: as far as the prefix),
// broken between words.
void AppendWrapped(std::string_view prefix, std::string_view text, std::string& out,
                   std::optional<std::size_t> indent_columns = std::nullopt) {
  std::string line(prefix);
  const std::string indent(indent_columns.value_or(DisplayWidth(prefix)), ' ');
  bool line_start = true;  // no word on `line` yet
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t sp = text.find(' ', pos);
    std::string word(text.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos));
    pos = sp == std::string::npos ? text.size() : sp + 1;
    if (!line_start && DisplayWidth(line) + 1 + DisplayWidth(word) > kMaxColumns) {
      out += line + "\n";
      line = indent;
      line_start = true;
    }
    if (!line_start) line += ' ';
    line += word;
    line_start = false;
  }
  out += line + "\n";
}

void WarningsText(const ReportData& d, std::string& out) {
  std::vector<std::string> warnings = HealthWarnings(d);
  if (!warnings.empty()) out += "\n";
  for (const std::string& w : warnings) AppendWrapped("!! WARNING: ", w, out);
}

// SUMMARY: the counts with their notes.
void SummaryText(const ReportData& d, std::string& out) {
  const bool unknown_counts = !d.dataset_error.empty();
  Section("SUMMARY", out);
  std::string change = ChangeText(d);
  auto count = [&](std::uint64_t v) { return unknown_counts ? std::string("unknown") : Num(v); };
  if (unknown_counts) change = "(dataset " + d.dataset_error + ")";
  std::vector<std::pair<std::string, std::string>> facts = {
      {"Failed logins", count(d.total)},
      {"Source IPs", count(d.distinct_ips)},
      {"User names", count(d.distinct_users)},
      {"SASL outages", d.outages ? Num(*d.outages) : "unknown"},
  };
  std::vector<std::string> notes = {
      change,
      d.new_ip_count > 0 ? Num(d.new_ip_count) + " new (never seen before this window)" : "",
      NoUserText(d), d.outages ? "" : "(" + OutagesUnknownReason(d) + ")"};
  if (d.suppressed > 0) {  // next to the outages: the other way failures go missing
    facts.push_back({"Journal drops", Num(d.suppressed)});
    notes.push_back("Postfix lines journald dropped (rate limit)");
  }
  std::size_t vw = 0;
  for (const auto& f : facts) vw = std::max(vw, f.second.size());
  for (std::size_t k = 0; k < facts.size(); ++k) {
    std::string fact = "  " + Pad(facts[k].first, 15, false) + Pad(facts[k].second, vw, true);
    if (DisplayWidth(fact) + 3 + DisplayWidth(notes[k]) > kMaxColumns) {
      // A long note (the change against a 7-day window) on a line of its own.
      const std::size_t nw = DisplayWidth(notes[k]);
      const std::size_t indent = std::max<std::size_t>(
          kIndent, std::min(fact.size() + 3, kMaxColumns - std::min(nw, kMaxColumns)));
      out += fact + "\n" + std::string(indent, ' ') + notes[k] + "\n";
    } else {
      out += RTrim(fact + "   " + notes[k]) + "\n";
    }
  }
}

void ChartSection(const ReportData& d, std::string& out) {
  if (Chart chart = BuildChart(d); !chart.rows.empty()) ChartText(chart, out);
}

// THE FLEET (only when there are several servers): each server's totals and
// change, then the addresses and the user names met on more than one.
void ServersText(const ReportData& d, std::string& out) {
  if (d.servers.empty()) return;
  Section("SERVERS (" + Num(d.servers.size()) + ")", out);
  std::vector<std::vector<std::string>> rows;
  for (const ServerTrend& k : d.servers) {
    rows.push_back({Num(k.count), Percent(k.count, d.total), Num(k.distinct_ips), Num(k.previous),
                    FormatShortChange(k.count, k.previous), Show(k.server, "(unknown)")});
  }
  Table({{"COUNT", true},
         {"SHARE", true},
         {"IPS", true},
         {"PREVIOUS", true},
         {"CHANGE", true},
         {"SERVER", false, 60, true, true}},
        rows, out);
  Section("ADDRESSES ON SEVERAL SERVERS (" + Num(d.shared_ip_count) + ")", out);
  if (d.shared_ips.empty()) {
    out += "  none: every address tried one server only\n";
  } else {
    rows.clear();
    for (const SharedIp& k : d.shared_ips) {
      rows.push_back({Num(k.servers), Num(k.count), Num(k.distinct_users), Show(k.ip),
                      Show(k.country), Show(k.as_org)});
    }
    Table({{"SERVERS", true},
           {"COUNT", true},
           {"USERS", true},
           {"IP", false, 39, false},
           {"CC", false, 4},
           {"AS ORGANISATION", false, 24, true, true}},
          rows, out);
  }
  Section("USER NAMES TRIED ON SEVERAL SERVERS (" + Num(d.shared_user_count) + ")", out);
  if (d.shared_users.empty()) {
    out += "  none: every user name was tried on one server only\n";
  } else {
    rows.clear();
    for (const SharedUser& k : d.shared_users) {
      rows.push_back({Num(k.servers), Num(k.count), Num(k.distinct_ips), Show(k.user, "(none)")});
    }
    Table({{"SERVERS", true}, {"COUNT", true}, {"IPS", true}, {"USER", false, 60}}, rows, out);
  }
}

// ALLOWLISTED (only when the window has addresses the allowlist holds): shown,
// never banned.
void AllowlistedText(const ReportData& d, std::string& out) {
  if (d.allowlisted.empty()) return;
  Section("ALLOWLISTED (never banned: loopback, this host, [firewall] allowlist)", out);
  std::vector<std::vector<std::string>> rows;
  for (const KeyCount& k : d.allowlisted) rows.push_back({Num(k.count), k.key});
  Table({{"COUNT", true}, {"IP", false}}, rows, out);
}

void TopAuthText(const ReportData& d, std::string& out) {
  if (!d.top_auth.empty()) {
    Section("TOP FAILED AUTHENTICATIONS (user from ip)", out);
    std::vector<std::vector<std::string>> rows;
    for (const AuthCount& a : d.top_auth) {
      rows.push_back(
          {Num(a.count), Show(a.user, "(none)"), Show(a.ip), Show(a.country), Show(a.hostname)});
    }
    Table({{"COUNT", true},
           {"USER", false, 28},
           {"IP", false, 39, false},
           {"CC", false, 4},
           {"HOSTNAME", false, 40, true, true}},
          rows, out);
  }
}

void TopUsersText(const ReportData& d, std::string& out) {
  if (!d.top_users.empty()) {
    Section("TOP USER NAMES (" + Num(d.distinct_users) + " distinct)", out);
    if (d.no_user > 0) out += "  not counted: " + NoUserText(d) + "\n";
    std::vector<std::vector<std::string>> rows;
    for (const KeyCount& k : d.top_users) {
      rows.push_back({Num(k.count), Percent(k.count, d.total), Show(k.key, "(none)")});
    }
    Table({{"COUNT", true}, {"SHARE", true}, {"USER", false, 60}}, rows, out);
  }
}

void TopIpsText(const ReportData& d, std::string& out) {
  if (!d.top_ips.empty()) {
    Section("TOP SOURCE IPS (" + Num(d.distinct_ips) + " distinct)", out);
    std::vector<std::vector<std::string>> rows;
    for (const IpCount& k : d.top_ips) {
      rows.push_back({Num(k.count), Num(k.distinct_users), Show(k.ip), Show(k.country),
                      k.asn.empty() ? "-" : DisplayText(AsnLabel(k.asn)), Show(k.as_org),
                      Show(k.hostname)});
    }
    Table({{"COUNT", true},
           {"USERS", true},
           {"IP", false, 39, false},
           {"CC", false, 4},
           {"ASN", false, 12, false},
           {"AS ORGANISATION", false, 24, true, true},
           {"HOSTNAME", false, 40, true, true}},
          rows, out);
    out +=
        "  CC, ASN, organisation and hostname: from each IP's latest row\n"
        "  (TOP COUNTRIES counts every row)\n";
  }
}

void BruteForceText(const ReportData& d, std::string& out) {
  Section("BRUTE FORCE (IPs trying several user names)", out);
  if (d.brute_force.empty()) {
    out += "  none: no IP tried more than one user name\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const IpCount& k : d.brute_force) {
      rows.push_back({Num(k.distinct_users), Num(k.count), Show(k.ip), Show(k.country),
                      When(k.first, LongWindow(d)) + ".." + When(k.last, LongWindow(d)),
                      Show(k.hostname)});
    }
    Table({{"USERS", true},
           {"COUNT", true},
           {"IP", false, 39, false},
           {"CC", false, 4},
           {"ACTIVE", false, 24},
           {"HOSTNAME", false, 40, true, true}},
          rows, out);
  }
}

void SprayingText(const ReportData& d, std::string& out) {
  Section("PASSWORD SPRAYING (user names tried from several IPs)", out);
  if (d.spraying.empty()) {
    out += "  none: no user name was tried from more than one IP\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const UserSpread& k : d.spraying) {
      rows.push_back({Num(k.distinct_ips), Num(k.count), Show(k.user, "(none)")});
    }
    Table({{"IPS", true}, {"COUNT", true}, {"USER", false, 60}}, rows, out);
  }
}

void NewIpsText(const ReportData& d, std::string& out) {
  Section("NEW SOURCE IPS (" + Num(d.new_ip_count) + " never seen before this window)", out);
  if (d.new_ips.empty()) {
    out += "  none\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const IpCount& k : d.new_ips) {
      rows.push_back({Num(k.count), Num(k.distinct_users), Show(k.ip), Show(k.country),
                      When(k.first, LongWindow(d)), Show(k.hostname)});
    }
    Table({{"COUNT", true},
           {"USERS", true},
           {"IP", false, 39, false},
           {"CC", false, 4},
           {"FIRST", false, 12},
           {"HOSTNAME", false, 40, true, true}},
          rows, out);
  }
}

// A "TOP ..." table of keys: count, share, the key as `label` shows it.
template <class Label>
void KeyedText(const ReportData& d, std::string_view title, std::string_view head,
               const std::vector<KeyCount>& list, Label label, std::string& out) {
  if (list.empty()) return;
  Section(title, out);
  std::vector<std::vector<std::string>> rows;
  for (const KeyCount& k : list) {
    rows.push_back({Num(k.count), Percent(k.count, d.total), label(k.key)});
  }
  Table({{"COUNT", true},
         {"SHARE", true},
         {std::string(head), false, 60, true, head == "AS ORGANISATION"}},
        rows, out);
}

void KeysText(const ReportData& d, std::string& out) {
  auto unknown = [](const std::string& k) { return Show(k, "(unknown)"); };
  KeyedText(d, "TOP COUNTRIES", "COUNTRY", d.top_countries, unknown, out);
  KeyedText(d, "TOP AS ORGANISATIONS", "AS ORGANISATION", d.top_as_orgs, unknown, out);
  KeyedText(
      d, "TOP ASNS", "ASN", d.top_asns,
      [](const std::string& k) { return DisplayText(AsnLabel(k)); }, out);
}

void RdnsText(const ReportData& d, std::string& out) {
  Section("REVERSE DNS (" + Num(d.rdns_ok) + " OK, " + Percent(d.rdns_ok, d.total) + ")", out);
  if (d.rdns_failures.empty()) {
    out += "  no failures\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const KeyCount& k : d.rdns_failures) {
      rows.push_back({Num(k.count), Percent(k.count, d.total), Show(k.key, "(not recorded)")});
    }
    Table({{"COUNT", true}, {"SHARE", true}, {"STATUS", false, 20}}, rows, out);
  }
}

// DATASET: the file and its facts.
void DatasetText(const ReportData& d, std::string& out) {
  const bool unknown_counts = !d.dataset_error.empty();
  Section("DATASET", out);
  out += TruncateDisplay("  " + Show(d.dataset_path, "(unknown path)"), kMaxColumns) + "\n";
  std::string facts_line =
      "  " + std::string(d.dataset_rows_estimated ? "about " : "") + Num(d.dataset_rows) + " rows";
  if (!d.dataset_table) facts_line += ", " + HumanBytes(d.dataset_bytes);
  if (unknown_counts) facts_line = "  " + d.dataset_error;
  if (d.dataset_rows > 0) {
    facts_line += ", " + LocalTime(d.dataset_first, "%Y-%m-%d %H:%M") + " .. " +
                  LocalTime(d.dataset_last, "%Y-%m-%d %H:%M");
  }
  if (d.skipped_rows > 0) facts_line += ", " + Num(d.skipped_rows) + " unreadable rows skipped";
  out += facts_line + "\n";
}

}  // namespace

// LOGINS AFTER FAILURES, first of all when there is anything to say: the high
// cases listed, the low ones counted.
void LoginsText(const ReportData& d, std::string& out) {
  const LoginsAfterFailures& l = d.logins;
  if (l.cases.empty()) return;
  out += "\n";
  AppendWrapped("", LoginsTitle(l), out);
  for (const LoginCase& c : l.cases) {
    if (!c.high) continue;
    std::vector<std::string> lines = LoginCaseLines(c);
    for (std::size_t i = 0; i < lines.size(); ++i)
      AppendWrapped(i == 0 ? "  " : "       ", lines[i], out, 7);
  }
  if (std::string low = LowLoginsLine(l); !low.empty()) AppendWrapped("  ", low, out);
}

std::string RenderText(const ReportData& d) {
  std::string out;
  HeaderText(d, out);
  WarningsText(d, out);
  LoginsText(d, out);
  SummaryText(d, out);
  if (!d.dataset_error.empty()) {
    out += "\nNo figures: the dataset is " + d.dataset_error + ".\n";
  } else if (d.total == 0) {
    out += "\nNo failed SMTP authentications in this window.\n";
  } else {
    ChartSection(d, out);
    ServersText(d, out);
    TopAuthText(d, out);
    TopUsersText(d, out);
    TopIpsText(d, out);
    AllowlistedText(d, out);
    BruteForceText(d, out);
    SprayingText(d, out);
    NewIpsText(d, out);
    KeysText(d, out);
    RdnsText(d, out);
  }
  DatasetText(d, out);
  return FitColumns(out);
}

}  // namespace mls
