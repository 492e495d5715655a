#pragma once
// `mls-report --send`: the report as an email (lib/mime.h) handed to the
// configured sendmail (lib/sendmail.h), or printed with --dry-run.
//
// The caller (SendReport, lib/report_cli.h) checks the addresses first
// (ResolveReportAddresses, cheap, before the dataset is read), builds the report
// with ReportOptions::rows_fd set to an OpenScratchFile (lib/mime.h), renders the
// text and HTML forms, then calls SendReportMail.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli.h"
#include "mime.h"
#include "report.h"
#include "smtp.h"

namespace mls {

// ---- mls-report's --send options ----------------------------------------------

// --sendmail-timeout's default: how long sendmail may take to accept the message.
inline constexpr std::uint32_t kDefaultSendmailTimeout = 300;

struct ReportSendOptions {
  bool send = false;                              // --send
  std::optional<std::string> to;                  // --to ADDR[,ADDR...]
  bool dry_run = false;                           // --dry-run
  bool preview = false;                           // --preview
  std::optional<std::uint64_t> max_attachment;    // --max-attachment BYTES[K|M|G]
  std::optional<std::uint32_t> sendmail_timeout;  // --sendmail-timeout SECONDS (0: none)
};

// Adds --send, --to, --dry-run, --preview, --max-attachment and --sendmail-timeout
// to `options`.
void AddSendOptions(po::options_description& options);

// Reads them from `vm` into `out`; a usage error ("--to needs --send") or nullopt.
// `format_given`: --format was on the command line (not allowed with --send).
std::optional<std::string> ReadSendOptions(const po::variables_map& vm, bool format_given,
                                           ReportSendOptions& out);

// "5242880", "512K", "5M", "1G" (binary multiples) -> bytes.
std::optional<std::uint64_t> ParseByteSize(std::string_view s);

// ---- the pieces -----------------------------------------------------------------

struct ReportMailSettings {
  std::string sender;               // [report] sender; empty: DefaultSender(fqdn)
  std::string email;                // [report] email (a ','-separated list)
  std::string to;                   // --to (overrides email when not empty)
  std::string subject_prefix;       // [report] subject_prefix (may be empty)
  std::string sendmail;             // [report] sendmail
  std::optional<SmtpOptions> smtp;  // [report] smtp_*: set, SMTP instead of sendmail
  std::uint64_t max_attachment = kDefaultMaxAttachment;  // --max-attachment
  bool dry_run = false;                                  // print the message to stdout instead
  bool preview = false;     // print a readable preview to stdout instead (WriteMailPreview)
  std::string config_path;  // named in messages
  std::vector<std::string> scratch_dirs;  // where temporary files may go, first that works
  std::uint32_t timeout_seconds = kDefaultSendmailTimeout;  // 0: wait as long as it takes
  std::int64_t kill_grace_ms = 5000;                        // SIGTERM -> SIGKILL after a timeout
  // Each line sendmail writes to stderr, labelled with its name ("sendmail: postdrop:
  // warning: ..."); null: it inherits our stderr.
  std::function<void(std::string_view)> on_sendmail_line;
};

struct ReportAddresses {
  std::string from;
  std::vector<std::string> to;
  std::optional<std::string> error;  // "no recipient: set [report] email in FILE or use --to"
  int exit_status = 0;               // with error: 1 no recipient, 2 bad address
};

// From = settings.sender or DefaultSender(fqdn); To = --to or [report] email.
// Errors: no recipient (exit 1); a bad address, named with where it came from
// ("--to", "FILE: [report] email", "FILE: [report] sender") (exit 2).
ReportAddresses ResolveReportAddresses(const ReportMailSettings& settings, std::string_view fqdn);

// "maillogsentinel@<fqdn>"; "" when `fqdn` has no dot or is not a valid host
// name: then the message has no From header, sendmail is run without -f and
// fills both in (user@myorigin for Postfix).
std::string DefaultSender(std::string_view fqdn);

// How the subject names the window (local time):
//   today (2026-11-28) | yesterday (2026-11-27) | in the last 24 hours (to 2026-11-28 14:05)
//   in the last 7 days (to 2026-11-28 14:05) | from 2026-11-01 00:00 to 2026-11-02 00:00
std::string WindowPhrase(const ReportWindow& window);

// "[maillogsentinel] mx1.example.org: 42 SASL failures today (2026-11-28)"
// (no prefix and its space when the prefix is empty; "1 SASL failure").
std::string ReportSubject(std::string_view prefix, const ReportData& data);

// "maillogsentinel-mx1.example.org-2026-11-28": the attachment's name without
// extension (server name and a local date: the day of today/yesterday, the end
// of 24h/7d, the start of a custom window).
std::string ReportAttachmentName(const ReportData& data);

struct ReportMailResult {
  std::optional<std::string> error;  // the message was not handed over (or not printed)
  MimeResult mime;                   // what happened to the attachment
  std::string summary;               // on success: "report for root@localhost handed to ..."
  bool closed_pipe = false;  // dry run: the reader of stdout went away (`| head`), not a failure
};

// A readable preview of `message` (what --preview prints): the From, To, Subject
// (decoded) and Date headers, a blank line, the text part as it is, then one
// line per other part, from `mime` (the result of writing the message):
//   -- text/html alternative: 23.4 KiB (mls-report --format html shows it)
//   -- attachment maillogsentinel-mx1-2026-11-28.csv: 9 rows, 1223 bytes
//   -- attachment ...csv.gz: 90000 rows, 12582912 bytes gzip-compressed to 1992294 bytes
//   -- no attachment: <the note's text>
std::string MailPreview(const MailMessage& message, const MimeResult& mime, std::uint64_t rows);

// Writes the message (subject, From/To from `addresses`, bodies `text` and
// `html`, the CSV in `rows_fd` as attachment, `mailer` as X-Mailer) to
// `stdout_fd` with dry_run, its MailPreview with preview, else to `settings.sendmail -t -oi [-f
// FROM]` (-f when there is a From address), stopped after settings.timeout_seconds.
ReportMailResult SendReportMail(const ReportMailSettings& settings,
                                const ReportAddresses& addresses, const ReportData& data,
                                const std::string& text, const std::string& html, int rows_fd,
                                std::uint64_t rows, int stdout_fd = 1);

}  // namespace mls
