#pragma once
// Hands a message to an SMTP server (libcurl): the other way to mail the
// report, for a host without a local MTA, or a report unit hardened with
// NoNewPrivileges= (Postfix's setgid sendmail cannot run there).
//
// TLS is on by default (STARTTLS, or implicit TLS on 465) and the server's
// certificate is verified (chain and host name) against the system's CAs or
// `cafile`. AUTH only over TLS: a password is never sent in the clear, and it
// appears in no message.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mls {

enum class SmtpTls {
  kStartTls,  // "starttls": plain connect, STARTTLS required (port 587 by default)
  kImplicit,  // "implicit": TLS from the first byte, smtps (port 465 by default)
  kNone,      // "none": no TLS (port 25 by default); AUTH refused
};

std::optional<SmtpTls> ParseSmtpTls(std::string_view name);
std::string_view SmtpTlsName(SmtpTls tls);
int SmtpDefaultPort(SmtpTls tls);

struct SmtpOptions {
  std::string host;  // name or address; an IPv6 address without brackets
  int port = 0;      // 0: SmtpDefaultPort(tls)
  SmtpTls tls = SmtpTls::kStartTls;
  std::string user;                  // empty: no AUTH
  std::string password;              // never shown
  std::string cafile;                // PEM CAs for the server's certificate; empty: the system's
  std::int64_t timeout_ms = 60'000;  // the whole session; the connection gets at most this too
};

// Why these options cannot work, or nullopt: no host, a port out of range,
// AUTH without TLS.
std::optional<std::string> CheckSmtpOptions(const SmtpOptions& options);

// "smtp://mail.example.org:587 (STARTTLS)", "smtps://[::1]:465": for messages.
std::string SmtpServerName(const SmtpOptions& options);

struct SmtpResult {
  std::optional<std::string> error;  // "smtp://host:587 (STARTTLS): Login denied (535 ...)"
  long last_reply = 0;               // the server's last reply code, 0 if none
};

// Sends `message` (a complete RFC 5322 message, CRLF or LF line ends) from the
// envelope sender `from` (not empty) to `recipients`.
SmtpResult SendSmtp(const SmtpOptions& options, const std::string& from,
                    const std::vector<std::string>& recipients, std::string_view message);

}  // namespace mls
