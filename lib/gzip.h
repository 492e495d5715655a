#pragma once
// gzip compression (zlib, RFC 1952) of a stream given in pieces: the report's
// compressed attachment (lib/mime.cpp) and retention's archives
// (lib/retention.h).

#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mls {

class GzipEncoder {
 public:
  // Receives compressed bytes; false stops the stream (a write error).
  using Sink = std::function<bool(std::string_view)>;
  // `name`: the original file name recorded in the gzip header (may be empty).
  explicit GzipEncoder(std::string name = {});
  ~GzipEncoder();
  GzipEncoder(const GzipEncoder&) = delete;
  GzipEncoder& operator=(const GzipEncoder&) = delete;

  // Compresses `data` into `sink`; `finish` ends the stream (the gzip trailer).
  // The error ("gzip: ...") or nullopt; a false sink gives "gzip: write".
  std::optional<std::string> Add(std::string_view data, bool finish, const Sink& sink);

 private:
  struct State;  // zlib's stream and header (it keeps pointers to both)
  std::unique_ptr<State> s_;
};

// The whole gzip file of `parts`, one after the other, in memory.
std::optional<std::string> GzipParts(std::initializer_list<std::string_view> parts,
                                     std::string& out, const std::string& name = {});

}  // namespace mls
