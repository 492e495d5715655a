#pragma once
// The driver's look at [paths] mail_log before it starts the stages, so that a
// wrong value is named with the config line that set it instead of surfacing
// as a stage's error about "(standard input)" or an empty run.

#include <optional>
#include <string>
#include <vector>

namespace mls {

struct MailLogProblem {
  int status = 1;       // 2: the value is wrong (config); 1: the file, as it is now
  std::string message;  // "WHERE: mail_log VALUE: ..."
};

// Checks `path` (the value of mail_log) as the service user sees it:
//   - a value in quotes or with a trailing " # comment" that names nothing:
//     status 2 (INI values are literal);
//   - a directory, or anything but a regular file: status 2;
//   - missing, with no rotated sibling (lib/log_files) either: status 1 (a
//     missing live log beside rotated ones is a rotation in progress: fine);
//   - unreadable: status 1, with the hint to add the service user to the log's
//     group (`adm` on Debian).
// `where` starts every message: "FILE:LINE" of the key, or "FILE: [paths] mail_log not set"
// when the default is used.
std::optional<MailLogProblem> CheckMailLog(const std::string& path,
                                           const std::vector<std::string>& rotated_dirs,
                                           const std::string& where);

}  // namespace mls
