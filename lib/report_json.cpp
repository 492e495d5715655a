// --format json and --format ips (lib/report_render.h). The JSON object is
// documented in mls-report(1): keys in a fixed order, one top-level key per
// line and one list element per line, so that a diff of two reports reads well.

#include <arpa/inet.h>

#include <cstdio>

#include "ip.h"
#include "local_time.h"
#include "report.h"
#include "report_render.h"
#include "tsv.h"
#include "utf8.h"

namespace mls {
namespace {

class Json {
 public:
  std::string out;

  // A string per RFC 8259: control characters, DEL, U+2028 and U+2029
  // escaped; each byte that is not part of valid UTF-8 becomes U+FFFD.
  void Str(std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
      std::size_t len = Utf8Length(s, i);
      if (len == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
        continue;
      }
      if (len == 3 && s.substr(i, 3) == "\xE2\x80\xA8") {
        out += "\\u2028";
      } else if (len == 3 && s.substr(i, 3) == "\xE2\x80\xA9") {
        out += "\\u2029";
      } else if (len > 1) {
        out.append(s.substr(i, len));
      } else {
        Ascii(s[i]);
      }
      i += len;
    }
    out += '"';
  }
  void Num(std::uint64_t v) { out += std::to_string(v); }
  void OptNum(bool known, std::uint64_t v) {
    if (known) {
      Num(v);
    } else {
      out += "null";
    }
  }
  void Time(std::time_t t) { Str(FormatLocalIso(t)); }
  void OptTime(std::optional<std::time_t> t) {
    if (t) {
      Time(*t);
    } else {
      out += "null";
    }
  }

  // Members of an object: `"key": ` preceded by the separator.
  void Key(std::string_view k) {
    if (!first_) out += ", ";
    first_ = false;
    Str(k);
    out += ": ";
  }
  void Open() {
    out += '{';
    first_ = true;
  }
  void Close() {
    out += '}';
    first_ = false;
  }

  void Field(std::string_view k, std::string_view v) {
    Key(k);
    Str(v);
  }
  void Field(std::string_view k, std::uint64_t v) {
    Key(k);
    Num(v);
  }
  // A string, null when empty (unknown).
  void OptField(std::string_view k, std::string_view v) {
    Key(k);
    if (v.empty()) {
      out += "null";
    } else {
      Str(v);
    }
  }
  // An ASN as a number (as mls-ipinfo --json writes it), null when empty or
  // not a 32-bit decimal number.
  void AsnField(std::string_view k, std::string_view v) {
    Key(k);
    std::uint64_t n = 0;
    bool ok = !v.empty() && v.size() <= 10;
    for (char c : v) {
      if (c < '0' || c > '9') ok = false;
      n = n * 10 + static_cast<unsigned char>(c - '0');
    }
    if (ok && n <= 0xFFFFFFFFu) {
      Num(n);
    } else {
      out += "null";
    }
  }
  void TimeField(std::string_view k, std::time_t t) {
    Key(k);
    Time(t);
  }

  // A top-level member, on its own line.
  void Top(std::string_view k) {
    out += top_first_ ? "\n  " : ",\n  ";
    top_first_ = false;
    Str(k);
    out += ": ";
    first_ = true;
  }

  // A list of objects, one per line, written by `one`.
  template <class T, class F>
  void List(const std::vector<T>& v, F one, const char* indent = "    ") {
    if (v.empty()) {
      out += "[]";
      return;
    }
    out += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
      out += i == 0 ? "\n" : ",\n";
      out += indent;
      Open();
      one(v[i]);
      Close();
    }
    out += '\n';
    out.append(indent, std::char_traits<char>::length(indent) - 2);
    out += ']';
  }

 private:
  void Ascii(char c) {
    switch (c) {
      case '"':
        out += "\\\"";
        return;
      case '\\':
        out += "\\\\";
        return;
      case '\b':
        out += "\\b";
        return;
      case '\f':
        out += "\\f";
        return;
      case '\n':
        out += "\\n";
        return;
      case '\r':
        out += "\\r";
        return;
      case '\t':
        out += "\\t";
        return;
      default:
        break;
    }
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }

  bool first_ = true;
  bool top_first_ = true;
};

// Where an address is: hostname, country, asn, as_org (null when unknown).
void PlaceFields(Json& j, const std::string& hostname, const std::string& country,
                 const std::string& asn, const std::string& as_org) {
  j.OptField("hostname", hostname);
  j.OptField("country", country);
  j.AsnField("asn", asn);
  j.OptField("as_org", as_org);
}

// NAME: {count, top: [...]}: how many there are, and the first of them.
template <class T, class Fn>
void CountAndTop(Json& j, std::string_view name, std::uint64_t count, const std::vector<T>& top,
                 Fn fields) {
  j.Top(name);
  j.Open();
  j.Field("count", count);
  j.Key("top");
  j.List(top, fields, "      ");
  j.Close();
}

void IpFields(Json& j, const IpCount& c) {
  j.Field("ip", c.ip);
  j.Field("count", c.count);
  j.Field("distinct_users", c.distinct_users);
  j.TimeField("first", c.first);
  j.TimeField("last", c.last);
  PlaceFields(j, c.hostname, c.country, c.asn, c.as_org);
}

// [{name: key, count}], an empty key (unknown) as null; ASNs as numbers.
// ["a", "b"]
void Strings(Json& j, const std::vector<std::string>& v) {
  j.out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) j.out += ", ";
    j.Str(v[i]);
  }
  j.out += ']';
}

void LoginsJson(Json& j, const LoginsAfterFailures& l) {
  j.Open();
  j.Key("tracked");
  j.out += l.tracked ? "true" : "false";
  j.Field("lookback_days", static_cast<std::uint64_t>(l.lookback_days));
  j.Field("high", l.high);
  j.Field("low", l.low);
  j.Key("cases");
  auto opt_time = [&](std::string_view k, std::time_t t) {
    j.Key(k);
    j.OptTime(t != 0 ? std::optional(t) : std::nullopt);
  };
  j.List(
      l.cases,
      [&](const LoginCase& c) {
        j.Field("severity", c.high ? "high" : "low");
        j.Key("kinds");
        Strings(j, LoginCaseKinds(c));
        j.Field("ip", c.ip);
        j.Field("user", c.user);
        PlaceFields(j, c.hostname, c.country, c.asn, c.as_org);
        j.TimeField("first_login", c.first_login);
        j.Field("logins", c.logins);
        j.Field("failures_before", c.failures_before);
        opt_time("first_failure", c.first_failure);
        opt_time("last_failure", c.last_failure);
        j.Field("users_tried_count", c.users_tried_count);
        j.Key("users_tried");
        Strings(j, c.users_tried);
        j.Field("account_failures", c.account_failures);
        j.Field("account_addresses", c.account_addresses);
        j.Key("new");
        Strings(j, LoginCaseNew(c));
      },
      "      ");
  j.Close();
}

void Keys(Json& j, const std::vector<KeyCount>& v, std::string_view name) {
  j.List(v, [&](const KeyCount& k) {
    if (name == "asn") {
      j.AsnField(name, k.key);
    } else if (name == "user") {  // never empty (ReportData::no_user)
      j.Field(name, k.key);
    } else {
      j.OptField(name, k.key);
    }
    j.Field("count", k.count);
  });
}

}  // namespace

std::string RenderJson(const ReportData& d) {
  Json j;
  j.out += '{';
  j.Top("version");
  j.Str(d.version);
  j.Top("generated");
  j.Time(d.generated);
  j.Top("server");
  j.Open();
  j.Field("name", d.server_name);
  j.OptField("address", d.server_address);
  j.Close();
  j.Top("schedule");
  j.Str(d.schedule);
  j.Top("last_extraction");
  j.OptTime(d.last_extraction);
  j.Top("window");
  j.Open();
  j.Field("name", d.window.name);
  j.TimeField("since", d.window.since);
  j.TimeField("until", d.window.until);
  j.Close();
  j.Top("previous_window");
  j.Open();
  j.TimeField("since", d.previous_window.since);
  j.TimeField("until", d.previous_window.until);
  // A dataset that could not be read has no counts: null, not 0.
  const bool known = d.dataset_error.empty();
  j.Key("total");
  j.OptNum(known, d.previous_total);
  j.Close();
  j.Top("total");
  j.OptNum(known, d.total);
  j.Top("distinct_ips");
  j.OptNum(known, d.distinct_ips);
  j.Top("distinct_users");
  j.OptNum(known, d.distinct_users);
  j.Top("no_user");
  j.OptNum(known, d.no_user);
  j.Top("outages");
  if (d.outages) {
    j.Num(*d.outages);
  } else {
    j.out += "null";
  }
  if (d.suppressed > 0) {  // only then: journald's rate limit dropped Postfix messages
    j.Top("journal_suppressed");
    j.Num(d.suppressed);
  }
  if (!d.servers.empty()) {  // several servers in the window: the fleet
    j.Top("servers");
    j.List(d.servers, [&](const ServerTrend& k) {
      j.Field("server", k.server);
      j.Field("count", k.count);
      j.Field("previous", k.previous);
      j.Field("distinct_ips", k.distinct_ips);
    });
    CountAndTop(j, "shared_ips", d.shared_ip_count, d.shared_ips, [&](const SharedIp& k) {
      j.Field("ip", k.ip);
      j.Field("servers", k.servers);
      j.Field("count", k.count);
      j.Field("distinct_users", k.distinct_users);
      j.OptField("country", k.country);
      j.AsnField("asn", k.asn);
      j.OptField("as_org", k.as_org);
    });
    CountAndTop(j, "shared_users", d.shared_user_count, d.shared_users, [&](const SharedUser& k) {
      j.Field("user", k.user);
      j.Field("servers", k.servers);
      j.Field("count", k.count);
      j.Field("distinct_ips", k.distinct_ips);
    });
  }
  j.Top("logins_after_failures");
  LoginsJson(j, d.logins);
  j.Top("top_auth");
  j.List(d.top_auth, [&](const AuthCount& a) {
    j.Field("user", a.user);
    j.Field("ip", a.ip);
    j.OptField("hostname", a.hostname);
    j.OptField("country", a.country);
    j.Field("count", a.count);
  });
  j.Top("top_users");
  Keys(j, d.top_users, "user");
  j.Top("top_ips");
  j.List(d.top_ips, [&](const IpCount& c) { IpFields(j, c); });
  j.Top("top_countries");
  Keys(j, d.top_countries, "country");
  j.Top("top_as_orgs");
  Keys(j, d.top_as_orgs, "as_org");
  j.Top("top_asns");
  Keys(j, d.top_asns, "asn");
  j.Top("rdns");
  j.Open();
  j.Field("ok", d.rdns_ok);
  j.Key("failures");
  j.List(
      d.rdns_failures,
      [&](const KeyCount& k) {
        j.OptField("status", k.key);
        j.Field("count", k.count);
      },
      "      ");
  j.Close();
  j.Top("attempts");
  j.Open();
  j.Field("bucket_seconds", d.bucket_seconds);
  j.Key("buckets");
  j.List(
      d.buckets,
      [&](const Bucket& b) {
        j.TimeField("start", b.start);
        j.Field("count", b.count);
      },
      "      ");
  j.Close();
  j.Top("brute_force");
  j.List(d.brute_force, [&](const IpCount& c) { IpFields(j, c); });
  j.Top("spraying");
  j.List(d.spraying, [&](const UserSpread& u) {
    j.Field("user", u.user);
    j.Field("count", u.count);
    j.Field("distinct_ips", u.distinct_ips);
  });
  CountAndTop(j, "new_ips", d.new_ip_count, d.new_ips, [&](const IpCount& c) { IpFields(j, c); });
  j.Top("dataset");
  j.Open();
  j.Field("path", d.dataset_path);
  j.Key("error");
  if (known) {
    j.out += "null";
  } else {
    j.Str(d.dataset_error);
  }
  j.Field("rows", d.dataset_rows);
  if (d.dataset_rows_estimated) {  // only then
    j.Key("rows_estimated");
    j.out += "true";
  }
  j.Key("bytes");
  j.OptNum(!d.dataset_table, d.dataset_bytes);  // null for a database table
  j.Field("skipped_rows", d.skipped_rows);
  j.Key("first");
  j.OptTime(d.dataset_rows > 0 ? std::optional(d.dataset_first) : std::nullopt);
  j.Key("last");
  j.OptTime(d.dataset_rows > 0 ? std::optional(d.dataset_last) : std::nullopt);
  j.Close();
  if (!d.allowlisted.empty()) {
    j.Top("allowlisted");
    j.List(
        d.allowlisted,
        [&](const KeyCount& k) {
          j.Field("ip", k.key);
          j.Field("count", k.count);
        },
        "    ");
  }
  if (d.threshold > 0) {
    j.Top("threshold_ips");
    j.Open();
    j.Field("threshold", d.threshold);
    j.Key("ips");
    j.List(
        d.threshold_ips,
        [&](const KeyCount& k) {
          j.Field("ip", k.key);
          j.Field("count", k.count);
        },
        "      ");
    j.Close();
  }
  j.out += "\n}\n";
  return j.out;
}

std::string RenderIps(const ReportData& d) {
  std::string out;
  for (const KeyCount& k : d.threshold_ips) {
    if (IsIpAddress(k.key)) out += k.key + '\n';
  }
  return out;
}

std::string RenderLogins(const ReportData& d) {
  std::string out;
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : ",") + x;
    return s.empty() ? std::string("-") : s;
  };
  for (const LoginCase& c : d.logins.cases) {
    TsvAppendRecord(
        std::vector<std::string>{c.high ? "high" : "low", FormatLocalIso(c.first_login), c.ip,
                                 c.user, join(LoginCaseKinds(c)), std::to_string(c.failures_before),
                                 join(c.users_tried), std::to_string(c.account_failures),
                                 std::to_string(c.account_addresses), join(LoginCaseNew(c))},
        out);
  }
  return out;
}

}  // namespace mls
