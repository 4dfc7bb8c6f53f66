// Formatting fixed-size binary records (C structs, little-endian) as lines of text, natively:
// formatRecords(program, bytes, first, end, recordSize, out, outPos, limit) runs a compiled
// plan (src/records.ts builds the program) over records [first, end) and writes one line per
// record into `out`, so a pass over a million records is one loop in C++ per output buffer
// instead of one in JavaScript per record.
//
// The text matches what JavaScript makes of the same values byte for byte:
//  - integers in decimal (64-bit ones with every digit), bool as true/false;
//  - f64 as String(v) (the shortest digits that read back, in ECMAScript's Number::toString
//    layout); f32 as the fewest digits (1..9) that v.toPrecision(p) rounds to and that read
//    back through Math.fround, then String() of that number; NaN and the infinities as
//    nan/inf/-inf (JSON: "NaN", "Infinity", "-Infinity" as strings), -0 as -0;
//  - char[N] text: up to the first NUL or N bytes, as UTF-8 where it is valid (no overlongs,
//    no surrogates, nothing past U+10FFFF) and each other byte on its own as a raw byte.
//    JSON: JSON.stringify of the text, a raw byte as \udcXX. TSV: \\ \t \n \r escaped, a
//    raw byte as \xHH. CSV: quoted (with " doubled) when it holds " , \r or \n or starts or
//    ends with a character String.prototype.trim removes; raw bytes written as they are.
#include "common.h"
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace mm {

namespace {

enum Kind : uint32_t { kU8 = 0, kI8, kU16, kI16, kU32, kI32, kU64, kI64, kF32, kF64, kBool, kChar, kKinds };
enum Format : uint32_t { kJson = 0, kCsv, kTsv, kFormats };

constexpr uint32_t kMagic = 0x50524d4d;  // "MMRP" little-endian
constexpr uint32_t kVersion = 1;
constexpr uint32_t kFlagIndex = 1;
constexpr size_t kFieldWords = 6;   // kind, offset, count, array, before offset, before length
constexpr size_t kNumberBytes = 26;  // the longest number text, "-Infinity" in quotes included
constexpr size_t kIndexBytes = 21;

const uint32_t kElemSize[kKinds] = {1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 1, 1};

struct Bytes {
  const uint8_t* data = nullptr;
  size_t length = 0;
};

// Bytes a line may be written past its end, and a constant's source read past its end, by
// the copies of whole 16-byte blocks below (the room check keeps this much to spare).
constexpr size_t kSlack = 64;

struct Field {
  Kind kind;
  uint32_t offset;
  uint32_t count;  // elements (text: bytes); 1 for a scalar
  bool array;      // written as a list ([a,b] in JSON) even with one element
  Bytes before;    // constant bytes written before the value
};

struct Plan {
  std::vector<uint8_t> pool;  // the constants, each followed by 16 spare bytes
  Format format;
  bool index;
  Bytes indexBefore;
  std::vector<Field> fields;
  Bytes end;
  size_t maxLine = 0;     // bytes one line can take at most, and kSlack
  size_t recordBytes = 0;  // bytes of a record the fields cover
};

// ---- reading the program ------------------------------------------------------------------

bool ReadPlan(const uint8_t* prog, size_t len, Plan* plan) {
  auto word = [&](size_t i, uint32_t* out) {
    if ((i + 1) * 4 > len) return false;
    uint8_t b[4];
    std::memcpy(b, prog + 4 * i, 4);
    *out = static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 | static_cast<uint32_t>(b[2]) << 16 |
           static_cast<uint32_t>(b[3]) << 24;
    return true;
  };
  uint32_t magic, version, format, flags, count;
  if (!word(0, &magic) || !word(1, &version) || !word(2, &format) || !word(3, &flags) || !word(4, &count)) return false;
  if (magic != kMagic || version != kVersion || format >= kFormats || (flags & ~kFlagIndex) || count > 65536)
    return false;
  const size_t poolStart = 4 * (5 + 2 + kFieldWords * count + 2);
  if (poolStart > len) return false;
  auto constant = [&](size_t i, Bytes* out) {
    uint32_t off, n;
    if (!word(i, &off) || !word(i + 1, &n)) return false;
    if (off > len - poolStart || n > len - poolStart - off) return false;
    out->data = prog + poolStart + off;
    out->length = n;
    return true;
  };
  plan->format = static_cast<Format>(format);
  plan->index = flags & kFlagIndex;
  if (!constant(5, &plan->indexBefore)) return false;
  size_t maxLine = plan->index ? plan->indexBefore.length + kIndexBytes : 0;
  plan->fields.resize(count);
  for (size_t k = 0; k < count; k++) {
    const size_t w = 7 + kFieldWords * k;
    Field& f = plan->fields[k];
    uint32_t kind, offset, n, array;
    if (!word(w, &kind) || !word(w + 1, &offset) || !word(w + 2, &n) || !word(w + 3, &array)) return false;
    if (kind >= kKinds || n < 1 || n > (1u << 24) || array > 1 || (kind == kChar && array)) return false;
    if (!constant(w + 4, &f.before)) return false;
    f.kind = static_cast<Kind>(kind);
    f.offset = offset;
    f.count = n;
    f.array = array;
    if (!array && kind != kChar && n != 1) return false;
    const size_t fieldEnd = size_t(offset) + size_t(n) * kElemSize[kind];
    if (fieldEnd > plan->recordBytes) plan->recordBytes = fieldEnd;
    maxLine += f.before.length + (kind == kChar ? 6 * size_t(n) + 2 : size_t(n) * (kNumberBytes + 1) + 2);
  }
  if (!constant(7 + kFieldWords * count, &plan->end)) return false;
  plan->maxLine = maxLine + plan->end.length + kSlack;
  // Each constant copied to a pool of its own with 16 spare bytes after it.
  std::vector<Bytes*> all{&plan->indexBefore, &plan->end};
  for (Field& f : plan->fields) all.push_back(&f.before);
  size_t total = 0;
  for (const Bytes* b : all) total += b->length + 16;
  plan->pool.assign(total, 0);
  size_t at = 0;
  for (Bytes* b : all) {
    if (b->length) std::memcpy(plan->pool.data() + at, b->data, b->length);
    b->data = plan->pool.data() + at;
    at += b->length + 16;
  }
  return true;
}

// ---- numbers ------------------------------------------------------------------------------

template <typename T>
inline T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  if constexpr (sizeof(T) == 2) v = static_cast<T>(__builtin_bswap16(static_cast<uint16_t>(v)));
  if constexpr (sizeof(T) == 4) v = static_cast<T>(__builtin_bswap32(static_cast<uint32_t>(v)));
  if constexpr (sizeof(T) == 8) v = static_cast<T>(__builtin_bswap64(static_cast<uint64_t>(v)));
#endif
  return v;
}

// "00" "01" … "99": two digits at a time.
struct DigitPairs {
  char text[200];
  DigitPairs() {
    for (int i = 0; i < 100; i++) {
      text[2 * i] = static_cast<char>('0' + i / 10);
      text[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
  }
};
const DigitPairs kPairs;
const char* const kDigitPairs = kPairs.text;

template <typename T>
inline int DigitCount(T v) {
  int n = 1;
  for (;;) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000;
    n += 4;
  }
}

// The digits of v, written straight to their place (no call, no temporary).
template <typename T>
inline uint8_t* PutDigits(uint8_t* p, T v) {
  if (v < 10) {
    *p = static_cast<uint8_t>('0' + v);
    return p + 1;
  }
  const int n = DigitCount(v);
  uint8_t* q = p + n;
  while (v >= 100) {
    const unsigned r = static_cast<unsigned>(v % 100);
    v /= 100;
    q -= 2;
    std::memcpy(q, kDigitPairs + 2 * r, 2);
  }
  if (v >= 10) {
    std::memcpy(q - 2, kDigitPairs + 2 * v, 2);
  } else {
    q[-1] = static_cast<uint8_t>('0' + v);
  }
  return p + n;
}

inline uint8_t* PutUnsigned(uint8_t* p, uint64_t v) {
  return v <= 0xffffffffu ? PutDigits(p, static_cast<uint32_t>(v)) : PutDigits(p, v);
}

inline uint8_t* PutSigned(uint8_t* p, int64_t v) {
  if (v < 0) {
    *p++ = '-';
    return PutUnsigned(p, 0 - static_cast<uint64_t>(v));
  }
  return PutUnsigned(p, static_cast<uint64_t>(v));
}

inline uint8_t* PutText(uint8_t* p, const char* s, size_t n) {
  std::memcpy(p, s, n);
  return p + n;
}

// String(v) for a finite, non-zero double: the shortest digits that read back as v (what
// std::to_chars gives, the closest such digits as ECMAScript asks), laid out as
// Number::toString does: plain up to 21 integer digits, 0.000001 and up without exponent,
// otherwise d.ddde+n.
uint8_t* PutShortest(uint8_t* p, double v) {
  char buf[40];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const char* s = buf;
  if (*s == '-') {
    *p++ = '-';
    s++;
  }
  char digits[20];
  int k = 0;
  for (; s < r.ptr && *s != 'e'; s++)
    if (*s != '.') digits[k++] = *s;
  int exp = 0;
  bool negExp = false;
  s++;  // 'e'
  if (*s == '-' || *s == '+') negExp = *s++ == '-';
  for (; s < r.ptr; s++) exp = exp * 10 + (*s - '0');
  const int n = (negExp ? -exp : exp) + 1;  // v = 0.digits × 10^n
  if (k <= n && n <= 21) {
    p = PutText(p, digits, k);
    for (int z = k; z < n; z++) *p++ = '0';
  } else if (0 < n && n <= 21) {
    p = PutText(p, digits, n);
    *p++ = '.';
    p = PutText(p, digits + n, k - n);
  } else if (-6 < n && n <= 0) {
    *p++ = '0';
    *p++ = '.';
    for (int z = 0; z < -n; z++) *p++ = '0';
    p = PutText(p, digits, k);
  } else {
    *p++ = static_cast<uint8_t>(digits[0]);
    if (k > 1) {
      *p++ = '.';
      p = PutText(p, digits + 1, k - 1);
    }
    *p++ = 'e';
    const int e = n - 1;
    *p++ = e < 0 ? '-' : '+';
    p = PutUnsigned(p, static_cast<uint64_t>(e < 0 ? -e : e));
  }
  return p;
}

// The value of an f32 as text: the fewest digits p (1..9) such that v.toPrecision(p) — v's
// exact decimal rounded to p digits, a tie rounded away from zero — reads back as a double
// that Math.fround turns into v; then String() of that double.
uint8_t* PutShortestF32(uint8_t* p, float f) {
  const double v = f;
  // The first ten significant digits of v's exact decimal, not rounded (a float's exact
  // decimal has at most 112 significant digits). 17 digits rounded give them, unless that
  // rounding carried into them: then digits 11 to 17 came out as zeros, and the exact
  // decimal is written out in full instead.
  char exact[160];
  char digits[128];
  int exp = 0;
  for (int precision : {16, 120}) {
    const std::to_chars_result r =
        std::to_chars(exact, exact + sizeof exact, std::fabs(v), std::chars_format::scientific, precision);
    int k = 0;
    const char* s = exact;
    for (; s < r.ptr && *s != 'e'; s++)
      if (*s != '.') digits[k++] = *s;
    s++;
    bool negExp = false;
    if (*s == '-' || *s == '+') negExp = *s++ == '-';
    exp = 0;
    for (; s < r.ptr; s++) exp = exp * 10 + (*s - '0');
    if (negExp) exp = -exp;  // |v| = d.ddd × 10^exp
    bool carried = true;
    for (int i = 10; i < 17; i++) carried = carried && digits[i] == '0';
    if (!carried) break;
  }
  for (int prec = 1; prec <= 9; prec++) {
    char rounded[16];
    std::memcpy(rounded, digits, prec);
    int e = exp;
    if (digits[prec] >= '5') {
      int i = prec - 1;
      while (i >= 0 && rounded[i] == '9') rounded[i--] = '0';
      if (i >= 0) {
        rounded[i]++;
      } else {
        rounded[0] = '1';
        e++;
      }
    }
    char text[40];
    char* t = text;
    if (v < 0) *t++ = '-';
    *t++ = rounded[0];
    if (prec > 1) {
      *t++ = '.';
      std::memcpy(t, rounded + 1, prec - 1);
      t += prec - 1;
    }
    *t++ = 'e';
    const std::to_chars_result er = std::to_chars(t, text + sizeof text, e);
    double back = 0;
    std::from_chars(text, er.ptr, back);
    // Math.fround: a double at or past FLT_MAX + half an ulp rounds to an infinity.
    if (std::fabs(back) >= 0x1.ffffffp127) continue;
    if (static_cast<float>(back) == f) return PutShortest(p, back);
  }
  return PutShortest(p, v);
}

inline uint8_t* PutFloat(uint8_t* p, double v, bool isF32, float f, Format format) {
  if (std::isnan(v)) return format == kJson ? PutText(p, "\"NaN\"", 5) : PutText(p, "nan", 3);
  if (std::isinf(v)) {
    if (v > 0) return format == kJson ? PutText(p, "\"Infinity\"", 10) : PutText(p, "inf", 3);
    return format == kJson ? PutText(p, "\"-Infinity\"", 11) : PutText(p, "-inf", 4);
  }
  if (v == 0) return std::signbit(v) ? PutText(p, "-0", 2) : PutText(p, "0", 1);
  return isF32 ? PutShortestF32(p, f) : PutShortest(p, v);
}

inline uint8_t* PutElement(uint8_t* p, Kind kind, const uint8_t* at, Format format) {
  switch (kind) {
    case kU8: return PutUnsigned(p, *at);
    case kI8: return PutSigned(p, static_cast<int8_t>(*at));
    case kU16: return PutUnsigned(p, Load<uint16_t>(at));
    case kI16: return PutSigned(p, Load<int16_t>(at));
    case kU32: return PutUnsigned(p, Load<uint32_t>(at));
    case kI32: return PutSigned(p, Load<int32_t>(at));
    case kU64: return PutUnsigned(p, Load<uint64_t>(at));
    case kI64: return PutSigned(p, Load<int64_t>(at));
    case kBool: return *at ? PutText(p, "true", 4) : PutText(p, "false", 5);
    case kF32: {
      const float f = Load<float>(at);
      return PutFloat(p, f, true, f, format);
    }
    case kF64: return PutFloat(p, Load<double>(at), false, 0, format);
    default: return p;
  }
}

// ---- text ---------------------------------------------------------------------------------

// Length of the valid UTF-8 sequence at s[i] (2..4) within [0, n), or 0 if there is none;
// *cp gets its code point.
inline int SequenceLength(const uint8_t* s, size_t i, size_t n, uint32_t* cp) {
  const uint8_t c = s[i];
  auto cont = [&](size_t k) { return i + k < n && (s[i + k] & 0xc0) == 0x80; };
  if (c >= 0xc2 && c <= 0xdf) {
    if (!cont(1)) return 0;
    *cp = (c & 0x1fu) << 6 | (s[i + 1] & 0x3fu);
    return 2;
  }
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const uint8_t c1 = s[i + 1];
    if (c == 0xe0 && c1 < 0xa0) return 0;   // overlong
    if (c == 0xed && c1 >= 0xa0) return 0;  // UTF-16 surrogates
    *cp = (c & 0x0fu) << 12 | (c1 & 0x3fu) << 6 | (s[i + 2] & 0x3fu);
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const uint8_t c1 = s[i + 1];
    if (c == 0xf0 && c1 < 0x90) return 0;
    if (c == 0xf4 && c1 >= 0x90) return 0;
    *cp = (c & 0x07u) << 18 | (c1 & 0x3fu) << 12 | (s[i + 2] & 0x3fu) << 6 | (s[i + 3] & 0x3fu);
    return 4;
  }
  return 0;
}

// What String.prototype.trim removes: WhiteSpace and LineTerminator.
inline bool IsTrimmed(uint32_t cp) {
  switch (cp) {
    case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x20: case 0xa0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000: case 0xfeff:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200a;
  }
}

// Bytes a line format copies as they are: printable ASCII minus the format's specials.
struct PlainTable {
  bool plain[kFormats][256];
  PlainTable() {
    std::memset(plain, 0, sizeof plain);
    for (uint32_t f = 0; f < kFormats; f++)
      for (int c = 0x20; c < 0x7f; c++) plain[f][c] = true;
    plain[kJson]['"'] = plain[kJson]['\\'] = false;
    plain[kCsv]['"'] = plain[kCsv][','] = false;
    plain[kTsv]['\\'] = false;
  }
};
const PlainTable kPlain;

const char kHex[] = "0123456789abcdef";

// Copies the valid UTF-8 sequence at s[*i] (2–4 bytes) as it is, or writes the byte there,
// which no sequence holds, as `prefix` and two lowercase hex digits; moves *i past what it took.
uint8_t* PutSequenceOrRaw(uint8_t* p, const uint8_t* s, size_t* i, size_t n, const char* prefix, size_t prefixLength) {
  uint32_t cp;
  const int len = SequenceLength(s, *i, n, &cp);
  if (len) {
    p = PutText(p, reinterpret_cast<const char*>(s + *i), len);
    *i += len;
    return p;
  }
  const uint8_t c = s[(*i)++];
  p = PutText(p, prefix, prefixLength);
  *p++ = kHex[c >> 4];
  *p++ = kHex[c & 15];
  return p;
}

uint8_t* PutJsonText(uint8_t* p, const uint8_t* s, size_t n) {
  *p++ = '"';
  for (size_t i = 0; i < n;) {
    const uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      switch (c) {
        case '"': p = PutText(p, "\\\"", 2); break;
        case '\\': p = PutText(p, "\\\\", 2); break;
        case '\b': p = PutText(p, "\\b", 2); break;
        case '\f': p = PutText(p, "\\f", 2); break;
        case '\n': p = PutText(p, "\\n", 2); break;
        case '\r': p = PutText(p, "\\r", 2); break;
        case '\t': p = PutText(p, "\\t", 2); break;
        default:
          if (c < 0x20) {
            p = PutText(p, "\\u00", 4);
            *p++ = kHex[c >> 4];
            *p++ = kHex[c & 15];
          } else {
            *p++ = c;
          }
      }
      continue;
    }
    p = PutSequenceOrRaw(p, s, &i, n, "\\udc", 4);
  }
  *p++ = '"';
  return p;
}

uint8_t* PutTsvText(uint8_t* p, const uint8_t* s, size_t n) {
  for (size_t i = 0; i < n;) {
    const uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      switch (c) {
        case '\\': p = PutText(p, "\\\\", 2); break;
        case '\t': p = PutText(p, "\\t", 2); break;
        case '\n': p = PutText(p, "\\n", 2); break;
        case '\r': p = PutText(p, "\\r", 2); break;
        default: *p++ = c;
      }
      continue;
    }
    p = PutSequenceOrRaw(p, s, &i, n, "\\x", 2);
  }
  return p;
}

uint8_t* PutCsvText(uint8_t* p, const uint8_t* s, size_t n) {
  bool quote = false;
  bool lastTrimmed = false;
  for (size_t i = 0; i < n;) {
    const uint8_t c = s[i];
    uint32_t cp = c;
    int len = 1;
    if (c >= 0x80) {
      len = SequenceLength(s, i, n, &cp);
      if (!len) {
        len = 1;
        cp = 0xdc00 + c;  // a raw byte: never blank
      }
    } else if (c == '"' || c == ',' || c == '\r' || c == '\n') {
      quote = true;
    }
    lastTrimmed = IsTrimmed(cp);
    if (i == 0 && lastTrimmed) quote = true;
    i += len;
  }
  if (lastTrimmed) quote = true;
  if (!quote) return PutText(p, reinterpret_cast<const char*>(s), n);
  *p++ = '"';
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') *p++ = '"';
    *p++ = s[i];
  }
  *p++ = '"';
  return p;
}

// The bytes of w (little-endian order) that a line format cannot copy as they are: below
// 0x20 (NUL included), 0x7f and up, or one of two specials; each such byte's top bit set
// in the result. The lowest flagged byte is always a real one (a byte above it may be
// flagged wrongly, through a borrow), which is all the callers use.
inline uint64_t Unplain(uint64_t w, uint64_t special1, uint64_t special2) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  auto zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const uint64_t below = (w - 0x20 * kOnes) & ~w & kHigh;
  return below | (w & kHigh) | zero(w ^ (0x7f * kOnes)) | zero(w ^ special1) | zero(w ^ special2);
}

inline uint64_t Load64(const uint8_t* s) {
  uint64_t w;
  std::memcpy(&w, s, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  w = __builtin_bswap64(w);
#endif
  return w;
}

inline void Store64(uint8_t* d, uint64_t w) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  w = __builtin_bswap64(w);
#endif
  std::memcpy(d, &w, 8);
}

template <Format format>
inline uint8_t* PutTextField(uint8_t* p, const uint8_t* s, size_t cap) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  // The line format's specials (TSV has one; it is given twice).
  const uint64_t special1 = (format == kCsv ? ',' : '\\') * kOnes;
  const uint64_t special2 = (format == kTsv ? '\\' : '"') * kOnes;
  uint8_t* d = format == kJson ? p + 1 : p;  // room for JSON's opening quote
  // Printable ASCII without a special is copied 8 bytes at a time (the line has room to
  // spare for the bytes after the text) up to the first byte that is not: n.
  size_t n = 0;
  for (;;) {
    uint64_t w;
    size_t have = 8;
    if (n + 8 <= cap) {
      w = Load64(s + n);
    } else if (n == cap) {
      break;
    } else if (cap >= 8) {
      // The last bytes of the field, at the low end, zeros above them (which stop the scan).
      have = cap - n;
      w = Load64(s + cap - 8) >> (8 * (8 - have));
    } else {
      have = cap - n;
      w = 0;
      for (size_t k = 0; k < have; k++) w |= static_cast<uint64_t>(s[n + k]) << (8 * k);
    }
    const uint64_t bad = Unplain(w, special1, special2);
    Store64(d + n, w);
    if (bad) {
      const size_t first = static_cast<size_t>(__builtin_ctzll(bad)) / 8;
      n += first < have ? first : have;
      break;
    }
    n += have;
  }
  if (n == cap || s[n] == 0) {  // all of it was plain
    if (format == kJson) {
      *p = '"';
      d[n] = '"';
      return d + n + 1;
    }
    if (format == kCsv && n && (s[0] == ' ' || s[n - 1] == ' ')) {
      std::memmove(p + 1, s, n);
      *p = '"';
      p[n + 1] = '"';
      return p + n + 2;
    }
    return p + n;
  }
  // A byte to escape or quote: the text is written again from the start, the slow way.
  const void* nul = std::memchr(s + n, 0, cap - n);
  const size_t len = nul ? static_cast<size_t>(static_cast<const uint8_t*>(nul) - s) : cap;
  if (format == kJson) return PutJsonText(p, s, len);
  if (format == kTsv) return PutTsvText(p, s, len);
  return PutCsvText(p, s, len);
}

// ---- records ------------------------------------------------------------------------------

// A constant: whole 16-byte blocks (its source has 16 spare bytes, the line kSlack).
inline uint8_t* PutBytes(uint8_t* p, const Bytes& b) {
  for (size_t k = 0; k < b.length; k += 16) std::memcpy(p + k, b.data + k, 16);
  return p + b.length;
}

template <Format format>
inline uint8_t* PutField(uint8_t* p, const Field& f, const uint8_t* record) {
  p = PutBytes(p, f.before);
  const uint8_t* at = record + f.offset;
  if (f.kind == kChar) return PutTextField<format>(p, at, f.count);
  if (!f.array) return PutElement(p, f.kind, at, format);
  const bool brackets = format == kJson;
  const bool quotes = format == kCsv && f.count > 1;
  if (brackets) *p++ = '[';
  if (quotes) *p++ = '"';
  const size_t step = kElemSize[f.kind];
  for (uint32_t k = 0; k < f.count; k++) {
    if (k) *p++ = ',';
    p = PutElement(p, f.kind, at + k * step, format);
  }
  if (brackets) *p++ = ']';
  if (quotes) *p++ = '"';
  return p;
}

// The lines of records [i, end) from at[0] on while the longest line still fits before
// at[1]; returns the record it stopped at and leaves at[0] after the last byte written.
// One copy per line format, so no test of the format is left in the loop.
template <Format format>
uint64_t FormatLoop(const Plan& plan, const uint8_t* bytes, uint64_t i, uint64_t end, uint64_t size, uint8_t** at) {
  uint8_t* p = *at;
  uint8_t* const stop = at[1];
  const size_t maxLine = plan.maxLine;
  const uint8_t* record = bytes + i * size;
  for (; i < end && static_cast<size_t>(stop - p) >= maxLine; i++, record += size) {
    if (plan.index) {
      p = PutBytes(p, plan.indexBefore);
      p = PutUnsigned(p, i);
    }
    for (const Field& f : plan.fields) p = PutField<format>(p, f, record);
    p = PutBytes(p, plan.end);
  }
  *at = p;
  return i;
}

bool Uint8View(const Napi::Value& v, const char* what, uint8_t** data, size_t* len) {
  if (v.IsTypedArray()) {
    napi_typedarray_type type;
    size_t count = 0;
    void* p = nullptr;
    if (napi_get_typedarray_info(v.Env(), v, &type, &count, &p, nullptr, nullptr) == napi_ok &&
        (type == napi_uint8_array || type == napi_uint8_clamped_array) && (p != nullptr || count == 0)) {
      *data = static_cast<uint8_t*>(p);
      *len = count;
      return true;
    }
  }
  ThrowCode(v.Env(), "ERR_INVALID_ARG_TYPE", std::string(what) + " must be a Uint8Array or Buffer");
  return false;
}

// formatRecords(program, bytes, first, end, recordSize, out, outPos, limit) -> [next, outPos]
// Writes the lines of records first, first+1, … into out[outPos, limit) while the next
// line is sure to fit (the plan's longest line), and returns the record it stopped at (end
// when done) and the position after the last byte written.
Napi::Value FormatRecords(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t *prog, *bytes, *out;
  size_t progLen, bytesLen, outLen;
  if (!Uint8View(info[0], "plan", &prog, &progLen) || !Uint8View(info[1], "bytes", &bytes, &bytesLen) ||
      !Uint8View(info[5], "out", &out, &outLen))
    return env.Undefined();
  uint64_t first, end, recordSize, outPos, limit;
  if (!ReadSize(info[2], "first", &first) || !ReadSize(info[3], "end", &end) ||
      !ReadSize(info[4], "recordSize", &recordSize) || !ReadSize(info[6], "outPos", &outPos) ||
      !ReadSize(info[7], "limit", &limit))
    return env.Undefined();
  Plan plan;
  if (!ReadPlan(prog, progLen, &plan)) {
    ThrowCode(env, "ERR_INVALID_ARG_VALUE", "plan is not a compiled record plan");
    return env.Undefined();
  }
  if (recordSize == 0 || recordSize < plan.recordBytes) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "recordSize is smaller than the fields of the plan");
    return env.Undefined();
  }
  if (first > end || end > bytesLen / recordSize) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "records [first, end) lie outside bytes");
    return env.Undefined();
  }
  if (limit > outLen || outPos > limit) {
    ThrowCode(env, "ERR_OUT_OF_RANGE", "outPos and limit must satisfy outPos <= limit <= out.length");
    return env.Undefined();
  }
  uint8_t* at[2] = {out + outPos, out + limit};
  uint64_t i;
  switch (plan.format) {
    case kJson: i = FormatLoop<kJson>(plan, bytes, first, end, recordSize, at); break;
    case kCsv: i = FormatLoop<kCsv>(plan, bytes, first, end, recordSize, at); break;
    default: i = FormatLoop<kTsv>(plan, bytes, first, end, recordSize, at); break;
  }
  uint8_t* const p = at[0];
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Number::New(env, static_cast<double>(i)));
  result.Set(1u, Napi::Number::New(env, static_cast<double>(p - out)));
  return result;
}

// recordPlanLimits(program) -> [maxLine, recordBytes]: checks a program and returns the
// longest line it can write and the bytes of a record its fields cover.
Napi::Value RecordPlanLimits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t* prog;
  size_t progLen;
  if (!Uint8View(info[0], "plan", &prog, &progLen)) return env.Undefined();
  Plan plan;
  if (!ReadPlan(prog, progLen, &plan)) {
    ThrowCode(env, "ERR_INVALID_ARG_VALUE", "plan is not a compiled record plan");
    return env.Undefined();
  }
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Number::New(env, static_cast<double>(plan.maxLine)));
  result.Set(1u, Napi::Number::New(env, static_cast<double>(plan.recordBytes)));
  return result;
}

}  // namespace

void InitRecords(Napi::Env env, Napi::Object exports) {
  exports.Set("formatRecords", Napi::Function::New(env, FormatRecords, "formatRecords"));
  exports.Set("recordPlanLimits", Napi::Function::New(env, RecordPlanLimits, "recordPlanLimits"));
}

}  // namespace mm
