#pragma once
// Reading a log file's content whether it is plain or gzip-compressed. Offsets
// are always offsets in the content (the decompressed stream for gzip).

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace mls {

enum class SourceKind { kPlain, kGzip, kUnsupported };

// An open file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  int release();
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Reads up to `max` leading content bytes of the file open on `fd` without
// moving its offset for later readers. Returns false and sets `error` on failure.
bool ReadHead(int fd, SourceKind kind, std::size_t max, std::string& head, std::string& error);

class LogSource {
 public:
  // Takes `fd` (positioned anywhere); content is read from offset 0.
  // Returns nullptr and sets `error` on failure.
  static std::unique_ptr<LogSource> Open(Fd fd, SourceKind kind, const std::string& path,
                                         std::string& error);
  virtual ~LogSource() = default;

  // Reads up to `n` content bytes: > 0 bytes read, 0 at end, -1 on error (error()).
  virtual ssize_t Read(char* buf, std::size_t n) = 0;
  // Moves to content offset `offset` (forward only for gzip). False: error() or
  // the content is shorter (then position() is its end).
  virtual bool SkipTo(std::uint64_t offset) = 0;
  // Bytes of the underlying file consumed so far (for progress reports).
  virtual std::uint64_t RawPosition() const = 0;
  // The plain file's descriptor, or -1 for compressed sources.
  virtual int PlainFd() const = 0;

  std::uint64_t position() const { return position_; }
  const std::string& error() const { return error_; }

 protected:
  std::uint64_t position_ = 0;
  std::string error_;
};

}  // namespace mls
