#include "engine/ir/alu.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <vector>

#include "engine/support/error.h"

namespace anvil {
namespace {

using S = Scalar;
constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

Value I(__int128 v) { return Value::of_int(v); }
Value F(double v) { return Value::of_float(v); }
const Value P = Value::make_poison();

// One op with every operand of type `in`; compares give bool.
Value ex(Op op, S in, std::vector<Value> args) {
  std::vector<S> types(args.size(), in);
  if (op == Op::WHERE) types[0] = S::Bool;
  S out = in_group(op, opgroup::Compare) ? S::Bool : in;
  return exec_alu(op, out, types, args);
}

Value cast(S from, S to, Value v) {
  S t[] = {from};
  return exec_alu(Op::CAST, to, t, std::span<const Value>(&v, 1));
}

Value bitcast(S from, S to, Value v) {
  S t[] = {from};
  return exec_alu(Op::BITCAST, to, t, std::span<const Value>(&v, 1));
}

uint64_t dbits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

// Expectation helpers: an exact integer, a float by bits (NaN: any NaN), poison.
#define EXPECT_INT(v, want)                              \
  do {                                                   \
    Value got_ = (v);                                    \
    EXPECT_FALSE(got_.poison) << #v;                     \
    EXPECT_EQ(to_string(got_.i), to_string(want)) << #v; \
  } while (0)
#define EXPECT_FLOAT(v, want)                                                                \
  do {                                                                                       \
    Value got_ = (v);                                                                        \
    double want_ = (want);                                                                   \
    EXPECT_FALSE(got_.poison) << #v;                                                         \
    if (std::isnan(want_))                                                                   \
      EXPECT_TRUE(std::isnan(got_.f)) << #v << " = " << got_.f;                              \
    else                                                                                     \
      EXPECT_EQ(dbits(got_.f), dbits(want_)) << #v << " = " << got_.f << ", want " << want_; \
  } while (0)
#define EXPECT_POISON(v) EXPECT_TRUE((v).poison) << #v

const S kSigned[] = {S::Int8, S::Int16, S::Int32, S::Int64};
const S kFloats[] = {S::Float16, S::BFloat16, S::Float32, S::Float64};

TEST(Alu, WrappingAddSubMulNeg) {
  EXPECT_INT(ex(Op::ADD, S::Int8, {I(127), I(1)}), -128);
  EXPECT_INT(ex(Op::SUB, S::Int8, {I(-128), I(1)}), 127);
  EXPECT_INT(ex(Op::ADD, S::UInt8, {I(255), I(1)}), 0);
  EXPECT_INT(ex(Op::SUB, S::UInt8, {I(0), I(1)}), 255);
  EXPECT_INT(ex(Op::ADD, S::Int32, {I(INT32_MAX), I(1)}), INT32_MIN);
  EXPECT_INT(ex(Op::MUL, S::Int16, {I(256), I(256)}), 0);
  EXPECT_INT(ex(Op::MUL, S::Int64, {I(INT64_MAX), I(2)}), -2);
  EXPECT_INT(ex(Op::MUL, S::UInt64, {I(UINT64_MAX), I(UINT64_MAX)}), 1);
  EXPECT_INT(ex(Op::ADD, S::UInt64, {I(UINT64_MAX), I(1)}), 0);
  EXPECT_INT(ex(Op::NEG, S::Int8, {I(-128)}), -128);
  EXPECT_INT(ex(Op::NEG, S::Int64, {I(INT64_MIN)}), INT64_MIN);
  EXPECT_INT(ex(Op::NEG, S::UInt32, {I(1)}), UINT32_MAX);
  EXPECT_INT(ex(Op::NOT, S::UInt8, {I(0)}), 255);
  EXPECT_INT(ex(Op::NOT, S::Int32, {I(0)}), -1);
  EXPECT_INT(ex(Op::MULACC, S::Int8, {I(16), I(16), I(1)}), 1);
  EXPECT_INT(ex(Op::MULACC, S::UInt64, {I(UINT64_MAX), I(2), I(3)}), 1);
}

TEST(Alu, DivisionAndModulo) {
  for (S s : kSigned) {
    __int128 lo = int_min(s);
    SCOPED_TRACE(name(s));
    EXPECT_INT(ex(Op::TRUNCDIV, s, {I(lo), I(-1)}), lo);
    EXPECT_INT(ex(Op::FLOORDIV, s, {I(lo), I(-1)}), lo);
    EXPECT_INT(ex(Op::TRUNCMOD, s, {I(lo), I(-1)}), 0);
    EXPECT_INT(ex(Op::FLOORMOD, s, {I(lo), I(-1)}), 0);
    EXPECT_INT(ex(Op::TRUNCDIV, s, {I(-7), I(2)}), -3);
    EXPECT_INT(ex(Op::FLOORDIV, s, {I(-7), I(2)}), -4);
    EXPECT_INT(ex(Op::TRUNCMOD, s, {I(-7), I(2)}), -1);
    EXPECT_INT(ex(Op::FLOORMOD, s, {I(-7), I(2)}), 1);
    EXPECT_INT(ex(Op::TRUNCMOD, s, {I(7), I(-2)}), 1);
    EXPECT_INT(ex(Op::FLOORMOD, s, {I(7), I(-2)}), -1);
    EXPECT_INT(ex(Op::FLOORDIV, s, {I(7), I(-2)}), -4);
  }
  for (S s : {S::Int8, S::Int64, S::UInt8, S::UInt64, S::Index, S::Bool})
    for (Op op : {Op::TRUNCDIV, Op::TRUNCMOD, Op::FLOORDIV, Op::FLOORMOD}) {
      EXPECT_POISON(ex(op, s, {I(1), I(0)}));
      EXPECT_POISON(ex(op, s, {I(0), I(0)}));
    }
  EXPECT_INT(ex(Op::TRUNCDIV, S::UInt64, {I(UINT64_MAX), I(2)}), UINT64_MAX / 2);
  EXPECT_INT(ex(Op::FLOORMOD, S::UInt8, {I(255), I(7)}), 255 % 7);
}

TEST(Alu, IndexIsExactOrPoison) {
  EXPECT_POISON(ex(Op::ADD, S::Index, {I(INT64_MAX), I(1)}));
  EXPECT_POISON(ex(Op::SUB, S::Index, {I(INT64_MIN), I(1)}));
  EXPECT_POISON(ex(Op::NEG, S::Index, {I(INT64_MIN)}));
  EXPECT_POISON(ex(Op::MUL, S::Index, {I(INT64_MAX), I(INT64_MAX)}));
  EXPECT_POISON(ex(Op::TRUNCDIV, S::Index, {I(INT64_MIN), I(-1)}));
  EXPECT_POISON(ex(Op::FLOORDIV, S::Index, {I(INT64_MIN), I(-1)}));
  EXPECT_INT(ex(Op::TRUNCMOD, S::Index, {I(INT64_MIN), I(-1)}), 0);
  EXPECT_POISON(ex(Op::SHL, S::Index, {I(1), I(63)}));
  EXPECT_INT(ex(Op::SHL, S::Index, {I(-1), I(63)}), INT64_MIN);
  EXPECT_INT(ex(Op::SHL, S::Index, {I(3), I(61)}), (__int128)3 << 61);
  EXPECT_INT(ex(Op::ADD, S::Index, {I(INT64_MAX), I(-1)}), INT64_MAX - 1);
  // MULACC is MUL then ADD: an overflowing product is poison even if the sum would fit.
  EXPECT_POISON(ex(Op::MULACC, S::Index, {I(INT64_MAX), I(2), I(-INT64_MAX)}));
  EXPECT_INT(ex(Op::MULACC, S::Index, {I(1000), I(1000), I(-1)}), 999999);
  // An operand outside int64 (not a valid index value) is poison too.
  EXPECT_POISON(ex(Op::ADD, S::Index, {I((__int128)1 << 64), I(0)}));
}

TEST(Alu, Shifts) {
  for (S s : {S::Int8, S::Int32, S::Int64, S::UInt8, S::UInt64, S::Index}) {
    SCOPED_TRACE(name(s));
    EXPECT_POISON(ex(Op::SHL, s, {I(1), I(-1)}));
    EXPECT_POISON(ex(Op::SHR, s, {I(1), I(-1)}));
    EXPECT_POISON(ex(Op::SHL, s, {I(1), I(bits(s))}));
    EXPECT_POISON(ex(Op::SHR, s, {I(1), I(bits(s))}));
    EXPECT_INT(ex(Op::SHL, s, {I(1), I(0)}), 1);
  }
  EXPECT_INT(ex(Op::SHL, S::Int8, {I(1), I(7)}), -128);
  EXPECT_INT(ex(Op::SHL, S::Int8, {I(3), I(7)}), -128);
  EXPECT_INT(ex(Op::SHL, S::UInt8, {I(3), I(7)}), 128);
  EXPECT_INT(ex(Op::SHR, S::Int8, {I(-128), I(7)}), -1);
  EXPECT_INT(ex(Op::SHR, S::Int8, {I(-7), I(1)}), -4);
  EXPECT_INT(ex(Op::SHR, S::UInt8, {I(255), I(7)}), 1);
  EXPECT_INT(ex(Op::SHR, S::UInt64, {I(UINT64_MAX), I(63)}), 1);
  EXPECT_INT(ex(Op::SHR, S::Int64, {I(INT64_MIN), I(63)}), -1);
  EXPECT_INT(ex(Op::SHL, S::UInt64, {I(UINT64_MAX), I(63)}), (__int128)1 << 63);
  EXPECT_INT(ex(Op::SHR, S::Index, {I(-5), I(1)}), -3);
  EXPECT_THROW(ex(Op::SHL, S::Bool, {I(1), I(0)}), Error);
}

TEST(Alu, BoolOps) {
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 2; ++b) {
      EXPECT_INT(ex(Op::AND, S::Bool, {I(a), I(b)}), a & b);
      EXPECT_INT(ex(Op::OR, S::Bool, {I(a), I(b)}), a | b);
      EXPECT_INT(ex(Op::XOR, S::Bool, {I(a), I(b)}), a ^ b);
      EXPECT_INT(ex(Op::ADD, S::Bool, {I(a), I(b)}), a | b);  // integer arithmetic, then != 0
      EXPECT_INT(ex(Op::MUL, S::Bool, {I(a), I(b)}), a & b);
      EXPECT_INT(ex(Op::MAX, S::Bool, {I(a), I(b)}), a | b);
      EXPECT_INT(ex(Op::MIN, S::Bool, {I(a), I(b)}), a & b);
      EXPECT_INT(ex(Op::CMPLT, S::Bool, {I(a), I(b)}), a < b);
      EXPECT_INT(ex(Op::CMPNE, S::Bool, {I(a), I(b)}), a != b);
    }
  EXPECT_INT(ex(Op::NOT, S::Bool, {I(0)}), 1);
  EXPECT_INT(ex(Op::NOT, S::Bool, {I(1)}), 0);
}

TEST(Alu, IntegerMaxMinCompare) {
  EXPECT_INT(ex(Op::MAX, S::Int8, {I(-128), I(127)}), 127);
  EXPECT_INT(ex(Op::MIN, S::Int8, {I(-128), I(127)}), -128);
  EXPECT_INT(ex(Op::MAX, S::UInt64, {I(UINT64_MAX), I(0)}), UINT64_MAX);
  EXPECT_INT(ex(Op::CMPLT, S::UInt64, {I(0), I(UINT64_MAX)}), 1);
  EXPECT_INT(ex(Op::CMPLT, S::Int64, {I(INT64_MIN), I(INT64_MAX)}), 1);
  EXPECT_INT(ex(Op::CMPLE, S::Int32, {I(5), I(5)}), 1);
  EXPECT_INT(ex(Op::CMPEQ, S::Int32, {I(5), I(5)}), 1);
  EXPECT_INT(ex(Op::CMPNE, S::Int32, {I(5), I(5)}), 0);
}

TEST(Alu, FloatMaxMinNaNAndSignedZero) {
  for (S s : kFloats) {
    SCOPED_TRACE(name(s));
    EXPECT_FLOAT(ex(Op::MAX, s, {F(kNaN), F(1)}), kNaN);
    EXPECT_FLOAT(ex(Op::MAX, s, {F(1), F(kNaN)}), kNaN);
    EXPECT_FLOAT(ex(Op::MIN, s, {F(kNaN), F(1)}), kNaN);
    EXPECT_FLOAT(ex(Op::MIN, s, {F(-kInf), F(kNaN)}), kNaN);
    EXPECT_FLOAT(ex(Op::MAX, s, {F(-0.0), F(0.0)}), 0.0);
    EXPECT_FLOAT(ex(Op::MAX, s, {F(0.0), F(-0.0)}), 0.0);
    EXPECT_FLOAT(ex(Op::MIN, s, {F(-0.0), F(0.0)}), -0.0);
    EXPECT_FLOAT(ex(Op::MIN, s, {F(0.0), F(-0.0)}), -0.0);
    EXPECT_FLOAT(ex(Op::MAX, s, {F(-kInf), F(kInf)}), kInf);
    EXPECT_FLOAT(ex(Op::MIN, s, {F(-kInf), F(2)}), -kInf);
  }
}

TEST(Alu, FloatCompares) {
  for (S s : kFloats) {
    EXPECT_INT(ex(Op::CMPLT, s, {F(kNaN), F(1)}), 0);
    EXPECT_INT(ex(Op::CMPLE, s, {F(kNaN), F(kNaN)}), 0);
    EXPECT_INT(ex(Op::CMPEQ, s, {F(kNaN), F(kNaN)}), 0);
    EXPECT_INT(ex(Op::CMPNE, s, {F(kNaN), F(kNaN)}), 1);
    EXPECT_INT(ex(Op::CMPEQ, s, {F(-0.0), F(0.0)}), 1);
    EXPECT_INT(ex(Op::CMPLT, s, {F(-0.0), F(0.0)}), 0);
    EXPECT_INT(ex(Op::CMPLT, s, {F(-kInf), F(kInf)}), 1);
    EXPECT_INT(ex(Op::CMPLE, s, {F(kInf), F(kInf)}), 1);
  }
}

TEST(Alu, WherePicksOneArm) {
  EXPECT_INT(ex(Op::WHERE, S::Int32, {I(1), I(5), P}), 5);
  EXPECT_INT(ex(Op::WHERE, S::Int32, {I(0), P, I(6)}), 6);
  EXPECT_POISON(ex(Op::WHERE, S::Int32, {I(1), P, I(6)}));
  EXPECT_POISON(ex(Op::WHERE, S::Int32, {P, I(5), I(6)}));
  EXPECT_FLOAT(ex(Op::WHERE, S::Float32, {I(0), F(1), F(-0.0)}), -0.0);
}

TEST(Alu, PoisonInPoisonOut) {
  for (int i = 0; i < kOpCount; ++i) {
    Op op = static_cast<Op>(i);
    if (!in_group(op, opgroup::Alu) || op == Op::WHERE || op == Op::CAST) continue;
    const int n = op_arity(op);
    for (S s : {S::Int32, S::Float32, S::Bool, S::Index}) {
      for (int k = 0; k < n; ++k) {
        std::vector<Value> args(n, is_float(s) ? F(1) : I(1));
        args[k] = P;
        EXPECT_POISON(ex(op, s, args)) << op_name(op) << " " << name(s);  // poison first, before type errors
      }
    }
  }
  EXPECT_POISON(cast(S::Int32, S::Float32, P));
  EXPECT_POISON(bitcast(S::Int32, S::Float32, P));
}

TEST(Alu, FloatArithmeticIsIeee) {
  for (S s : kFloats) {
    SCOPED_TRACE(name(s));
    EXPECT_FLOAT(ex(Op::FDIV, s, {F(1), F(0.0)}), kInf);
    EXPECT_FLOAT(ex(Op::FDIV, s, {F(1), F(-0.0)}), -kInf);
    EXPECT_FLOAT(ex(Op::FDIV, s, {F(-1), F(0.0)}), -kInf);
    EXPECT_FLOAT(ex(Op::FDIV, s, {F(0.0), F(0.0)}), kNaN);
    EXPECT_FLOAT(ex(Op::RECIP, s, {F(-0.0)}), -kInf);
    EXPECT_FLOAT(ex(Op::RECIP, s, {F(kInf)}), 0.0);
    EXPECT_FLOAT(ex(Op::SQRT, s, {F(-1)}), kNaN);
    EXPECT_FLOAT(ex(Op::SQRT, s, {F(-0.0)}), -0.0);
    EXPECT_FLOAT(ex(Op::SQRT, s, {F(4)}), 2.0);
    EXPECT_FLOAT(ex(Op::LOG2, s, {F(0.0)}), -kInf);
    EXPECT_FLOAT(ex(Op::LOG2, s, {F(-1)}), kNaN);
    EXPECT_FLOAT(ex(Op::LOG2, s, {F(8)}), 3.0);
    EXPECT_FLOAT(ex(Op::EXP2, s, {F(-kInf)}), 0.0);
    EXPECT_FLOAT(ex(Op::EXP2, s, {F(3)}), 8.0);
    EXPECT_FLOAT(ex(Op::SIN, s, {F(kInf)}), kNaN);
    EXPECT_FLOAT(ex(Op::SIN, s, {F(-0.0)}), -0.0);
    EXPECT_FLOAT(ex(Op::TRUNC, s, {F(-2.5)}), -2.0);
    EXPECT_FLOAT(ex(Op::TRUNC, s, {F(-0.5)}), -0.0);
    EXPECT_FLOAT(ex(Op::TRUNC, s, {F(kInf)}), kInf);
    EXPECT_FLOAT(ex(Op::NEG, s, {F(0.0)}), -0.0);
    EXPECT_FLOAT(ex(Op::ADD, s, {F(kInf), F(-kInf)}), kNaN);
    EXPECT_FLOAT(ex(Op::MUL, s, {F(0.0), F(kInf)}), kNaN);
    EXPECT_FLOAT(ex(Op::ADD, s, {F(-0.0), F(-0.0)}), -0.0);
    EXPECT_FLOAT(ex(Op::ADD, s, {F(-0.0), F(0.0)}), 0.0);
    EXPECT_FLOAT(ex(Op::SUB, s, {F(1), F(1)}), 0.0);
  }
  // Rounded to the dtype after every op.
  EXPECT_FLOAT(ex(Op::FDIV, S::Float32, {F(1), F(3)}), static_cast<double>(1.0f / 3.0f));
  EXPECT_FLOAT(ex(Op::EXP2, S::Float32, {F(128)}), kInf);
  EXPECT_FLOAT(ex(Op::EXP2, S::Float64, {F(128)}), std::ldexp(1.0, 128));
  EXPECT_FLOAT(ex(Op::ADD, S::Float16, {F(65504), F(8)}), 65504.0);
  EXPECT_FLOAT(ex(Op::ADD, S::Float16, {F(65504), F(16)}), kInf);  // the tie rounds to even: 2^16, out of range
  EXPECT_FLOAT(ex(Op::ADD, S::Float16, {F(2048), F(1)}), 2048.0);  // a tie, to even
  EXPECT_FLOAT(ex(Op::ADD, S::Float16, {F(2050), F(1)}), 2052.0);
  EXPECT_FLOAT(ex(Op::ADD, S::BFloat16, {F(256), F(1)}), 256.0);
  EXPECT_FLOAT(ex(Op::ADD, S::BFloat16, {F(256), F(3)}), 260.0);
  // Denormals: kept, and rounded at the bottom.
  EXPECT_FLOAT(ex(Op::MUL, S::Float32, {F(std::ldexp(1.0, -149)), F(0.5)}), 0.0);
  EXPECT_FLOAT(ex(Op::MUL, S::Float32, {F(std::ldexp(3.0, -149)), F(0.5)}), std::ldexp(2.0, -149));
  EXPECT_FLOAT(ex(Op::MUL, S::Float16, {F(std::ldexp(1.0, -24)), F(1.5)}), std::ldexp(2.0, -24));
  EXPECT_FLOAT(ex(Op::MUL, S::Float16, {F(std::ldexp(1.0, -14)), F(0.5)}), std::ldexp(1.0, -15));
  EXPECT_FLOAT(ex(Op::MUL, S::Float64, {F(std::ldexp(1.0, -1074)), F(0.5)}), 0.0);
}

TEST(Alu, MulaccRoundsTwice) {
  const double a = 1.0 + std::ldexp(1.0, -12);  // a*a = 1 + 2^-11 + 2^-24: the 2^-24 is a float32 tie, to even
  const double c = -(1.0 + std::ldexp(1.0, -11));
  EXPECT_FLOAT(ex(Op::MULACC, S::Float32, {F(a), F(a), F(c)}), 0.0);
  EXPECT_NE(std::fma(static_cast<float>(a), static_cast<float>(a), static_cast<float>(c)),
            0.0f);                              // one rounding differs
  const double b = 1.0 + std::ldexp(1.0, -30);  // in float64: a*a loses 2^-60
  EXPECT_FLOAT(ex(Op::MULACC, S::Float64, {F(b), F(b), F(-(1.0 + std::ldexp(1.0, -29)))}), 0.0);
  EXPECT_FLOAT(ex(Op::MULACC, S::Float32, {F(kInf), F(0.0), F(1)}), kNaN);
}

TEST(Alu, CastFloatToIntSaturates) {
  EXPECT_INT(cast(S::Float32, S::Int32, F(1e10)), INT32_MAX);
  EXPECT_INT(cast(S::Float32, S::Int32, F(-1e10)), INT32_MIN);
  EXPECT_INT(cast(S::Float32, S::Int32, F(kNaN)), 0);
  EXPECT_INT(cast(S::Float64, S::Int64, F(kInf)), INT64_MAX);
  EXPECT_INT(cast(S::Float64, S::Int64, F(-kInf)), INT64_MIN);
  EXPECT_INT(cast(S::Float64, S::Int64, F(std::ldexp(1.0, 63))), INT64_MAX);
  EXPECT_INT(cast(S::Float64, S::Int64, F(-std::ldexp(1.0, 63))), INT64_MIN);
  EXPECT_INT(cast(S::Float64, S::Int64, F(std::ldexp(1.0, 62))), (__int128)1 << 62);
  EXPECT_INT(cast(S::Float64, S::UInt64, F(std::ldexp(1.0, 64))), UINT64_MAX);
  EXPECT_INT(cast(S::Float64, S::UInt64, F(1.8e19)), (__int128)18000000000000000000ULL);
  EXPECT_INT(cast(S::Float64, S::UInt8, F(300.7)), 255);
  EXPECT_INT(cast(S::Float64, S::UInt8, F(-5)), 0);
  EXPECT_INT(cast(S::Float64, S::UInt8, F(-0.9)), 0);
  EXPECT_INT(cast(S::Float64, S::Int8, F(-128.9)), -128);
  EXPECT_INT(cast(S::Float64, S::Int8, F(-129)), -128);
  EXPECT_INT(cast(S::Float64, S::Int8, F(127.9)), 127);
  EXPECT_INT(cast(S::Float16, S::Int16, F(-kInf)), INT16_MIN);
  EXPECT_INT(cast(S::Float64, S::Index, F(1e300)), INT64_MAX);
  EXPECT_INT(cast(S::Float64, S::Index, F(-3.7)), -3);
}

TEST(Alu, CastIntAndBool) {
  EXPECT_INT(cast(S::Int32, S::Int8, I(300)), 44);
  EXPECT_INT(cast(S::Int32, S::UInt64, I(-1)), UINT64_MAX);
  EXPECT_INT(cast(S::UInt64, S::Int64, I(UINT64_MAX)), -1);
  EXPECT_INT(cast(S::Int64, S::UInt8, I(-1)), 255);
  EXPECT_INT(cast(S::Int64, S::Index, I(INT64_MIN)), INT64_MIN);
  EXPECT_POISON(cast(S::UInt64, S::Index, I(UINT64_MAX)));  // index is exact: 2^64-1 is outside int64
  EXPECT_INT(cast(S::Index, S::Int32, I((__int128)1 << 32)), 0);
  EXPECT_INT(cast(S::Int32, S::Bool, I(256)), 1);
  EXPECT_INT(cast(S::Int32, S::Bool, I(0)), 0);
  EXPECT_INT(cast(S::Int8, S::Bool, I(-128)), 1);
  EXPECT_INT(cast(S::Float32, S::Bool, F(0.0)), 0);
  EXPECT_INT(cast(S::Float32, S::Bool, F(-0.0)), 0);
  EXPECT_INT(cast(S::Float32, S::Bool, F(kNaN)), 1);
  EXPECT_INT(cast(S::Float32, S::Bool, F(std::ldexp(1.0, -149))), 1);
  EXPECT_INT(cast(S::Bool, S::Int32, I(1)), 1);
  EXPECT_INT(cast(S::Bool, S::UInt64, I(1)), 1);
  EXPECT_FLOAT(cast(S::Bool, S::Float16, I(1)), 1.0);
  EXPECT_FLOAT(cast(S::Bool, S::Float32, I(0)), 0.0);
}

TEST(Alu, CastIntToFloatRoundsOnce) {
  const __int128 two60 = (__int128)1 << 60, two63 = (__int128)1 << 63;
  // Through double this would round twice (to 2^60 + 2^36, then a tie to even: 2^60).
  EXPECT_FLOAT(cast(S::Int64, S::Float32, I(two60 + ((__int128)1 << 36) + 1)),
               std::ldexp(1.0, 60) + std::ldexp(1.0, 37));
  EXPECT_FLOAT(cast(S::Int64, S::Float32, I(-(two60 + ((__int128)1 << 36) + 1))),
               -(std::ldexp(1.0, 60) + std::ldexp(1.0, 37)));
  EXPECT_FLOAT(cast(S::UInt64, S::Float32, I(two63 + ((__int128)1 << 39) + 1)),
               std::ldexp(1.0, 63) + std::ldexp(1.0, 40));
  EXPECT_FLOAT(cast(S::UInt64, S::Float16, I(65519)), 65504.0);
  EXPECT_FLOAT(cast(S::Int32, S::Float16, I(65520)), kInf);
  EXPECT_FLOAT(cast(S::Int64, S::Float16, I(INT64_MIN)), -kInf);
  EXPECT_FLOAT(cast(S::Int64, S::Float16, I(2049)), 2048.0);
  EXPECT_FLOAT(cast(S::Int64, S::Float16, I(2051)), 2052.0);
  EXPECT_FLOAT(cast(S::Int64, S::BFloat16, I(257)), 256.0);
  EXPECT_FLOAT(cast(S::Int64, S::BFloat16, I(259)), 260.0);
  // bfloat16 from a 64-bit value: to a float32 first would round twice.
  EXPECT_FLOAT(cast(S::Int64, S::BFloat16, I(((__int128)1 << 40) + ((__int128)1 << 32) + 1)),
               std::ldexp(1.0, 40) + std::ldexp(1.0, 33));
  EXPECT_FLOAT(cast(S::Int64, S::Float32, I((1 << 24) + 1)), 16777216.0);
  EXPECT_FLOAT(cast(S::Int64, S::Float32, I((1 << 24) + 3)), 16777220.0);
  EXPECT_FLOAT(cast(S::Int64, S::Float64, I(((__int128)1 << 53) + 1)), std::ldexp(1.0, 53));
  EXPECT_FLOAT(cast(S::Int64, S::Float64, I(((__int128)1 << 53) + 3)), std::ldexp(1.0, 53) + 4);
  EXPECT_FLOAT(cast(S::UInt64, S::Float64, I(UINT64_MAX)), std::ldexp(1.0, 64));
  EXPECT_FLOAT(cast(S::Int64, S::Float64, I(INT64_MIN)), -std::ldexp(1.0, 63));
  EXPECT_FLOAT(cast(S::Int64, S::Float32, I(0)), 0.0);
  EXPECT_FLOAT(cast(S::Index, S::Float32, I(-1)), -1.0);
  // Agrees with the host's (single-rounding) int64 -> double on random values.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    auto v = static_cast<int64_t>(rng() >> (rng() % 64));
    if (i & 1) v = -v;
    EXPECT_FLOAT(cast(S::Int64, S::Float64, I(v)), static_cast<double>(v));
  }
}

TEST(Alu, CastFloatToFloat) {
  EXPECT_FLOAT(cast(S::Float64, S::Float32, F(0.1)), static_cast<double>(0.1f));
  EXPECT_FLOAT(cast(S::Float64, S::Float32, F(1e300)), kInf);
  EXPECT_FLOAT(cast(S::Float64, S::Float32, F(-0.0)), -0.0);
  EXPECT_FLOAT(cast(S::Float32, S::Float16, F(65520)), kInf);
  EXPECT_FLOAT(cast(S::Float32, S::Float16, F(std::ldexp(1.0, -25))), 0.0);  // a tie at the bottom, to even
  EXPECT_FLOAT(cast(S::Float32, S::Float16, F(kNaN)), kNaN);
  EXPECT_FLOAT(cast(S::Float16, S::Float32, F(65504)), 65504.0);
  EXPECT_FLOAT(cast(S::Float32, S::BFloat16, F(1.0 + std::ldexp(1.0, -8))), 1.0);
}

TEST(Alu, Bitcast) {
  EXPECT_INT(bitcast(S::Float32, S::UInt32, F(1.0)), 0x3f800000);
  EXPECT_FLOAT(bitcast(S::UInt32, S::Float32, I(0x3f800000)), 1.0);
  EXPECT_INT(bitcast(S::Float32, S::Int32, F(-0.0)), INT32_MIN);
  EXPECT_INT(bitcast(S::Float16, S::UInt16, F(1.0)), 0x3c00);
  EXPECT_INT(bitcast(S::BFloat16, S::Int16, F(-2.0)), (int16_t)0xc000);
  EXPECT_INT(bitcast(S::Float64, S::Int64, F(-0.0)), INT64_MIN);
  EXPECT_INT(bitcast(S::Int64, S::UInt64, I(-1)), UINT64_MAX);
  EXPECT_INT(bitcast(S::UInt8, S::Int8, I(200)), -56);
  // NaN payloads survive, signaling ones too.
  for (uint32_t b : {0x7f800001u, 0xffffffffu, 0x7fc00000u, 0xff812345u})
    EXPECT_INT(bitcast(S::Float32, S::UInt32, bitcast(S::UInt32, S::Float32, I(b))), b);
  for (uint16_t b : {0x7c01, 0xfe00, 0x7fff})
    EXPECT_INT(bitcast(S::Float16, S::UInt16, bitcast(S::UInt16, S::Float16, I(b))), b);
  for (uint64_t b : {0x7ff0000000000001ULL, 0xfff8000000000000ULL})
    EXPECT_INT(bitcast(S::Float64, S::UInt64, bitcast(S::UInt64, S::Float64, I(b))), b);
  EXPECT_THROW(bitcast(S::Float32, S::Int16, F(1)), Error);
  EXPECT_THROW(bitcast(S::Int64, S::Int32, I(1)), Error);
}

TEST(Alu, BitsRoundTripEverySixteenBitPattern) {
  for (S s : {S::Float16, S::BFloat16, S::Int16, S::UInt16})
    for (uint32_t b = 0; b < 65536; ++b) ASSERT_EQ(value_bits(s, value_from_bits(s, b)), b) << name(s) << " " << b;
}

TEST(Alu, BitsOfEachDtype) {
  EXPECT_EQ(value_bits(S::Bool, I(1)), 1u);
  EXPECT_INT(value_from_bits(S::Bool, 2), 1);  // any nonzero byte reads as true
  EXPECT_EQ(value_bits(S::Int8, I(-1)), 0xffu);
  EXPECT_INT(value_from_bits(S::Int8, 0x80), -128);
  EXPECT_EQ(value_bits(S::Int16, I(-2)), 0xfffeu);
  EXPECT_EQ(value_bits(S::Int32, I(INT32_MIN)), 0x80000000u);
  EXPECT_EQ(value_bits(S::Int64, I(-1)), UINT64_MAX);
  EXPECT_EQ(value_bits(S::UInt64, I(UINT64_MAX)), UINT64_MAX);
  EXPECT_INT(value_from_bits(S::UInt64, UINT64_MAX), UINT64_MAX);
  EXPECT_INT(value_from_bits(S::Int64, UINT64_MAX), -1);
  EXPECT_INT(value_from_bits(S::Index, 0x8000000000000000ULL), INT64_MIN);
  EXPECT_INT(value_from_bits(S::UInt8, 0x1ff), 255);  // bits above the width are ignored
  EXPECT_EQ(value_bits(S::Float32, F(std::ldexp(1.0, -149))), 1u);
  EXPECT_EQ(value_bits(S::Float32, F(-kInf)), 0xff800000u);
  EXPECT_EQ(value_bits(S::Float16, F(std::ldexp(1.0, -24))), 1u);
  EXPECT_EQ(value_bits(S::Float16, F(-0.0)), 0x8000u);
  EXPECT_EQ(value_bits(S::BFloat16, F(1.0)), 0x3f80u);
  EXPECT_EQ(value_bits(S::Float64, F(-0.0)), 0x8000000000000000ULL);
  EXPECT_EQ(value_bits(S::Int32, P), 0u);
  // A NaN whose payload lies only in bits a narrower type drops stays a NaN.
  const double low_nan = std::bit_cast<double>(0x7ff0000000000001ULL);
  EXPECT_TRUE(std::isnan(value_from_bits(S::Float32, value_bits(S::Float32, F(low_nan))).f));
  EXPECT_TRUE(std::isnan(value_from_bits(S::Float16, value_bits(S::Float16, F(low_nan))).f));
}

TEST(Alu, ConstNodes) {
  EXPECT_INT(const_value(UOp::constant(dtypes::uint64, -1)), UINT64_MAX);
  EXPECT_INT(const_value(UOp::constant(dtypes::int8, 200)), -56);
  EXPECT_INT(const_value(UOp::constant(dtypes::bool_, 1)), 1);
  EXPECT_INT(const_value(UOp::constant(dtypes::index, INT64_MIN)), INT64_MIN);
  EXPECT_FLOAT(const_value(UOp::constant_float(dtypes::float16, 0.1)),
               static_cast<double>(f16_to_f32(f64_to_f16(0.1))));
  EXPECT_FLOAT(const_value(UOp::constant_float(dtypes::float32, -0.0)), -0.0);
  EXPECT_FLOAT(const_value(UOp::constant(dtypes::float32, 3)), 3.0);
  for (S s : {S::Int8, S::Int64, S::UInt32, S::UInt64, S::Bool, S::Index})
    for (__int128 v : {int_min(s), int_max(s), __int128(0), int_max(s) / 3}) {
      UOp c = value_const(DType(s), I(v));
      EXPECT_EQ(c.dtype(), DType(s));
      EXPECT_TRUE(same_value(s, const_value(c), I(v))) << name(s) << " " << to_string(v);
      EXPECT_TRUE(c.vmin() == v && c.vmax() == v);
    }
  for (S s : kFloats)
    for (double v : {0.0, -0.0, 1.5, -kInf, kNaN, 65504.0}) {
      UOp c = value_const(DType(s), F(v));
      EXPECT_TRUE(same_value(s, const_value(c), F(v))) << name(s) << " " << v;
    }
  EXPECT_TRUE(value_const(dtypes::float32, F(1.0)) == UOp::constant_float(dtypes::float32, 1.0));
  EXPECT_TRUE(value_const(dtypes::uint64, I(UINT64_MAX)) == UOp::constant(dtypes::uint64, -1));
}

TEST(Alu, SameValue) {
  EXPECT_FALSE(same_value(S::Float32, F(0.0), F(-0.0)));
  EXPECT_TRUE(same_value(S::Float32, F(kNaN), F(kNaN)));
  EXPECT_FALSE(same_value(S::Float32, F(kNaN), F(-kNaN)));
  EXPECT_TRUE(same_value(S::Int32, I(3), I(3)));
  EXPECT_FALSE(same_value(S::Int32, I(3), P));
  EXPECT_TRUE(same_value(S::Int32, P, P));
}

TEST(Alu, IllTypedOpsAreErrors) {
  EXPECT_THROW(ex(Op::FDIV, S::Int32, {I(1), I(2)}), Error);
  EXPECT_THROW(ex(Op::SQRT, S::Int32, {I(1)}), Error);
  EXPECT_THROW(ex(Op::NOT, S::Float32, {F(1)}), Error);
  EXPECT_THROW(ex(Op::AND, S::Float32, {F(1), F(1)}), Error);
  EXPECT_THROW(ex(Op::TRUNCDIV, S::Float32, {F(1), F(1)}), Error);
  EXPECT_THROW(ex(Op::SHL, S::Float64, {F(1), F(1)}), Error);
  EXPECT_THROW(ex(Op::ADD, S::Void, {I(1), I(1)}), Error);
  EXPECT_THROW(ex(Op::ADD, S::Int32, {I(1)}), Error);   // wrong arity
  EXPECT_THROW(ex(Op::LOAD, S::Int32, {I(1)}), Error);  // not an ALU op
  EXPECT_THROW(ex(Op::VECTORIZE, S::Int32, {I(1)}), Error);
  // Operand types that do not fit the op: an Error, never a crash.
  const S float_cond[] = {S::Float32, S::Int32, S::Int32};
  EXPECT_THROW(exec_alu(Op::WHERE, S::Int32, float_cond, std::vector<Value>{F(1), I(1), I(2)}), Error);
  const S floats_in[] = {S::Float32, S::Float32};
  EXPECT_THROW(exec_alu(Op::ADD, S::Int32, floats_in, std::vector<Value>{F(1), F(2)}), Error);
  EXPECT_THROW(exec_alu(Op::CMPLT, S::Bool, std::vector<S>{S::Int32, S::Float32}, std::vector<Value>{I(1), F(2)}),
               Error);
  const S ints_in[] = {S::Int32, S::Int32};
  EXPECT_THROW(exec_alu(Op::ADD, S::Float32, ints_in, std::vector<Value>{I(1), I(2)}), Error);
  EXPECT_THROW(cast(S::Void, S::Int32, I(1)), Error);
}

// ---- Randomized: integer ops against plain C++ at a wider type, then wrapped. ----

__int128 edge_or_random(std::mt19937_64& rng, S s) {
  const __int128 lo = int_min(s), hi = int_max(s);
  const __int128 edges[] = {lo, lo + 1, hi, hi - 1, 0, 1, -1, 2, -2, 7, -7};
  if (rng() % 4 == 0) return wrap_int(s, edges[rng() % std::size(edges)]);
  return wrap_int(s, static_cast<__int128>(static_cast<int64_t>(rng())) >> (rng() % 64));
}

// The expected result of op on a, b at a type of at most 32 bits, computed in int64 and wrapped
// through the host's fixed-width types (C++20: conversion to an integer type is modular).
std::optional<int64_t> narrow_reference(Op op, S s, int64_t a, int64_t b, int64_t c) {
  auto wrap = [&](int64_t v) -> int64_t {
    switch (s) {
      case S::Int8: return static_cast<int8_t>(v);
      case S::Int16: return static_cast<int16_t>(v);
      case S::Int32: return static_cast<int32_t>(v);
      case S::UInt8: return static_cast<uint8_t>(v);
      case S::UInt16: return static_cast<uint16_t>(v);
      default: return static_cast<uint32_t>(v);
    }
  };
  const int w = bits(s);
  const int64_t fq = b == 0 ? 0 : static_cast<int64_t>(std::floor(static_cast<double>(a) / static_cast<double>(b)));
  switch (op) {
    case Op::ADD: return wrap(a + b);
    case Op::SUB: return wrap(a - b);
    case Op::MUL:
      return wrap(static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)));  // uint32: mod 2^64 first
    case Op::MULACC:
      return wrap(static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b) + static_cast<uint64_t>(c)));
    case Op::NEG: return wrap(-a);
    case Op::NOT: return wrap(~a);
    case Op::AND: return wrap(a & b);
    case Op::OR: return wrap(a | b);
    case Op::XOR: return wrap(a ^ b);
    case Op::MAX: return std::max(a, b);
    case Op::MIN: return std::min(a, b);
    case Op::CMPLT: return a < b;
    case Op::CMPLE: return a <= b;
    case Op::CMPEQ: return a == b;
    case Op::CMPNE: return a != b;
    case Op::TRUNCDIV: return b == 0 ? std::nullopt : std::optional(wrap(a / b));
    case Op::TRUNCMOD: return b == 0 ? std::nullopt : std::optional(wrap(a % b));
    case Op::FLOORDIV: return b == 0 ? std::nullopt : std::optional(wrap(fq));
    case Op::FLOORMOD: return b == 0 ? std::nullopt : std::optional(wrap(a - b * fq));
    case Op::SHL:
      return (b < 0 || b >= w) ? std::nullopt
                               : std::optional(wrap(static_cast<int64_t>(static_cast<uint64_t>(a) << b)));
    case Op::SHR: return (b < 0 || b >= w) ? std::nullopt : std::optional(wrap(a >> b));  // C++20: arithmetic
    default: ADD_FAILURE() << "no reference for " << op_name(op); return std::nullopt;
  }
}

const Op kIntOps[] = {Op::ADD,   Op::SUB,      Op::MUL,      Op::MULACC,   Op::NEG,      Op::NOT,   Op::AND,
                      Op::OR,    Op::XOR,      Op::MAX,      Op::MIN,      Op::CMPLT,    Op::CMPLE, Op::CMPEQ,
                      Op::CMPNE, Op::TRUNCDIV, Op::TRUNCMOD, Op::FLOORDIV, Op::FLOORMOD, Op::SHL,   Op::SHR};

TEST(AluRandom, NarrowIntegersAgreeWithInt64) {
  std::mt19937_64 rng(12345);
  int checked = 0;
  for (S s : {S::Int8, S::Int16, S::Int32, S::UInt8, S::UInt16, S::UInt32})
    for (Op op : kIntOps)
      for (int i = 0; i < 2500; ++i) {
        const auto a = static_cast<int64_t>(edge_or_random(rng, s));
        auto b = static_cast<int64_t>(edge_or_random(rng, s));
        const auto c = static_cast<int64_t>(edge_or_random(rng, s));
        if ((op == Op::SHL || op == Op::SHR) && rng() % 2) b = static_cast<int64_t>(rng() % (bits(s) + 2)) - 1;
        std::vector<Value> args{I(a), I(b), I(c)};
        args.resize(op_arity(op));
        const Value got = ex(op, s, args);
        const std::optional<int64_t> want = narrow_reference(op, s, a, b, c);
        ++checked;
        if (!want) {
          ASSERT_TRUE(got.poison) << op_name(op) << " " << name(s) << " " << a << ", " << b;
          continue;
        }
        ASSERT_FALSE(got.poison) << op_name(op) << " " << name(s) << " " << a << ", " << b;
        ASSERT_EQ(to_string(got.i), std::to_string(*want))
            << op_name(op) << " " << name(s) << " " << a << ", " << b << ", " << c;
      }
  EXPECT_GE(checked, 300000);
}

TEST(AluRandom, Int64AgreesWithUnsignedArithmetic) {
  std::mt19937_64 rng(777);
  for (S s : {S::Int64, S::UInt64})
    for (int i = 0; i < 20000; ++i) {
      const __int128 a = edge_or_random(rng, s), b = edge_or_random(rng, s);
      const auto ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
      auto as_s = [&](uint64_t u) -> __int128 {
        return s == S::Int64 ? __int128(static_cast<int64_t>(u)) : __int128(u);
      };
      EXPECT_INT(ex(Op::ADD, s, {I(a), I(b)}), as_s(ua + ub));
      EXPECT_INT(ex(Op::SUB, s, {I(a), I(b)}), as_s(ua - ub));
      EXPECT_INT(ex(Op::MUL, s, {I(a), I(b)}), as_s(ua * ub));
      EXPECT_INT(ex(Op::XOR, s, {I(a), I(b)}), as_s(ua ^ ub));
      const unsigned sh = rng() % 64;
      EXPECT_INT(ex(Op::SHL, s, {I(a), I(sh)}), as_s(ua << sh));
      if (s == S::UInt64)
        EXPECT_INT(ex(Op::SHR, s, {I(a), I(sh)}), as_s(ua >> sh));
      else
        EXPECT_INT(ex(Op::SHR, s, {I(a), I(sh)}), static_cast<int64_t>(a) >> sh);
      if (b != 0 && !(s == S::Int64 && a == INT64_MIN && b == -1)) {
        if (s == S::UInt64)
          EXPECT_INT(ex(Op::TRUNCDIV, s, {I(a), I(b)}), ua / ub);
        else
          EXPECT_INT(ex(Op::TRUNCDIV, s, {I(a), I(b)}), static_cast<int64_t>(a) / static_cast<int64_t>(b));
        if (s == S::UInt64)
          EXPECT_INT(ex(Op::TRUNCMOD, s, {I(a), I(b)}), ua % ub);
        else
          EXPECT_INT(ex(Op::TRUNCMOD, s, {I(a), I(b)}), static_cast<int64_t>(a) % static_cast<int64_t>(b));
      }
    }
}

// ---- Randomized: any op, any types, any values: a value or an Error, never host UB. ----

TEST(AluRandom, TotalOnAnyInput) {
  std::mt19937_64 rng(4242);
  const double doubles[] = {0.0, -0.0, kInf, -kInf, kNaN, 1e300, -1e300, 1e-320, 65520.0, 3.5, -2.5, 9.3e18};
  auto any_value = [&]() -> Value {
    switch (rng() % 5) {
      case 0: return P;
      case 1: return F(doubles[rng() % std::size(doubles)]);
      case 2: return F(std::bit_cast<double>(rng()));
      case 3: return I(static_cast<__int128>(static_cast<int64_t>(rng())) << (rng() % 64));  // beyond 64 bits too
      default: return I(static_cast<int64_t>(rng() % 80) - 16);
    }
  };
  int values = 0, errors = 0;
  for (int i = 0; i < 200000; ++i) {
    Op op = static_cast<Op>(rng() % kOpCount);
    if (!in_group(op, opgroup::Alu) && op != Op::BITCAST && rng() % 8) op = Op::ADD;
    const int n = std::max(op_arity(op), 0) + (rng() % 16 == 0 ? 1 : 0);
    const S out = static_cast<S>(rng() % kScalarCount);
    std::vector<S> types;
    std::vector<Value> args;
    for (int k = 0; k < n; ++k) {
      types.push_back(rng() % 2 ? out : static_cast<S>(rng() % kScalarCount));
      args.push_back(any_value());
    }
    try {
      (void)exec_alu(op, out, types, args);
      ++values;
    } catch (const Error& e) {
      ++errors;
      ASSERT_EQ(e.op(), "alu");
    }
  }
  EXPECT_GT(values, 50000);
  EXPECT_GT(errors, 10000);
}

// ---- Randomized: float32 ops against the host's float arithmetic, bit for bit. ----

float random_float(std::mt19937_64& rng) {
  static const uint32_t edges[] = {0,           0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 1,
                                   0x807fffffu, 0x00800000u, 0x7f7fffffu, 0x3f800000u, 0xbf800000u};
  uint32_t b = rng() % 5 == 0 ? edges[rng() % std::size(edges)] : static_cast<uint32_t>(rng());
  if (rng() % 3 == 0) b = (b & 0x807fffffu) | ((120u + rng() % 16) << 23);  // nearby exponents: more cancellation
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

TEST(AluRandom, Float32AgreesWithHostFloat) {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 100000; ++i) {
    const float a = random_float(rng), b = random_float(rng);
    struct Case {
      Op op;
      float want;
    } cases[] = {{Op::ADD, a + b}, {Op::SUB, a - b}, {Op::MUL, a * b}, {Op::FDIV, a / b}, {Op::SQRT, std::sqrt(a)}};
    for (const Case& c : cases) {
      std::vector<Value> args{F(a), F(b)};
      args.resize(op_arity(c.op));
      const Value got = ex(c.op, S::Float32, args);
      ASSERT_FALSE(got.poison);
      if (std::isnan(c.want)) {
        ASSERT_TRUE(std::isnan(got.f)) << op_name(c.op) << " " << a << " " << b;
        continue;
      }
      ASSERT_EQ(value_bits(S::Float32, got), std::bit_cast<uint32_t>(c.want)) << op_name(c.op) << " " << a << " " << b;
    }
  }
}

}  // namespace
}  // namespace anvil
