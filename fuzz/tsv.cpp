// The TSV decoder (lib/tsv.h), the wire format between the tools.
// Invariants: encoding then decoding any fields gives them back (the input cut
// at 0x00 into fields); a record that decodes encodes back to the same bytes
// (one encoding per value, so the decoder accepts only what the encoder writes).
#include "tsv.h"

#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::Bytes(data, size);
  std::vector<std::string> fields;
  std::string text;

  // decode(encode(fields)) == fields
  std::vector<std::string_view> parts = fuzz::Parts(input, 32);
  mls::TsvAppendRecord(parts, text);
  FUZZ_CHECK(!text.empty() && text.back() == '\n');
  FUZZ_CHECK(text.find('\n') == text.size() - 1);
  FUZZ_CHECK(!mls::TsvDecodeRecord(std::string_view(text).substr(0, text.size() - 1), fields));
  FUZZ_CHECK(fields.size() == parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i) FUZZ_CHECK(fields[i] == parts[i]);

  // the raw input as a record: a decoded record encodes back to itself
  std::string_view record = input.substr(0, input.find('\n'));
  if (!mls::TsvDecodeRecord(record, fields)) {
    text.clear();
    mls::TsvAppendRecord(fields, text);
    FUZZ_CHECK(text.size() == record.size() + 1 && text.compare(0, record.size(), record) == 0);
  }
  return 0;
}
