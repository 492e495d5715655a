#include "gzip.h"

#include <zlib.h>

#include <algorithm>

namespace mls {
namespace {
constexpr std::size_t kOutChunk = 1 << 16;
constexpr std::size_t kInChunk = 1 << 30;  // uInt: large inputs go in pieces
}  // namespace

struct GzipEncoder::State {
  std::string name;
  z_stream z{};
  gz_header header{};
  bool ok = false;
  std::string out;
};

GzipEncoder::GzipEncoder(std::string name) : s_(std::make_unique<State>()) {
  s_->name = std::move(name);
  s_->ok = deflateInit2(&s_->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                        Z_DEFAULT_STRATEGY) == Z_OK;
  if (!s_->ok) return;
  if (!s_->name.empty()) s_->header.name = reinterpret_cast<Bytef*>(s_->name.data());
  s_->header.os = 3;  // Unix
  deflateSetHeader(&s_->z, &s_->header);
  s_->out.resize(kOutChunk);
}

GzipEncoder::~GzipEncoder() {
  if (s_->ok) deflateEnd(&s_->z);
}

std::optional<std::string> GzipEncoder::Add(std::string_view data, bool finish, const Sink& sink) {
  if (!s_->ok) return "gzip: deflateInit2 failed";
  z_stream& z = s_->z;
  std::string& out = s_->out;
  do {
    std::size_t take = std::min(data.size(), kInChunk);
    bool last = finish && take == data.size();
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(take);
    int rc;
    do {
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = static_cast<uInt>(out.size());
      rc = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      std::size_t have = out.size() - z.avail_out;
      if (have > 0 && !sink(std::string_view(out.data(), have))) return "gzip: write";
    } while (z.avail_out == 0);
    if (last && rc != Z_STREAM_END) return "gzip: deflate did not finish";
    data.remove_prefix(take);
  } while (!data.empty());
  return std::nullopt;
}

std::optional<std::string> GzipParts(std::initializer_list<std::string_view> parts,
                                     std::string& out, const std::string& name) {
  out.clear();
  GzipEncoder gz(name);
  auto sink = [&out](std::string_view b) {
    out.append(b);
    return true;
  };
  std::size_t i = 0;
  for (std::string_view p : parts)
    if (auto err = gz.Add(p, ++i == parts.size(), sink)) return err;
  if (parts.size() == 0) return gz.Add({}, true, sink);
  return std::nullopt;
}

}  // namespace mls
