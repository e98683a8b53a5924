// The C helpers every rendered kernel starts with: float16/bfloat16 rounding (from double, once:
// never through float32), saturating float->int casts, guarded division, IEEE maximum/minimum and
// bit views. Each mirrors engine/ir/alu.cpp; static inline, so the C compiler drops unused ones.
#include "engine/runtime/c/render_c.h"

namespace anvil {

const char* c_prelude() {
  return R"PRELUDE(#include <math.h>
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
}

}  // namespace anvil
