#pragma once
// Test helper: ReportData built by hand for the renderer tests (TZ=Europe/Paris).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "report.h"

namespace mls {

// Local midnights in Europe/Paris.
inline constexpr std::time_t kNov28 = 1795820400;      // 2026-11-28 00:00 CET
inline constexpr std::time_t kFallBack = 1792879200;   // 2026-10-25 00:00 CEST, 25 hours long
inline constexpr std::time_t kSpringFwd = 1774738800;  // 2026-03-29 00:00 CET, 23 hours long

// `hours` hourly buckets from `since`, counts from `counts` (cycled).
inline std::vector<Bucket> HourBuckets(std::time_t since, int hours,
                                       const std::vector<std::uint64_t>& counts) {
  std::vector<Bucket> b;
  for (int h = 0; h < hours; ++h) {
    b.push_back({since + h * 3600, counts[static_cast<std::size_t>(h) % counts.size()]});
  }
  return b;
}

// Occurrences of `needle` in `hay` (not overlapping).
inline std::size_t Count(std::string_view hay, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = hay.find(needle); at != std::string_view::npos;
       at = hay.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

inline std::uint64_t Sum(const std::vector<Bucket>& b) {
  std::uint64_t s = 0;
  for (const Bucket& k : b) s += k.count;
  return s;
}

// A header and nothing in the window.
inline ReportData EmptyReport() {
  ReportData d;
  d.version = "1.2.3";
  d.server_name = "mx.example.test";
  d.server_address = "127.0.0.1";
  d.window = {"today", kNov28, kNov28 + 14 * 3600};
  d.generated = d.window.until;
  d.schedule = "OnBootSec=2min, OnUnitActiveSec=10min";
  d.last_extraction = d.generated - 240;
  d.dataset_path = "/var/lib/maillogsentinel/maillogsentinel.csv";
  d.oplog_path = "/var/lib/maillogsentinel/maillogsentinel.log";
  d.buckets = HourBuckets(d.window.since, 14, {0});
  // "today" compares with the same clock interval of the day before.
  d.previous_window = {"previous", d.window.since - 86400, d.window.since - 86400 + 14 * 3600};
  d.outages = 0;
  d.dataset_rows = 10;
  d.dataset_bytes = 2048;
  d.dataset_first = kNov28 - 86400 * 30;
  d.dataset_last = kNov28 - 3600;
  return d;
}

// A full report; `user` and `host` are planted in every list that shows them.
inline ReportData FullReport(const std::string& user = "admin",
                             const std::string& host = "scanner.example.net") {
  ReportData d = EmptyReport();
  d.buckets = HourBuckets(d.window.since, 14, {3, 0, 17, 40, 1, 9, 22});
  d.total = Sum(d.buckets);
  d.distinct_ips = 6;
  d.distinct_users = 4;
  d.top_auth = {{user, "127.0.0.2", host, "CN", 40},
                {"info@example.test", "::1", "", "", 17},
                {"", "127.0.0.3", "h3.example.test", "DE", 3}};
  d.top_users = {{user, 60}, {"info@example.test", 17}, {"", 3}};
  d.top_ips = {{"127.0.0.2", host, "CN", "4134", "CHINANET-BACKBONE", 70, 3, kNov28, kNov28 + 60},
               {"::1", "", "", "", "", 17, 1, kNov28 + 7200, kNov28 + 7300}};
  d.top_countries = {{"CN", 70}, {"", 17}, {"DE", 3}};
  d.top_as_orgs = {{"CHINANET-BACKBONE", 70}, {"", 20}};
  d.top_asns = {{"4134", 70}, {"", 20}};
  d.rdns_failures = {{"NXDOMAIN", 17}, {"TIMEOUT", 3}};
  d.rdns_ok = d.total - 20;
  d.brute_force = {{"127.0.0.2", host, "CN", "4134", "CHINANET-BACKBONE", 70, 3, kNov28 + 60,
                    kNov28 + 3 * 3600}};
  d.spraying = {{user, 60, 2}};
  d.new_ip_count = 2;
  d.new_ips = {
      {"127.0.0.3", "h3.example.test", "DE", "", "", 3, 1, kNov28 + 5 * 3600, kNov28 + 5 * 3600}};
  d.previous_total = 80;
  return d;
}

}  // namespace mls
