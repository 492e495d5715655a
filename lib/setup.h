#pragma once
// maillogsentinel --setup --config TEMPLATE [--root DIR] (maillogsentinel(8),
// SETUP): from a configuration template to a host ready to run, without
// questions, and again without harm.
//
//   1. the template is read (LoadConfig) and must name [report] email;
//      [setup] user / extract_schedule / report_schedule give the service user
//      and the timers' calendars (checked with `systemd-analyze calendar` when
//      it is there);
//   2. the service user: created if missing (useradd --system, no login
//      shell, home working_dir), and a member of the log's group (adm; with
//      [paths] source = journal, systemd-journal);
//   3. working_dir, state_dir and sql_export_dir: created if missing, owned by
//      the user, mode 0750 (existing ones only get owner and mode);
//   4. /etc/maillogsentinel.conf: the template, mode 0640, group of the user;
//      unchanged when equal, else the old one kept as .bak;
//   5. /etc/logrotate.d/maillogsentinel: the op log (LogPath) rotated as the
//      user (su, create 0640);
//   6. drop-ins for the four installed units in /etc/systemd/system/UNIT.d/
//      setup.conf: User=, Group=, ReadWritePaths= of the services, OnCalendar=
//      of the timers.
// The template is a file (--config TEMPLATE) or the text the wizard made
// (lib/setup_wizard.h).
// Everything is written under `root` (default "/"); with another root the
// user is added to ROOT/etc/passwd and ROOT/etc/group (useradd --prefix).
// Every step is a line of the transcript (no password in it). Files are
// written atomically: an interrupted setup leaves nothing half-written.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config.h"

namespace mls {

struct SetupOptions {
  std::string template_path;                 // the template, or the name of template_text
  std::optional<std::string> template_text;  // set: the template itself (the wizard's answers)
  std::string root = "/";
  bool dry_run = false;  // say what would change, change nothing
  // Runs a helper program (useradd, usermod, systemd-analyze): its exit
  // status, or -1 if it could not run; its output goes to `output`.
  std::function<int(const std::vector<std::string>& argv, std::string& output)> run;
};

struct SetupResult {
  std::vector<std::string> transcript;  // one line per step, in order
  std::optional<std::string> error;     // the step that failed; the ones before it stand
  int exit_status = 0;                  // 0, 1 (a missing key, a failed step), 2 (bad template)
};

SetupResult RunSetup(const SetupOptions& options);

// `path` (absolute) as setup writes it under `root`: "/etc/x" under "/srv/r/" is
// "/srv/r/etc/x"; under "/" it is itself.
std::string UnderRoot(const std::string& root, const std::string& path);

// The drop-in text of each unit, for `config` (exposed for tests).
std::string SetupServiceDropIn(const Config& config);
std::string SetupTimerDropIn(const std::string& calendar);
// /etc/logrotate.d/maillogsentinel for `config`: its op log, rotated as its user.
std::string SetupLogrotate(const Config& config);

}  // namespace mls
