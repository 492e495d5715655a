#pragma once
// Runs a pipeline of stages (lib/pipeline.h): pipe, fork, exec, one poll loop,
// waitpid. Each stage's stderr comes back line by line through a callback, the
// head's progress lines through another. The stages form their own process
// group (a terminal's ^C reaches only the driver), die with the driver
// (PR_SET_PDEATHSIG), and inherit every fd without FD_CLOEXEC (the lock).
//
// Stopping: when a stage fails, the head is sent SIGTERM so end-of-file flows
// down; whatever still runs `failure_grace_ms` later gets SIGKILL. When the
// driver gets SIGTERM/SIGINT/SIGHUP, only the head is stopped the same way
// (`interrupt_grace_ms`); a second such signal kills every stage at once.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline.h"

namespace mls {

struct RunCallbacks {
  // One line (without '\n') that stage `stage` wrote to stderr.
  std::function<void(std::size_t stage, std::string_view line)> on_stderr_line;
  // A "progress DONE TOTAL" line from a stage's progress fd.
  std::function<void(std::uint64_t done, std::uint64_t total)> on_progress;
};

struct RunnerOptions {
  int failure_grace_ms = 3000;
  int interrupt_grace_ms = 30000;
  std::size_t max_line = 8192;  // longer stderr lines are split
};

struct StageOutcome {
  int wait_status = 0;
  bool stopped = false;  // the runner sent it a signal
};

struct RunResult {
  std::vector<StageOutcome> stages;  // one per stage, in pipeline order
  int interrupted_by = 0;            // signal the driver received, 0 if none
  std::optional<std::string> error;  // the pipeline could not be started
  bool AllSucceeded() const;
};

// Stage::program must be resolved. Blocks until every stage has been reaped.
RunResult RunPipeline(const std::vector<Stage>& stages, const RunCallbacks& callbacks,
                      const RunnerOptions& options = {});

// "exit status 1", "killed by signal 9".
std::string DescribeWaitStatus(int wait_status);

// "stage mls-store failed (exit status 1)" for each stage that failed by
// itself; stages that died of SIGPIPE or of the runner's own signals are
// consequences and are named only when nothing else failed.
std::vector<std::string> FailureMessages(const std::vector<Stage>& stages, const RunResult& result);

// Parses "progress DONE TOTAL".
std::optional<std::pair<std::uint64_t, std::uint64_t>> ParseProgressLine(std::string_view line);

}  // namespace mls
