#include "engine/ir/dtype.h"

#include <array>
#include <cmath>
#include <cstring>

#include "engine/support/check.h"
#include "engine/support/error.h"
#include "engine/support/mutant.h"

namespace anvil {
namespace {

struct ScalarInfo {
  const char* name;
  int bits;
  bool is_float, is_int, is_unsigned;
};

constexpr std::array<ScalarInfo, kScalarCount> kInfo = {{
    {"void", 0, false, false, false},
    {"bool", 8, false, false, false},
    {"int8", 8, false, true, false},
    {"int16", 16, false, true, false},
    {"int32", 32, false, true, false},
    {"int64", 64, false, true, false},
    {"uint8", 8, false, true, true},
    {"uint16", 16, false, true, true},
    {"uint32", 32, false, true, true},
    {"uint64", 64, false, true, true},
    {"float16", 16, true, false, false},
    {"bfloat16", 16, true, false, false},
    {"float32", 32, true, false, false},
    {"float64", 64, true, false, false},
    {"index", 64, false, true, false},
}};

const ScalarInfo& info(Scalar s) { return kInfo[static_cast<int>(s)]; }

const char* space_name(AddrSpace sp) {
  switch (sp) {
    case AddrSpace::Global: return "global";
    case AddrSpace::Local: return "local";
    case AddrSpace::Reg: return "reg";
  }
  ANVIL_UNREACHABLE();
  return "";
}

// A binary float format with `mbits` mantissa bits and `ebits` exponent bits, rounded from a
// double in one step: scale so one unit is the target's ulp (exact), round half to even by hand
// (exact too, and independent of the FP environment), then encode.
uint16_t encode_small_float(double x, int mbits, int ebits) {
  const int bias = (1 << (ebits - 1)) - 1;
  const uint16_t sign = std::signbit(x) ? static_cast<uint16_t>(1u << (mbits + ebits)) : 0;
  const uint16_t exp_all = static_cast<uint16_t>(((1u << ebits) - 1) << mbits);
  if (std::isnan(x)) {
    uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    auto payload = static_cast<uint16_t>((bits >> (52 - mbits)) & ((1u << mbits) - 1));
    return static_cast<uint16_t>(sign | exp_all | (1u << (mbits - 1)) | payload);  // quiet, sign and top payload kept
  }
  double a = std::fabs(x);
  if (std::isinf(a)) return static_cast<uint16_t>(sign | exp_all);
  if (a == 0.0) return sign;
  int k;
  std::frexp(a, &k);  // a = f * 2^k, f in [0.5, 1)
  int e = k - 1;
  const int emin = 1 - bias, emax = bias;
  if (e < emin) e = emin;
  const int q = e - mbits;
  double scaled = std::ldexp(a, -q);
  double fl = std::floor(scaled);
  double diff = scaled - fl;
  if (diff > 0.5 || (diff == 0.5 && std::fmod(fl, 2.0) != 0.0)) fl += 1.0;
  auto r = static_cast<uint64_t>(fl);
  if (r == (uint64_t{2} << mbits)) {  // rounding carried into the next binade
    r >>= 1;
    ++e;
  }
  if (e > emax) return static_cast<uint16_t>(sign | exp_all);
  if (r < (uint64_t{1} << mbits)) return static_cast<uint16_t>(sign | r);  // subnormal (e == emin)
  uint64_t field = static_cast<uint64_t>(e + bias);
  return static_cast<uint16_t>(sign | (field << mbits) | (r - (uint64_t{1} << mbits)));
}

float decode_small_float(uint16_t h, int mbits, int ebits) {
  const int bias = (1 << (ebits - 1)) - 1;
  const bool neg = (h >> (mbits + ebits)) & 1;
  const uint32_t exp = (h >> mbits) & ((1u << ebits) - 1);
  const uint32_t man = h & ((1u << mbits) - 1);
  if (exp == (1u << ebits) - 1) {
    if (man == 0) return neg ? -INFINITY : INFINITY;
    // NaN: keep sign and payload, placed at the top of float32's mantissa.
    uint32_t bits = (neg ? 0x80000000u : 0u) | 0x7f800000u | (man << (23 - mbits));
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
  double mag = exp == 0 ? std::ldexp(static_cast<double>(man), 1 - bias - mbits)
                        : std::ldexp(static_cast<double>(man | (1u << mbits)), static_cast<int>(exp) - bias - mbits);
  return static_cast<float>(neg ? -mag : mag);
}

}  // namespace

int bits(Scalar s) { return info(s).bits; }
bool is_float(Scalar s) { return info(s).is_float; }
bool is_int(Scalar s) { return info(s).is_int; }
bool is_unsigned(Scalar s) { return info(s).is_unsigned; }
bool is_signed_int(Scalar s) { return info(s).is_int && !info(s).is_unsigned; }

int64_t itemsize(const DType& d) {
  if (d.is_ptr) return 8;
  return static_cast<int64_t>(itemsize(d.scalar)) * d.count;
}

__int128 int_min(Scalar s) {
  if (s == Scalar::Bool || is_unsigned(s)) return 0;
  ANVIL_CHECK(is_int(s)) << "int_min of " << name(s);
  return -(static_cast<__int128>(1) << (bits(s) - 1));
}

__int128 int_max(Scalar s) {
  if (s == Scalar::Bool) return 1;
  ANVIL_CHECK(is_int(s)) << "int_max of " << name(s);
  if (is_unsigned(s)) return (static_cast<__int128>(1) << bits(s)) - 1;
  return (static_cast<__int128>(1) << (bits(s) - 1)) - 1;
}

__int128 wrap_int(Scalar s, __int128 v) {
  if (s == Scalar::Bool) return v != 0;
  if (s == Scalar::Index) return v;
  ANVIL_CHECK(is_int(s)) << "wrap_int of " << name(s);
  const int b = bits(s);
  auto u = static_cast<unsigned __int128>(v) & ((static_cast<unsigned __int128>(1) << b) - 1);
  if (!is_unsigned(s) && (u >> (b - 1)) != 0) return static_cast<__int128>(u) - (static_cast<__int128>(1) << b);
  return static_cast<__int128>(u);
}

std::string name(Scalar s) { return info(s).name; }

std::string name(const DType& d) {
  std::string out = name(d.scalar);
  if (d.count != 1) out += "x" + std::to_string(d.count);
  if (!d.is_ptr) return out;
  out += "*";
  if (d.space != AddrSpace::Global) out += space_name(d.space);
  if (d.ptr_size >= 0) out += "[" + std::to_string(d.ptr_size) + "]";
  return out;
}

// Reads a dtype leniently (leading zeros, "localreg"); parse_dtype keeps only the canonical spelling.
static std::optional<DType> parse_dtype_loose(std::string_view text) {
  size_t star = text.find('*');
  std::string_view base = text.substr(0, star);
  DType d;
  size_t x = std::string_view::npos;
  std::optional<Scalar> scalar;
  for (int i = 0; i < kScalarCount && !scalar; ++i) {
    std::string_view n = kInfo[i].name;
    if (base == n)
      scalar = static_cast<Scalar>(i);
    else if (base.size() > n.size() + 1 && base.substr(0, n.size()) == n && base[n.size()] == 'x') {
      scalar = static_cast<Scalar>(i);
      x = n.size();
    }
  }
  if (!scalar) return std::nullopt;
  d.scalar = *scalar;
  if (x != std::string_view::npos) {
    int count = 0;
    for (char c : base.substr(x + 1)) {
      if (c < '0' || c > '9' || count > 4096) return std::nullopt;
      count = count * 10 + (c - '0');
    }
    if (count < 2) return std::nullopt;
    d.count = static_cast<uint16_t>(count);
  }
  if (star == std::string_view::npos) return d;
  std::string_view rest = text.substr(star + 1);
  AddrSpace sp = AddrSpace::Global;
  for (AddrSpace cand : {AddrSpace::Local, AddrSpace::Reg}) {
    std::string_view n = space_name(cand);
    if (rest.substr(0, n.size()) == n) {
      sp = cand;
      rest.remove_prefix(n.size());
    }
  }
  int64_t size = -1;
  if (!rest.empty()) {
    if (rest.front() != '[' || rest.back() != ']' || rest.size() < 3) return std::nullopt;
    size = 0;
    for (char c : rest.substr(1, rest.size() - 2)) {
      if (c < '0' || c > '9' || size > (int64_t{1} << 50)) return std::nullopt;
      size = size * 10 + (c - '0');
    }
  }
  return d.ptr(sp, size);
}

std::optional<DType> parse_dtype(std::string_view text) {
  std::optional<DType> d = parse_dtype_loose(text);
  if (!d || name(*d) != text) return std::nullopt;  // one spelling per dtype, so text diffs stay honest
  return d;
}

DType promote(DType a, DType b) {
  if (a.is_ptr || b.is_ptr || a.count != b.count)
    (ErrorBuilder("promote") << "cannot promote " << name(a) << " with " << name(b)).raise();
  const int count = a.count;
  Scalar x = a.scalar, y = b.scalar;
  auto result = [&](Scalar s) { return DType(s).vec(count); };
  if (x == y) return a;
  if (x == Scalar::Void || y == Scalar::Void) (ErrorBuilder("promote") << "cannot promote void").raise();
  if (x == Scalar::Bool) return b;
  if (y == Scalar::Bool) return a;
  if (is_float(x) && is_float(y)) {
    if ((x == Scalar::Float16 && y == Scalar::BFloat16) || (x == Scalar::BFloat16 && y == Scalar::Float16))
      return result(Scalar::Float32);
    return bits(x) >= bits(y) ? a : b;
  }
  if (is_float(x)) return a;
  if (is_float(y)) return b;
  // Both integers. index absorbs every integer type (it is the exact type of index arithmetic).
  if (x == Scalar::Index || y == Scalar::Index) return result(Scalar::Index);
  if (is_unsigned(x) == is_unsigned(y)) return bits(x) >= bits(y) ? a : b;
  Scalar u = is_unsigned(x) ? x : y, s = is_unsigned(x) ? y : x;
  if (bits(s) > bits(u) || (ANVIL_MUTANT(29) && bits(s) == bits(u))) return result(s);
  if (u == Scalar::UInt64)
    (ErrorBuilder("promote") << "no integer type holds both " << name(a) << " and " << name(b)
                             << " (PyTorch refuses this pair too); cast one explicitly")
        .raise();
  switch (bits(u)) {
    case 8: return result(Scalar::Int16);
    case 16: return result(Scalar::Int32);
    default: return result(Scalar::Int64);
  }
}

uint16_t f64_to_f16(double x) { return encode_small_float(x, 10, 5); }
uint16_t f64_to_bf16(double x) { return encode_small_float(x, 7, 8); }
float f16_to_f32(uint16_t h) { return decode_small_float(h, 10, 5); }
float bf16_to_f32(uint16_t h) { return decode_small_float(h, 7, 8); }

double round_to(Scalar s, double x) {
  switch (s) {
    case Scalar::Float16: return f16_to_f32(f64_to_f16(x));
    case Scalar::BFloat16: return bf16_to_f32(f64_to_bf16(x));
    case Scalar::Float32: return static_cast<float>(x);
    case Scalar::Float64: return x;
    default: ANVIL_UNREACHABLE() << "round_to " << name(s);
  }
  return x;
}

}  // namespace anvil
