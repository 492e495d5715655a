#pragma once
// Test helper: the bytes a gzip file holds (zlib, independent of lib/gzip).

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace mls {

inline std::string Gunzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(Z_OK, inflateInit2(&z, 15 + 16));
  std::string out;
  char buf[65536];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(Z_STREAM_END, rc);
  inflateEnd(&z);
  return out;
}

}  // namespace mls
