#pragma once
// The extraction pipeline as data: which stages, with which arguments.
// BuildPipeline is pure; lib/runner.h runs the result, FormatDryRun prints it.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "driver_options.h"

namespace mls {

struct Stage {
  std::string name;               // "mls-parse": argv[0], the tag in the log
  std::vector<std::string> args;  // arguments after argv[0]
  std::string program;            // resolved executable; empty until ResolveStages
  int progress_fd = -1;           // fd the stage writes progress lines to, -1 none
  // A side channel to the next stage (mls-tail --map-fd to mls-parse --map-fd):
  // this stage writes to fd `map_fd`, the next one reads from the same fd
  // number; -1 none.
  int map_fd = -1;
};

// mls-tail | mls-parse | mls-enrich | mls-store with the paths and flags from
// `config`.
std::vector<Stage> BuildPipeline(const Config& config, const DriverOptions& options);

// `mls-enrich --stats` with the [dns], [dns_cache] and [ipinfo] settings:
// --no-dns when [dns] enabled is false, else one --dns-server per [dns] servers
// entry (none: the system resolver), --dns-timeout-ms, --dns-concurrency;
// --cache Config::DnsCachePath --cache-size --cache-ttl when [dns_cache] enabled, else
// --no-cache; --country-db / --asn-db for the [ipinfo] paths that are set.
Stage EnrichStage(const Config& config);

// Finds `name`: in `self_dir` first (the driver's own directory), then in each
// directory of `path_env` (":"-separated; empty entry = "."). `executable`
// says whether a path is an executable regular file.
std::optional<std::string> FindProgram(std::string_view name, std::string_view self_dir,
                                       std::string_view path_env,
                                       const std::function<bool(const std::string&)>& executable);

// Sets Stage::program for every stage; error "cannot find mls-parse (looked in
// DIR and PATH)" for the first one not found.
std::optional<std::string> ResolveStages(std::vector<Stage>& stages, std::string_view self_dir,
                                         std::string_view path_env,
                                         const std::function<bool(const std::string&)>& executable);

// `word` quoted for a POSIX shell: unchanged when it only holds safe
// characters, otherwise in single quotes ('it'\''s').
std::string ShellQuote(std::string_view word);

// The equivalent shell pipeline, one stage per line joined by " \\\n  | ",
// ending in "\n". A stage's progress fd is sent to /dev/null ("3>/dev/null"),
// so is a map fd ("4>/dev/null"), which the next stage then reads from
// /dev/null ("4</dev/null": its warnings say "standard input").
// Uses Stage::program when resolved, the name otherwise.
std::string FormatDryRun(const std::vector<Stage>& stages);

}  // namespace mls
