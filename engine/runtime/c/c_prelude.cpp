// The C helpers a rendered kernel starts with: float16/bfloat16 rounding (from double, once:
// never through float32), saturating float->int casts, guarded division, IEEE maximum/minimum and
// bit views. Each mirrors engine/ir/alu.cpp. A kernel carries only those it calls (c_prelude_for).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/c/render_c.h"
#include "engine/runtime/sin_reduction.h"

namespace anvil {
namespace {

const char* const kPrelude = R"PRELUDE(#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A finite or infinite double to the bits of a float type with M mantissa bits and minimum normal
   exponent EMIN (float16: 10, -14; bfloat16: 7, -126), rounded to nearest even in one step. */
static inline uint16_t anvil_round_bits(double x, int M, int EMIN, uint16_t inf_bits) {
  uint64_t d;
  memcpy(&d, &x, 8);
  const uint16_t sign = (uint16_t)((d >> 48) & 0x8000);
  const uint64_t a = d & 0x7fffffffffffffffULL;
  if (a >= 0x7ff0000000000000ULL) {
    if (a == 0x7ff0000000000000ULL) return sign | inf_bits;
    uint64_t payload = (a >> (52 - M)) & ((1u << M) - 1);
    if (payload == 0) payload = 1u << (M - 1);
    return (uint16_t)(sign | inf_bits | payload);
  }
  if (a == 0) return sign;
  const int e = (int)(a >> 52) - 1023;
  const uint64_t mant = (a & 0xfffffffffffffULL) | (1ULL << 52);
  const int s = 52 - M + (e < EMIN ? EMIN - e : 0);
  if (s >= 54) return sign; /* below half the smallest subnormal */
  uint64_t n = mant >> s;
  const uint64_t rem = mant & ((1ULL << s) - 1), half = 1ULL << (s - 1);
  if (rem > half || (rem == half && (n & 1))) ++n;
  const uint64_t bits = e < EMIN ? n : ((uint64_t)(e - EMIN + 1) << M) + n - (1ULL << M);
  return bits >= inf_bits ? (uint16_t)(sign | inf_bits) : (uint16_t)(sign | bits);
}
static inline uint16_t anvil_d2hbits(double x) { return anvil_round_bits(x, 10, -14, 0x7c00); }
static inline uint16_t anvil_d2bbits(double x) { return anvil_round_bits(x, 7, -126, 0x7f80); }

static inline float anvil_f32_of(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static inline uint32_t anvil_f32_bits(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }
static inline double anvil_f64_of(uint64_t b) { double f; memcpy(&f, &b, 8); return f; }
static inline uint64_t anvil_f64_bits(double f) { uint64_t b; memcpy(&b, &f, 8); return b; }

static inline float anvil_h2f(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e == 0x1f) return anvil_f32_of(sign | 0x7f800000u | (m << 13));
  if (e == 0) return sign ? -((float)m * 0x1p-24f) : (float)m * 0x1p-24f;
  return anvil_f32_of(sign | ((e + 112) << 23) | (m << 13));
}
static inline float anvil_b2f(uint16_t b) { return anvil_f32_of((uint32_t)b << 16); }

/* Round a value to float16 / bfloat16 (kept in a float: storage types computed in float32). */
static inline float anvil_rh(double x) { return anvil_h2f(anvil_d2hbits(x)); }
static inline float anvil_rb(double x) { return anvil_b2f(anvil_d2bbits(x)); }

/* A 64-bit integer magnitude rounded to P significant bits (exact in a double afterwards). */
static inline double anvil_round_u64(uint64_t m, int P) {
  int len = 64 - (m ? __builtin_clzll(m) : 64);
  if (len <= P) return (double)m;
  const int s = len - P;
  uint64_t n = m >> s;
  const uint64_t rem = m & ((1ULL << s) - 1), half = 1ULL << (s - 1);
  if (rem > half || (rem == half && (n & 1))) ++n;
  return ldexp((double)n, s);
}
static inline double anvil_round_i64(int64_t v, int P) {
  const uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  const double r = anvil_round_u64(m, P);
  return v < 0 ? -r : r;
}

/* float -> integer: toward zero, saturating at the type's limits, NaN -> 0 (alu.cpp float_to_int). */
#define ANVIL_F2I(NAME, T, LO, HI, MINV, MAXV)     \
  static inline T NAME(double x) {                 \
    if (x != x) return 0;                          \
    const double t = trunc(x);                     \
    if (t >= (HI)) return (MAXV);                  \
    if (t <= (LO)) return (MINV);                  \
    return (T)t;                                   \
  }
ANVIL_F2I(anvil_f2i8, int8_t, -0x1p7, 0x1p7, INT8_MIN, INT8_MAX)
ANVIL_F2I(anvil_f2i16, int16_t, -0x1p15, 0x1p15, INT16_MIN, INT16_MAX)
ANVIL_F2I(anvil_f2i32, int32_t, -0x1p31, 0x1p31, INT32_MIN, INT32_MAX)
ANVIL_F2I(anvil_f2i64, int64_t, -0x1p63, 0x1p63, INT64_MIN, INT64_MAX)
ANVIL_F2I(anvil_f2u8, uint8_t, 0.0, 0x1p8, 0, UINT8_MAX)
ANVIL_F2I(anvil_f2u16, uint16_t, 0.0, 0x1p16, 0, UINT16_MAX)
ANVIL_F2I(anvil_f2u32, uint32_t, 0.0, 0x1p32, 0, UINT32_MAX)
ANVIL_F2I(anvil_f2u64, uint64_t, 0.0, 0x1p64, 0, UINT64_MAX)

/* Integer division that never traps: x/0 (poison in the IR) gives 0; MIN/-1 wraps to MIN and
   MIN%-1 is 0, as interp. U is the unsigned type of T's width (wrapping negation). */
#define ANVIL_SDIV(SUF, T, U)                                                                  \
  static inline T anvil_tdiv_##SUF(T a, T b) {                                                 \
    return b == 0 ? (T)0 : b == -1 ? (T)(0 - (U)a) : (T)(a / b);                               \
  }                                                                                            \
  static inline T anvil_tmod_##SUF(T a, T b) { return (b == 0 || b == -1) ? (T)0 : (T)(a % b); } \
  static inline T anvil_fdiv_##SUF(T a, T b) {                                                 \
    if (b == 0) return 0;                                                                      \
    if (b == -1) return (T)(0 - (U)a);                                                         \
    const T q = (T)(a / b);                                                                    \
    return (a % b != 0 && ((a < 0) != (b < 0))) ? (T)(q - 1) : q;                              \
  }                                                                                            \
  static inline T anvil_fmod_##SUF(T a, T b) {                                                 \
    if (b == 0 || b == -1) return 0;                                                           \
    const T r = (T)(a % b);                                                                    \
    return (r != 0 && ((r < 0) != (b < 0))) ? (T)(r + b) : r;                                  \
  }
#define ANVIL_UDIV(SUF, T)                                                                 \
  static inline T anvil_tdiv_##SUF(T a, T b) { return b == 0 ? (T)0 : (T)(a / b); }        \
  static inline T anvil_tmod_##SUF(T a, T b) { return b == 0 ? (T)0 : (T)(a % b); }
ANVIL_SDIV(i8, int8_t, uint32_t)
ANVIL_SDIV(i16, int16_t, uint32_t)
ANVIL_SDIV(i32, int32_t, uint32_t)
ANVIL_SDIV(i64, int64_t, uint64_t)
ANVIL_UDIV(u8, uint8_t)
ANVIL_UDIV(u16, uint16_t)
ANVIL_UDIV(u32, uint32_t)
ANVIL_UDIV(u64, uint64_t)

/* IEEE 754-2019 maximum/minimum: NaN propagates and -0.0 < +0.0 (fmax would drop the NaN). */
#define ANVIL_FMAXMIN(SUF, T)                                                 \
  static inline T anvil_max_##SUF(T a, T b) {                                 \
    if (a != a || b != b) return a + b;                                       \
    if (a == b) return signbit(a) ? b : a;                                    \
    return a > b ? a : b;                                                     \
  }                                                                           \
  static inline T anvil_min_##SUF(T a, T b) {                                 \
    if (a != a || b != b) return a + b;                                       \
    if (a == b) return signbit(a) ? a : b;                                    \
    return a < b ? a : b;                                                     \
  }
ANVIL_FMAXMIN(f32, float)
ANVIL_FMAXMIN(f64, double)

)PRELUDE";

// float32 EXP2/LOG2/SIN (render_c_ops.cpp); float64 and the half types keep libm in double. Max error
// over all 2^32 inputs against double libm: exp2 0.50 ulp, log2 2.99 ulp, sin 0.53 ulp (tolerance.h
// allows 4 to 8); transcendental_test.cpp keeps a sampled check. Half-type ops keep libm: BackendMatrix
// wants them bit-exact. float32 results may differ from interp's in the last bits, so float32 randn
// (LOG2, SIN) is compared with ref within tolerance on c and llvm (verify/ref/random_values_test.cpp).
// gcc 12 vectorizes exp2/log2 loops; sin's table lookup is a gather, which it leaves scalar (LLVM
// vectorizes it).
const char* const kTranscendentals = R"PRELUDE(
/* float32 exp2, log2 and sin with no libm call and no branch, so a loop calling them vectorizes:
   range reduction, a polynomial, special values by selects (constants chosen by a select only at the
   end: the compiler would otherwise specialize the path and leave control flow that blocks if-conversion). */
/* c ? a : b on bits: a ternary lets the compiler sink the computation of the unselected arm into a
   branch, and code that may raise a float exception is then not if-converted (-ftrapping-math). */
static inline float anvil_sel_f32(int c, float a, float b) {
  const uint32_t m = 0u - (uint32_t)(c != 0);
  return anvil_f32_of((anvil_f32_bits(a) & m) | (anvil_f32_bits(b) & ~m));
}
static inline float anvil_exp2_f32(float x) {
  /* 2^x = 2^k * 2^f, k = rint(x), f in [-1/2, 1/2], in double: the one rounding to float (subnormal
     results included) is then almost always interp's. Outside [-151, 129] only the final select counts. */
  const float t = x + 0x1.8p23f;
  int32_t k = (int32_t)(anvil_f32_bits(t) & 0x7fffffu) - 0x400000;
  k = k < -151 ? -151 : k > 129 ? 129 : k;
  const double f = (double)(x - (t - 0x1.8p23f));
  double p = 0x1.c3bd650fc2986p-36; /* Taylor coefficients ln2^n / n!, n = 12 .. 1: error below 2^-52 */
  p = p * f + 0x1.e8cac7351bb25p-32;
  p = p * f + 0x1.e4cf5158b8ecap-28;
  p = p * f + 0x1.b5253d395e7c4p-24;
  p = p * f + 0x1.62c0223a5c824p-20;
  p = p * f + 0x1.ffcbfc588b0c7p-17;
  p = p * f + 0x1.430912f86c787p-13;
  p = p * f + 0x1.5d87fe78a6731p-10;
  p = p * f + 0x1.3b2ab6fba4e77p-7;
  p = p * f + 0x1.c6b08d704a0c0p-5;
  p = p * f + 0x1.ebfbdff82c58fp-3;
  p = p * f + 0x1.62e42fefa39efp-1;
  p = p * f + 1.0;
  const float r = (float)(p * anvil_f64_of((uint64_t)(k + 1023) << 52)), nan = x + x;
  const int lo = x < -151.0f, hi = x > 129.0f, nan_in = x != x; /* each compared once, unconditionally */
  return anvil_sel_f32(lo, 0.0f, anvil_sel_f32(hi, HUGE_VALF, anvil_sel_f32(nan_in, nan, r)));
}
static inline float anvil_log2_f32(float x) {
  /* x = 2^e * m, m in [sqrt(1/2), sqrt(2)); log2(m) = t * g(t^2) with t = (m - 1) / (m + 1) and g a
     minimax fit of 2 atanh(t) / (t ln 2); subnormals are scaled by 2^23 first. */
  const int sub = x < 0x1p-126f;
  const float big = x * 0x1p23f, xs = sub ? big : x;
  const uint32_t b = anvil_f32_bits(xs) - 0x3f3504f3u;
  const int32_t e = ((int32_t)b >> 23) - (sub ? 23 : 0);
  const float m = anvil_f32_of((b & 0x7fffffu) + 0x3f3504f3u);
  const float t = (m - 1.0f) / (m + 1.0f), s = t * t;
  float g = 0x1.ba18f8p-2f;
  g = g * s + 0x1.27471cp-1f;
  g = g * s + 0x1.ec70e6p-1f;
  g = g * s + 0x1.715476p+1f;
  const float r = (float)e + t * g, nan = x + x;
  const int neg = x < 0.0f, zero = x == 0.0f, inf = x == HUGE_VALF, nan_in = x != x;
  const float v = anvil_sel_f32(zero, -HUGE_VALF, anvil_sel_f32(inf, x, r));
  return anvil_sel_f32(nan_in, nan, anvil_sel_f32(neg, NAN, v));
}
/* sin: x * 2/pi mod 4 from a table of 2^(e - 150) * 2/pi mod 4 per exponent e, in four 28-bit pieces
   (Payne-Hanek: mantissa * piece is exact in double), so every finite float reduces accurately; then
   a double polynomial on [-pi/4, pi/4] and one rounding to float. */
static inline double anvil_rint_f64(double v) { return (v + 0x1.8p52) - 0x1.8p52; } /* |v| < 2^51 */
static inline float anvil_sin_f32(float x) {
  const uint32_t bx = anvil_f32_bits(x), a = bx & 0x7fffffffu, E = a >> 23;
  const uint32_t ei = E < 1 ? 1 : E > 254 ? 254 : E;
  const double M = (double)((a & 0x7fffffu) | (uint32_t)(E != 0) << 23);
  const double* t = anvil_sin_tab + 4 * ei;
  const double p1 = M * t[0], q1 = anvil_rint_f64(p1 * 0.25);
  const double y1 = p1 - 4.0 * (q1 > p1 * 0.25 ? q1 - 1.0 : q1); /* M * t[0] mod 4, exact */
  const double y2 = M * t[1], j = anvil_rint_f64(y1 + y2);
  const double f = (((y1 - j) + y2) + M * t[2]) + M * t[3];
  const double r = f * 0x1.921fb54442d18p+0, z = r * r; /* pi/2 */
  /* Taylor series to r^9 and r^10: below float's resolution on |r| <= pi/4 */
  const double sn = r + r * z * (-0x1.5555555555555p-3 + z * (0x1.1111111111111p-7 +
                                  z * (-0x1.a01a01a01a01ap-13 + z * 0x1.71de3a556c734p-19)));
  const double cs = 1.0 + z * (-0.5 + z * (0x1.5555555555555p-5 + z * (-0x1.6c16c16c16c17p-10 +
                                  z * (0x1.a01a01a01a01ap-16 + z * -0x1.27e4fb7789f5cp-22))));
  const int32_t q = (int32_t)j;
  const double v0 = (q & 1) ? cs : sn, v = (q & 2) ? -v0 : v0;
  const float res = anvil_f32_of(anvil_f32_bits((float)v) ^ (bx & 0x80000000u)), special = x - x;
  return anvil_sel_f32(E == 255, special, res); /* NaN stays NaN (quieted), +-Inf gives NaN */
}
)PRELUDE";

}  // namespace

const char* c_prelude() {
  // Built once: the sin table is printed from sin_reduction.h (exact hex floats).
  static const std::string text = [] {
    std::string t = kPrelude;
    t += "static const double anvil_sin_tab[1024] = {\n";
    char buf[40];
    for (const auto& row : kSinReduction)
      for (double v : row) {
        std::snprintf(buf, sizeof buf, "%a,", v);
        t += buf;
      }
    t += "};\n";
    return t + kTranscendentals;
  }();
  return text.c_str();
}

// ---- helper selection: a kernel's translation unit carries only the helpers it calls (compile time). ----
namespace {

// The identifiers `anvil_...` in `text`, each once; a pasted macro name (`anvil_tdiv_##SUF`) as its prefix.
std::vector<std::string> anvil_names(std::string_view text) {
  std::vector<std::string> out;
  const auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t at = text.find("anvil_"); at != std::string_view::npos; at = text.find("anvil_", at + 1)) {
    if (at > 0 && word(text[at - 1])) continue;
    size_t end = at;
    while (end < text.size() && word(text[end])) ++end;
    std::string name(text.substr(at, end - at));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    at = end - 1;
  }
  return out;
}

// One top-level piece of the prelude: a function or table (a line at column 0 starting with "static "),
// or a run of lines up to a blank line (a macro with its instantiations, the #includes).
struct Item {
  std::string text;
  std::vector<std::string> defines;  // names, or prefixes ending in '_' for pasted macro names
  std::vector<std::string> mentions;
};

std::vector<Item> prelude_items() {
  std::vector<Item> items(1);
  const std::string_view all = c_prelude();
  bool continued = false;  // the previous line ended in a backslash (inside a #define)
  for (size_t at = 0; at < all.size();) {
    size_t end = all.find('\n', at);
    end = end == std::string_view::npos ? all.size() : end + 1;
    const std::string_view line = all.substr(at, end - at);
    const bool blank = line.find_first_not_of(" \n") == std::string_view::npos;
    const std::string& cur = items.back().text;
    const size_t code = cur.find_first_not_of(" \n");
    const bool only_comment = code != std::string::npos && cur.compare(code, 2, "/*") == 0 &&
                              cur.find_last_not_of(" \n") == cur.rfind("*/") + 1;  // stays with what it describes
    if ((blank || (!continued && !only_comment && line.rfind("static ", 0) == 0)) && !cur.empty()) items.emplace_back();
    items.back().text += line;
    continued = line.size() >= 2 && line[line.size() - 2] == '\\';
    at = end;
  }
  for (Item& it : items) {
    it.mentions = anvil_names(it.text);
    if (it.text.find("#define") != std::string::npos) {  // a macro and its instantiations: every name is its own
      it.defines = it.mentions;
      continue;
    }
    const size_t s = it.text.find("static ");
    if (s == std::string::npos) continue;
    const size_t open = it.text.find_first_of("([=", s);
    const std::vector<std::string> head = anvil_names(std::string_view(it.text).substr(s, open - s));
    if (!head.empty()) it.defines.push_back(head.back());
  }
  return items;
}

// Whether `name` (from a kernel or an item) is what `def` defines: equal, or a pasted name's prefix.
bool provides(const std::string& def, const std::string& name) {
  return def == name || (def.back() == '_' && name.size() > def.size() && name.rfind(def, 0) == 0);
}

}  // namespace

std::string c_prelude_for(std::string_view code, std::string_view self) {
  static const std::vector<Item> items = prelude_items();
  std::vector<bool> keep(items.size(), false);
  std::vector<std::string> todo = anvil_names(code);
  for (size_t i = 0; i < items.size(); ++i) {
    keep[i] = items[i].defines.empty();  // #includes, comments
    if (keep[i]) todo.insert(todo.end(), items[i].mentions.begin(), items[i].mentions.end());
  }
  std::vector<std::string> seen;
  while (!todo.empty()) {
    std::string name = std::move(todo.back());
    todo.pop_back();
    if (name == self || std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    bool found = false;
    for (size_t i = 0; i < items.size(); ++i) {
      if (std::none_of(items[i].defines.begin(), items[i].defines.end(),
                       [&](const std::string& d) { return provides(d, name); }))
        continue;
      found = true;
      if (!keep[i]) todo.insert(todo.end(), items[i].mentions.begin(), items[i].mentions.end());
      keep[i] = true;
    }
    if (!found) return c_prelude();  // a helper this selection does not know: all of them, as before
  }
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    if (keep[i]) out += items[i].text;
  return out;
}

}  // namespace anvil
