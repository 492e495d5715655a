#include "log_source.h"

#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <vector>

#include "diag.h"

namespace mls {
namespace {

constexpr unsigned kGzBuffer = 256 * 1024;

std::string GzError(gzFile gz, const std::string& path) {
  int errnum = 0;
  const char* msg = gzerror(gz, &errnum);
  if (errnum == Z_ERRNO) return ErrnoMessage(path, errno);
  std::string text = msg && *msg ? msg : "read error";
  if (text.rfind("<fd:", 0) == 0 && text.find(": ") != std::string::npos) {
    text.erase(0, text.find(": ") + 2);  // zlib names the stream "<fd:N>"
  }
  return path + ": gzip: " + text;
}

class PlainSource : public LogSource {
 public:
  PlainSource(Fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  ssize_t Read(char* buf, std::size_t n) override {
    for (;;) {
      ssize_t r = ::pread(fd_.get(), buf, n, static_cast<off_t>(position_));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        error_ = ErrnoMessage(path_, errno);
        return -1;
      }
      position_ += static_cast<std::uint64_t>(r);
      return r;
    }
  }
  bool SkipTo(std::uint64_t offset) override {
    position_ = offset;
    return true;
  }
  std::uint64_t RawPosition() const override { return position_; }
  int PlainFd() const override { return fd_.get(); }

 private:
  Fd fd_;
  std::string path_;
};

class GzipSource : public LogSource {
 public:
  GzipSource(gzFile gz, std::string path) : gz_(gz), path_(std::move(path)) {}
  ~GzipSource() override { gzclose(gz_); }

  ssize_t Read(char* buf, std::size_t n) override {
    if (n > (1u << 30)) n = 1u << 30;
    int r = gzread(gz_, buf, static_cast<unsigned>(n));
    int errnum = Z_OK;
    if (r == 0) gzerror(gz_, &errnum);  // Z_BUF_ERROR: ended inside a gzip stream
    if (r < 0 || errnum == Z_BUF_ERROR) {
      error_ = GzError(gz_, path_);
      return -1;
    }
    position_ += static_cast<std::uint64_t>(r);
    return r;
  }
  bool SkipTo(std::uint64_t offset) override {
    std::vector<char> scratch(kGzBuffer);
    while (position_ < offset) {
      std::uint64_t want = offset - position_;
      ssize_t r = Read(scratch.data(), want < scratch.size() ? want : scratch.size());
      if (r <= 0) return false;
    }
    return true;
  }
  std::uint64_t RawPosition() const override {
    z_off_t off = gzoffset(gz_);
    return off < 0 ? 0 : static_cast<std::uint64_t>(off);
  }
  int PlainFd() const override { return -1; }

 private:
  gzFile gz_;
  std::string path_;
};

}  // namespace

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

int Fd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

bool ReadHead(int fd, SourceKind kind, std::size_t max, std::string& head, std::string& error) {
  head.assign(max, '\0');
  std::size_t got = 0;
  if (kind == SourceKind::kGzip) {
    int dup = ::dup(fd);
    if (dup < 0 || ::lseek(dup, 0, SEEK_SET) < 0) {
      error = ErrnoMessage("dup", errno);
      if (dup >= 0) ::close(dup);
      return false;
    }
    gzFile gz = gzdopen(dup, "rb");
    if (!gz) {
      ::close(dup);
      error = "gzdopen failed";
      return false;
    }
    while (got < max) {
      int r = gzread(gz, head.data() + got, static_cast<unsigned>(max - got));
      if (r < 0) {
        error = GzError(gz, "gzip");
        gzclose(gz);
        return false;
      }
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    gzclose(gz);  // closes `dup`; the shared offset is reset by Open()
  } else {
    while (got < max) {
      ssize_t r = ::pread(fd, head.data() + got, max - got, static_cast<off_t>(got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        error = ErrnoMessage("read", errno);
        return false;
      }
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
  }
  head.resize(got);
  return true;
}

std::unique_ptr<LogSource> LogSource::Open(Fd fd, SourceKind kind, const std::string& path,
                                           std::string& error) {
  if (kind == SourceKind::kPlain) return std::make_unique<PlainSource>(std::move(fd), path);
  if (kind != SourceKind::kGzip) {
    error = path + ": unsupported compression";
    return nullptr;
  }
  if (::lseek(fd.get(), 0, SEEK_SET) < 0 && errno != ESPIPE) {  // a pipe: read from where it is
    error = ErrnoMessage(path, errno);
    return nullptr;
  }
  gzFile gz = gzdopen(fd.get(), "rb");
  if (!gz) {
    error = path + ": gzip: cannot open";
    return nullptr;
  }
  fd.release();  // owned by gz now
  gzbuffer(gz, kGzBuffer);
  return std::make_unique<GzipSource>(gz, path);
}

}  // namespace mls
