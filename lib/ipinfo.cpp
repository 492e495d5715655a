#include "ipinfo.h"

#include <algorithm>
#include <cstdint>

#include "cli.h"
#include "ip.h"
#include "text_safety.h"
#include "utf8.h"

namespace mls {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Text field: DisplayText (lib/text_safety.h), "-" when empty.
std::string TextField(std::string_view s) { return s.empty() ? "-" : DisplayText(s); }

// Display width: count UTF-8 lead bytes only (good enough for alignment).
std::size_t Width(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}


}  // namespace

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  out.reserve(s.size() + 2);
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
      }
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if (std::size_t n = Utf8Length(s, i); n == 0) {
      out += "\\ufffd";
      ++i;
    } else if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 3;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  out += '"';
  return out;
}

std::string FormatIpinfoText(const std::vector<IpinfoRow>& rows) {
  struct Cols {
    std::string ip, cc, asn, org;
  };
  std::vector<Cols> cols;
  cols.reserve(rows.size());
  std::size_t w_ip = 0, w_cc = 0, w_asn = 0;
  for (const IpinfoRow& r : rows) {
    Cols c{TextField(r.ip), TextField(r.info.country),
           r.info.asn.empty() ? "-" : "AS" + TextField(r.info.asn), TextField(r.info.as_org)};
    w_ip = std::max(w_ip, Width(c.ip));
    w_cc = std::max(w_cc, Width(c.cc));
    w_asn = std::max(w_asn, Width(c.asn));
    cols.push_back(std::move(c));
  }
  std::string out;
  auto pad = [&](const std::string& s, std::size_t w) {
    out += s;
    out.append(w - Width(s) + 2, ' ');
  };
  for (const Cols& c : cols) {
    pad(c.ip, w_ip);
    pad(c.cc, w_cc);
    pad(c.asn, w_asn);
    out += c.org;
    out += '\n';
  }
  return out;
}

std::string FormatIpinfoJson(const IpinfoRow& row) {
  const GeoInfo& g = row.info;
  std::string out = "{\"ip\":" + JsonString(row.ip);
  out += ",\"country\":" + (g.country.empty() ? "null" : JsonString(g.country));
  // The ASN is digits only (geo.cpp writes it), so it is a valid JSON number.
  bool digits = !g.asn.empty() && std::all_of(g.asn.begin(), g.asn.end(),
                                              [](char c) { return c >= '0' && c <= '9'; });
  out += ",\"asn\":" + (digits ? g.asn : std::string("null"));
  out += ",\"as_org\":" + (g.as_org.empty() ? "null" : JsonString(g.as_org));
  out += "}\n";
  return out;
}

int RunIpinfoQuery(const IpinfoQuery& q, std::ostream& out, const WarnFn& warn) {
  if (q.country_db.empty()) warn("no country database configured (country_db_path)");
  if (q.asn_db.empty()) warn("no ASN database configured (asn_db_path)");
  std::vector<std::string> warnings, errors;
  Geo geo(q.country_db, q.asn_db, warnings, &errors);
  for (const std::string& w : warnings) warn(w);
  for (const std::string& e : errors) warn(e);
  if (!errors.empty()) return kExitUsage;  // a database in the wrong role is bad configuration
  std::vector<IpinfoRow> rows;
  int status = 0;
  for (const std::string& ip : q.ips) {
    if (!IsIpAddress(ip)) {
      warn(TextField(ip) + ": not an IP address");
      status = 1;
      continue;
    }
    rows.push_back({ip, geo.Lookup(ip)});
  }
  if (q.json) {
    for (const IpinfoRow& r : rows) out << FormatIpinfoJson(r);
  } else {
    out << FormatIpinfoText(rows);
  }
  out.flush();
  return status;
}

int RunIpinfoUpdate(const IpinfoUpdate& u, std::ostream& out, const WarnFn& warn) {
  int status = 0;
  auto one = [&](const std::string& url, const std::string& path, MmdbKind kind) {
    if (url.empty()) return;
    std::string summary;
    std::string err = UpdateMmdb(url, path, kind, u.fetch, &summary);
    if (!err.empty()) {
      warn(err);
      status = 1;
      return;
    }
    out << TextField(path) << ": updated (" << TextField(summary) << ")\n";
    out.flush();
  };
  one(u.country_url, u.country_db, MmdbKind::kCountry);
  one(u.asn_url, u.asn_db, MmdbKind::kAsn);
  return status;
}

}  // namespace mls
