#include "mail_log_check.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "diag.h"
#include "log_files.h"

namespace mls {
namespace {

bool Quoted(const std::string& v) {
  return v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front();
}

// " # ..." or " ; ..." after the value: a comment that INI files of other
// programs allow, and ours take as part of the value.
std::optional<std::string> TrailingComment(const std::string& v) {
  for (std::size_t i = 1; i < v.size(); ++i) {
    if ((v[i] == '#' || v[i] == ';') && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
      std::size_t end = v.find_last_not_of(" \t", i - 1);
      return end == std::string::npos ? std::string() : v.substr(0, end + 1);
    }
  }
  return std::nullopt;
}

std::string GroupName(gid_t gid) {
  struct group g {};
  struct group* found = nullptr;
  char buf[4096];
  if (::getgrgid_r(gid, &g, buf, sizeof buf, &found) == 0 && found) return found->gr_name;
  return std::to_string(gid);
}

}  // namespace

std::optional<MailLogProblem> CheckMailLog(const std::string& path,
                                           const std::vector<std::string>& rotated_dirs,
                                           const std::string& where) {
  std::string what = where + ": mail_log " + path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT) {
      if (Quoted(path)) {
        return MailLogProblem{
            2, where + ": mail_log " + path +
                   ": the quotes are part of the value (values are literal, there are no quotes "
                   "in this file); write mail_log = " +
                   path.substr(1, path.size() - 2)};
      }
      if (auto bare = TrailingComment(path)) {
        return MailLogProblem{
            2, where + ": mail_log " + path +
                   ": a comment after a value is part of the value (values are literal; a "
                   "comment is a line of its own); write mail_log = " +
                   *bare};
      }
      OpenLogFiles files = OpenLogFilesOf(path, rotated_dirs);
      if (files.error.empty() && !files.facts.rotated.empty()) return std::nullopt;
      return MailLogProblem{1, what + ": No such file or directory (nor any rotated file of it)"};
    }
    return MailLogProblem{1, ErrnoMessage(what, err)};
  }
  if (S_ISDIR(st.st_mode)) {
    return MailLogProblem{
        2, what + ": is a directory; mail_log names the log file (e.g. /var/log/mail.log)"};
  }
  if (!S_ISREG(st.st_mode)) {
    return MailLogProblem{2, what + ": not a regular file; mail_log names the log file"};
  }
  if (::access(path.c_str(), R_OK) != 0) {
    int err = errno;
    std::string msg = ErrnoMessage(what, err);
    if (err == EACCES) {
      msg += (st.st_mode & S_IRGRP) != 0
                 ? "; add the service user to group " + GroupName(st.st_gid) +
                       " (usermod -a -G " + GroupName(st.st_gid) + " USER), which may read it"
                 : "; the log is not readable by its group: add the service user to group adm "
                   "and have the log written with group adm, mode 0640 (as Debian's rsyslog does)";
    }
    return MailLogProblem{1, msg};
  }
  return std::nullopt;
}

}  // namespace mls
