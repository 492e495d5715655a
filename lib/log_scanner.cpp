#include "log_scanner.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "diag.h"
#include "fd_io.h"

namespace mls {
namespace {

// Every failure line ParsePostfixLine accepts contains this; few others do.
constexpr std::string_view kNeedle = ": SASL ";
// And every login line this (ScanOptions::logins).
constexpr std::string_view kLoginNeedle = ", sasl_method=";
// The SIMD prefilter pairs kNeedle[2] ('S') with kNeedle[5] ('L'). The login
// needle has 's' and 'l' there: with logins, one case fold (| 0x20) finds both.
constexpr std::size_t kPairFirst = 2;
constexpr std::size_t kPairGap = 3;
static_assert(kLoginNeedle[kPairFirst] == 's' && kLoginNeedle[kPairFirst + kPairGap] == 'l');
static_assert((kNeedle[kPairFirst] | 0x20) == 's' &&
              (kNeedle[kPairFirst + kPairGap] | 0x20) == 'l');

// Whether a needle starts at s (s + its size <= end checked here).
template <bool kLogins>
inline bool NeedleAt(const char* s, const char* end) {
  if (s + kNeedle.size() <= end && std::memcmp(s, kNeedle.data(), kNeedle.size()) == 0) return true;
  return kLogins && s + kLoginNeedle.size() <= end &&
         std::memcmp(s, kLoginNeedle.data(), kLoginNeedle.size()) == 0;
}

// Whether none of the n bytes at p is one TSV escapes (backslash, TAB, CR;
// a line holds no LF). Most lines: one pass instead of a look at each field.
bool NothingToEscape(const char* p, std::size_t n) {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i cr = _mm_set1_epi8('\r');
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i hit = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(v, tab)), _mm_cmpeq_epi8(v, cr));
    if (_mm_movemask_epi8(hit) != 0) return false;
  }
#endif
  for (; i < n; ++i) {
    if (p[i] == '\\' || p[i] == '\t' || p[i] == '\r') return false;
  }
  return true;
}

// Individual warnings per run before they are only counted.
constexpr std::uint64_t kMaxWarnings = 10;

}  // namespace

std::string FormatScanStats(const ScanStats& s) {
  return "lines=" + std::to_string(s.lines) + " events=" + std::to_string(s.events) +
         " outages=" + std::to_string(s.outages) + " aborted=" + std::to_string(s.aborted) +
         " overlong=" + std::to_string(s.overlong) + " bad_time=" + std::to_string(s.bad_time) +
         (s.logins ? " logins=" + std::to_string(*s.logins) : "");
}

LogScanner::LogScanner(const ScanOptions& options, WarnFn warn)
    : options_(options),
      warn_(std::move(warn)),
      time_(options.reference_time),
      capacity_(options.max_line_length + kScanBlockSize) {
  buf_ = std::make_unique<char[]>(capacity_);
  if (options.logins) stats_.logins = 0;
}

std::string LineWhere(std::string_view name, std::string_view stamp, std::uint64_t number,
                      std::uint64_t offset) {
  std::string where(name);
  where += ": ";
  if (number == 0) {
    if (stamp.empty()) return where + "byte " + std::to_string(offset);
    where += stamp;
    return where + " (byte " + std::to_string(offset) + ")";
  }
  if (stamp.empty()) {
    where += "line " + std::to_string(number) + " (byte ";
  } else {
    where += stamp;
    where += " (line " + std::to_string(number) + ", byte ";
  }
  where += std::to_string(offset) + ")";
  return where;
}

std::string LogScanner::Where(std::string_view stamp, std::uint64_t number,
                              std::uint64_t offset) const {
  if (locate_) {
    if (std::optional<InputLocation> at = locate_(offset)) {
      return LineWhere(at->path, stamp, 0, at->offset);
    }
  }
  return LineWhere(name_, stamp, number, offset);
}

std::string_view LeadingStamp(std::string_view line) {
  HeaderTime t;
  std::size_t n = ParseHeaderTime(line, t);
  if (n == 0) n = ImpossibleHeaderTimeLength(line);
  return line.substr(0, n);
}

void LogScanner::BeginInput(std::string_view name) {
  name_ = std::string(name);
  line_no_ = 0;
  len_ = 0;
  base_ = 0;
  discarding_ = false;
  discard_len_ = 0;
}

void LogScanner::OverlongLine(const char* begin, std::size_t length) {
  Overlong(length, line_no_, OffsetOf(begin), LeadingStamp(std::string_view(begin, length)));
}

void LogScanner::Overlong(std::uint64_t length, std::uint64_t number, std::uint64_t offset,
                          std::string_view stamp) {
  ++stats_.overlong;
  if (++overlong_warned_ <= kMaxWarnings) {
    warn_(Where(stamp, number, offset) + ": skipped a line of " + std::to_string(length) +
          " bytes (longer than " + std::to_string(options_.max_line_length) + ")" +
          (overlong_warned_ == kMaxWarnings ? "; further overlong lines are only counted" : ""));
  }
}

void LogScanner::WarnSummary() {
  if (stats_.outages > 0) {
    warn_(std::to_string(stats_.outages) +
          " line(s) report 'Connection lost to authentication server': the SASL backend "
          "was unreachable (not counted as attacks)");
  }
  if (stats_.bad_time > 0) {
    warn_(std::to_string(stats_.bad_time) +
          " event(s) skipped: their time stamp names no real date or time (bad_time)");
  }
}

void LogScanner::HandleLine(const char* begin, const char* end, std::uint64_t number,
                            std::string& out) {
  std::size_t len = static_cast<std::size_t>(end - begin);
  if (len > options_.max_line_length) return;  // counted when its newline is seen
  if (len > 0 && begin[len - 1] == '\r') --len;
  const LineKind kind = ParsePostfixLine(std::string_view(begin, len), line_);
  switch (kind) {
    case LineKind::kNone:
      return;
    case LineKind::kOutage:
      ++stats_.outages;
      if (++outage_warned_ <= kMaxWarnings) {
        warn_(Where(line_.stamp, number, OffsetOf(begin)) +
              ": SASL backend outage (Connection lost to authentication server), not an "
              "event" +
              (outage_warned_ == kMaxWarnings ? "; further outages are only counted" : ""));
      }
      return;
    case LineKind::kAborted:
      ++stats_.aborted;
      if (!options_.include_aborted) return;
      break;
    case LineKind::kEvent:
      break;
    case LineKind::kLogin:
      if (!options_.logins) return;
      break;
  }
  if (line_.bad_time) {
    ++stats_.bad_time;
    if (++bad_time_warned_ <= kMaxWarnings) {
      warn_(Where(line_.stamp, number, OffsetOf(begin)) +
            ": skipped an event whose time does not exist" +
            (bad_time_warned_ == kMaxWarnings ? "; further ones are only counted" : ""));
    }
    return;
  }
  char when[kIsoTimeLength];
  time_.Format(line_.time, when);
  const bool login = kind == LineKind::kLogin;
  // Most lines hold nothing to escape: three memchr over the line instead of a
  // look at every byte of every field.
  const bool clean = NothingToEscape(begin, len);
  AppendEventTsv(line_, std::string_view(when, sizeof when), out, login, clean);
  if (login) {
    ++*stats_.logins;
  } else {
    ++stats_.events;
  }
}

void LogScanner::NewlineAt(const char* nl) {
  const std::size_t len = static_cast<std::size_t>(nl - line_start_);
  ++line_no_;
  ++stats_.lines;
  if (len > options_.max_line_length) [[unlikely]] {
    OverlongLine(line_start_, len);
  }
  line_start_ = nl + 1;
}

void LogScanner::ScanRegionPortable(const char* begin, const char* end, std::string& out) {
  // The next hit of each needle at or after p (the login one only with logins).
  auto find = [end](const char* from, std::string_view needle) {
    const void* hit =
        memmem(from, static_cast<std::size_t>(end - from), needle.data(), needle.size());
    return hit != nullptr ? static_cast<const char*>(hit) : end;
  };
  const char* p = begin;
  const char* next = find(p, kNeedle);
  const char* next_login = options_.logins ? find(p, kLoginNeedle) : end;
  for (;;) {
    const char* hit = std::min(next, next_login);
    while (const char* nl =
               static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(hit - p)))) {
      NewlineAt(nl);
      p = nl + 1;
    }
    if (hit == end) return;
    const char* nl =
        static_cast<const char*>(std::memchr(hit, '\n', static_cast<std::size_t>(end - hit)));
    HandleLine(line_start_, nl, line_no_ + 1, out);
    NewlineAt(nl);
    p = nl + 1;
    if (next < p) next = find(p, kNeedle);
    if (next_login < p) next_login = find(p, kLoginNeedle);
  }
}

#if defined(__SSE2__)
namespace {

// Per 64 bytes at p: bit i of `nl` says p[i] == '\n'; bit i of `cand` says
// p[i] and p[i + kPairGap] are the needle's pair (with kLogins, either
// needle's, case folded). Reads p[0, 64 + kPairGap).
struct Masks {
  std::uint64_t nl;
  std::uint64_t cand;
};

template <bool kLogins>
inline Masks MasksSse2(const char* p) {
  const __m128i nl_v = _mm_set1_epi8('\n');
  const __m128i first_v = _mm_set1_epi8(kNeedle[kPairFirst]);
  const __m128i second_v = _mm_set1_epi8(kNeedle[kPairFirst + kPairGap]);
  const __m128i lfirst_v = _mm_set1_epi8(kLoginNeedle[kPairFirst]);
  const __m128i lsecond_v = _mm_set1_epi8(kLoginNeedle[kPairFirst + kPairGap]);
  Masks m{0, 0};
  for (int i = 0; i < 4; ++i) {
    const char* q = p + 16 * i;
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + kPairGap));
    const auto nl = static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, nl_v)));
    __m128i c;
    if constexpr (kLogins) {  // 'S' or 's', 'L' or 'l': both needles, one fold
      const __m128i fold = _mm_set1_epi8(0x20);
      c = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(a, fold), lfirst_v),
                        _mm_cmpeq_epi8(_mm_or_si128(b, fold), lsecond_v));
    } else {
      c = _mm_and_si128(_mm_cmpeq_epi8(a, first_v), _mm_cmpeq_epi8(b, second_v));
    }
    const auto cand = static_cast<std::uint16_t>(_mm_movemask_epi8(c));
    m.nl |= std::uint64_t{nl} << (16 * i);
    m.cand |= std::uint64_t{cand} << (16 * i);
  }
  return m;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define MLS_HAVE_AVX2_SCAN 1
template <bool kLogins>
__attribute__((target("avx2"))) inline Masks MasksAvx2(const char* p) {
  const __m256i nl_v = _mm256_set1_epi8('\n');
  const __m256i first_v = _mm256_set1_epi8(kNeedle[kPairFirst]);
  const __m256i second_v = _mm256_set1_epi8(kNeedle[kPairFirst + kPairGap]);
  const __m256i lfirst_v = _mm256_set1_epi8(kLoginNeedle[kPairFirst]);
  const __m256i lsecond_v = _mm256_set1_epi8(kLoginNeedle[kPairFirst + kPairGap]);
  Masks m{0, 0};
  for (int i = 0; i < 2; ++i) {
    const char* q = p + 32 * i;
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + kPairGap));
    const auto nl = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, nl_v)));
    __m256i c;
    if constexpr (kLogins) {  // 'S' or 's', 'L' or 'l': both needles, one fold
      const __m256i fold = _mm256_set1_epi8(0x20);
      c = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_or_si256(a, fold), lfirst_v),
                           _mm256_cmpeq_epi8(_mm256_or_si256(b, fold), lsecond_v));
    } else {
      c = _mm256_and_si256(_mm256_cmpeq_epi8(a, first_v), _mm256_cmpeq_epi8(b, second_v));
    }
    const auto cand = static_cast<std::uint32_t>(_mm256_movemask_epi8(c));
    m.nl |= std::uint64_t{nl} << (32 * i);
    m.cand |= std::uint64_t{cand} << (32 * i);
  }
  return m;
}

bool HaveAvx2() {
  static const bool have = __builtin_cpu_supports("avx2");
  return have;
}
#endif

}  // namespace

template <auto kMasks, bool kLogins>
__attribute__((always_inline)) inline void LogScanner::ScanChunks(const char* begin,
                                                                  const char* end,
                                                                  std::string& out) {
  const char* p = begin;
  const char* handled = begin;  // needle hits before this are in a handled line
  while (p + 64 + kPairGap <= end) {
    const Masks m = kMasks(p);
    for (std::uint64_t cand = m.cand; cand != 0; cand &= cand - 1) {
      const unsigned bit = static_cast<unsigned>(__builtin_ctzll(cand));
      const char* s = p + bit - kPairFirst;
      if (p + bit < begin + kPairFirst || s < handled || !NeedleAt<kLogins>(s, end)) continue;
      // Newlines of this chunk before the hit end lines the hit is not in.
      const std::uint64_t before = m.nl & ((std::uint64_t{1} << bit) - 1);
      const char* ls = before != 0 ? p + (63 - __builtin_clzll(before)) + 1 : line_start_;
      const char* le =
          static_cast<const char*>(std::memchr(s, '\n', static_cast<std::size_t>(end - s)));
      HandleLine(ls, le, line_no_ + static_cast<unsigned>(__builtin_popcountll(before)) + 1, out);
      handled = le + 1;
    }
    if (m.nl != 0) {
      // Only the chunk's first newline can end a long line (max >= 64).
      NewlineAt(p + __builtin_ctzll(m.nl));
      const std::uint64_t rest = m.nl & (m.nl - 1);
      if (rest != 0) {
        const unsigned more = static_cast<unsigned>(__builtin_popcountll(rest));
        line_no_ += more;
        stats_.lines += more;
        line_start_ = p + (63 - __builtin_clzll(rest)) + 1;
      }
    }
    p += 64;
  }
  // The last few bytes, one at a time (needles may start up to kPairFirst
  // bytes before p: their 'S' was not in a whole chunk).
  for (const char* s = p - std::min<std::size_t>(kPairFirst, static_cast<std::size_t>(p - begin));
       s < end; ++s) {
    if (*s == '\n') {
      if (s >= p) NewlineAt(s);
    } else if (s >= handled && NeedleAt<kLogins>(s, end)) {
      const char* le =
          static_cast<const char*>(std::memchr(s, '\n', static_cast<std::size_t>(end - s)));
      HandleLine(line_start_, le, line_no_ + 1, out);
      handled = le + 1;
    }
  }
}

void LogScanner::ScanRegionSse2(const char* begin, const char* end, std::string& out) {
  if (options_.logins) {
    ScanChunks<MasksSse2<true>, true>(begin, end, out);
  } else {
    ScanChunks<MasksSse2<false>, false>(begin, end, out);
  }
}

#if defined(MLS_HAVE_AVX2_SCAN)
__attribute__((target("avx2"))) void LogScanner::ScanRegionAvx2(const char* begin, const char* end,
                                                                std::string& out) {
  if (options_.logins) {
    ScanChunks<MasksAvx2<true>, true>(begin, end, out);
  } else {
    ScanChunks<MasksAvx2<false>, false>(begin, end, out);
  }
}
#endif
#endif  // __SSE2__

void LogScanner::ScanRegionSimd(const char* begin, const char* end, std::string& out) {
#if defined(MLS_HAVE_AVX2_SCAN)
  if (HaveAvx2()) return ScanRegionAvx2(begin, end, out);
#endif
#if defined(__SSE2__)
  ScanRegionSse2(begin, end, out);
#else
  ScanRegionPortable(begin, end, out);
#endif
}

void LogScanner::ScanRegion(const char* begin, const char* end, std::string& out) {
  line_start_ = begin;
  if (portable_) {
    ScanRegionPortable(begin, end, out);
  } else {
    ScanRegionSimd(begin, end, out);
  }
}

void LogScanner::Commit(std::size_t n, std::string& out) {
  len_ += n;
  char* const buf = buf_.get();
  std::size_t start = 0;
  if (discarding_) {
    const char* nl = static_cast<const char*>(std::memchr(buf, '\n', len_));
    if (nl == nullptr) {
      discard_len_ += len_;
      base_ += len_;
      len_ = 0;
      return;
    }
    discard_len_ += static_cast<std::size_t>(nl - buf);
    ++line_no_;
    ++stats_.lines;
    Overlong(discard_len_, line_no_, discard_start_, discard_stamp_);
    discarding_ = false;
    start = static_cast<std::size_t>(nl - buf) + 1;
  }
  const char* last = static_cast<const char*>(memrchr(buf + start, '\n', len_ - start));
  if (last != nullptr) {
    ScanRegion(buf + start, last + 1, out);
    start = static_cast<std::size_t>(last - buf) + 1;
  }
  const std::size_t tail = len_ - start;
  if (tail > options_.max_line_length) {
    discarding_ = true;
    discard_len_ = tail;
    discard_start_ = OffsetOf(buf + start);
    discard_stamp_ = LeadingStamp(std::string_view(buf + start, tail));
    base_ += len_;
    len_ = 0;
  } else {
    std::memmove(buf, buf + start, tail);
    base_ += start;
    len_ = tail;
  }
}

void LogScanner::Feed(std::string_view data, std::string& out) {
  while (!data.empty()) {
    const std::size_t n = std::min(data.size(), ReadCapacity());
    std::memcpy(ReadBuffer(), data.data(), n);
    data.remove_prefix(n);
    Commit(n, out);
  }
}

void LogScanner::EndInput(std::string& out) {
  if (discarding_) {
    ++line_no_;
    ++stats_.lines;
    Overlong(discard_len_, line_no_, discard_start_, discard_stamp_);
  } else if (len_ > 0) {
    // A final line without '\n': scan it as if it had one.
    buf_[len_] = '\n';
    ScanRegion(buf_.get(), buf_.get() + len_ + 1, out);
  }
  len_ = 0;
  discarding_ = false;
  discard_len_ = 0;
}

std::optional<ScanError> ScanFd(int in_fd, std::string_view name, LogScanner& scanner, int out_fd,
                                const std::function<void()>& after_read) {
  auto write_error = [] { return ScanError{ErrnoMessage("write error", errno), true}; };
  scanner.BeginInput(name);
  std::string out;
  out.reserve(2 * kScanBlockSize);
  for (;;) {
    const std::size_t want = std::min(scanner.ReadCapacity(), kScanBlockSize);
    const ssize_t n = ReadSome(in_fd, scanner.ReadBuffer(), want);
    if (n < 0) {
      ScanError error{ErrnoMessage(std::string(name) + ": read error", errno), false};
      scanner.EndInput(out);
      if (!WriteAll(out_fd, out)) return write_error();
      return error;
    }
    if (n == 0) break;
    if (after_read) after_read();
    scanner.Commit(static_cast<std::size_t>(n), out);
    if (!out.empty()) {
      if (!WriteAll(out_fd, out)) return write_error();
      out.clear();
    }
  }
  scanner.EndInput(out);
  if (!WriteAll(out_fd, out)) return write_error();
  return std::nullopt;
}

}  // namespace mls
