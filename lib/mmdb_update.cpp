#include "mmdb_update.h"

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <mutex>
#include <vector>

#include "atomic_file.h"
#include "diag.h"
#include "geo.h"

namespace mls {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string LowerScheme(const std::string& url) {
  auto p = url.find("://");
  if (p == std::string::npos) return {};
  std::string s = url.substr(0, p);
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

// ---- download --------------------------------------------------------------

struct Sink {
  std::string* data;
  std::uint64_t max;
  bool too_big = false;
};

size_t WriteCallback(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<Sink*>(userdata);
  std::size_t n = size * nmemb;
  if (sink->data->size() + n > sink->max) {
    sink->too_big = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  sink->data->append(ptr, n);
  return n;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// ---- unpack ----------------------------------------------------------------

// The metadata marker every MaxMind DB carries within its last 128 KiB.
constexpr std::string_view kMetadataMarker = "\xAB\xCD\xEFMaxMind.com";  // 14 bytes
static_assert(kMetadataMarker.size() == 14);

bool HasMetadataMarker(std::string_view data) {
  std::size_t from = data.size() > (128u << 10) ? data.size() - (128u << 10) : 0;
  return data.substr(from).find(kMetadataMarker) != std::string_view::npos;
}

struct ArchiveCloser {
  archive* a;
  ~ArchiveCloser() { archive_read_free(a); }
};

std::string ArchiveError(archive* a, const char* what) {
  const char* e = archive_error_string(a);
  return std::string(what) + ": " + (e ? e : "unknown error");
}

}  // namespace


Fetched FetchUrl(const std::string& url, const FetchOptions& opt) {
  Fetched out;
  std::string scheme = LowerScheme(url);
  if (scheme != "http" && scheme != "https" && scheme != "file") {
    out.error = "unsupported URL (http://, https:// and file:// only)";
    return out;
  }
  GlobalInit();
  CURL* curl = curl_easy_init();
  if (!curl) {
    out.error = "cannot initialise libcurl";
    return out;
  }
  long timeout = opt.timeout_s > 0 ? opt.timeout_s : 300;
  char errbuf[CURL_ERROR_SIZE] = "";
  Sink sink{&out.data, opt.max_bytes};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
  // Redirects: a few, and an https download never continues over plain http
  // (nor does any download continue to file:// or other schemes).
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, scheme == "http" ? "http,https" : "https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, opt.user_agent.c_str());
  if (!opt.ca_file.empty()) {
    // Only this bundle: drop the built-in CA directory too.
    curl_easy_setopt(curl, CURLOPT_CAINFO, opt.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_CAPATH, static_cast<char*>(nullptr));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteCallback);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(opt.max_bytes));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, std::min(timeout, 30L));
  // A stalled transfer (under 1 KiB/s) fails after min(timeout, 60) seconds.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, std::min(timeout, 60L));

  CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  double seconds = 0;
  curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &seconds);
  // A redirect to a scheme we do not allow fails with "unsupported protocol"
  // after the effective URL already moved to the refused target.
  long redirects = 0;
  curl_easy_getinfo(curl, CURLINFO_REDIRECT_COUNT, &redirects);
  char* effective = nullptr;
  curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
  std::string refused =
      rc == CURLE_UNSUPPORTED_PROTOCOL && redirects > 0 && effective ? effective : "";
  curl_easy_cleanup(curl);

  if (sink.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
    out.error = "larger than " + std::to_string(opt.max_bytes) + " bytes";
  } else if (!refused.empty()) {
    out.error = "refused redirect to " + RedactUrl(refused) +
                (scheme == "https" ? " (https downloads stay on https)" : " (http and https only)");
  } else if (rc == CURLE_OPERATION_TIMEDOUT) {
    out.error = "timed out after " + std::to_string(std::lround(seconds)) + " s";
  } else if (rc != CURLE_OK) {
    out.error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  } else if (scheme != "file" && (code < 200 || code >= 300)) {
    out.error = "HTTP " + std::to_string(code);
  }
  if (!out.error.empty()) out.data.clear();
  return out;
}

Unpacked UnpackMmdb(std::string_view data, std::uint64_t max_bytes) {
  Unpacked out;
  if (data.empty()) {
    out.error = "empty file";
    return out;
  }
  archive* a = archive_read_new();
  if (!a) {
    out.error = "cannot initialise libarchive";
    return out;
  }
  ArchiveCloser closer{a};
  archive_read_support_filter_gzip(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_raw(a);  // anything else: one entry with the bytes
  if (archive_read_open_memory(a, data.data(), data.size()) != ARCHIVE_OK) {
    out.error = ArchiveError(a, "cannot unpack");
    return out;
  }
  int mmdb_members = 0;
  bool raw = false;
  for (;;) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      // A plain .mmdb whose first bytes happen to look like gzip: use it as it is.
      if (archive_filter_code(a, 0) == ARCHIVE_FILTER_GZIP && HasMetadataMarker(data) &&
          data.size() <= max_bytes) {
        out.mmdb.assign(data);
        out.format = "mmdb";
        out.error.clear();
        return out;
      }
      out.error = ArchiveError(a, "cannot unpack");
      out.mmdb.clear();
      return out;
    }
    raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
    const char* name = archive_entry_pathname(e);
    bool wanted = raw || (archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e) &&
                          name && EndsWith(name, ".mmdb"));
    if (!wanted) continue;  // LICENSE.txt, COPYRIGHT.txt, directories, ...
    if (++mmdb_members > 1) {
      out.error = "archive holds more than one .mmdb file";
      out.mmdb.clear();
      return out;
    }
    char buf[65536];
    for (;;) {
      la_ssize_t n = archive_read_data(a, buf, sizeof buf);
      if (n == 0) break;
      if (n < 0) {
        out.error = ArchiveError(a, "cannot unpack");
        out.mmdb.clear();
        return out;
      }
      if (out.mmdb.size() + static_cast<std::size_t>(n) > max_bytes) {
        out.error = "unpacked size over " + std::to_string(max_bytes) + " bytes";
        out.mmdb.clear();
        return out;
      }
      out.mmdb.append(buf, static_cast<std::size_t>(n));
    }
  }
  bool gz = archive_filter_code(a, 0) == ARCHIVE_FILTER_GZIP;
  if (mmdb_members == 0) {
    out.error = "archive holds no .mmdb file";
    return out;
  }
  out.format = raw ? (gz ? "mmdb.gz" : "mmdb") : (gz ? "tar.gz" : "tar");
  return out;
}

std::string InstallMmdb(const std::string& path, std::string_view mmdb, MmdbKind kind,
                        std::string* database_type) {
  std::string type;
  auto vet = [&](const std::string& tmp) -> std::optional<std::string> {
    std::string err = ValidateMmdb(tmp, &type);
    if (!err.empty()) {
      // ValidateMmdb says "TMP: reason"; the temp name means nothing to the user.
      if (err.rfind(tmp + ": ", 0) == 0) err.erase(0, tmp.size() + 2);
      return "not a MaxMind DB: " + err;
    }
    if (std::string k = CheckMmdbKind(type, kind); !k.empty()) return "wrong database type: " + k;
    return std::nullopt;
  };
  if (auto err = WriteFileAtomically(path, mmdb, 0644, vet)) return *err;
  if (database_type) *database_type = type;
  return {};
}

std::string RedactUrl(const std::string& url) {
  std::string out = url;
  auto frag = out.find('#');
  if (frag != std::string::npos) out.erase(frag);
  auto q = out.find('?');
  if (q != std::string::npos) out.replace(q, std::string::npos, "?***");
  auto sep = out.find("://");
  if (sep != std::string::npos) {
    std::size_t host = sep + 3;
    std::size_t end = out.find_first_of("/?", host);
    if (end == std::string::npos) end = out.size();
    std::size_t at = out.rfind('@', end);
    if (at != std::string::npos && at >= host) {
      std::size_t colon = out.find(':', host);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // Never put control characters into a diagnostic.
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

std::string UpdateMmdb(const std::string& url, const std::string& path, MmdbKind kind,
                       const FetchOptions& opt, std::string* summary) {
  std::string shown = RedactUrl(url);
  Fetched f = FetchUrl(url, opt);
  if (!f.error.empty()) return shown + ": " + f.error;
  Unpacked u = UnpackMmdb(f.data, opt.max_bytes);
  f.data = std::string();  // release the download before writing
  if (!u.error.empty()) return shown + ": not a MaxMind DB: " + u.error;
  std::string type;
  std::string err = InstallMmdb(path, u.mmdb, kind, &type);
  if (!err.empty()) {
    bool invalid = err.rfind("not a MaxMind DB: ", 0) == 0 || err.rfind("wrong database", 0) == 0;
    return invalid ? shown + ": " + err : err;  // I/O errors already name the file
  }
  if (summary) *summary = type + ", " + std::to_string(u.mmdb.size()) + " bytes, from " + u.format;
  return {};
}

}  // namespace mls
