// The SQL batch reader (lib/sql_batch.h ParseSqlBatch): the files mls-sql
// --export writes and --import loads, possibly copied between hosts, changed
// or truncated. With the first byte odd, the body's SHA-256 in the header and
// the epilogue is recomputed first, so that the fuzzer gets past the checksum
// to the statements and rows.
// Invariants: a batch that reads, written again from what was read
// (WriteSqlBatch), is the same bytes (the reader accepts only what the writer
// writes); the stored-text literal rule is reversible for any bytes.
#include "sql_batch.h"

#include "event.h"
#include "fuzz.h"

namespace {

// The text with its checksum made right for its body (if it has the shape).
std::string FixChecksum(std::string text) {
  std::size_t pos = 0;
  for (int i = 0; i < 9 && pos != std::string::npos; ++i) {  // the header's 9 lines
    pos = text.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  const std::string key = "\n-- body-sha256: ";
  std::size_t at = text.find(key);
  std::size_t epilogue = text.rfind("\nINSERT INTO ");
  if (pos == std::string::npos || at == std::string::npos || epilogue == std::string::npos ||
      epilogue + 1 < pos || at + key.size() + 64 > text.size())
    return text;
  std::string old = text.substr(at + key.size(), 64);
  std::string sum = mls::Sha256Hex(std::string_view(text).substr(pos, epilogue + 1 - pos));
  for (std::size_t p = text.find(old); p != std::string::npos; p = text.find(old, p + 64))
    text.replace(p, 64, sum);
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view rest = fuzz::Bytes(data + 1, size - 1);

  std::string stored = mls::SqlStoredText(rest);
  FUZZ_CHECK(mls::IsSqlStoredText(stored));
  auto raw = mls::SqlRawText(stored);
  FUZZ_CHECK(raw && *raw == rest);

  std::string text = data[0] & 1 ? FixChecksum(std::string(rest)) : std::string(rest);
  mls::SqlBatch batch = mls::ParseSqlBatch(text, "fuzz.sql");
  if (batch.error) return 0;
  FUZZ_CHECK(batch.rows.size() == batch.info.rows);
  std::vector<mls::SqlBatchRow> rows;
  for (const mls::SqlStoredRow& s : batch.rows) {
    mls::SqlBatchRow r;
    r.offset = s.offset;
    for (std::size_t c = 0; c < mls::kEnrichedColumns; ++c) {
      if (!s.values[c]) continue;
      auto value = mls::SqlRawText(*s.values[c]);
      FUZZ_CHECK(value.has_value());
      r.fields[c] = *value;
    }
    rows.push_back(std::move(r));
  }
  mls::SqlBatchText again = mls::WriteSqlBatch(batch.info, rows);
  if (again.error) std::fprintf(stderr, "WriteSqlBatch: %s\n", again.error->c_str());
  FUZZ_CHECK(!again.error);
  if (again.text != text) {  // where they part
    std::size_t at = 0;
    while (at < text.size() && at < again.text.size() && text[at] == again.text[at]) ++at;
    std::size_t from = at < 60 ? 0 : at - 60;
    std::fprintf(stderr, "read:    ...%s\nwritten: ...%s\n", text.substr(from, 120).c_str(),
                 again.text.substr(from, 120).c_str());
  }
  FUZZ_CHECK(again.text == text);
  return 0;
}
