#include "input_map.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "diag.h"
#include "fd_io.h"
#include "number.h"
#include "tsv.h"

namespace mls {

std::string InputMapWriter::Next(std::uint64_t stream_offset, std::string_view path,
                                 std::uint64_t file_offset) {
  if (any_ && path == path_ && file_offset - file_ == stream_offset - stream_ &&
      file_offset >= file_) {
    return "";
  }
  any_ = true;
  path_ = std::string(path);
  stream_ = stream_offset;
  file_ = file_offset;
  std::string out;
  TsvAppendRecord(std::vector<std::string_view>{std::to_string(stream_offset),
                                                std::to_string(file_offset), path},
                  out);
  return out;
}

std::optional<std::string> InputMap::Feed(std::string_view bytes) {
  if (broken_) return std::nullopt;
  partial_.append(bytes);
  std::size_t start = 0;
  std::vector<std::string> fields;
  for (;;) {
    std::size_t nl = partial_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string_view line(partial_.data() + start, nl - start);
    start = nl + 1;
    Record r;
    std::optional<std::uint64_t> stream, file;
    if (!TsvDecodeRecord(line, fields) && fields.size() == 3) {
      stream = ParseNumber<std::uint64_t>(fields[0]);
      file = ParseNumber<std::uint64_t>(fields[1]);
      if (stream && file) r.stream = *stream, r.file = *file;
    }
    if (!stream || !file || fields[2].empty() ||
        (!records_.empty() && r.stream < records_.back().stream)) {
      std::string error = "input map: not a record: '" + std::string(line.substr(0, 80)) +
                          "'; log lines are named by their offset in the input";
      broken_ = true;
      records_.clear();
      partial_.clear();
      return error;
    }
    r.path = std::move(fields[2]);
    records_.push_back(std::move(r));
  }
  partial_.erase(0, start);
  return std::nullopt;
}

std::optional<std::string> InputMap::Drain(int fd) {
  if (broken_ || eof_ || fd < 0) return std::nullopt;
  char buf[4096];
  for (;;) {
    ssize_t n = ReadSome(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return std::nullopt;
    if (n < 0) {
      broken_ = true;
      records_.clear();
      return ErrnoMessage("input map: read error", errno);
    }
    if (n == 0) {
      eof_ = true;
      return std::nullopt;
    }
    if (auto e = Feed(std::string_view(buf, static_cast<std::size_t>(n)))) return e;
  }
}

std::optional<InputLocation> InputMap::Locate(std::uint64_t stream_offset) const {
  auto it = std::upper_bound(records_.begin(), records_.end(), stream_offset,
                             [](std::uint64_t off, const Record& r) { return off < r.stream; });
  if (it == records_.begin()) return std::nullopt;
  --it;
  return InputLocation{it->path, it->file + (stream_offset - it->stream)};
}

}  // namespace mls
