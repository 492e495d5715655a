#include "setup_wizard.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <map>

#include "config.h"
#include "fd_io.h"
#include "mime.h"

namespace mls {
namespace {

// What an answer must be, beyond CheckConfigValue's rules for its key.
enum class Kind {
  kDir,        // an absolute path without spaces (it goes into ReadWritePaths=)
  kFile,       // an absolute path; a missing file is taken when given twice
  kText,       // anything CheckConfigValue takes
  kChoice,     // one of `choices`
  kAddresses,  // a ','-separated list of addresses
  kAddress,    // one address
  kSchedule,   // a systemd calendar expression
  kUrl,        // http:// or https://
  kSecret,     // read with the echo off, never shown
};

using Answers = std::map<std::string, std::string>;  // "section.key" -> answer ("" = none)

struct Question {
  const char* section;  // "" for the wizard's own choices (transport)
  const char* key;
  const char* prompt;
  Kind kind;
  bool may_be_empty;
  std::vector<std::string> choices;
  // The default from the current configuration (or the built-in one) and the answers so far.
  std::function<std::string(const Config&, const Answers&)> current;
  std::function<bool(const Answers&)> when;  // asked only when this holds (null: always)
};

std::string Yes(bool b) { return b ? "yes" : "no"; }

const std::string& At(const Answers& a, const char* key) {
  static const std::string kNone;
  auto it = a.find(key);
  return it == a.end() ? kNone : it->second;
}

bool Smtp(const Answers& a) { return At(a, "transport") == "smtp"; }
bool Sql(const Answers& a) { return !At(a, "database.sql_export_dir").empty(); }
bool SqlServer(const Answers& a) { return Sql(a) && At(a, "database.db_type") != "sqlite"; }
bool Dns(const Answers& a) { return At(a, "dns.enabled") == "yes"; }

std::string NumberOrEmpty(int n) { return n > 0 ? std::to_string(n) : ""; }

std::vector<Question> Questions() {
  using C = const Config&;
  using A = const Answers&;
  return {
      {"paths",
       "source",
       "Where Postfix logs (journal: Debian 12 without rsyslog)",
       Kind::kChoice,
       false,
       {"file", "journal"},
       [](C c, A) { return c.log_source; },
       nullptr},
      {"paths",
       "mail_log",
       "Postfix's mail log",
       Kind::kFile,
       false,
       {},
       [](C c, A) { return c.mail_log; },
       [](A a) { return At(a, "paths.source") != "journal"; }},
      {"paths",
       "working_dir",
       "Working directory (the dataset and the op log)",
       Kind::kDir,
       false,
       {},
       [](C c, A) { return c.working_dir; },
       nullptr},
      {"paths",
       "state_dir",
       "State directory (the log position, the DNS cache)",
       Kind::kDir,
       false,
       {},
       [](C c, A a) {
         // Kept below the working directory when it was there.
         const std::string& work = At(a, "paths.working_dir");
         return c.state_dir == c.working_dir + "/state" && !work.empty() ? work + "/state"
                                                                         : c.state_dir;
       },
       nullptr},
      {"general",
       "log_level",
       "Op log level",
       Kind::kChoice,
       false,
       {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"},
       [](C c, A) { return c.log_level; },
       nullptr},
      {"report",
       "email",
       "Who gets the daily report (addresses, comma-separated)",
       Kind::kAddresses,
       false,
       {},
       [](C c, A) { return c.report_email; },
       nullptr},
      {"report",
       "sender",
       "The report's sender (- : maillogsentinel@this host)",
       Kind::kAddress,
       true,
       {},
       [](C c, A) { return c.report_sender; },
       nullptr},
      {"",
       "transport",
       "How the report is sent",
       Kind::kChoice,
       false,
       {"sendmail", "smtp"},
       [](C c, A) { return std::string(c.smtp_host.empty() ? "sendmail" : "smtp"); },
       nullptr},
      {"report",
       "sendmail",
       "The local MTA's sendmail program",
       Kind::kFile,
       false,
       {},
       [](C c, A) { return c.report_sendmail; },
       [](A a) { return !Smtp(a); }},
      {"report",
       "smtp_host",
       "SMTP server (host name or address)",
       Kind::kText,
       false,
       {},
       [](C c, A) { return c.smtp_host; },
       Smtp},
      {"report",
       "smtp_tls",
       "TLS to the SMTP server",
       Kind::kChoice,
       false,
       {"starttls", "implicit", "none"},
       [](C c, A) { return c.smtp_tls; },
       Smtp},
      {"report",
       "smtp_port",
       "SMTP port (- : 587 with starttls, 465 implicit, 25 none)",
       Kind::kText,
       true,
       {},
       [](C c, A) { return NumberOrEmpty(c.smtp_port); },
       Smtp},
      {"report",
       "smtp_user",
       "SMTP AUTH user (- : no AUTH)",
       Kind::kText,
       true,
       {},
       [](C c, A) { return c.smtp_user; },
       Smtp},
      {"report",
       "smtp_password",
       "SMTP AUTH password",
       Kind::kSecret,
       false,
       {},
       [](C c, A) { return c.smtp_password; },
       [](A a) { return Smtp(a) && !At(a, "report.smtp_user").empty(); }},
      {"report",
       "smtp_cafile",
       "CA certificates for the SMTP server (- : the system's)",
       Kind::kFile,
       true,
       {},
       [](C c, A) { return c.smtp_cafile; },
       [](A a) { return Smtp(a) && At(a, "report.smtp_tls") != "none"; }},
      {"report",
       "window",
       "What the report covers (today, yesterday, or a span back from now: 24h, 7d)",
       Kind::kText,
       false,
       {},
       [](C c, A) { return c.report_window; },
       nullptr},
      {"dns",
       "enabled",
       "Reverse DNS of the addresses",
       Kind::kChoice,
       false,
       {"yes", "no"},
       [](C c, A) { return Yes(c.dns_enabled); },
       nullptr},
      {"dns",
       "servers",
       "DNS servers (- : the system's)",
       Kind::kText,
       true,
       {},
       [](C c, A) {
         std::string out;
         for (const std::string& s : c.dns_servers) out += (out.empty() ? "" : ", ") + s;
         return out;
       },
       Dns},
      {"dns_cache",
       "enabled",
       "Cache the DNS answers",
       Kind::kChoice,
       false,
       {"yes", "no"},
       [](C c, A) { return Yes(c.dns_cache_enabled); },
       Dns},
      {"dns_cache",
       "size",
       "DNS cache entries",
       Kind::kText,
       false,
       {},
       [](C c, A) { return std::to_string(c.dns_cache_size); },
       [](A a) { return Dns(a) && At(a, "dns_cache.enabled") == "yes"; }},
      {"ipinfo",
       "country_db_path",
       "Country database (.mmdb; - : none)",
       Kind::kFile,
       true,
       {},
       [](C c, A) { return c.country_db_path; },
       nullptr},
      {"ipinfo",
       "db_update_url_country",
       "Its download URL for updates (- : none)",
       Kind::kUrl,
       true,
       {},
       [](C c, A) { return c.db_update_url_country; },
       [](A a) { return !At(a, "ipinfo.country_db_path").empty(); }},
      {"ipinfo",
       "asn_db_path",
       "ASN database (.mmdb; - : none)",
       Kind::kFile,
       true,
       {},
       [](C c, A) { return c.asn_db_path; },
       nullptr},
      {"ipinfo",
       "db_update_url_asn",
       "Its download URL for updates (- : none)",
       Kind::kUrl,
       true,
       {},
       [](C c, A) { return c.db_update_url_asn; },
       [](A a) { return !At(a, "ipinfo.asn_db_path").empty(); }},
      {"database",
       "sql_export_dir",
       "SQL batch directory (- : no SQL export)",
       Kind::kDir,
       true,
       {},
       [](C c, A) { return c.sql_export_dir; },
       nullptr},
      {"database",
       "db_type",
       "Database",
       Kind::kChoice,
       false,
       {"sqlite", "postgresql", "mysql"},
       [](C c, A) { return c.db_type; },
       Sql},
      {"database",
       "db_name",
       "Database name (sqlite: its file)",
       Kind::kText,
       true,
       {},
       [](C c, A) { return c.db_name; },
       Sql},
      {"database",
       "db_host",
       "Database host (- : the local socket)",
       Kind::kText,
       true,
       {},
       [](C c, A) { return c.db_host; },
       SqlServer},
      {"database",
       "db_port",
       "Database port (- : the default)",
       Kind::kText,
       true,
       {},
       [](C c, A) { return NumberOrEmpty(c.db_port); },
       SqlServer},
      {"database",
       "db_user",
       "Database user (- : the default)",
       Kind::kText,
       true,
       {},
       [](C c, A) { return c.db_user; },
       SqlServer},
      {"database",
       "db_password",
       "Database password",
       Kind::kSecret,
       false,
       {},
       [](C c, A) { return c.db_password; },
       [](A a) { return SqlServer(a) && !At(a, "database.db_user").empty(); }},
      {"setup",
       "user",
       "Service user (created if missing)",
       Kind::kText,
       false,
       {},
       [](C c, A) { return c.setup_user; },
       nullptr},
      {"setup",
       "extract_schedule",
       "When the extraction runs (systemd calendar)",
       Kind::kSchedule,
       false,
       {},
       [](C c, A) { return c.setup_extract_schedule; },
       nullptr},
      {"setup",
       "report_schedule",
       "When the report is sent (systemd calendar)",
       Kind::kSchedule,
       false,
       {},
       [](C c, A) { return c.setup_report_schedule; },
       nullptr},
  };
}

std::string Name(const Question& q) {
  return *q.section ? std::string(q.section) + "." + q.key : q.key;
}

bool HasSpaceOrControl(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c <= ' ' || c == 0x7f;
  });
}

std::string Trimmed(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

class Wizard {
 public:
  Wizard(const WizardOptions& o, const WizardIo& io) : o_(o), io_(io) {}

  WizardResult Run() {
    if (o_.current_text) {
      ConfigResult cur = ParseConfig(*o_.current_text, o_.current_name);
      if (cur.error) {
        r_.error = *cur.error + " (fix or remove it, then run --setup again)";
        return std::move(r_);
      }
      current_ = cur.config;
      if (auto err = ReadConfigEntries(*o_.current_text, o_.current_name, entries_))
        r_.error = *err;
      before_ = entries_;
    }
    io_.say(std::string("maillogsentinel setup: ") +
            (o_.current_text ? "the defaults in [brackets] are " + o_.current_name + "'s values."
                             : "the defaults in [brackets] are the built-in ones.") +
            "\nEnter keeps a default, '-' leaves a key empty where it may be empty.\n"
            "Nothing is written before you confirm at the end; Ctrl-C stops without a change.\n");
    const std::vector<Question> questions = Questions();
    Answers before;  // what the current configuration answers
    for (const Question& q : questions) before[Name(q)] = q.current(current_, before);
    for (const Question& q : questions) {
      if (q.when && !q.when(answers_)) {
        // A key of a choice given up (smtp_* after "sendmail") goes; one that
        // had no effect before either stays as it was.
        if (*q.section && q.when(before)) Drop(q);
        continue;
      }
      std::optional<std::string> a = Ask(q);
      if (!a) return Abandon();
      answers_[Name(q)] = *a;
      r_.transcript.push_back(Name(q) + " = " + (q.kind == Kind::kSecret ? Mask(*a) : *a));
      if (*q.section) Set(q, *a, before[Name(q)]);
    }
    return Confirm();
  }

 private:
  WizardResult Abandon() {
    io_.say("\nsetup: stopped; nothing was changed.\n");
    return std::move(r_);
  }

  static std::string Mask(const std::string& v) { return v.empty() ? "" : "********"; }

  void Drop(const Question& q) {
    std::erase_if(entries_,
                  [&](const ConfigEntry& e) { return e.section == q.section && e.key == q.key; });
  }

  // `value` for the key of `q`; `now` is what the current configuration means
  // for it. A key the current file leaves out stays out while its value is
  // what leaving it out means; a fresh file gets every answer.
  void Set(const Question& q, const std::string& value, const std::string& now) {
    if (value.empty() && q.may_be_empty) {
      Drop(q);
      return;
    }
    for (ConfigEntry& e : entries_)
      if (e.section == q.section && e.key == q.key) {
        e.value = value;
        return;
      }
    if (o_.current_text && value == now) return;
    entries_.push_back({q.section, q.key, value});
  }

  // Asks until the answer is good; nullopt when the operator is gone.
  std::optional<std::string> Ask(const Question& q) {
    std::string def = q.current(current_, answers_);
    std::string unconfirmed;  // a missing file given once
    for (;;) {
      std::string prompt = q.prompt;
      if (!q.choices.empty()) {
        prompt += " (";
        for (std::size_t i = 0; i < q.choices.size(); ++i) prompt += (i ? "/" : "") + q.choices[i];
        prompt += ")";
      }
      if (q.kind == Kind::kSecret)
        prompt += def.empty() ? "" : " [Enter keeps the current one]";
      else if (!def.empty())
        prompt += " [" + def + "]";
      std::optional<std::string> line = io_.ask(prompt + ": ", q.kind == Kind::kSecret);
      if (!line) return std::nullopt;
      std::string a = q.kind == Kind::kSecret ? *line : Trimmed(*line);
      if (a.empty()) a = def;
      if (a == "-" && q.may_be_empty) a.clear();
      if (a.empty() && !q.may_be_empty) {
        io_.say("  an answer is needed here.\n");
        continue;
      }
      std::optional<std::string> why = a.empty() ? std::nullopt : Check(q, a);
      if (!why && q.kind == Kind::kFile && !a.empty() && !(o_.exists && o_.exists(a)) &&
          a != unconfirmed) {
        unconfirmed = a;
        def = a;
        why = a + " does not exist (yet?); Enter takes it anyway, or give another path";
      }
      if (why) {
        io_.say("  not taken: " + *why + "\n");
        continue;
      }
      return a;
    }
  }

  std::optional<std::string> Check(const Question& q, std::string& a) {
    switch (q.kind) {
      case Kind::kDir:
      case Kind::kFile:
        if (a.front() != '/') return "give an absolute path (starting with /)";
        if (HasSpaceOrControl(a)) return "a path without spaces or control characters, please";
        while (a.size() > 1 && a.back() == '/') a.pop_back();
        break;
      case Kind::kChoice: {
        auto it = std::find_if(q.choices.begin(), q.choices.end(), [&](const std::string& c) {
          return c.size() == a.size() &&
                 std::equal(c.begin(), c.end(), a.begin(), [](char x, char y) {
                   return std::tolower(static_cast<unsigned char>(x)) ==
                          std::tolower(static_cast<unsigned char>(y));
                 });
        });
        if (it == q.choices.end()) {
          std::string list;
          for (const std::string& c : q.choices) list += (list.empty() ? "" : ", ") + c;
          return "one of " + list;
        }
        a = *it;
        break;
      }
      case Kind::kAddresses:
        if (auto err = ParseAddressList(a).error) return *err;
        break;
      case Kind::kAddress:
        if (auto err = ValidateAddress(a)) return "bad address '" + a + "': " + *err;
        break;
      case Kind::kSchedule: {
        std::string out;
        int rc = o_.run ? o_.run({"systemd-analyze", "calendar", a}, out) : -1;
        if (rc > 0) {
          std::string first = out.substr(0, out.find('\n'));
          return "systemd-analyze calendar refuses '" + a + "'" +
                 (first.empty() ? "" : " (" + first + ")");
        }
        break;
      }
      case Kind::kUrl:
        if (!(a.starts_with("https://") || a.starts_with("http://")) || HasSpaceOrControl(a))
          return "an http:// or https:// URL without spaces";
        break;
      case Kind::kText:
      case Kind::kSecret:
        break;
    }
    if (!*q.section) return std::nullopt;
    if (auto why = CheckConfigValue(q.section, q.key, a)) return *why;
    return std::nullopt;
  }

  bool IsSecret(const ConfigEntry& e) const {
    return e.key == "smtp_password" || e.key == "db_password";
  }

  std::string Shown(const ConfigEntry& e) const { return IsSecret(e) ? Mask(e.value) : e.value; }

  WizardResult Confirm() {
    static constexpr const char* kHeader =
        "# maillogsentinel.conf(5), written by maillogsentinel --setup.\n"
        "# Run maillogsentinel --setup again to change it (Enter keeps each value).\n";
    const std::vector<ConfigEntry>& before = before_;
    std::string text = FormatConfig(entries_, kHeader);
    std::vector<ConfigEntry> back;
    if (auto err = ReadConfigEntries(text, "(the answers)", back)) {  // not expected
      r_.error = "the answers make no valid configuration: " + *err;
      return std::move(r_);
    }
    auto find = [](const std::vector<ConfigEntry>& v, const ConfigEntry& e) {
      return std::find_if(v.begin(), v.end(), [&](const ConfigEntry& x) {
        return x.section == e.section && x.key == e.key;
      });
    };
    std::string changes;
    for (const ConfigEntry& e : back) {
      auto old = find(before, e);
      if (old == before.end())
        changes += "  + [" + e.section + "] " + e.key + " = " + Shown(e) + "\n";
      else if (old->value != e.value)
        changes +=
            "  ~ [" + e.section + "] " + e.key + " = " + Shown(e) + " (was " + Shown(*old) + ")\n";
    }
    for (const ConfigEntry& e : before)
      if (find(back, e) == back.end())
        changes += "  - [" + e.section + "] " + e.key + " (was " + Shown(e) + ")\n";
    if (changes.empty() && o_.current_text) {
      io_.say("\nThe configuration is unchanged.\n");
      text = *o_.current_text;
    } else {
      io_.say("\nThe configuration " + std::string(o_.current_text ? "changes" : "will be") +
              ":\n" + changes);
    }
    for (;;) {
      std::optional<std::string> a = io_.ask(
          "Write it, create the user and directories and install the units' drop-ins? (yes/no) "
          "[no]: ",
          false);
      if (!a) return Abandon();
      std::string s = Trimmed(*a);
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (s == "y" || s == "yes") break;
      if (s.empty() || s == "n" || s == "no") {
        r_.transcript.push_back("not applied");
        return Abandon();
      }
      io_.say("  not taken: yes or no\n");
    }
    r_.transcript.push_back("applied");
    r_.changed = !o_.current_text || text != *o_.current_text;
    r_.config_text = text;
    return std::move(r_);
  }

  const WizardOptions& o_;
  const WizardIo& io_;
  Config current_;
  std::vector<ConfigEntry> entries_;
  std::vector<ConfigEntry> before_;  // the current configuration's, as read
  Answers answers_;
  WizardResult r_;
};

// ---- the terminal ------------------------------------------------------------

volatile std::sig_atomic_t g_interrupted = 0;
struct sigaction g_old_int {};

extern "C" void OnInterrupt(int) { g_interrupted = 1; }

}  // namespace

WizardResult RunSetupWizard(const WizardOptions& options, const WizardIo& io) {
  return Wizard(options, io).Run();
}

WizardTerminal::WizardTerminal(int in_fd, int out_fd)
    : in_fd_(in_fd), out_fd_(out_fd), read_fd_(in_fd) {
  // The terminal opened again, non-blocking for this object alone (the flag on
  // in_fd would be the shell's too).
  if (const char* tty = ::isatty(in_fd) ? ::ttyname(in_fd) : nullptr) {
    int fd = ::open(tty, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0) read_fd_ = fd;
  }
  g_interrupted = 0;
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: read() returns EINTR
  ::sigaction(SIGINT, &sa, &g_old_int);
}

WizardTerminal::~WizardTerminal() {
  if (read_fd_ != in_fd_) ::close(read_fd_);
  ::sigaction(SIGINT, &g_old_int, nullptr);
  if (held_) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  }
}

bool WizardTerminal::Interrupted() const { return g_interrupted != 0; }

void WizardTerminal::HoldInterrupts() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  held_ = true;
}

WizardIo WizardTerminal::Io() {
  WizardIo io;
  io.say = [this](const std::string& text) { WriteAll(out_fd_, text); };
  io.ask = [this](const std::string& prompt, bool secret) -> std::optional<std::string> {
    // SIGINT is blocked but while ppoll waits, and the reads do not block: a
    // Ctrl-C that comes at any other moment (it also discards the line being
    // typed) is seen by the next ppoll, never lost before a read that waits.
    sigset_t interrupt, mask;
    sigemptyset(&interrupt);
    sigaddset(&interrupt, SIGINT);
    ::sigprocmask(SIG_BLOCK, &interrupt, &mask);
    sigset_t waiting = mask;
    sigdelset(&waiting, SIGINT);
    struct termios saved {};
    const bool echo_off = secret && ::tcgetattr(in_fd_, &saved) == 0;
    if (echo_off) {  // before the prompt: nothing typed after it is echoed
      struct termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      quiet.c_lflag |= ECHONL;
      ::tcsetattr(in_fd_, TCSANOW, &quiet);
    }
    if (!g_interrupted) WriteAll(out_fd_, prompt);
    std::string line;
    bool got = false;
    while (!g_interrupted) {
      struct pollfd p = {in_fd_, POLLIN, 0};
      if (::ppoll(&p, 1, nullptr, &waiting) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      char c;
      ssize_t n = ::read(read_fd_, &c, 1);
      if (n == 1 && c != '\n') {
        line += c;
        continue;
      }
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      got = n == 1 || !line.empty();  // a last line without its newline counts
      break;
    }
    if (echo_off) ::tcsetattr(in_fd_, TCSANOW, &saved);
    ::sigprocmask(SIG_SETMASK, &mask, nullptr);
    if (g_interrupted) {
      WriteAll(out_fd_, "\n");
      return std::nullopt;
    }
    if (!got) return std::nullopt;
    return line;
  };
  return io;
}

}  // namespace mls
