#include "text_safety.h"

#include "utf8.h"

namespace mls {
namespace {

void AppendHex(unsigned char c, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

}  // namespace

bool IsHiddenControl(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

std::string DisplayText(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == '\\') {
      out += "\\\\";
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      AppendHex(c, out);
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      char32_t cp = 0;
      std::size_t len = DecodeUtf8(raw, i, cp);
      if (len == 0) {
        AppendHex(c, out);
        ++i;
      } else {
        if (IsHiddenControl(cp)) {
          for (std::size_t k = 0; k < len; ++k)
            AppendHex(static_cast<unsigned char>(raw[i + k]), out);
        } else {
          out.append(raw.substr(i, len));
        }
        i += len;
      }
    }
  }
  return out;
}

}  // namespace mls
