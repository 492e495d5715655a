#include "metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "atomic_file.h"
#include "fd_io.h"
#include "number.h"

namespace mls {
namespace {

constexpr std::string_view kPrefix = "maillogsentinel_";
constexpr std::size_t kMaxFileBytes = 1 << 20;

// How a series' value is written and read back.
enum class Kind { kCount, kSeconds, kTimestamp, kFlag };

struct Series {
  std::vector<std::pair<std::string, std::string>> labels;  // name, value (unescaped)
  Kind kind;
  std::function<std::string(const Metrics&)> get;
  std::function<bool(Metrics&, std::string_view)> set;  // false: not a value of its kind
};

struct Family {
  std::string name;  // without kPrefix
  std::string_view type;
  std::string_view help;
  std::vector<Series> series;
};

std::string Count(std::uint64_t n) { return std::to_string(n); }

bool SetCount(std::uint64_t& field, std::string_view v) {
  std::optional<std::uint64_t> n = ParseNumber<std::uint64_t>(v);
  if (n) field = *n;
  return n.has_value();
}

Series CountSeries(std::uint64_t Metrics::*field,
                   std::vector<std::pair<std::string, std::string>> labels = {}) {
  return {std::move(labels), Kind::kCount, [field](const Metrics& m) { return Count(m.*field); },
          [field](Metrics& m, std::string_view v) { return SetCount(m.*field, v); }};
}

std::string FormatSeconds(double s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

// The metrics in the order of the file; the one list both directions use.
const std::vector<Family>& Families() {
  static const std::vector<Family> families = [] {
    std::vector<Family> f;
    f.push_back({"lines_read_total",
                 "counter",
                 "Mail log lines (or journal entries) read by committed extraction runs.",
                 {CountSeries(&Metrics::lines_read)}});
    f.push_back({"events_stored_total",
                 "counter",
                 "SASL authentication failures appended to the dataset by committed runs.",
                 {CountSeries(&Metrics::events_stored)}});
    f.push_back({"sasl_backend_outages_total",
                 "counter",
                 "SASL backend outages (Connection lost to authentication server) in the lines "
                 "read by committed runs.",
                 {CountSeries(&Metrics::sasl_backend_outages)}});
    f.push_back({"journal_suppressed_total",
                 "counter",
                 "Postfix messages dropped by journald's rate limit, seen by committed runs.",
                 {CountSeries(&Metrics::journal_suppressed)}});
    Family dns{"dns_lookups_total",
               "counter",
               "Reverse DNS answers of the events of committed runs (from the cache or a query), "
               "by status.",
               {}};
    for (std::size_t i = 0; i < kDnsStatusKeys.size(); ++i) {
      dns.series.push_back(
          {{{"status", std::string(kDnsStatusKeys[i])}},
           Kind::kCount,
           [i](const Metrics& m) { return Count(m.dns_lookups[i]); },
           [i](Metrics& m, std::string_view v) { return SetCount(m.dns_lookups[i], v); }});
    }
    f.push_back(std::move(dns));
    f.push_back({"dns_cache_hits_total",
                 "counter",
                 "Reverse DNS answers of committed runs taken from the DNS cache.",
                 {CountSeries(&Metrics::dns_cache_hits)}});
    f.push_back({"runs_total",
                 "counter",
                 "Extraction runs, by result: committed (the transaction committed) or failed "
                 "(rolled back, or stopped before it began).",
                 {CountSeries(&Metrics::runs_committed, {{"result", "committed"}}),
                  CountSeries(&Metrics::runs_failed, {{"result", "failed"}})}});
    f.push_back({"last_run_duration_seconds",
                 "gauge",
                 "Wall-clock duration of the last extraction run.",
                 {{{},
                   Kind::kSeconds,
                   [](const Metrics& m) { return FormatSeconds(m.last_run_duration_seconds); },
                   [](Metrics& m, std::string_view v) {
                     double d = 0;
                     auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
                     if (ec != std::errc() || end != v.data() + v.size() || !std::isfinite(d) ||
                         d < 0)
                       return false;
                     m.last_run_duration_seconds = d;
                     return true;
                   }}}});
    f.push_back(
        {"last_success_timestamp_seconds",
         "gauge",
         "Unix time of the end of the last committed extraction run (0: none yet).",
         {{{},
           Kind::kTimestamp,
           [](const Metrics& m) { return std::to_string(m.last_success_timestamp_seconds); },
           [](Metrics& m, std::string_view v) {
             auto n = ParseNumber<std::int64_t>(v);
             if (!n || *n < 0) return false;
             m.last_success_timestamp_seconds = *n;
             return true;
           }}}});
    f.push_back({"last_run_failed",
                 "gauge",
                 "1 if the last extraction run failed (exit status not 0), else 0.",
                 {{{},
                   Kind::kFlag,
                   [](const Metrics& m) { return std::string(m.last_run_failed ? "1" : "0"); },
                   [](Metrics& m, std::string_view v) {
                     if (v != "0" && v != "1") return false;
                     m.last_run_failed = v == "1";
                     return true;
                   }}}});
    return f;
  }();
  return families;
}

// name{l1="v1",l2="v2"} with the values escaped; the name alone without labels.
std::string SeriesKey(std::string_view name,
                      const std::vector<std::pair<std::string, std::string>>& labels) {
  std::string out(name);
  if (labels.empty()) return out;
  out += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first + "=\"" + EscapeLabelValue(labels[i].second) + '"';
  }
  out += '}';
  return out;
}

bool NameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool NameChar(char c) { return NameStart(c) || (c >= '0' && c <= '9'); }

// The leading metric or label name of `s` (removed from it); empty if none.
std::string_view TakeName(std::string_view& s, bool colon_ok) {
  std::size_t n = 0;
  while (n < s.size() && (n == 0 ? NameStart(s[n]) || (colon_ok && s[n] == ':')
                                 : NameChar(s[n]) || (colon_ok && s[n] == ':'))) {
    ++n;
  }
  std::string_view name = s.substr(0, n);
  s.remove_prefix(n);
  return name;
}

// One sample line: name, labels (unescaped), value text; nullopt if it is not
// one by the format's grammar (or has a timestamp, which we never write).
struct Sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  std::string value;
};
std::optional<Sample> ParseSample(std::string_view line) {
  Sample s;
  s.name = std::string(TakeName(line, true));
  if (s.name.empty()) return std::nullopt;
  if (line.starts_with('{')) {
    line.remove_prefix(1);
    while (!line.starts_with('}')) {
      std::string label(TakeName(line, false));
      if (label.empty() || !line.starts_with("=\"")) return std::nullopt;
      line.remove_prefix(2);
      std::string value;
      for (;;) {
        if (line.empty()) return std::nullopt;
        char c = line.front();
        line.remove_prefix(1);
        if (c == '"') break;
        if (c == '\\') {
          if (line.empty()) return std::nullopt;
          char e = line.front();
          line.remove_prefix(1);
          if (e == 'n') {
            value += '\n';
          } else if (e == '\\' || e == '"') {
            value += e;
          } else {
            return std::nullopt;
          }
        } else {
          value += c;
        }
      }
      s.labels.emplace_back(std::move(label), std::move(value));
      if (line.starts_with(',')) {
        line.remove_prefix(1);
      } else if (!line.starts_with('}')) {
        return std::nullopt;
      }
    }
    line.remove_prefix(1);
  }
  if (!line.starts_with(' ')) return std::nullopt;
  line.remove_prefix(1);
  if (line.empty() || line.find(' ') != std::string_view::npos) return std::nullopt;
  s.value = std::string(line);
  return s;
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Metrics AddRun(const Metrics& previous, const RunOutcome& run) {
  Metrics m = previous;
  if (run.committed) {
    const RunStats& s = run.stats;
    m.lines_read += s.lines.value_or(0);
    m.events_stored += s.events.value_or(0);
    m.sasl_backend_outages += s.outages.value_or(0);
    m.journal_suppressed += s.suppressed.value_or(0);
    m.dns_cache_hits += s.dns_cache_hits.value_or(0);
    if (s.dns_by_status) {
      for (std::size_t i = 0; i < m.dns_lookups.size(); ++i)
        m.dns_lookups[i] += (*s.dns_by_status)[i];
    }
    ++m.runs_committed;
    m.last_success_timestamp_seconds = static_cast<std::int64_t>(run.now);
  } else {
    ++m.runs_failed;
  }
  m.last_run_duration_seconds = run.duration_seconds < 0 ? 0 : run.duration_seconds;
  m.last_run_failed = run.failed || !run.committed;
  return m;
}

std::string RenderMetrics(const Metrics& m) {
  std::string out;
  for (const Family& f : Families()) {
    const std::string name = std::string(kPrefix) + f.name;
    out += "# HELP " + name + " " + std::string(f.help) + "\n";
    out += "# TYPE " + name + " " + std::string(f.type) + "\n";
    for (const Series& s : f.series) out += SeriesKey(name, s.labels) + " " + s.get(m) + "\n";
  }
  return out;
}

MetricsParseResult ParseMetrics(std::string_view text) {
  MetricsParseResult r;
  auto fail = [&r](std::size_t line, const std::string& what) {
    r.metrics = Metrics{};
    r.error = "line " + std::to_string(line) + ": " + what;
    return r;
  };
  if (!text.empty() && !text.ends_with('\n')) {
    r.error = "the last line is cut short (no newline)";
    return r;
  }
  // Every series by its canonical key, and the families by name.
  std::map<std::string, const Series*> by_key;
  std::map<std::string, const Family*> by_name;
  for (const Family& f : Families()) {
    const std::string name = std::string(kPrefix) + f.name;
    by_name[name] = &f;
    for (const Series& s : f.series) by_key[SeriesKey(name, s.labels)] = &s;
  }
  std::set<std::string> helped, typed, seen, done_families;
  std::string current;  // the family whose samples may come now
  bool samples_in_current = false;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const bool help = line[2] == 'H';
      std::string_view rest = line.substr(7);
      std::size_t sp = rest.find(' ');
      if (sp == std::string_view::npos) return fail(number, "no text after the metric name");
      std::string name(rest.substr(0, sp));
      std::string_view what = rest.substr(sp + 1);
      auto f = by_name.find(name);
      if (f == by_name.end()) return fail(number, "not one of our metrics: " + name);
      if (done_families.count(name) || (name == current && samples_in_current))
        return fail(number, name + ": # HELP or # TYPE after its samples");
      if (help) {
        if (!helped.insert(name).second) return fail(number, name + ": a second # HELP");
      } else {
        if (!typed.insert(name).second) return fail(number, name + ": a second # TYPE");
        if (what != f->second->type)
          return fail(number, name + ": type " + std::string(what) + ", expected " +
                                  std::string(f->second->type));
      }
      if (current != name) {
        if (!current.empty()) done_families.insert(current);
        current = name;
        samples_in_current = false;
      }
      continue;
    }
    if (line.starts_with('#')) return fail(number, "a comment that is not # HELP or # TYPE");
    std::optional<Sample> s = ParseSample(line);
    if (!s) return fail(number, "not a sample line (name{labels} value)");
    if (s->name != current || !helped.count(current) || !typed.count(current))
      return fail(number, s->name + ": a sample without its # HELP and # TYPE before it");
    const std::string key = SeriesKey(s->name, s->labels);
    auto series = by_key.find(key);
    if (series == by_key.end()) return fail(number, "not one of our series: " + key);
    if (!seen.insert(key).second) return fail(number, "a second sample of " + key);
    samples_in_current = true;
    if (!series->second->set(r.metrics, s->value))
      return fail(number, key + ": bad value '" + s->value + "'");
  }
  return r;
}

MetricsParseResult ReadMetricsFile(const std::string& path) {
  MetricsParseResult r;
  std::optional<std::string> content;
  if (auto err = ReadWholeFile(path, content, true, kMaxFileBytes)) {
    r.error = *err;
    return r;
  }
  if (!content) return r;  // missing: the first run
  r = ParseMetrics(*content);
  if (r.error) r.error = path + ": " + *r.error;
  return r;
}

std::optional<std::string> WriteMetricsFile(const std::string& path, const Metrics& m) {
  return WriteFileAtomically(path, RenderMetrics(m), 0644);
}

}  // namespace mls
