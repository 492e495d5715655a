#pragma once
// Where each byte of a stream of log lines came from, passed beside the stream
// (mls-tail --map-fd N to mls-parse --map-fd N), so that a warning about a line
// names the log file and the line's offset in it rather than "standard input".
//
// The map is a text stream of records, one per line, TSV (lib/tsv.h):
//
//   STREAM_OFFSET <TAB> FILE_OFFSET <TAB> PATH
//
// meaning: the stream's bytes from STREAM_OFFSET on are PATH's from FILE_OFFSET
// on (decompressed bytes for a .gz file), until the next record. The writer
// sends a record before the bytes it describes, so a reader that has read a
// byte of the stream finds its record in the map.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mls {

struct InputLocation {
  std::string path;
  std::uint64_t offset = 0;  // in the file
};

// The writer's side: says where the next bytes of the stream come from, and
// returns the record to send when that breaks the run of the previous one
// (another file, or a jump in the same file), else "".
class InputMapWriter {
 public:
  std::string Next(std::uint64_t stream_offset, std::string_view path,
                   std::uint64_t file_offset);

 private:
  bool any_ = false;
  std::string path_;
  std::uint64_t stream_ = 0, file_ = 0;  // the last record
};

// The reader's side: records fed in any pieces, looked up by stream offset.
class InputMap {
 public:
  // Appends map bytes; complete lines become records. A line that is not a
  // record (or goes backwards) is an error: returned once, and the map stops
  // answering (a broken map names nothing rather than the wrong file).
  std::optional<std::string> Feed(std::string_view bytes);
  // Reads what `fd` has now (set non-blocking by the caller) into Feed; stops
  // at EAGAIN or end of file. An error message for a read error or a bad record.
  std::optional<std::string> Drain(int fd);
  // Where the stream's byte at `stream_offset` came from, if a record covers it.
  std::optional<InputLocation> Locate(std::uint64_t stream_offset) const;

 private:
  struct Record {
    std::uint64_t stream, file;
    std::string path;
  };
  std::vector<Record> records_;
  std::string partial_;
  bool broken_ = false;
  bool eof_ = false;
};

}  // namespace mls
