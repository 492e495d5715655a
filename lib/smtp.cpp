#include "smtp.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

namespace mls {
namespace {

struct Upload {
  std::string_view data;
  std::size_t pos = 0;
};

std::size_t ReadChunk(char* buf, std::size_t size, std::size_t n, void* p) {
  Upload* u = static_cast<Upload*>(p);
  std::size_t want = std::min(size * n, u->data.size() - u->pos);
  std::memcpy(buf, u->data.data() + u->pos, want);
  u->pos += want;
  return want;
}

std::string Bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

class Handle {
 public:
  Handle() : c_(curl_easy_init()) {}
  ~Handle() {
    curl_slist_free_all(rcpts_);
    curl_easy_cleanup(c_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  CURL* get() const { return c_; }
  curl_slist*& rcpts() { return rcpts_; }

 private:
  CURL* c_;
  curl_slist* rcpts_ = nullptr;
};

}  // namespace

std::optional<SmtpTls> ParseSmtpTls(std::string_view name) {
  if (name == "starttls") return SmtpTls::kStartTls;
  if (name == "implicit") return SmtpTls::kImplicit;
  if (name == "none") return SmtpTls::kNone;
  return std::nullopt;
}

std::string_view SmtpTlsName(SmtpTls tls) {
  switch (tls) {
    case SmtpTls::kStartTls:
      return "starttls";
    case SmtpTls::kImplicit:
      return "implicit";
    case SmtpTls::kNone:
      return "none";
  }
  return "?";
}

int SmtpDefaultPort(SmtpTls tls) {
  switch (tls) {
    case SmtpTls::kStartTls:
      return 587;
    case SmtpTls::kImplicit:
      return 465;
    case SmtpTls::kNone:
      return 25;
  }
  return 25;
}

std::optional<std::string> CheckSmtpOptions(const SmtpOptions& o) {
  if (o.host.empty()) return "no SMTP server (smtp_host)";
  if (o.host.find_first_of(" /@[]\t\r\n") != std::string::npos)
    return "smtp_host '" + o.host + "': expected a host name or an address";
  if (o.port < 0 || o.port > 65535) return "smtp_port: expected 1 to 65535";
  if (!o.user.empty() && o.tls == SmtpTls::kNone)
    return "smtp_user is set but smtp_tls is none: the password would cross the network in the "
           "clear; use starttls or implicit";
  return std::nullopt;
}

std::string SmtpServerName(const SmtpOptions& o) {
  const int port = o.port != 0 ? o.port : SmtpDefaultPort(o.tls);
  std::string s = (o.tls == SmtpTls::kImplicit ? "smtps://" : "smtp://") + Bracketed(o.host) + ":" +
                  std::to_string(port);
  if (o.tls == SmtpTls::kStartTls) s += " (STARTTLS)";
  return s;
}

SmtpResult SendSmtp(const SmtpOptions& o, const std::string& from,
                    const std::vector<std::string>& recipients, std::string_view message) {
  SmtpResult r;
  const std::string where = SmtpServerName(o);
  if (auto err = CheckSmtpOptions(o)) {
    r.error = *err;
    return r;
  }
  if (from.empty()) {
    r.error = where + ": no envelope sender; set [report] sender";
    return r;
  }
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  Handle h;
  if (init != CURLE_OK || !h.get()) {
    r.error = where + ": cannot initialise libcurl";
    return r;
  }
  CURL* c = h.get();
  const int port = o.port != 0 ? o.port : SmtpDefaultPort(o.tls);
  const std::string url = (o.tls == SmtpTls::kImplicit ? "smtps://" : "smtp://") +
                          Bracketed(o.host) + ":" + std::to_string(port);
  char errbuf[CURL_ERROR_SIZE] = "";
  Upload upload{message};
  const std::string mail_from = "<" + from + ">";
  for (const std::string& rcpt : recipients)
    h.rcpts() = curl_slist_append(h.rcpts(), ("<" + rcpt + ">").c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   o.tls == SmtpTls::kNone ? static_cast<long>(CURLUSESSL_NONE)
                                           : static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!o.cafile.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o.cafile.c_str());
  if (!o.user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, o.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, o.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, h.rcpts());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadChunk);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  if (o.timeout_ms > 0) {
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout_ms));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.timeout_ms));
  }
  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.last_reply);
  if (rc != CURLE_OK) {
    std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
    if (r.last_reply != 0 && why.find(std::to_string(r.last_reply)) == std::string::npos)
      why += " (last reply " + std::to_string(r.last_reply) + ")";
    // libcurl's messages never hold the password; keep it that way.
    if (!o.password.empty()) {
      for (std::size_t at; (at = why.find(o.password)) != std::string::npos;)
        why.replace(at, o.password.size(), "***");
    }
    r.error = where + ": " + why;
  }
  return r;
}

}  // namespace mls
