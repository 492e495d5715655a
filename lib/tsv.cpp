#include "tsv.h"

#include <array>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mls {
namespace {

// The four bytes that are escaped (and, raw, end or break a field).
constexpr std::array<bool, 256> kSpecial = [] {
  std::array<bool, 256> t{};
  t['\\'] = t['\t'] = t['\n'] = t['\r'] = true;
  return t;
}();

// Index of the first special byte of `s` at or after `i`, or s.size().
// Fields are short but this runs for every field of every record: 16 bytes at
// a time where SSE2 exists (every x86-64), a table lookup for the rest.
inline std::size_t NextSpecial(std::string_view s, std::size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
#if defined(__SSE2__)
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(v, tab)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
    if (int mask = _mm_movemask_epi8(hit)) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  while (i < n && !kSpecial[p[i]]) ++i;
  return i;
}

template <typename Fields>
void AppendRecord(const Fields& fields, std::string& out) {
  bool first = true;
  for (const auto& f : fields) {
    if (!first) out += '\t';
    first = false;
    TsvEscapeTo(f, out);
  }
  out += '\n';
}

}  // namespace

void TsvEscapeTo(std::string_view field, std::string& out) {
  std::size_t i = 0;
  for (;;) {
    std::size_t j = NextSpecial(field, i);
    out.append(field.data() + i, j - i);
    if (j == field.size()) return;
    switch (field[j]) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      default: out += "\\r"; break;
    }
    i = j + 1;
  }
}

void TsvAppendRecord(const std::vector<std::string_view>& fields, std::string& out) {
  AppendRecord(fields, out);
}
void TsvAppendRecord(const std::vector<std::string>& fields, std::string& out) {
  AppendRecord(fields, out);
}

std::optional<std::string> TsvDecodeRecord(std::string_view line,
                                           std::vector<std::string>& fields) {
  // Reuses the strings already in `fields` so a reader loop does not allocate
  // per record.
  std::size_t count = 0;
  auto next_field = [&]() -> std::string& {
    if (count == fields.size()) fields.emplace_back();
    std::string& f = fields[count++];
    f.clear();
    return f;
  };
  std::string* cur = &next_field();
  std::size_t i = 0;
  for (;;) {
    std::size_t j = NextSpecial(line, i);
    cur->append(line.data() + i, j - i);
    if (j == line.size()) break;
    char c = line[j];
    if (c == '\t') {
      cur = &next_field();
      i = j + 1;
      continue;
    }
    if (c == '\\') {
      if (j + 1 >= line.size()) {
        fields.resize(count);
        return "dangling backslash in field " + std::to_string(count);
      }
      switch (line[j + 1]) {
        case '\\': *cur += '\\'; break;
        case 't': *cur += '\t'; break;
        case 'n': *cur += '\n'; break;
        case 'r': *cur += '\r'; break;
        default:
          fields.resize(count);
          return std::string("bad escape '\\") + line[j + 1] + "' in field " +
                 std::to_string(count);
      }
      i = j + 2;
      continue;
    }
    fields.resize(count);
    return "raw " + std::string(c == '\n' ? "newline" : "carriage return") + " in field " +
           std::to_string(count);
  }
  fields.resize(count);
  return std::nullopt;
}

}  // namespace mls
