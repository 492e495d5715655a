#pragma once
// Finding LOGFILE and its rotated siblings on disk and opening them.

#include <functional>
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
  std::string error;            // LOGFILE cannot be used, or the files would not hold still
  std::vector<std::string> warnings;
};

// Where the rotated siblings of LOGFILE are: LOGFILE with its symbolic links
// resolved (rotation renames the file, not the link), the directory of that
// file and the extra directories (logrotate's olddir), in that order.
struct SiblingPlaces {
  std::string target;             // LOGFILE, symlinks resolved (the name siblings start with)
  std::vector<std::string> dirs;  // where to look
};
SiblingPlaces SiblingPlacesOf(const std::string& log_path,
                              const std::vector<std::string>& rotated_dirs);

// Opens LOGFILE and its siblings (ClassifySibling, OrderSiblings, AgeOrder).
// When a rotation renames files while they are being opened, opens them again;
// if they never hold still, fails rather than guess. `between` (tests) is called
// after each attempt has opened the files, before it checks that they held still.
OpenLogFiles OpenLogFilesOf(const std::string& log_path,
                            const std::vector<std::string>& rotated_dirs = {},
                            const std::function<void()>& between = {});

// A cheap summary of the siblings on disk (names, inodes, sizes), to notice a
// rotation while following.
std::string SiblingSignature(const std::string& log_path,
                             const std::vector<std::string>& rotated_dirs);

}  // namespace mls
