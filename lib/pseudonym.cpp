#include "pseudonym.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "fd_io.h"
#include "tsv.h"

namespace mls {

struct Pseudonyms::Cipher {
  EVP_CIPHER_CTX* ctx = nullptr;
  ~Cipher() { EVP_CIPHER_CTX_free(ctx); }
};

namespace {

constexpr std::size_t kMinKeyFileBytes = 16;
constexpr std::size_t kMaxKeyFileBytes = 1 << 20;
constexpr std::size_t kNameHexDigits = 12;

bool IsMapped(const std::uint8_t* b) {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(b, kPrefix, 12) == 0;
}

std::string Hex(const std::uint8_t* b, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[b[i] >> 4];
    out += kDigits[b[i] & 15];
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::optional<std::string> LoadPseudonymKey(const std::string& path, PseudonymKey& key) {
  std::optional<std::string> text;
  if (auto err = ReadWholeFile(path, text, false, kMaxKeyFileBytes)) return err;
  if (text->size() < kMinKeyFileBytes)
    return path + ": a key file holds at least " + std::to_string(kMinKeyFileBytes) +
           " bytes (make one with: head -c 32 /dev/urandom > " + path + ")";
  SHA256(reinterpret_cast<const unsigned char*>(text->data()), text->size(), key.data());
  return std::nullopt;
}

PseudonymKey RandomPseudonymKey() {
  PseudonymKey key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    // No entropy from OpenSSL: the kernel's.
    std::optional<std::string> bytes;
    ReadWholeFile("/dev/urandom", bytes, false, key.size());
    if (bytes) std::memcpy(key.data(), bytes->data(), std::min(bytes->size(), key.size()));
  }
  return key;
}

Pseudonyms::Pseudonyms(const PseudonymKey& key, bool prefix_preserving)
    : prefix_preserving_(prefix_preserving), cipher_(std::make_unique<Cipher>()) {
  // Three subkeys, each the SHA-256 of a label and the key.
  auto derive = [&key](const char* label, std::uint8_t out[32]) {
    std::string in(label);
    in.append(reinterpret_cast<const char*>(key.data()), key.size());
    SHA256(reinterpret_cast<const unsigned char*>(in.data()), in.size(), out);
  };
  std::uint8_t aes[32], pad_seed[32];
  derive("mls-anonymize aes", aes);
  derive("mls-anonymize pad", pad_seed);
  derive("mls-anonymize names", mac_key_.data());
  cipher_->ctx = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(cipher_->ctx, EVP_aes_128_ecb(), nullptr, aes, nullptr);
  EVP_CIPHER_CTX_set_padding(cipher_->ctx, 0);
  Encrypt(pad_seed, pad_.data());  // Crypto-PAn's pad: the cipher of the key's second half
}

Pseudonyms::~Pseudonyms() = default;

void Pseudonyms::Encrypt(const std::uint8_t in[16], std::uint8_t out[16]) {
  int len = 0;
  EVP_EncryptUpdate(cipher_->ctx, out, &len, in, 16);
}

// A 4-round Feistel network over n bytes (4 or 16): halves of n/2 bytes, the
// round function the first n/2 bytes of AES(round, n, right half).
void Pseudonyms::Feistel(std::uint8_t* b, std::size_t n) {
  const std::size_t h = n / 2;
  std::uint8_t block[16], f[16];
  for (std::uint8_t round = 0; round < 4; ++round) {
    std::memset(block, 0, sizeof block);
    block[0] = round;
    block[1] = static_cast<std::uint8_t>(n);
    std::memcpy(block + 2, b + h, h);
    Encrypt(block, f);
    std::uint8_t left[8];
    std::memcpy(left, b, h);
    std::memcpy(b, b + h, h);  // new left = old right
    for (std::size_t i = 0; i < h; ++i) b[h + i] = static_cast<std::uint8_t>(left[i] ^ f[i]);
  }
}

// Crypto-PAn over n bytes: output bit i = input bit i XOR MSB(AES(first i
// input bits followed by the pad's bits)).
void Pseudonyms::CryptoPan(std::uint8_t* b, std::size_t n) {
  std::uint8_t in[16], out[16], flip[16] = {};
  std::memcpy(in, pad_.data(), 16);
  for (std::size_t i = 0; i < n * 8; ++i) {
    if (i > 0) {  // bit i-1 of the block becomes the address's bit i-1
      const std::size_t k = i - 1;
      const std::uint8_t mask = static_cast<std::uint8_t>(0x80 >> (k % 8));
      in[k / 8] = static_cast<std::uint8_t>((in[k / 8] & ~mask) | (b[k / 8] & mask));
    }
    Encrypt(in, out);
    if (out[0] & 0x80) flip[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
  }
  for (std::size_t i = 0; i < n; ++i) b[i] ^= flip[i];
}

void Pseudonyms::Permute(IpAddress& a) {
  if (a.family == AF_INET) {
    prefix_preserving_ ? CryptoPan(a.bytes, 4) : Feistel(a.bytes, 4);
    return;
  }
  if (IsMapped(a.bytes)) {  // the IPv4 inside, as IPv4
    prefix_preserving_ ? CryptoPan(a.bytes + 12, 4) : Feistel(a.bytes + 12, 4);
    return;
  }
  if (prefix_preserving_) {
    CryptoPan(a.bytes, 16);
    return;
  }
  do Feistel(a.bytes, 16);
  while (IsMapped(a.bytes));
}

IpAddress Pseudonyms::Address(const IpAddress& a) {
  IpAddress out = a;
  Permute(out);
  return out;
}

std::optional<std::string_view> Pseudonyms::Ip(std::string_view text) {
  auto it = ips_.find(std::string(text));
  if (it != ips_.end()) return it->second;
  std::optional<IpAddress> a = ParseIp(text);
  if (!a) return std::nullopt;
  char canon[kIpTextSize], text_out[kIpTextSize];
  FormatIp(*a, canon);
  IpAddress p = Address(*a);
  std::string pseudo;
  if (p.family == AF_INET6 && IsMapped(p.bytes)) {  // keep the mapped form in the text
    FormatIp(Unmapped(p), text_out);
    pseudo = std::string("::ffff:") + text_out;
  } else {
    FormatIp(p, text_out);
    pseudo = text_out;
  }
  ip_values_.emplace(canon, pseudo);
  return ips_.emplace(std::string(text), pseudo).first->second;
}

std::string_view Pseudonyms::Name(Kind& kind, std::string_view value) {
  auto it = kind.forward.find(std::string(value));
  if (it != kind.forward.end()) return it->second;
  std::string in = kind.prefix;
  in += '\0';
  in += value;
  std::uint8_t mac[32];
  unsigned len = 0;
  HMAC(EVP_sha256(), mac_key_.data(), static_cast<int>(mac_key_.size()),
       reinterpret_cast<const unsigned char*>(in.data()), in.size(), mac, &len);
  const std::string hex = Hex(mac, sizeof mac);
  std::string name;
  for (std::size_t digits = kNameHexDigits;; ++digits) {
    if (digits > hex.size()) {  // 256 bits equal: not going to happen; stay unique anyway
      name = kind.prefix + hex + "-" + std::to_string(kind.forward.size()) + kind.suffix;
      break;
    }
    name = kind.prefix + hex.substr(0, digits) + kind.suffix;
    if (!kind.taken.count(name)) break;
  }
  kind.taken.emplace(name, value);
  return kind.forward.emplace(std::string(value), name).first->second;
}

std::string_view Pseudonyms::User(std::string_view user) { return Name(users_, user); }

std::string_view Pseudonyms::Domain(std::string_view domain) {
  return Name(domains_, Lower(domain));
}

std::string_view Pseudonyms::Other(std::string_view text) { return Name(others_, text); }

std::string Pseudonyms::Email(std::string_view local, std::string_view domain) {
  std::string out(User(local));
  out += '@';
  out += Domain(domain);
  return out;
}

std::string Pseudonyms::Map() const {
  std::vector<std::string> lines;
  auto add = [&lines](const char* kind,
                      const std::unordered_map<std::string, std::string>& forward) {
    for (const auto& [value, pseudonym] : forward) {
      std::string line = kind;
      line += '\t';
      TsvEscapeTo(value, line);
      line += '\t';
      line += pseudonym;
      line += '\n';
      lines.push_back(std::move(line));
    }
  };
  add("ip", ip_values_);
  add("user", users_.forward);
  add("domain", domains_.forward);
  add("other", others_.forward);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& l : lines) out += l;
  return out;
}

std::size_t Pseudonyms::size() const {
  return ip_values_.size() + users_.forward.size() + domains_.forward.size() +
         others_.forward.size();
}

}  // namespace mls
