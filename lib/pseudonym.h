#pragma once
// Keyed pseudonyms for what identifies people in a mail log (mls-anonymize(1)):
// IP addresses, user names, domain and host names, and the operator's own
// patterns. The same value always gets the same pseudonym under the same key;
// two values never get the same one.
//
// The key: 32 bytes, the SHA-256 of a key file's content (--key FILE), or
// random for one run. From it: an AES-128 key and a 16-byte pad for the
// addresses, an HMAC-SHA-256 key for the names.
//
// Addresses keep their family (IPv4-mapped IPv6 stays mapped, its IPv4 part
// mapped as IPv4) and are a keyed permutation of their family's space, so no
// two collide:
//   - default: a 4-round Feistel network (AES as the round function) over the
//     32 or 128 bits; a non-mapped IPv6 result inside ::ffff:0:0/96 is
//     encrypted again (cycle walking), so it never poses as a mapped one;
//   - prefix-preserving: Crypto-PAn (Xu, Fan, Ammar, Moon 2002): bit i of the
//     result is bit i of the address XOR the first bit of AES(the address's
//     first i bits, padded with the pad), so two addresses sharing a k-bit
//     prefix give pseudonyms sharing exactly a k-bit prefix.
// Names are HMAC-SHA-256(kind, value) in 12 hex digits (48 bits), looking like
// what they replace: "user-3f9a0c21b7d4", "example-0b5e9a7713c2.invalid",
// "redacted-77a0e1c9d2f4". Should two values of a kind ever meet on the same
// digits, the later one gets more digits: pseudonyms stay unique in a run.
// Domain names are compared without case (Mail.Example.ORG = mail.example.org).

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ip.h"

namespace mls {

using PseudonymKey = std::array<std::uint8_t, 32>;

// The key from a key file: at least 16 bytes, hashed. Error: unreadable, too short.
std::optional<std::string> LoadPseudonymKey(const std::string& path, PseudonymKey& key);
// A random key (for one run).
PseudonymKey RandomPseudonymKey();

class Pseudonyms {
 public:
  Pseudonyms(const PseudonymKey& key, bool prefix_preserving);
  ~Pseudonyms();
  Pseudonyms(const Pseudonyms&) = delete;
  Pseudonyms& operator=(const Pseudonyms&) = delete;

  // The pseudonym of an address (same family; mapped stays mapped).
  IpAddress Address(const IpAddress& a);
  // The canonical text of Address(ParseIp(text)), or nullopt when `text` is no address.
  std::optional<std::string_view> Ip(std::string_view text);
  std::string_view User(std::string_view user);      // "user-HEX"
  std::string_view Domain(std::string_view domain);  // "example-HEX.invalid", any case in
  std::string_view Other(std::string_view text);     // "redacted-HEX" (--also)
  // "user-HEX@example-HEX.invalid": the local part as a user, the domain as a domain.
  std::string Email(std::string_view local, std::string_view domain);

  // Every value replaced so far: "KIND\tVALUE\tPSEUDONYM\n" (KIND ip, user,
  // domain or other; VALUE TSV-escaped), sorted. For the data's owner only.
  std::string Map() const;
  std::size_t size() const;

 private:
  struct Kind {
    std::string prefix, suffix;
    std::unordered_map<std::string, std::string> forward;
    std::unordered_map<std::string, std::string> taken;  // pseudonym -> value
  };
  std::string_view Name(Kind& kind, std::string_view value);
  void Encrypt(const std::uint8_t in[16], std::uint8_t out[16]);
  void Feistel(std::uint8_t* bytes, std::size_t n);
  void CryptoPan(std::uint8_t* bytes, std::size_t n);
  void Permute(IpAddress& a);

  bool prefix_preserving_;
  std::array<std::uint8_t, 16> pad_{};
  std::array<std::uint8_t, 32> mac_key_{};
  struct Cipher;
  std::unique_ptr<Cipher> cipher_;
  std::unordered_map<std::string, std::string> ips_;        // text as given -> pseudonym text
  std::unordered_map<std::string, std::string> ip_values_;  // canonical -> pseudonym (the map)
  Kind users_{"user-", "", {}, {}};
  Kind domains_{"example-", ".invalid", {}, {}};
  Kind others_{"redacted-", "", {}, {}};
};

}  // namespace mls
