#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <cstdio>
#include <map>
#include <sstream>
#include <string_view>
#include <vector>

#include "diag.h"
#include "fd_io.h"
#include "ip.h"
#include "local_time.h"
#include "number.h"

namespace mls {

bool ValidSqlIdentifier(std::string_view v) {
  if (v.empty() || v.size() > kMaxSqlTableName || (v[0] >= '0' && v[0] <= '9')) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

namespace {

namespace po = boost::program_options;

// ---- value checkers ---------------------------------------------------------
// Each returns nullopt on success, else what was expected ("a positive integer").

using Apply = std::optional<std::string> (*)(Config&, std::string_view);

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

std::optional<int> ParseInt(std::string_view v, int min, int max) {
  return ParseNumberIn<int>(v, min, max);
}

std::optional<bool> ParseBool(std::string_view v) {
  std::string s = Lower(v);
  if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
  if (s == "false" || s == "no" || s == "off" || s == "0") return false;
  return std::nullopt;
}

std::optional<std::string> OneOf(std::string_view v, std::initializer_list<std::string_view> set,
                                 bool upper, std::string& out, const char* expected) {
  std::string s = upper ? Upper(v) : Lower(v);
  for (std::string_view c : set) {
    if (s == c) {
      out = s;
      return std::nullopt;
    }
  }
  return expected;
}

bool ValidPort(std::string_view p) { return ParseInt(p, 1, 65535).has_value(); }

bool ValidIp(const std::string& s, int family) { return ParseIp(s, family).has_value(); }

// HOST[:PORT] with HOST an IPv4 address, a bare IPv6 address, or [IPv6]:PORT.
bool ValidDnsServer(std::string_view t) {
  if (!t.empty() && t.front() == '[') {
    std::size_t close = t.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view rest = t.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !ValidPort(rest.substr(1)))) return false;
    return ValidIp(std::string(t.substr(1, close - 1)), AF_INET6);
  }
  if (std::count(t.begin(), t.end(), ':') > 1) return ValidIp(std::string(t), AF_INET6);
  std::size_t colon = t.find(':');
  if (colon != std::string_view::npos && !ValidPort(t.substr(colon + 1))) return false;
  return ValidIp(std::string(t.substr(0, colon)), AF_INET);
}

// The non-empty tokens of `v` between any of `seps`, each checked by `take`
// (its error ends the list).
template <typename Take>
std::optional<std::string> ForEachToken(std::string_view v, std::string_view seps, Take take) {
  std::size_t i = 0;
  while (i < v.size()) {
    std::size_t end = v.find_first_of(seps, i);
    if (end == std::string_view::npos) end = v.size();
    if (end > i) {
      if (auto err = take(v.substr(i, end - i))) return err;
    }
    i = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> SetServers(Config& c, std::string_view v) {
  c.dns_servers.clear();
  return ForEachToken(v, ", \t", [&c](std::string_view tok) -> std::optional<std::string> {
    if (!ValidDnsServer(tok))
      return "'" + std::string(tok) +
             "' is not IPv4[:PORT], IPv6 or [IPv6]:PORT (comma- or space-separated)";
    c.dns_servers.emplace_back(tok);
    return std::nullopt;
  });
}

std::optional<std::string> SetJournalMatches(Config& c, std::string_view v) {
  c.journal_matches.clear();
  return ForEachToken(v, " \t", [&c](std::string_view m) -> std::optional<std::string> {
    const std::size_t eq = m.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return "'" + std::string(m) + "' is not FIELD=VALUE (space-separated)";
    c.journal_matches.emplace_back(m);
    return std::nullopt;
  });
}

constexpr const char* kPositive = "expected a positive integer";
constexpr const char* kBoolean = "expected true/false, yes/no, on/off or 1/0";
constexpr const char* kNonEmpty = "expected a non-empty value";

// One entry per key of maillogsentinel.conf(5).
struct KeySpec {
  std::string_view section;
  std::string_view key;
  Apply apply;
};

#define MLS_STRING(field)                                           \
  [](Config& c, std::string_view v) -> std::optional<std::string> { \
    c.field = std::string(v);                                       \
    return std::nullopt;                                            \
  }
#define MLS_NONEMPTY(field)                                         \
  [](Config& c, std::string_view v) -> std::optional<std::string> { \
    if (v.empty()) return kNonEmpty;                                \
    c.field = std::string(v);                                       \
    return std::nullopt;                                            \
  }
#define MLS_POSITIVE(field)                                         \
  [](Config& c, std::string_view v) -> std::optional<std::string> { \
    auto n = ParseInt(v, 1, 2147483647);                            \
    if (!n) return kPositive;                                       \
    c.field = *n;                                                   \
    return std::nullopt;                                            \
  }
#define MLS_BOOL(field)                                             \
  [](Config& c, std::string_view v) -> std::optional<std::string> { \
    auto b = ParseBool(v);                                          \
    if (!b) return kBoolean;                                        \
    c.field = *b;                                                   \
    return std::nullopt;                                            \
  }

const KeySpec kKeys[] = {
    {"paths", "working_dir", MLS_NONEMPTY(working_dir)},
    {"paths", "state_dir", MLS_NONEMPTY(state_dir)},
    {"paths", "mail_log", MLS_NONEMPTY(mail_log)},
    {"paths", "rotated_dir", MLS_STRING(rotated_dir)},
    {"paths", "source",
     [](Config& c, std::string_view v) -> std::optional<std::string> {
       return OneOf(v, {"file", "journal"}, false, c.log_source, "expected file or journal");
     }},
    {"paths", "journal_dir", MLS_STRING(journal_dir)},
    {"paths", "journal_match", SetJournalMatches},
    {"general", "log_level",
     [](Config& c, std::string_view v) {
       return OneOf(v, {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}, true, c.log_level,
                    "expected DEBUG, INFO, WARNING, ERROR or CRITICAL");
     }},
    {"general", "retention_days",
     [](Config& c, std::string_view v) -> std::optional<std::string> {
       auto n = ParseInt(v, 1, 1000000);
       if (!n) return "expected a whole number of days from 1 to 1000000 (absent: keep every row)";
       c.retention_days = *n;
       return std::nullopt;
     }},
    {"general", "retention_archive", MLS_BOOL(retention_archive)},
    {"logins", "track", MLS_BOOL(logins_track)},
    {"logins", "retention_days",
     [](Config& c, std::string_view v) -> std::optional<std::string> {
       auto n = ParseInt(v, 1, 1000000);
       if (!n) return "expected a whole number of days from 1 to 1000000";
       c.logins_retention_days = *n;
       return std::nullopt;
     }},
    {"logins", "lookback_days",
     [](Config& c, std::string_view v) -> std::optional<std::string> {
       auto n = ParseInt(v, 1, 3650);
       if (!n) return "expected a whole number of days from 1 to 3650";
       c.logins_lookback_days = *n;
       return std::nullopt;
     }},
    {"general", "metrics_file",
     [](Config& c, std::string_view v) -> std::optional<std::string> {
       if (!v.empty() && !v.starts_with('/'))
         return "expected an absolute path (the runs start in /)";
       c.metrics_file = std::string(v);
       return std::nullopt;
     }},
    {"firewall", "allowlist",
     [](Config& c, std::string_view v) -> std::optional<std::string> {
       c.firewall_allowlist.clear();
       return ParseIpNetList(v, c.firewall_allowlist);
     }},
    {"firewall", "ban_time",
     [](Config& c, std::string_view v) -> std::optional<std::string> {
       std::optional<std::int64_t> s = ParseTimeSpan(v);
       if (!s) return "expected a time span (30min, 1h, 7d)";
       c.firewall_ban_seconds = *s;
       return std::nullopt;
     }},
    {"report", "email", MLS_STRING(report_email)},
    {"report", "sender", MLS_STRING(report_sender)},
    {"report", "subject_prefix", MLS_STRING(report_subject_prefix)},
    {"report", "window",
     [](Config& c, std::string_view v) -> std::optional<std::string> {
       for (const std::string& name : {std::string(v), Lower(v)}) {  // "7D" as "7d"
         if (IsWindowName(name)) {
           c.report_window = name;
           return std::nullopt;
         }
       }
       return OneOf(v, {"today", "yesterday"}, false, c.report_window,
                    "expected today, yesterday or a time span (24h, 7d, 10m, 36h)");
     }},
    {"report", "top", MLS_POSITIVE(report_top)},
    {"report", "source",
     [](Config& c, std::string_view v) {
       return OneOf(v, {"csv", "database"}, false, c.report_source,
                    "expected csv (this host's dataset) or database (the [database] events table)");
     }},
    {"report", "sendmail", MLS_NONEMPTY(report_sendmail)},
    {"report", "smtp_host", MLS_STRING(smtp_host)},
    {"report", "smtp_port",
     [](Config& c, std::string_view v) -> std::optional<std::string> {
       auto n = ParseInt(v, 0, 65535);
       if (!n) return "expected a port number from 0 to 65535 (0 = by smtp_tls)";
       c.smtp_port = *n;
       return std::nullopt;
     }},
    {"report", "smtp_tls",
     [](Config& c, std::string_view v) {
       return OneOf(v, {"starttls", "implicit", "none"}, false, c.smtp_tls,
                    "expected starttls, implicit or none");
     }},
    {"report", "smtp_user", MLS_STRING(smtp_user)},
    {"report", "smtp_password", MLS_STRING(smtp_password)},
    {"report", "smtp_cafile", MLS_STRING(smtp_cafile)},
    {"report", "smtp_timeout_seconds", MLS_POSITIVE(smtp_timeout_seconds)},
    {"dns_cache", "enabled", MLS_BOOL(dns_cache_enabled)},
    {"dns_cache", "size", MLS_POSITIVE(dns_cache_size)},
    {"dns_cache", "ttl_seconds", MLS_POSITIVE(dns_cache_ttl_seconds)},
    {"dns", "enabled", MLS_BOOL(dns_enabled)},
    {"dns", "servers", SetServers},
    {"dns", "timeout_ms", MLS_POSITIVE(dns_timeout_ms)},
    {"dns", "concurrency", MLS_POSITIVE(dns_concurrency)},
    {"ipinfo", "country_db_path", MLS_STRING(country_db_path)},
    {"ipinfo", "asn_db_path", MLS_STRING(asn_db_path)},
    {"ipinfo", "db_update_url_country", MLS_STRING(db_update_url_country)},
    {"ipinfo", "db_update_url_asn", MLS_STRING(db_update_url_asn)},
    {"database", "sql_export_dir", MLS_STRING(sql_export_dir)},
    {"database", "db_type",
     [](Config& c, std::string_view v) {
       return OneOf(v, {"postgresql", "mysql", "sqlite"}, false, c.db_type,
                    "expected postgresql, mysql or sqlite");
     }},
    {"database", "db_host", MLS_STRING(db_host)},
    {"database", "db_name", MLS_STRING(db_name)},
    {"database", "db_user", MLS_STRING(db_user)},
    {"database", "db_password", MLS_STRING(db_password)},
    {"database", "db_port",
     [](Config& c, std::string_view v) -> std::optional<std::string> {
       auto n = ParseInt(v, 0, 65535);
       if (!n) return "expected a port number from 0 to 65535 (0 = backend default)";
       c.db_port = *n;
       return std::nullopt;
     }},
    {"database", "db_sslmode",
     [](Config& c, std::string_view v) {
       return OneOf(v, {"disable", "require", "verify-ca", "verify-full"}, false, c.db_sslmode,
                    "expected disable, require, verify-ca or verify-full");
     }},
    {"database", "db_sslrootcert", MLS_STRING(db_sslrootcert)},
    {"setup", "user",
     [](Config& c, std::string_view v) -> std::optional<std::string> {
       if (v.empty() || v.size() > 32 ||
           v.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") !=
               std::string_view::npos ||
           v[0] == '-')
         return "expected a user name (lower-case letters, digits, '_' and '-', at most 32)";
       c.setup_user = std::string(v);
       return std::nullopt;
     }},
    {"setup", "extract_schedule", MLS_NONEMPTY(setup_extract_schedule)},
    {"setup", "report_schedule", MLS_NONEMPTY(setup_report_schedule)},
    {"database", "table",
     [](Config& c, std::string_view v) -> std::optional<std::string> {
       if (!ValidSqlIdentifier(v))
         return "expected an SQL identifier (letters, digits and _, not starting with a digit, "
                "at most 55 characters)";
       c.db_table = std::string(v);
       return std::nullopt;
     }},
};

#undef MLS_STRING
#undef MLS_NONEMPTY
#undef MLS_POSITIVE
#undef MLS_BOOL

const KeySpec* FindKey(std::string_view section, std::string_view key) {
  for (const KeySpec& k : kKeys)
    if (k.section == section && k.key == key) return &k;
  return nullptr;
}

// Levenshtein distance, capped: anything above `cap` is cap + 1.
std::size_t EditDistance(std::string_view a, std::string_view b, std::size_t cap) {
  if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) > cap) return cap + 1;
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return std::min(row[b.size()], cap + 1);
}

bool KnownSection(std::string_view section) {
  return std::any_of(std::begin(kKeys), std::end(kKeys),
                     [&](const KeySpec& k) { return k.section == section; });
}

}  // namespace

std::string UnknownKeyHint(std::string_view section, std::string_view key) {
  for (const KeySpec& k : kKeys)
    if (k.key == key && k.section != section)
      return "; '" + std::string(key) + "' belongs in [" + std::string(k.section) + "]";
  const KeySpec* best = nullptr;
  std::size_t best_d = 3;
  for (const KeySpec& k : kKeys) {
    if (k.section != section) continue;
    std::size_t d = EditDistance(key, k.key, 2);
    if (d < best_d) best = &k, best_d = d;
  }
  if (best) return "; did you mean '" + std::string(best->key) + "'?";
  return "";
}

namespace {

// ---- the line index ---------------------------------------------------------

std::string_view Trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// Boost treats '#' anywhere as the start of a comment; our files only comment at
// the start of a line, so values may hold '#' (passwords). Values handed to Boost
// are escaped reversibly: \x01 -> \x01\x01, '#' -> \x01H.
std::string EscapeForBoost(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\x01')
      out += "\x01\x01";
    else if (c == '#')
      out += "\x01H";
    else
      out += c;
  }
  return out;
}

std::string UnescapeFromBoost(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\x01' && i + 1 < v.size()) {
      out += v[++i] == 'H' ? '#' : '\x01';
    } else {
      out += v[i];
    }
  }
  return out;
}

struct Scan {
  std::string canonical;                // the text handed to Boost, line for line
  std::map<std::string, int> key_line;  // "section.key" -> line number
  std::vector<ConfigEntry> entries;     // the keys as written, in file order
  std::optional<std::string> error;
};

Scan ScanLines(std::string_view text, const std::string& name) {
  Scan scan;
  std::map<std::string, int> section_line;
  std::string section;
  int lineno = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM
  auto fail = [&](const std::string& msg) {
    scan.error = name + ":" + std::to_string(lineno) + ": " + msg;
    return scan;
  };
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++lineno;
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      scan.canonical += '\n';
    } else if (line.front() == '[') {
      if (line.back() != ']')
        return fail("syntax error: expected '[section]', 'key = value' or a comment");
      section = std::string(Trim(line.substr(1, line.size() - 2)));
      if (!KnownSection(section)) return fail("unknown section [" + section + "]");
      auto [it, fresh] = section_line.emplace(section, lineno);
      if (!fresh)
        return fail("duplicate section [" + section + "] (first on line " +
                    std::to_string(it->second) + ")");
      scan.canonical += "[" + section + "]\n";
    } else {
      std::size_t eq = line.find('=');
      if (eq == std::string_view::npos || Trim(line.substr(0, eq)).empty())
        return fail("syntax error: expected '[section]', 'key = value' or a comment");
      std::string key = Lower(Trim(line.substr(0, eq)));
      std::string_view value = Trim(line.substr(eq + 1));
      if (section.empty()) return fail("key '" + key + "' outside of any section");
      if (!FindKey(section, key))
        return fail("unknown key '" + key + "' in [" + section + "]" +
                    UnknownKeyHint(section, key));
      auto [it, fresh] = scan.key_line.emplace(section + "." + key, lineno);
      if (!fresh)
        return fail("duplicate key '" + key + "' in [" + section + "] (first on line " +
                    std::to_string(it->second) + ")");
      scan.canonical += key + "=" + EscapeForBoost(value) + "\n";
      scan.entries.push_back({section, key, std::string(value)});
    }
  }
  return scan;
}

}  // namespace

ConfigResult ParseConfig(const std::string& text, const std::string& name) {
  ConfigResult result;
  Scan scan = ScanLines(text, name);
  if (scan.error) {
    result.error = scan.error;
    return result;
  }
  result.key_lines = scan.key_line;
  po::options_description desc;
  for (const KeySpec& k : kKeys) {
    std::string opt = std::string(k.section) + "." + std::string(k.key);
    desc.add_options()(opt.c_str(), po::value<std::string>());
  }
  std::istringstream in(scan.canonical);
  po::parsed_options parsed(&desc);
  try {
    parsed = po::parse_config_file(in, desc, /*allow_unregistered=*/false);
  } catch (const po::error& e) {  // not expected: the scan validated every line
    result.error = name + ": " + e.what();
    return result;
  }
  for (const po::option& opt : parsed.options) {
    std::size_t dot = opt.string_key.find('.');
    std::string_view section = std::string_view(opt.string_key).substr(0, dot);
    std::string_view key = std::string_view(opt.string_key).substr(dot + 1);
    std::string value = opt.value.empty() ? std::string() : UnescapeFromBoost(opt.value[0]);
    const KeySpec* spec = FindKey(section, key);
    if (auto why = spec->apply(result.config, value)) {
      result.error = name + ":" + std::to_string(scan.key_line[opt.string_key]) + ": bad value '" +
                     value + "' for " + std::string(key) + " in [" + std::string(section) +
                     "]: " + *why;
      return result;
    }
  }
  return result;
}

std::optional<std::string> ReadConfigEntries(const std::string& text, const std::string& name,
                                             std::vector<ConfigEntry>& entries) {
  ConfigResult parsed = ParseConfig(text, name);
  if (parsed.error) return parsed.error;
  entries = ScanLines(text, name).entries;
  return std::nullopt;
}

std::optional<std::string> CheckConfigValue(std::string_view section, std::string_view key,
                                            std::string_view value) {
  const KeySpec* spec = FindKey(section, key);
  if (!spec) return "unknown key '" + std::string(key) + "' in [" + std::string(section) + "]";
  if (value != Trim(value) || value.find_first_of("\n\r") != std::string_view::npos)
    return std::string("expected one line without spaces around it");
  Config scratch;
  return spec->apply(scratch, value);
}

std::string FormatConfig(const std::vector<ConfigEntry>& entries, std::string_view header) {
  std::string out(header);
  std::vector<std::string_view> done;
  for (const KeySpec& k : kKeys) {  // sections in the order of maillogsentinel.conf(5)
    if (std::find(done.begin(), done.end(), k.section) != done.end()) continue;
    done.push_back(k.section);
    bool first = true;
    for (const ConfigEntry& e : entries) {
      if (e.section != k.section) continue;
      if (first) out += (out.empty() ? "[" : "\n[") + e.section + "]\n";
      first = false;
      out += e.key + " = " + e.value + "\n";
    }
  }
  return out;
}

namespace {
constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;
}  // namespace

ConfigResult LoadConfig(const std::string& path) {
  ConfigResult result;
  std::optional<std::string> text;
  if (auto err = ReadWholeFile(path, text, /*missing_ok=*/false, kMaxConfigBytes)) {
    result.error =
        err->ends_with(" bytes") ? path + ": larger than 1 MiB, not a configuration file" : *err;
    return result;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    result.error = ErrnoMessage(path, errno);
    return result;
  }
  result = ParseConfig(*text, path);
  const Config& c = result.config;
  const char* secret = !c.db_password.empty()     ? "db_password"
                       : !c.smtp_password.empty() ? "smtp_password"
                                                  : nullptr;
  // Others, not the group: root:SERVICE-GROUP 0640 is how the service user
  // reads a file root owns (the layout --setup writes).
  if (!result.error && secret && (st.st_mode & 004) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    result.warnings.push_back(path + ": holds " + secret + " but is readable by others (mode " +
                              mode + "); restrict it, e.g. chmod 600");
  }
  return result;
}

std::string SqlExportCursorPath(const std::string& state_dir) {
  return state_dir + "/sql-export.cursor";
}
std::string SqlExportLockPath(const std::string& state_dir) {
  return state_dir + "/sql-export.lock";
}
std::string SqlImportLockPath(const std::string& export_dir) { return export_dir + "/import.lock"; }
std::string SqlImportedDir(const std::string& export_dir) { return export_dir + "/imported"; }

}  // namespace mls
