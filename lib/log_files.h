#pragma once
// Finding LOGFILE and its rotated siblings on disk and opening them.

#include <string>
#include <vector>

#include "log_source.h"
#include "rotation.h"

namespace mls {

// LOGFILE and its recognised siblings, opened, with their facts. The descriptors
// stay open so what is planned is exactly what gets read, whatever renames follow.
struct OpenLogFiles {
  LogFiles facts;
  Fd live_fd;
  std::vector<Fd> rotated_fds;  // parallel to facts.rotated
  std::string error;            // LOGFILE exists but cannot be used
  std::vector<std::string> warnings;
};

// Opens LOGFILE and its siblings (ClassifySibling, OrderSiblings). Retries when a
// rotation renames files while they are being opened.
OpenLogFiles OpenLogFilesOf(const std::string& log_path);

}  // namespace mls
