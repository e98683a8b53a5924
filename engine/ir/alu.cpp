#include "engine/ir/alu.h"

#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/ir/range.h"
#include "engine/support/check.h"
#include "engine/support/error.h"
#include "engine/support/hash.h"
#include "engine/support/mutant.h"

// a*b+c must round twice (MULACC's meaning); never let the compiler fuse it into an fma.
#ifdef __clang__
#pragma clang fp contract(off)
#endif

namespace anvil {
namespace {

using u128 = unsigned __int128;

constexpr __int128 kInt64Min = std::numeric_limits<int64_t>::min();
constexpr __int128 kInt64Max = std::numeric_limits<int64_t>::max();
constexpr uint64_t kCanonicalNan = 0x7ff8000000000000ULL;
constexpr uint64_t kQuietBit = uint64_t{1} << 51;

[[noreturn]] void unsupported(Op op, Scalar s) {
  (ErrorBuilder("alu") << op_name(op) << " is not defined on " << name(s)).raise();
}

double from_bits64(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

double quiet(double x) { return from_bits64(double_bits(x) | kQuietBit); }

// A NaN result carries the first NaN operand's payload (quieted), else the canonical +qNaN, so
// the interpreter's NaN bits never depend on the host's default NaN or on operand order.
double fix_nan(double r, std::span<const Value> in) {
  if (!std::isnan(r)) return r;
  for (const Value& v : in)
    if (std::isnan(v.f)) return quiet(v.f);
  return from_bits64(kCanonicalNan);
}

bool in_int64(__int128 v) { return v >= kInt64Min && v <= kInt64Max; }

// An integer result of type s: wrapping types wrap, index is exact or poison.
Value int_result(Scalar s, __int128 v) {
  if (s == Scalar::Index) return in_int64(v) ? Value::of_int(v) : Value::make_poison();
  return Value::of_int(wrap_int(s, v));
}

Value int_result_u(Scalar s, u128 v) {  // a wrapped unsigned computation (never index)
  return Value::of_int(wrap_int(s, static_cast<__int128>(v & ~(u128{1} << 127))));
}

// An integer operand brought into its type's range (index: poison outside int64).
Value norm_int(Scalar s, const Value& v) {
  if (!is_int(s) && s != Scalar::Bool) (ErrorBuilder("alu") << "an integer operand of type " << name(s)).raise();
  if (v.poison) return v;
  if (s == Scalar::Index) return in_int64(v.i) ? v : Value::make_poison();
  return Value::of_int(wrap_int(s, v.i));
}

// Significand bits (with the implicit one) of a float type.
int precision(Scalar s) {
  switch (s) {
    case Scalar::Float16: return 11;
    case Scalar::BFloat16: return 8;
    case Scalar::Float32: return 24;
    default: return 53;
  }
}

// An integer to a float type, rounded to nearest even once: the significand is rounded in exact
// integer arithmetic, so the double in between is exact and only float16 overflow is left to round_to.
double int_to_float(Scalar to, __int128 v) {
  const bool neg = v < 0;
  u128 m = neg ? u128(0) - static_cast<u128>(v) : static_cast<u128>(v);
  const int p = precision(to);
  int len = 0;
  for (u128 t = m; t != 0; t >>= 1) ++len;
  int shift = len > p ? len - p : 0;
  if (shift > 0) {
    const u128 dropped = m & ((u128{1} << shift) - 1);
    const u128 half = u128{1} << (shift - 1);
    m >>= shift;
    if (dropped > half || (dropped == half && (m & 1) != 0)) ++m;  // a carry stays exact: at most p+1 bits
  }
  double mag = std::ldexp(static_cast<double>(static_cast<uint64_t>(m)), shift);
  return round_to(to, neg ? -mag : mag);
}

// A float to an integer type: toward zero, saturating at the type's limits, NaN -> 0.
__int128 float_to_int(Scalar to, double x) {
  if (to == Scalar::Bool) return x != 0;
  if (std::isnan(x)) return 0;
  const double t = std::trunc(x);
  const int b = to == Scalar::Index ? 64 : bits(to);
  const bool uns = is_unsigned(to);
  const double hi = std::ldexp(1.0, uns ? b : b - 1);  // the first value past the top: exact
  const double lo = uns ? 0.0 : -hi;
  if (t >= hi) return int_max(to);
  if (t <= lo) return uns ? 0 : int_min(to);
  return static_cast<__int128>(t);  // |t| < 2^64: in range of __int128
}

Value cast(Scalar to, Scalar from, const Value& v) {
  if (from == Scalar::Void || to == Scalar::Void) unsupported(Op::CAST, Scalar::Void);
  if (is_float(from)) {
    if (is_float(to)) return Value::of_float(round_to(to, v.f));
    return int_result(to, float_to_int(to, v.f));
  }
  const Value x = norm_int(from, v);
  if (x.poison) return x;
  if (is_float(to)) return Value::of_float(int_to_float(to, x.i));
  return int_result(to, x.i);
}

// A float of type s rounded into bits: NaNs by hand, so a signaling NaN keeps its payload.
uint64_t float_bits(Scalar s, double f) {
  const uint64_t d = double_bits(f);
  const uint64_t sign = d >> 63;
  switch (s) {
    case Scalar::Float64: return d;
    case Scalar::Float32: {
      if (std::isnan(f)) {
        uint64_t payload = (d >> 29) & 0x7fffff;
        if (payload == 0) payload = 0x400000;  // payload only in dropped bits: stay a NaN
        return (sign << 31) | 0x7f800000 | payload;
      }
      float x = static_cast<float>(f);
      uint32_t b;
      std::memcpy(&b, &x, sizeof b);
      return b;
    }
    case Scalar::Float16:
    case Scalar::BFloat16: {
      const int mbits = precision(s) - 1, ebits = 15 - mbits;
      if (std::isnan(f)) {
        uint64_t payload = (d >> (52 - mbits)) & ((uint64_t{1} << mbits) - 1);
        if (payload == 0) payload = uint64_t{1} << (mbits - 1);
        return (sign << 15) | (((uint64_t{1} << ebits) - 1) << mbits) | payload;
      }
      return s == Scalar::Float16 ? f64_to_f16(f) : f64_to_bf16(f);
    }
    default: ANVIL_UNREACHABLE() << "float_bits of " << name(s);
  }
  return 0;
}

double float_from_bits(Scalar s, uint64_t b) {
  switch (s) {
    case Scalar::Float64: return from_bits64(b);
    case Scalar::Float32: {
      const auto x = static_cast<uint32_t>(b);
      if ((x & 0x7f800000) == 0x7f800000 && (x & 0x7fffff) != 0)
        return from_bits64((uint64_t{x >> 31} << 63) | (uint64_t{0x7ff} << 52) | (uint64_t{x & 0x7fffff} << 29));
      float f;
      std::memcpy(&f, &x, sizeof f);
      return f;
    }
    case Scalar::Float16:
    case Scalar::BFloat16: {
      const int mbits = precision(s) - 1, ebits = 15 - mbits;
      const auto h = static_cast<uint16_t>(b);
      const uint64_t exp_all = ((uint64_t{1} << ebits) - 1) << mbits, man = h & ((uint64_t{1} << mbits) - 1);
      if ((h & exp_all) == exp_all && man != 0)
        return from_bits64((static_cast<uint64_t>(h >> 15) << 63) | (uint64_t{0x7ff} << 52) | (man << (52 - mbits)));
      return s == Scalar::Float16 ? f16_to_f32(h) : bf16_to_f32(h);
    }
    default: ANVIL_UNREACHABLE() << "float_from_bits of " << name(s);
  }
  return 0;
}

// IEEE 754-2019 maximum/minimum: NaN propagates (quieted), and -0.0 < +0.0.
double float_max(double a, double b, bool want_max) {
  if (std::isnan(a)) return quiet(a);
  if (std::isnan(b)) return quiet(b);
  if (a == b) return (std::signbit(a) == want_max) ? b : a;  // equal: only ±0 can differ
  return (a > b) == want_max ? a : b;
}

bool float_compare(Op op, double a, double b) {
  switch (op) {
    case Op::CMPLT: return a < b;
    case Op::CMPLE: return a <= b;
    case Op::CMPEQ: return a == b;
    default: return !(a == b);  // CMPNE: true for NaN
  }
}

Value float_alu(Op op, Scalar out, std::span<const Value> in) {
  const double a = in[0].f;
  const double b = in.size() > 1 ? in[1].f : 0.0;
  double r;
  switch (op) {
    case Op::NEG: return Value::of_float(-a);  // a sign flip, NaN included (IEEE negate)
    case Op::RECIP: r = 1.0 / a; break;
    case Op::SQRT: r = std::sqrt(a); break;
    case Op::EXP2: r = std::exp2(a); break;
    case Op::LOG2: r = std::log2(a); break;
    case Op::SIN: r = std::sin(a); break;
    case Op::TRUNC: r = std::trunc(a); break;
    case Op::ADD: r = a + b; break;
    case Op::SUB: r = a - b; break;
    case Op::MUL: r = a * b; break;
    case Op::FDIV: r = a / b; break;
    case Op::MAX: return Value::of_float(round_to(out, float_max(a, b, true)));
    case Op::MIN: return Value::of_float(round_to(out, float_max(a, b, false)));
    case Op::MULACC: {
      const double p = round_to(out, fix_nan(a * b, in.first(2)));
      r = p + in[2].f;
      r = fix_nan(r, std::array<Value, 2>{Value::of_float(p), in[2]});
      return Value::of_float(round_to(out, r));
    }
    default: unsupported(op, out);
  }
  return Value::of_float(round_to(out, fix_nan(r, in)));
}

Value int_alu(Op op, Scalar out, Scalar ta, std::span<const Value> in) {
  const __int128 a = in[0].i;
  const __int128 b = in.size() > 1 ? in[1].i : 0;
  const bool index = out == Scalar::Index;
  const bool exact = index || out == Scalar::Bool;  // operands within int64: products fit __int128
  switch (op) {
    case Op::NEG: return int_result(out, -a);
    case Op::NOT: return int_result(out, out == Scalar::Bool ? !a : ~a);
    case Op::ADD: return int_result(out, a + b);
    case Op::SUB: return int_result(out, a - b);
    case Op::MUL:
      if (exact) return int_result(out, a * b);
      return int_result_u(out, static_cast<u128>(a) * static_cast<u128>(b));
    case Op::MULACC: {
      if (exact) {
        Value p = int_result(out, a * b);  // as MUL then ADD: an overflowing product is poison too
        return p.poison ? p : int_result(out, p.i + in[2].i);
      }
      return int_result_u(out, static_cast<u128>(a) * static_cast<u128>(b) + static_cast<u128>(in[2].i));
    }
    case Op::TRUNCDIV: return b == 0 ? Value::make_poison() : int_result(out, a / b);
    case Op::TRUNCMOD: return b == 0 ? Value::make_poison() : int_result(out, a % b);
    case Op::FLOORDIV:
      return b == 0 ? Value::make_poison() : int_result(out, ANVIL_MUTANT(16) ? a / b : floor_div(a, b));
    case Op::FLOORMOD: return b == 0 ? Value::make_poison() : int_result(out, floor_mod(a, b));
    case Op::MAX: return int_result(out, a > b ? a : b);
    case Op::MIN: return int_result(out, a < b ? a : b);
    case Op::AND: return int_result(out, a & b);
    case Op::OR: return int_result(out, a | b);
    case Op::XOR: return int_result(out, a ^ b);
    case Op::SHL:
    case Op::SHR: {
      if (out == Scalar::Bool) unsupported(op, out);
      const int width = index ? 64 : bits(out);
      if (b < 0 || b >= width) return Value::make_poison();
      const __int128 scale = static_cast<__int128>(1) << static_cast<int>(b);
      if (op == Op::SHL) return index ? int_result(out, a * scale) : int_result_u(out, static_cast<u128>(a) * scale);
      return int_result(out, floor_div(a, scale));  // a is normalized: unsigned is >= 0, so logical
    }
    default: unsupported(op, ta);
  }
}

Scalar in_type(std::span<const Scalar> in_types, size_t i, Scalar fallback) {
  return i < in_types.size() ? in_types[i] : fallback;
}

}  // namespace

Value exec_alu(Op op, Scalar out, std::span<const Scalar> in_types, std::span<const Value> in) {
  const int arity = op_arity(op);
  if (arity < 0 || in.size() != static_cast<size_t>(arity) || (!in_group(op, opgroup::Alu) && op != Op::BITCAST))
    (ErrorBuilder("alu") << op_name(op) << " with " << in.size() << " operands is not an ALU op").raise();
  const Scalar t0 = in_type(in_types, 0, out);
  if (op == Op::WHERE) {
    const Value c = norm_int(t0, in[0]);
    if (c.poison) return c;
    return c.i != 0 ? in[1] : in[2];
  }
  for (const Value& v : in)
    if (v.poison) return v;
  if (op == Op::CAST) return cast(out, t0, in[0]);
  if (op == Op::BITCAST) {
    if (out == Scalar::Void || t0 == Scalar::Void || bits(out) != bits(t0))
      (ErrorBuilder("alu") << "BITCAST " << name(t0) << " to " << name(out) << ": widths differ").raise();
    return value_from_bits(out, value_bits(t0, in[0]));
  }
  if (in_group(op, opgroup::Compare)) {
    if (is_float(t0)) return Value::of_int(float_compare(op, in[0].f, in[1].f));
    if (t0 == Scalar::Void) unsupported(op, t0);
    const Value a = norm_int(t0, in[0]), b = norm_int(in_type(in_types, 1, t0), in[1]);
    if (a.poison || b.poison) return Value::make_poison();
    switch (op) {
      case Op::CMPLT: return Value::of_int(a.i < b.i);
      case Op::CMPLE: return Value::of_int(ANVIL_MUTANT(15) ? a.i < b.i : a.i <= b.i);
      case Op::CMPEQ: return Value::of_int(a.i == b.i);
      default: return Value::of_int(a.i != b.i);
    }
  }
  if (is_float(out)) {
    for (size_t i = 0; i < in.size(); ++i)
      if (!is_float(in_type(in_types, i, out)))
        (ErrorBuilder("alu") << op_name(op) << " to " << name(out) << " of a " << name(in_types[i]) << " operand")
            .raise();
    return float_alu(op, out, in);
  }
  if (out == Scalar::Void) unsupported(op, out);
  std::array<Value, 3> norm;
  for (size_t i = 0; i < in.size(); ++i) {
    norm[i] = norm_int(in_type(in_types, i, out), in[i]);
    if (norm[i].poison) return norm[i];
  }
  return int_alu(op, out, t0, std::span<const Value>(norm.data(), in.size()));
}

uint64_t value_bits(Scalar s, const Value& v) {
  if (v.poison) return 0;
  if (is_float(s)) return float_bits(s, v.f);
  ANVIL_CHECK(s != Scalar::Void) << "value_bits of void";
  const int b = bits(s);
  const auto u = static_cast<uint64_t>(static_cast<u128>(v.i));  // two's complement, low 64 bits
  return b == 64 ? u : (u & ((uint64_t{1} << b) - 1));
}

Value value_from_bits(Scalar s, uint64_t raw) {
  if (is_float(s)) return Value::of_float(float_from_bits(s, raw));
  ANVIL_CHECK(s != Scalar::Void) << "value_from_bits of void";
  const int b = bits(s);
  const uint64_t u = b == 64 ? raw : (raw & ((uint64_t{1} << b) - 1));
  if (s == Scalar::Bool) return Value::of_int(u != 0);
  if (s == Scalar::Index) return Value::of_int(static_cast<int64_t>(u));
  return Value::of_int(wrap_int(s, static_cast<__int128>(u)));
}

Value const_value(const UOp& c) {
  ANVIL_CHECK(c.op() == Op::CONST) << "const_value of " << c.brief();
  const Scalar s = c.dtype().scalar;
  if (const auto* d = std::get_if<double>(&c.arg())) {
    if (is_float(s)) return Value::of_float(round_to(s, *d));
    return cast(s, Scalar::Float64, Value::of_float(*d));
  }
  const int64_t v = c.arg_int();
  if (is_float(s)) return Value::of_float(int_to_float(s, v));
  if (s == Scalar::UInt64) return Value::of_int(static_cast<uint64_t>(v));
  return int_result(s, v);
}

UOp value_const(DType dtype, const Value& v) {
  ANVIL_CHECK(!v.poison) << "a CONST of a poison value";
  const Scalar s = dtype.scalar;
  if (is_float(s)) return UOp::constant_float(dtype, v.f);
  ANVIL_CHECK(s != Scalar::Index || in_int64(v.i)) << "index constant out of int64: " << to_string(v.i);
  // Integers are stored as their int64 bit pattern (uint64 above INT64_MAX included).
  return UOp::constant(dtype, static_cast<int64_t>(static_cast<uint64_t>(static_cast<u128>(v.i))));
}

bool same_value(Scalar s, const Value& a, const Value& b) {
  if (a.poison || b.poison) return a.poison == b.poison;
  if (is_float(s)) return value_bits(s, a) == value_bits(s, b);
  return a.i == b.i;
}

}  // namespace anvil
