#pragma once
// The configuration file (INI), read with Boost.Program_options for every tool.
// Every section and key of maillogsentinel.conf(5); defaults as documented there.
// Unknown sections/keys and bad values are errors naming file:line and the key.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ip.h"

namespace mls {

struct Config {
  // [paths]
  std::string working_dir = "/var/lib/maillogsentinel";
  std::string state_dir = "/var/lib/maillogsentinel/state";
  std::string mail_log = "/var/log/mail.log";
  std::string rotated_dir;  // logrotate's olddir: rotated files kept elsewhere (empty: none)
  std::string log_source = "file";           // file (mail_log) or journal (mls-tail --journal)
  std::string journal_dir;                   // journal files here (empty: the system journal)
  std::vector<std::string> journal_matches;  // FIELD=VALUE (mls-tail --match)
  bool FromJournal() const { return log_source == "journal"; }
  // [general]
  std::string log_level = "INFO";  // DEBUG INFO WARNING ERROR CRITICAL
  int retention_days = 0;          // rows older go after a run (lib/retention.h); 0: keep all
  bool retention_archive = true;   // the dropped rows into ArchiveDir(), gzip-compressed
  // [logins]: successful logins kept beside the failures (LoginsDatasetPath),
  // for the report's "Logins after failures". Legitimate users' personal data:
  // kept retention days only.
  bool logins_track = true;
  int logins_retention_days = 30;
  int logins_lookback_days = 30;  // how far back "failed before" and "used before" look
  // Prometheus text exposition written after every extraction run (lib/metrics.h);
  // empty: none.
  std::string metrics_file;
  // [report]
  std::string report_email;   // required for --report
  std::string report_sender;  // default maillogsentinel@<fqdn> (resolved by mls-report)
  std::string report_subject_prefix = "[maillogsentinel]";
  std::string report_window = "today";  // today yesterday 24h 7d
  int report_top = 10;
  std::string report_source = "csv";  // csv database: what mls-report reads
  std::string report_sendmail = "/usr/sbin/sendmail";
  // Set: the report goes to this SMTP server instead of sendmail (lib/smtp.h).
  std::string smtp_host;
  int smtp_port = 0;                  // 0: by smtp_tls (587, 465, 25)
  std::string smtp_tls = "starttls";  // starttls implicit none
  std::string smtp_user;              // empty: no AUTH
  std::string smtp_password;
  std::string smtp_cafile;  // PEM CAs for the server's certificate; empty: the system's
  int smtp_timeout_seconds = 60;
  // [dns_cache]
  bool dns_cache_enabled = true;
  int dns_cache_size = 10000;
  int dns_cache_ttl_seconds = 86400;
  // [dns]
  bool dns_enabled = true;
  std::vector<std::string> dns_servers;  // empty = system resolver configuration
  int dns_timeout_ms = 2000;
  int dns_concurrency = 256;
  // [ipinfo]
  std::string country_db_path;
  std::string asn_db_path;
  std::string db_update_url_country;
  std::string db_update_url_asn;
  // [database]
  std::string sql_export_dir;
  std::string db_type = "sqlite";  // postgresql mysql sqlite
  std::string db_host;
  std::string db_name;
  std::string db_user;
  std::string db_password;
  int db_port = 0;             // 0 = backend default
  std::string db_sslmode;      // disable require verify-ca verify-full; empty: see below
  std::string db_sslrootcert;  // CA certificates (PEM) that verify the server; empty: system CAs
  // db_sslmode in effect: as set; unset, verify-full when db_sslrootcert is
  // set (TLS on means verified), else disable.
  std::string DbSslMode() const {
    if (!db_sslmode.empty()) return db_sslmode;
    return db_sslrootcert.empty() ? "disable" : "verify-full";
  }
  std::string db_table = "maillogsentinel_events";
  // [firewall] (mls-report --format nft, the allowlist of every format)
  std::vector<IpNet> firewall_allowlist;     // "192.0.2.0/24, 2001:db8::/32": never banned
  std::int64_t firewall_ban_seconds = 3600;  // how long a ban lasts
  // [setup] (maillogsentinel --setup)
  std::string setup_user = "maillogsentinel";            // the service user
  std::string setup_extract_schedule = "*:0/10";         // the extraction timer's OnCalendar=
  std::string setup_report_schedule = "*-*-* 00:05:00";  // the report timer's OnCalendar=

  // The files this configuration's runs keep (see also the free functions
  // below); maillogsentinel --reset and --purge move them (lib/backup.h).
  std::string CsvPath() const { return working_dir + "/maillogsentinel.csv"; }
  std::string LogPath() const { return working_dir + "/maillogsentinel.log"; }
  std::string StatePath() const { return state_dir + "/state.offset"; }
  // The pending position the driver renames over the state file on commit.
  std::string PendingPath() const { return StatePath() + ".pending"; }
  // The extraction's lock: one run per state dir.
  std::string StateLockPath() const { return state_dir + "/lock"; }
  std::string DnsCachePath() const { return state_dir + "/dns-cache"; }
  // Retention's archives of dropped rows (retention_archive).
  std::string ArchiveDir() const { return working_dir + "/archive"; }
};

// mls-sql's files, by the directory its options name.
std::string SqlExportCursorPath(const std::string& state_dir);  // state_dir/sql-export.cursor
std::string SqlExportLockPath(const std::string& state_dir);    // state_dir/sql-export.lock
std::string SqlImportLockPath(const std::string& export_dir);   // export_dir/import.lock
std::string SqlImportedDir(const std::string& export_dir);      // export_dir/imported

struct ConfigResult {
  Config config;
  std::optional<std::string> error;      // "FILE:LINE: unknown key 'treshold' in [report]"
  std::vector<std::string> warnings;     // e.g. world-readable file holding db_password
  std::map<std::string, int> key_lines;  // "paths.mail_log" -> its line in the file
};

inline constexpr const char* kDefaultConfigPath = "/etc/maillogsentinel.conf";

// The hint after "unknown key 'KEY' in [SECTION]": "; 'KEY' belongs in [OTHER]"
// when another section has that key, else "; did you mean 'K'?" for the key of
// SECTION closest to KEY (edit distance at most 2), else "".
std::string UnknownKeyHint(std::string_view section, std::string_view key);

// [database] table: letters, digits and '_', not starting with a digit, at most
// kMaxSqlTableName bytes, so that the names mls-sql derives from it (TABLE_imports,
// TABLE_server) stay within every backend's 63-byte limit. Safe quoted or not.
inline constexpr std::size_t kMaxSqlTableName = 55;
bool ValidSqlIdentifier(std::string_view name);

// Reads and validates the INI file at `path`.
ConfigResult LoadConfig(const std::string& path);

// Same, from text already in memory (`name` is used in messages).
ConfigResult ParseConfig(const std::string& text, const std::string& name);

// One `key = value` line of a configuration file, as written.
struct ConfigEntry {
  std::string section;
  std::string key;
  std::string value;
  bool operator==(const ConfigEntry&) const = default;
};

// The keys of a valid configuration text, in file order; the error of
// ParseConfig when it is not valid.
std::optional<std::string> ReadConfigEntries(const std::string& text, const std::string& name,
                                             std::vector<ConfigEntry>& entries);

// Whether `value` is good for KEY in [SECTION] (the checks LoadConfig makes): nullopt,
// or what was expected ("expected a positive integer").
std::optional<std::string> CheckConfigValue(std::string_view section, std::string_view key,
                                            std::string_view value);

// A configuration file's text: `header` (comment lines), a blank line, then `entries` by section,
// the sections in the order of maillogsentinel.conf(5), keys in their given order.
// ReadConfigEntries gives them back.
std::string FormatConfig(const std::vector<ConfigEntry>& entries, std::string_view header);

}  // namespace mls
