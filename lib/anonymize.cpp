#include "anonymize.h"

#include <algorithm>
#include <array>

#include "event.h"
#include "ip.h"
#include "postfix_parse.h"
#include "syslog_time.h"

namespace mls {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The characters of a token: host names, addresses, e-mail addresses, keys.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  for (unsigned char c : std::string_view("._:%+-@")) t[c] = true;
  return t;
}();
bool IsTok(char c) { return kTokenChars[static_cast<unsigned char>(c)]; }

// KEY= fields whose value is a person's.
enum class Value { kNone, kUser, kHost, kSaslUser };

Value FieldKind(std::string_view key) {
  static constexpr std::pair<std::string_view, Value> kFields[] = {
      {"sasl_username", Value::kSaslUser},
      {"sasl_sender", Value::kUser},
      {"user", Value::kUser},
      {"ruser", Value::kUser},
      {"from", Value::kUser},
      {"to", Value::kUser},
      {"orig_to", Value::kUser},
      {"helo", Value::kHost},
      {"rhost", Value::kHost},
  };
  for (const auto& [k, v] : kFields)
    if (k == key) return v;
  return Value::kNone;
}

// Dovecot's passdb/userdb and service prefixes: NAME(USER,...) or NAME(USER)<pid>.
bool IsUserPrefix(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "passwd-file",    "pam",         "sql",  "ldap",       "static",      "checkpassword",
      "shadow",         "passwd",      "lua",  "dict",       "oauth2",      "bsdauth",
      "imap",           "pop3",        "lmtp", "submission", "managesieve", "doveadm",
      "indexer-worker", "quota-status"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

// File names that look like host names (main.cf, libsasl2.so, ...).
bool IsFileSuffix(std::string_view label) {
  static constexpr std::string_view kSuffixes[] = {"cf",   "db",  "lmdb", "cdb", "pem", "crt",
                                                   "conf", "pid", "sock", "log", "gz",  "so"};
  std::string lower(label);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return std::find(std::begin(kSuffixes), std::end(kSuffixes), lower) != std::end(kSuffixes);
}

// Two or more labels of letters, digits, '-' and '_', the last of two or more letters.
bool IsHostName(std::string_view t) {
  std::size_t dot = t.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  std::string_view last = t.substr(dot + 1);
  if (last.size() < 2 || !std::all_of(last.begin(), last.end(), IsAlpha) || IsFileSuffix(last))
    return false;
  std::size_t label = 0;
  for (char c : t) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (IsAlpha(c) || IsDigit(c) || c == '-' || c == '_') {
      ++label;
    } else {
      return false;
    }
  }
  return true;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

// " HOST TAG[PID]: " after the stamp: the host's span and where the message starts.
bool SyslogHost(std::string_view line, std::size_t stamp, std::size_t& host, std::size_t& host_end,
                std::size_t& msg) {
  if (stamp >= line.size() || line[stamp] != ' ') return false;
  host = stamp + 1;
  host_end = line.find(' ', host);
  if (host_end == std::string_view::npos || host_end == host) return false;
  std::size_t p = host_end + 1;
  while (p < line.size() && line[p] != '[' && line[p] != ':' && line[p] != ' ') ++p;
  if (p == host_end + 1) return false;
  if (p < line.size() && line[p] == '[') {
    std::size_t close = line.find(']', p);
    if (close == std::string_view::npos || !AllDigits(line.substr(p + 1, close - p - 1)))
      return false;
    p = close + 1;
  }
  if (line.substr(p, 2) != ": ") return false;
  msg = p + 2;
  return true;
}

bool Inside(std::string_view part, std::string_view line) {
  return !part.empty() && part.data() >= line.data() &&
         part.data() + part.size() <= line.data() + line.size();
}

}  // namespace

void Anonymizer::Host(std::string_view name, std::string& out) {
  if (name == "unknown" || name.empty())
    out += name;
  else
    out += names_.Domain(name);
}

void Anonymizer::HostValue(std::string_view v, std::string& out) {
  if (auto ip = names_.Ip(v)) {
    out += *ip;
  } else if (v.size() > 2 && v.front() == '[' && v.back() == ']' &&
             names_.Ip(v.substr(1, v.size() - 2))) {
    out += '[';
    out += *names_.Ip(v.substr(1, v.size() - 2));
    out += ']';
  } else {
    Host(v, out);
  }
}

void Anonymizer::UserValue(std::string_view v, std::string& out) {
  if (v.empty()) return;
  const std::size_t at = v.rfind('@');
  if (at != std::string_view::npos && at > 0 && at + 1 < v.size()) {
    out += names_.Email(v.substr(0, at), v.substr(at + 1));
  } else {
    out += names_.User(v);
  }
}

void Anonymizer::Token(std::string_view t, std::string& out) {
  // No '.', ':' or '@': no address, e-mail address or host name in it, nor in
  // any of its parts (most words of a log line: one scan, no more).
  if (std::none_of(t.begin(), t.end(), [](char c) { return c == '.' || c == ':' || c == '@'; })) {
    out += t;
    return;
  }
  // A loop over the token's ':' (not a recursion per ':', so a long run of
  // them costs no stack); every call below is on a part without ':', or
  // without '+', '-' and '%': the depth stays bounded.
  // What follows a ':' is tried whole only while it could be one thing: an
  // address, an e-mail address or a host name is never this long. Without
  // the bound, a long run of ':' would cost time quadratic in its length.
  constexpr std::size_t kMaxWhole = 512;
  // Whether a '+', '-' or '%' is left in t: its last one's distance from the end.
  const std::size_t last_sep = t.find_last_of("+-%");
  const std::size_t sep_from_end = last_sep == std::string_view::npos ? 0 : t.size() - last_sep;
  for (bool first = true;; first = false) {
    if ((first || t.size() <= kMaxWhole) && Whole(t, out)) return;
    const std::size_t colon = t.find(':');
    const std::string_view head = t.substr(0, colon);
    if (sep_from_end > 0 && t.size() >= sep_from_end && !IsHostName(head)) {
      // Pieces joined by '+', '-' or '%': each piece a token ("x-192.0.2.1",
      // "59+0::1": found by fuzz/anonymize.cpp). A host name before a ':'
      // ("mail-1.example.org:587") stays whole.
      for (;;) {
        const std::size_t sep = t.find_first_of("+-%");
        Token(t.substr(0, sep), out);
        if (sep == std::string_view::npos) return;
        out += t[sep];
        t.remove_prefix(sep + 1);
      }
    }
    if (colon == std::string_view::npos) {
      out += t;
      return;
    }
    Token(head, out);  // ADDRESS:PORT, key:value, ...
    out += ':';
    t.remove_prefix(colon + 1);
  }
}

bool Anonymizer::Whole(std::string_view t, std::string& out) {
  if (auto ip = names_.Ip(t)) {
    out += *ip;
    return true;
  }
  // An IPv6 address with its zone ("fe80::1%eth0": found by fuzz/anonymize.cpp);
  // the zone, an interface name, stays. A "zone" with more in it
  // ("fe80::1%eth0-192.0.2.1"), or one that is an address, is split as any token.
  if (const std::size_t pct = t.find('%');
      pct != std::string_view::npos &&
      t.find_first_of("+-%@:", pct + 1) == std::string_view::npos &&
      !IsIpAddress(t.substr(pct + 1))) {
    if (auto ip = names_.Ip(t.substr(0, pct))) {
      out += *ip;
      out += t.substr(pct);
      return true;
    }
  }
  // Punctuation that ends a sentence or a field: classify what is before it.
  // Not a ':' after a '+', '-' or '%': "a+2001:db8::" is split there first
  // (found by fuzz/anonymize.cpp).
  std::size_t end = t.size();
  const bool joined = t.find_first_of("+-%") != std::string_view::npos;
  while (end > 0 && (t[end - 1] == '.' || (t[end - 1] == ':' && !joined) || t[end - 1] == '-'))
    --end;
  if (end == 0) {
    out += t;
    return true;
  }
  if (end < t.size()) {
    Token(t.substr(0, end), out);
    out += t.substr(end);
    return true;
  }
  if (addresses_only_) return false;
  const std::size_t at = t.rfind('@');
  if (at != std::string_view::npos) {  // an e-mail address, or what is left of one
    std::string_view local = t.substr(0, at), domain = t.substr(at + 1);
    if (!local.empty() && !domain.empty()) {
      out += names_.Email(local, domain);
    } else {
      if (!local.empty()) out += names_.User(local);
      out += '@';
      Host(domain, out);
    }
    return true;
  }
  if (IsHostName(t)) {
    out += names_.Domain(t);
    return true;
  }
  return false;
}

bool Anonymizer::Field(std::string_view text, std::size_t& i, std::string& out) {
  // `i` is at a token start; the key runs over letters, '_' and '-'.
  std::size_t j = i;
  while (j < text.size() && (IsAlpha(text[j]) || text[j] == '_' || text[j] == '-')) ++j;
  if (j == i || j >= text.size()) return false;
  std::string_view key = text.substr(i, j - i);
  if (text[j] == '(' && IsUserPrefix(key)) {
    std::size_t end = text.find_first_of(",)", j + 1);
    if (end == std::string_view::npos) return false;
    out += text.substr(i, j + 1 - i);
    UserValue(text.substr(j + 1, end - j - 1), out);
    i = end;
    return true;
  }
  if (text[j] != '=') return false;
  const Value kind = FieldKind(key);
  if (kind == Value::kNone) return false;
  out += text.substr(i, j + 1 - i);
  std::size_t v = j + 1, end;
  std::string_view rest = text.substr(v);
  if (kind == Value::kSaslUser) {
    std::size_t sender = rest.find(", sasl_sender=");
    end = sender == std::string_view::npos ? text.size() : v + sender;
  } else if (!rest.empty() && rest.front() == '<') {
    out += '<';
    ++v;
    end = std::string_view::npos;
    for (std::size_t k = v; k < text.size(); ++k) {
      if (text[k] != '>') continue;
      if (k + 1 == text.size() || text[k + 1] == ',' || text[k + 1] == ' ' || text[k + 1] == ';' ||
          text[k + 1] == ']') {
        end = k;
        break;
      }
    }
    if (end == std::string_view::npos) {
      std::size_t last = text.rfind('>');
      end = last != std::string_view::npos && last >= v ? last : text.size();
    }
  } else {
    end = text.find_first_of(" ,;]", v);
    if (end == std::string_view::npos) end = text.size();
  }
  std::string_view value = text.substr(v, end - v);
  if (kind == Value::kHost)
    HostValue(value, out);
  else
    UserValue(value, out);
  i = end;
  return true;
}

// What Postfix echoes of the client: "<HELO>: Helo command rejected", "<RCPT>:
// Recipient address rejected", postscreen's "EHLO name\r\n", Cyrus SASL's
// "user: NAME". Returns true with `i` past it when text[i] starts one.
bool Anonymizer::Echo(std::string_view text, std::size_t& i, std::string& out) {
  const std::string_view rest = text.substr(i);
  if (rest.front() == '<') {
    const std::size_t close = rest.find('>');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
      return false;
    const std::string_view value = rest.substr(1, close - 1);
    if (value.empty() || value.find(' ') != std::string_view::npos) return false;
    out += '<';
    if (rest.substr(close + 1).starts_with(": Helo command rejected") ||
        rest.substr(close + 1).starts_with(": Client host rejected"))
      HostValue(value, out);
    else if (names_.Ip(value) || value.find('@') != std::string_view::npos)
      Token(value, out);
    else
      UserValue(value, out);
    out += '>';
    i += close + 1;
    return true;
  }
  for (std::string_view verb : {"EHLO ", "HELO ", "ehlo ", "helo "}) {
    if (!rest.starts_with(verb)) continue;
    std::size_t end = rest.find_first_of(" \\\r", verb.size());
    if (end == std::string_view::npos) end = rest.size();
    if (end == verb.size()) return false;
    out += verb;
    HostValue(rest.substr(verb.size(), end - verb.size()), out);
    i += end;
    return true;
  }
  if (rest.starts_with("user: ")) {
    std::size_t end = rest.find(',', 6);
    if (end == std::string_view::npos) end = rest.size();
    out += "user: ";
    UserValue(rest.substr(6, end - 6), out);
    i += end;
    return true;
  }
  return false;
}

void Anonymizer::Free(std::string_view text, std::string& out) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    if ((text[i] == '<' || text[i] == 'E' || text[i] == 'H' || text[i] == 'e' || text[i] == 'h' ||
         text[i] == 'u') &&
        (i == 0 || !IsTok(text[i - 1])) && Echo(text, i, out))
      continue;
    if (!IsTok(text[i])) {
      std::size_t j = i + 1;
      while (j < n && !IsTok(text[j]) && text[j] != '<') ++j;
      out += text.substr(i, j - i);
      i = j;
      continue;
    }
    if (IsAlpha(text[i]) && Field(text, i, out)) continue;
    std::size_t j = i;
    while (j < n && IsTok(text[j])) ++j;
    std::string_view token = text.substr(i, j - i);
    if (j < n && text[j] == '[') {  // NAME[ADDRESS]
      std::size_t close = text.find(']', j + 1);
      if (close != std::string_view::npos) {
        if (auto ip = names_.Ip(text.substr(j + 1, close - j - 1))) {
          std::string pseudo(*ip);
          Host(token, out);
          out += '[';
          out += pseudo;
          out += ']';
          i = close + 1;
          continue;
        }
      }
    }
    Token(token, out);
    i = j;
  }
}

// The parts of a line kept as they are written (the stamp, the syslog tag and
// pid, Postfix's words between the parts of a SASL failure line): only an
// address in them is replaced ("postfix/x(smtp,192.0.2.1)" as a tag: found by
// fuzz/anonymize.cpp); names and words stay.
void Anonymizer::AddressesOnly(std::string_view text, std::string& out) {
  const bool outer = addresses_only_;
  addresses_only_ = true;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t j = i;
    while (j < text.size() && !IsTok(text[j])) ++j;
    out += text.substr(i, j - i);
    i = j;
    while (j < text.size() && IsTok(text[j])) ++j;
    if (j > i) Token(text.substr(i, j - i), out);
    i = j;
  }
  addresses_only_ = outer;
}

std::string Anonymizer::Also(std::string_view line) {
  std::string text(line);
  for (const std::regex& re : o_.also) {
    std::string next;
    auto begin = std::cregex_iterator(text.data(), text.data() + text.size(), re);
    std::size_t last = 0;
    for (auto it = begin; it != std::cregex_iterator(); ++it) {
      const std::cmatch& m = *it;
      if (m.length(0) == 0) continue;
      const std::size_t pos = static_cast<std::size_t>(m.position(0));
      next.append(text, last, pos - last);
      next += names_.Other(std::string_view(text.data() + pos, m.length(0)));
      last = pos + m.length(0);
    }
    next.append(text, last, std::string::npos);
    text = std::move(next);
  }
  return text;
}

void Anonymizer::Line(std::string_view original, std::string& out) {
  std::string replaced;
  std::string_view line = original;
  if (!o_.also.empty()) {
    replaced = Also(original);
    line = replaced;
  }
  // A SASL failure line: its parts exactly as mls-parse reads them.
  SaslLine s;
  if (ParsePostfixLine(line, s) != LineKind::kNone && Inside(s.client, line)) {
    struct Part {
      std::string_view span;
      int kind;  // 0 server, 1 client, 2 address, 3 reason, 4 user
    };
    std::vector<Part> parts;
    parts.push_back({s.server, 0});
    parts.push_back({s.client, 1});
    const std::size_t open =
        static_cast<std::size_t>(s.client.data() - line.data()) + s.client.size();
    const std::size_t close = line.find(']', open);
    parts.push_back({line.substr(open + 1, close - open - 1), 2});
    if (Inside(s.reason, line)) parts.push_back({s.reason, 3});
    if (Inside(s.user, line)) parts.push_back({s.user, 4});
    std::size_t at = 0;
    for (const Part& p : parts) {
      const std::size_t begin = static_cast<std::size_t>(p.span.data() - line.data());
      AddressesOnly(line.substr(at, begin - at), out);
      switch (p.kind) {
        case 0:
          o_.hostname ? Host(p.span, out) : void(out += p.span);
          break;
        case 1:
          Host(p.span, out);
          break;
        case 2:
          out += names_.Ip(p.span).value_or(p.span);
          break;
        case 3:
          Free(p.span, out);
          break;
        default:
          UserValue(p.span, out);
      }
      at = begin + p.span.size();
    }
    AddressesOnly(line.substr(at), out);
    return;
  }
  HeaderTime time;
  std::size_t stamp = ParseHeaderTime(line, time);
  if (stamp == 0) stamp = ImpossibleHeaderTimeLength(line);
  std::size_t host, host_end, msg;
  if (stamp > 0 && SyslogHost(line, stamp, host, host_end, msg)) {
    AddressesOnly(line.substr(0, host), out);
    std::string_view h = line.substr(host, host_end - host);
    o_.hostname ? Host(h, out) : void(out += h);
    AddressesOnly(line.substr(host_end, msg - host_end), out);
    Free(line.substr(msg), out);
    return;
  }
  Free(line, out);
}

void Anonymizer::Event(std::vector<std::string>& fields) {
  if (!o_.also.empty())  // first, as for a line
    for (std::string& f : fields) f = Also(f);
  std::string v;
  auto redo = [&](Col column, auto how) {
    if (column >= fields.size() || fields[column].empty()) return;
    v.clear();
    how(fields[column], v);
    fields[column] = v;
  };
  if (o_.hostname) redo(kServer, [this](std::string_view c, std::string& o) { Host(c, o); });
  redo(kIp, [this](std::string_view c, std::string& o) {
    if (auto ip = names_.Ip(c))
      o += *ip;
    else
      Free(c, o);
  });
  redo(kUser, [this](std::string_view c, std::string& o) { UserValue(c, o); });
  redo(kRdns, [this](std::string_view c, std::string& o) { Host(c, o); });
  redo(kClient, [this](std::string_view c, std::string& o) { Host(c, o); });
  redo(kReason, [this](std::string_view c, std::string& o) { Free(c, o); });
  // The columns that never hold a name or an address, scanned all the same: a
  // hand-edited dataset may put one there (found by fuzz/anonymize.cpp). Their
  // own values (PLAIN, 587, postfix/smtpd, OK, DE, 3320) pass unchanged. The AS
  // organisation stays as the registry wrote it ("Amazon.com, Inc.").
  for (Col c : {kMethod, kPort, kService, kRdnsStatus, kCountry, kAsn})
    redo(c, [this](std::string_view v, std::string& o) { Free(v, o); });
}

}  // namespace mls
