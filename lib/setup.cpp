#include "setup.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "atomic_file.h"
#include "fd_io.h"
#include "paths.h"

namespace mls {
namespace {

constexpr const char* kServices[] = {"maillogsentinel.service", "maillogsentinel-report.service",
                                     "maillogsentinel-firewall.service"};

struct Ids {
  uid_t uid = 0;
  gid_t gid = 0;
  bool found = false;
};

// The user in ROOT/etc/passwd (not NSS: with another root, that root's files).
Ids FindUser(const std::string& root, const std::string& user) {
  Ids ids;
  FILE* f = std::fopen((root + "/etc/passwd").c_str(), "re");
  if (!f) return ids;
  while (struct passwd* pw = ::fgetpwent(f)) {
    if (user == pw->pw_name) {
      ids = {pw->pw_uid, pw->pw_gid, true};
      break;
    }
  }
  std::fclose(f);
  return ids;
}

// Whether ROOT/etc/group has `group`, and whether `user` is a member of it.
bool FindGroup(const std::string& root, const std::string& group, const std::string& user,
               bool& member) {
  member = false;
  FILE* f = std::fopen((root + "/etc/group").c_str(), "re");
  if (!f) return false;
  bool found = false;
  while (struct group* gr = ::fgetgrent(f)) {
    if (group != gr->gr_name) continue;
    found = true;
    for (char** m = gr->gr_mem; *m; ++m)
      if (user == *m) member = true;
    break;
  }
  std::fclose(f);
  return found;
}

class Setup {
 public:
  explicit Setup(const SetupOptions& o) : o_(o), root_(UnderRoot(o.root, "")) {}

  SetupResult Run() {
    ConfigResult cfg = o_.template_text ? ParseConfig(*o_.template_text, o_.template_path)
                                        : LoadConfig(o_.template_path);
    if (cfg.error) return Fail(*cfg.error, 2);
    c_ = cfg.config;
    if (c_.report_email.empty())
      return Fail(o_.template_path + ": [report] email is required (who gets the report)", 1);
    Say("template " + o_.template_path + (o_.dry_run ? " (dry run: nothing is changed)" : ""));
    for (const std::string* cal : {&c_.setup_extract_schedule, &c_.setup_report_schedule}) {
      std::string out;
      int rc = o_.run ? o_.run({"systemd-analyze", "calendar", *cal}, out) : -1;
      if (rc > 0) return Fail("schedule '" + *cal + "': systemd-analyze calendar refuses it", 1);
      Say("schedule " + *cal + (rc == 0 ? ": valid" : ": not checked (no systemd-analyze)"));
    }
    if (auto err = User()) return Fail(*err, 1);
    for (const std::string& d : {c_.working_dir, c_.state_dir, c_.sql_export_dir}) {
      if (d.empty()) continue;
      if (auto err = Dir(d)) return Fail(*err, 1);
    }
    if (auto err = ConfigFile()) return Fail(*err, 1);
    if (auto err = Write("/etc/logrotate.d/maillogsentinel", SetupLogrotate(c_), "logrotate"))
      return Fail(*err, 1);
    for (const char* unit : kServices)
      if (auto err = DropIn(unit, SetupServiceDropIn(c_))) return Fail(*err, 1);
    if (auto err =
            DropIn("maillogsentinel-extract.timer", SetupTimerDropIn(c_.setup_extract_schedule)))
      return Fail(*err, 1);
    if (auto err =
            DropIn("maillogsentinel-report.timer", SetupTimerDropIn(c_.setup_report_schedule)))
      return Fail(*err, 1);
    Say("next: systemctl daemon-reload && systemctl enable --now maillogsentinel-extract.timer "
        "maillogsentinel-report.timer");
    return std::move(r_);
  }

 private:
  void Say(std::string line) { r_.transcript.push_back(std::move(line)); }
  SetupResult Fail(const std::string& why, int status) {
    r_.error = why;
    r_.exit_status = status;
    return std::move(r_);
  }
  std::string In(const std::string& path) const { return root_ + path; }

  int Run(const std::vector<std::string>& argv) {
    std::string out;
    int rc = o_.run ? o_.run(argv, out) : -1;
    if (rc != 0) last_output_ = out;
    return rc;
  }

  std::optional<std::string> User() {
    const std::string& u = c_.setup_user;
    std::vector<std::string> prefix;
    if (!root_.empty()) prefix = {"--prefix", root_};
    if (FindUser(root_, u).found) {
      Say("user " + u + ": exists");
    } else if (o_.dry_run) {
      Say("user " + u + ": would be created (system user, no login shell)");
    } else {
      std::vector<std::string> argv = {"useradd"};
      argv.insert(argv.end(), prefix.begin(), prefix.end());
      for (const char* a : {"--system", "--user-group", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", "--home-dir"})
        argv.push_back(a);
      argv.push_back(c_.working_dir);
      argv.push_back(u);
      if (Run(argv) != 0) return "useradd " + u + " failed: " + last_output_;
      if (!FindUser(root_, u).found)
        return "useradd " + u + ": the user is not in " + In("/etc/passwd");
      Say("user " + u + ": created (system user, no login shell, home " + c_.working_dir + ")");
    }
    // The group that reads the log: adm for Debian's /var/log files,
    // systemd-journal for the journal.
    const std::string group = c_.FromJournal() ? "systemd-journal" : "adm";
    const std::string log = c_.FromJournal() ? "the journal" : c_.mail_log;
    bool member = false;
    if (!FindGroup(root_, group, u, member)) {
      Say("group " + group + ": none here; give " + u + " read access to " + log + " yourself");
    } else if (member) {
      Say("group " + group + ": " + u + " is a member (reads " + log + ")");
    } else if (o_.dry_run) {
      Say("group " + group + ": " + u + " would be added (to read " + log + ")");
    } else {
      std::vector<std::string> argv = {"usermod"};
      argv.insert(argv.end(), prefix.begin(), prefix.end());
      for (const std::string& a : {std::string("--append"), std::string("--groups"), group})
        argv.push_back(a);
      argv.push_back(u);
      if (Run(argv) != 0) return "usermod -aG " + group + " " + u + " failed: " + last_output_;
      Say("group " + group + ": " + u + " added (to read " + log + ")");
    }
    return std::nullopt;
  }

  std::optional<std::string> Dir(const std::string& dir) {
    const std::string path = In(dir);
    struct stat st;
    const bool exists = ::stat(path.c_str(), &st) == 0;
    if (o_.dry_run) {
      Say("directory " + dir + (exists ? ": exists" : ": would be created") + " (" + c_.setup_user +
          ", 0750)");
      return std::nullopt;
    }
    if (!exists) {  // parents as a package would make them, the directory itself private
      if (auto err = MakeDirs(DirName(path), 0755)) return err;
      if (auto err = MakeDirs(path, 0750)) return err;
    }
    Ids ids = FindUser(root_, c_.setup_user);
    if (::chown(path.c_str(), ids.uid, ids.gid) != 0 || ::chmod(path.c_str(), 0750) != 0)
      return ErrnoMessage(path, errno);
    Say("directory " + dir + (exists ? ": exists, " : ": created, ") + c_.setup_user + ", 0750");
    return std::nullopt;
  }

  std::optional<std::string> ConfigFile() {
    std::optional<std::string> text = o_.template_text, old;
    if (!text) {
      if (auto err = ReadWholeFile(o_.template_path, text, false, 1 << 20)) return err;
    }
    const std::string path = In(kDefaultConfigPath);
    if (auto err = ReadWholeFile(path, old, true, 1 << 20)) return err;
    Ids ids = FindUser(root_, c_.setup_user);
    if (old && *old == *text) {
      Say("config " + std::string(kDefaultConfigPath) + ": unchanged");
    } else if (o_.dry_run) {
      Say("config " + std::string(kDefaultConfigPath) +
          (old ? ": would be replaced (the old one kept as .bak)" : ": would be written"));
      return std::nullopt;
    } else {
      if (auto err = MakeDirs(DirName(path), 0755)) return err;
      if (old) {
        if (auto err = WriteFileAtomically(path + ".bak", *old, 0600)) return err;
      }
      if (auto err = WriteFileAtomically(path, *text, 0640)) return err;
      Say("config " + std::string(kDefaultConfigPath) +
          (old ? ": replaced (the old one is " + std::string(kDefaultConfigPath) + ".bak)"
               : ": written") +
          ", mode 0640, group " + c_.setup_user);
    }
    if (!o_.dry_run && (::chown(path.c_str(), 0, ids.gid) != 0 || ::chmod(path.c_str(), 0640) != 0))
      return ErrnoMessage(path, errno);
    return std::nullopt;
  }

  std::optional<std::string> DropIn(const std::string& unit, const std::string& text) {
    return Write("/etc/systemd/system/" + unit + ".d/setup.conf", text, "unit " + unit);
  }

  // A file setup owns (mode 0644): written when it differs.
  std::optional<std::string> Write(const std::string& rel, const std::string& text,
                                   const std::string& what) {
    const std::string path = In(rel);
    std::optional<std::string> old;
    if (auto err = ReadWholeFile(path, old, true, 1 << 20)) return err;
    if (old && *old == text) {
      Say(what + ": " + rel + " unchanged");
      return std::nullopt;
    }
    if (o_.dry_run) {
      Say(what + ": " + rel + " would be written");
      return std::nullopt;
    }
    if (auto err = MakeDirs(DirName(path), 0755)) return err;
    if (auto err = WriteFileAtomically(path, text, 0644)) return err;
    Say(what + ": " + rel + " written");
    return std::nullopt;
  }

  const SetupOptions& o_;
  std::string root_;
  Config c_;
  SetupResult r_;
  std::string last_output_;
};

}  // namespace

std::string SetupServiceDropIn(const Config& c) {
  std::string paths = c.working_dir + " " + c.state_dir;
  if (!c.sql_export_dir.empty()) paths += " " + c.sql_export_dir;
  // The metrics file is replaced by a rename in its directory (node_exporter's,
  // outside ours); "-": the unit still starts if that directory is missing.
  if (!c.metrics_file.empty()) paths += " -" + DirName(c.metrics_file);
  return "# Written by maillogsentinel --setup: change the template and run it again.\n"
         "[Service]\nUser=" +
         c.setup_user + "\nGroup=" + c.setup_user + "\nReadWritePaths=" + paths + "\n";
}

std::string SetupTimerDropIn(const std::string& calendar) {
  return "# Written by maillogsentinel --setup: change the template and run it again.\n"
         "[Timer]\nOnCalendar=\nOnCalendar=" +
         calendar + "\n";
}

std::string SetupLogrotate(const Config& c) {
  const std::string& u = c.setup_user;
  return "# Written by maillogsentinel --setup: the op log of " + std::string(kDefaultConfigPath) +
         "\n# (each run opens it anew: no signal needed).\n" + c.LogPath() + " {\n\tsu " + u + " " +
         u +
         "\n\tweekly\n\trotate 8\n\tcompress\n\tdelaycompress\n\tmissingok\n\tnotifempty\n"
         "\tcreate 0640 " +
         u + " " + u + "\n}\n";
}

SetupResult RunSetup(const SetupOptions& options) { return Setup(options).Run(); }

std::string UnderRoot(const std::string& root, const std::string& path) {
  std::string r = root;
  while (!r.empty() && r.back() == '/') r.pop_back();
  return r + path;
}

}  // namespace mls
