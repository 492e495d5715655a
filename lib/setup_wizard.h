#pragma once
// maillogsentinel --setup without --config (maillogsentinel(8), SETUP): the
// questions on the operator's terminal that make the configuration, before
// RunSetup (lib/setup.h) deploys it.
//
// Every question shows its default in brackets: the current configuration's
// value when there is one (ROOT/etc/maillogsentinel.conf), else the built-in
// default. Enter keeps it; "-" empties a key that may be empty. Each answer is
// checked as LoadConfig would check it, and more: directories and files are
// absolute paths, a file that does not exist must be given twice (a typo is
// not taken silently), addresses are RFC 5322 addr-specs (ValidateAddress),
// schedules pass `systemd-analyze calendar` when it is there. A refused answer
// says why and asks again. Passwords are read with the echo off and never
// shown or logged.
//
// Nothing is written while the questions run: the answers become a
// configuration text, whose differences from the current one are shown, and
// only a "y" writes anything. End of input or Ctrl-C before that leaves every
// file as it was. Keys the wizard does not ask about are kept from the current
// configuration as they were; keys of a choice not taken (smtp_* with sendmail,
// db_* without an export directory) are dropped.

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mls {

// How the wizard talks to the operator.
struct WizardIo {
  // Shows `prompt` and reads one line (without its newline); `secret`: the
  // echo is off. nullopt at the end of the input or on Ctrl-C.
  std::function<std::optional<std::string>(const std::string& prompt, bool secret)> ask;
  // Text for the operator (one or more whole lines).
  std::function<void(const std::string& text)> say;
};

struct WizardOptions {
  std::optional<std::string> current_text;  // the current configuration, if there is one
  std::string current_name;                 // its path, for messages
  // Whether a path (as the host will see it) exists; the driver looks under --root.
  std::function<bool(const std::string& path)> exists;
  // Runs a helper program (systemd-analyze calendar), as SetupOptions::run.
  std::function<int(const std::vector<std::string>& argv, std::string& output)> run;
};

struct WizardResult {
  std::optional<std::string> config_text;  // the configuration to deploy; nullopt: not applied
  bool changed = false;                    // config_text differs from current_text
  std::vector<std::string> transcript;     // the questions and answers, secrets masked
  std::optional<std::string> error;        // the current configuration is not valid, ...
};

WizardResult RunSetupWizard(const WizardOptions& options, const WizardIo& io);

// The operator's terminal for RunSetupWizard: prompts to `out_fd`, lines from
// `in_fd` (a secret with the echo off when `in_fd` is a terminal). While it
// lives, Ctrl-C ends the current question (Interrupted() is then true) instead
// of killing the process, and the terminal's echo is restored on every path.
class WizardTerminal {
 public:
  WizardTerminal(int in_fd, int out_fd);
  ~WizardTerminal();
  WizardTerminal(const WizardTerminal&) = delete;
  WizardTerminal& operator=(const WizardTerminal&) = delete;

  WizardIo Io();
  bool Interrupted() const;
  // From now on Ctrl-C is held until this object is gone: the deployment
  // after the last "y" runs to its end.
  void HoldInterrupts();

 private:
  int in_fd_;
  int out_fd_;
  int read_fd_;  // in_fd_, or its terminal opened again without blocking
  bool held_ = false;
};

}  // namespace mls
