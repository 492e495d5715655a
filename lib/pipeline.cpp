#include "pipeline.h"

namespace mls {

Stage EnrichStage(const Config& config) {
  Stage enrich{"mls-enrich", {"--stats"}, {}};
  auto add = [&](std::string flag, std::string value) {
    enrich.args.push_back(std::move(flag));
    enrich.args.push_back(std::move(value));
  };
  if (!config.dns_enabled) {
    enrich.args.push_back("--no-dns");
  } else {
    for (const std::string& server : config.dns_servers) add("--dns-server", server);
    add("--dns-timeout-ms", std::to_string(config.dns_timeout_ms));
    add("--dns-concurrency", std::to_string(config.dns_concurrency));
  }
  if (config.dns_cache_enabled) {
    add("--cache", config.DnsCachePath());
    add("--cache-size", std::to_string(config.dns_cache_size));
    add("--cache-ttl", std::to_string(config.dns_cache_ttl_seconds));
  } else {
    enrich.args.push_back("--no-cache");
  }
  if (!config.country_db_path.empty()) add("--country-db", config.country_db_path);
  if (!config.asn_db_path.empty()) add("--asn-db", config.asn_db_path);
  return enrich;
}

// The fd number of mls-tail's map for mls-parse (after the progress fd, 3).
constexpr int kMapFd = 4;

// mls-parse, with --logins when [logins] track.
Stage ParseStage(const Config& config, std::vector<std::string> args) {
  if (config.logins_track) args.push_back("--logins");
  return Stage{"mls-parse", std::move(args), {}};
}

std::vector<Stage> BuildPipeline(const Config& config, const DriverOptions& options) {
  std::vector<Stage> stages;

  Stage tail{"mls-tail", {"--state", config.StatePath(), "--pending", config.PendingPath()}, {}};
  if (config.FromJournal()) {  // no progress or map: entries, not a file's bytes
    tail.args.insert(tail.args.begin(), "--journal");
    tail.args.push_back("--stats");
    if (!config.journal_dir.empty()) {
      tail.args.push_back("--journal-dir");
      tail.args.push_back(config.journal_dir);
    }
    for (const std::string& m : config.journal_matches) {
      tail.args.push_back("--match");
      tail.args.push_back(m);
    }
    if (options.from_now) tail.args.push_back("--from-end");
    stages.push_back(std::move(tail));
    stages.push_back(ParseStage(config, {"--stats"}));
    stages.push_back(EnrichStage(config));
    stages.push_back(Stage{"mls-store", {"--csv", config.CsvPath(), "--stats"}, {}});
    return stages;
  }
  if (options.progress_fd >= 0) {
    tail.args.push_back("--progress-fd");
    tail.args.push_back(std::to_string(options.progress_fd));
    tail.progress_fd = options.progress_fd;
  }
  // Where mls-tail's output comes from, so that mls-parse's warnings name the
  // log file and offset.
  tail.map_fd = kMapFd;
  tail.args.push_back("--map-fd");
  tail.args.push_back(std::to_string(kMapFd));
  if (options.from_now) tail.args.push_back("--from-end");
  if (!config.rotated_dir.empty()) {
    tail.args.push_back("--rotated-dir");
    tail.args.push_back(config.rotated_dir);
  }
  tail.args.push_back(config.mail_log);
  stages.push_back(std::move(tail));

  stages.push_back(ParseStage(config, {"--stats", "--map-fd", std::to_string(kMapFd)}));
  stages.push_back(EnrichStage(config));
  stages.push_back(Stage{"mls-store", {"--csv", config.CsvPath(), "--stats"}, {}});
  return stages;
}

std::optional<std::string> FindProgram(std::string_view name, std::string_view self_dir,
                                       std::string_view path_env,
                                       const std::function<bool(const std::string&)>& executable) {
  auto join = [&](std::string_view dir) {
    std::string p(dir.empty() ? std::string_view(".") : dir);
    if (p.back() != '/') p += '/';
    return p + std::string(name);
  };
  if (!self_dir.empty() && executable(join(self_dir))) return join(self_dir);
  std::size_t start = 0;
  while (start <= path_env.size()) {
    std::size_t end = path_env.find(':', start);
    if (end == std::string_view::npos) end = path_env.size();
    std::string candidate = join(path_env.substr(start, end - start));
    if (executable(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> ResolveStages(
    std::vector<Stage>& stages, std::string_view self_dir, std::string_view path_env,
    const std::function<bool(const std::string&)>& executable) {
  for (Stage& s : stages) {
    auto found = FindProgram(s.name, self_dir, path_env, executable);
    if (!found) {
      return "cannot find " + s.name + " (looked in " + std::string(self_dir) + " and PATH)";
    }
    s.program = *found;
  }
  return std::nullopt;
}

std::string ShellQuote(std::string_view word) {
  auto safe = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
  };
  bool all_safe = !word.empty();
  for (char c : word) all_safe = all_safe && safe(c);
  if (all_safe) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string FormatDryRun(const std::vector<Stage>& stages) {
  std::string out;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const Stage& s = stages[i];
    if (i > 0) out += " \\\n  | ";
    out += ShellQuote(s.program.empty() ? s.name : s.program);
    for (const std::string& a : s.args) out += " " + ShellQuote(a);
    if (s.progress_fd >= 0) out += " " + std::to_string(s.progress_fd) + ">/dev/null";
    if (s.map_fd >= 0) out += " " + std::to_string(s.map_fd) + ">/dev/null";
    if (i > 0 && stages[i - 1].map_fd >= 0) {
      out += " " + std::to_string(stages[i - 1].map_fd) + "</dev/null";
    }
  }
  out += "\n";
  return out;
}

}  // namespace mls
