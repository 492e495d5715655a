#include "record_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "diag.h"
#include "fd_io.h"
#include "tsv.h"

namespace mls {

namespace {
constexpr std::size_t kBlock = std::size_t{256} << 10;
}

RecordReader::RecordReader(int fd, OnRecord on_record, OnError on_error, std::size_t max_line)
    : fd_(fd),
      on_record_(std::move(on_record)),
      on_error_(std::move(on_error)),
      max_line_(max_line) {}

void RecordReader::Dispatch(std::string_view line) {
  ++line_;
  if (auto err = TsvDecodeRecord(line, fields_)) {
    on_error_(line_, *err);
  } else {
    on_record_(line_, fields_);
  }
}

RecordReader::Status RecordReader::ReadOnce() {
  std::size_t old = buf_.size();
  buf_.resize(old + kBlock);
  ssize_t got = ReadSome(fd_, buf_.data() + old, kBlock);
  if (got < 0) {
    error_ = ErrnoMessage("read", errno);
    buf_.resize(old);
    return Status::kError;
  }
  buf_.resize(old + static_cast<std::size_t>(got));

  std::size_t pos = 0;
  // Only the new bytes can hold the next '\n': the old ones had none.
  std::size_t scan = old;
  for (;;) {
    const char* nl =
        static_cast<const char*>(std::memchr(buf_.data() + scan, '\n', buf_.size() - scan));
    if (!nl) break;
    std::size_t end = static_cast<std::size_t>(nl - buf_.data());
    if (skipping_) {
      skipping_ = false;  // the overlong line was reported already
    } else if (end - pos > max_line_) {
      ++line_;
      on_error_(line_, "line longer than " + std::to_string(max_line_) + " bytes");
    } else {
      Dispatch(std::string_view(buf_).substr(pos, end - pos));
    }
    pos = scan = end + 1;
  }
  buf_.erase(0, pos);
  if (!skipping_ && buf_.size() > max_line_) {
    ++line_;
    on_error_(line_, "line longer than " + std::to_string(max_line_) + " bytes");
    skipping_ = true;
  }
  if (skipping_) buf_.clear();

  if (got == 0) {
    if (!buf_.empty()) {
      ++line_;
      on_error_(line_, "incomplete last line (no newline at end of input)");
      buf_.clear();
    }
    return Status::kEof;
  }
  return Status::kOk;
}

RecordReader::Status RecordReader::ReadAll() {
  for (;;) {
    Status s = ReadOnce();
    if (s != Status::kOk) return s;
  }
}

}  // namespace mls
