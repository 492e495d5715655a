#pragma once
// Reads TSV records (lib/tsv.h) from an fd in big blocks and hands each one to a
// callback with its line number. Problems (bad escape, overlong line, a last line
// without '\n') go to the error callback and reading continues: the caller
// counts them. Field counts are the caller's business.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mls {

class RecordReader {
 public:
  using OnRecord = std::function<void(std::size_t line, std::vector<std::string>& fields)>;
  using OnError = std::function<void(std::size_t line, const std::string& error)>;

  enum class Status { kOk, kEof, kError };

  RecordReader(int fd, OnRecord on_record, OnError on_error,
               std::size_t max_line = std::size_t{16} << 20);

  // One read(2) (EINTR retried), then every complete line is dispatched.
  // kEof once the input is exhausted; kError on a read error (see error()).
  Status ReadOnce();
  // ReadOnce until kEof or kError.
  Status ReadAll();

  std::size_t lines() const { return line_; }  // lines seen so far
  const std::string& error() const { return error_; }
  int fd() const { return fd_; }

 private:
  void Dispatch(std::string_view line);
  int fd_;
  OnRecord on_record_;
  OnError on_error_;
  std::size_t max_line_;
  std::string buf_;
  bool skipping_ = false;  // inside an overlong line, dropping bytes until '\n'
  std::size_t line_ = 0;
  std::string error_;
  std::vector<std::string> fields_;
};

}  // namespace mls
