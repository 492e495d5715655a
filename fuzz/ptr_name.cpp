// The PTR-name reader (lib/ptr_name.h): a whole DNS answer message, as the
// resolver hands it over, attacker-controlled if the attacker runs the
// reverse zone; and the reverse name of an address.
// Invariants: a name has at most 255 bytes (a DNS name's limit on the wire); the
// reverse name of an address ends in in-addr.arpa or ip6.arpa.
#include "ptr_name.h"

#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mls::PtrAnswer a = mls::ParsePtrAnswer(data, size);
  if (a.kind == mls::PtrAnswer::kName) {
    FUZZ_CHECK(a.name.size() <= 255);
  } else {
    FUZZ_CHECK(a.name.empty());
  }
  auto rev = mls::ReverseName(fuzz::Bytes(data, size));
  if (rev) {
    std::string_view r = *rev;
    FUZZ_CHECK((r.size() > 13 && r.substr(r.size() - 13) == ".in-addr.arpa") ||
               (r.size() > 9 && r.substr(r.size() - 9) == ".ip6.arpa"));
  }
  return 0;
}
