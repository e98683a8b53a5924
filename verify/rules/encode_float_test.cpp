// The float encoding checked against the interpreter: for every float ALU op and float dtype,
// random points (edge values first in line: ±0, ±inf, NaN, denormals, the extremes, values at
// integer limits) evaluated by Z3's simplifier on ground terms and by exec_alu must agree, with
// floats compared as SMT equality (NaN = NaN whatever its payload, -0 != +0).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <random>

#include "engine/ir/alu.h"
#include "engine/support/error.h"
#include "verify/rules/encode.h"

namespace anvil::verify {
namespace {

constexpr int kPoints = 10'000;

constexpr std::array kFloats = {Scalar::Float16, Scalar::BFloat16, Scalar::Float32, Scalar::Float64};
constexpr std::array kOthers = {Scalar::Index, Scalar::Int8,  Scalar::UInt8,  Scalar::Int16, Scalar::UInt16,
                                Scalar::Int32, Scalar::Int64, Scalar::UInt64, Scalar::Bool};
constexpr std::array kOps = {Op::NEG,   Op::ADD,   Op::SUB,   Op::MUL,   Op::FDIV,  Op::MULACC,
                             Op::MAX,   Op::MIN,   Op::RECIP, Op::SQRT,  Op::TRUNC, Op::CMPLT,
                             Op::CMPLE, Op::CMPEQ, Op::CMPNE, Op::WHERE, Op::CAST};

uint64_t mask(Scalar s) { return bits(s) == 64 ? ~uint64_t{0} : (uint64_t{1} << bits(s)) - 1; }

// A value of float type s: often an edge, else random bits (every class, NaN payloads included)
// or a small number (where rounding and ±0 ties live).
double draw_float(std::mt19937_64& rng, Scalar s) {
  const double inf = std::numeric_limits<double>::infinity();
  const double edges[] = {0.0,
                          -0.0,
                          1.0,
                          -1.0,
                          inf,
                          -inf,
                          std::nan(""),
                          0.5,
                          -0.5,
                          1.5,
                          2.5,
                          -2.5,
                          65504.0,
                          -65504.0,
                          65520.0,
                          1e38,
                          3.4028234663852886e38,
                          1e308,
                          -1e308,
                          5e-324,
                          -5e-324,
                          1.17549435e-38,
                          6.103515625e-05,
                          5.960464477539063e-08,
                          -5.960464477539063e-08,
                          127.5,
                          -128.5,
                          255.5,
                          -129.0,
                          32767.5,
                          32768.0,
                          -32769.0,
                          2147483647.5,
                          2147483648.0,
                          -2147483649.0,
                          9223372036854775807.0,
                          -9223372036854775808.0,
                          18446744073709551616.0,
                          4294967296.0,
                          1e-45,
                          9.1835e-41};
  const uint64_t pick = rng() % 10;
  double v;
  if (pick < 3) {
    v = edges[rng() % std::size(edges)];
    if (rng() % 4 == 0) return value_from_bits(s, rng() & mask(s)).f;  // a NaN with some payload, or anything
  } else if (pick < 6) {
    return value_from_bits(s, rng() & mask(s)).f;
  } else {
    v = static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) / static_cast<double>(1 + rng() % 16);
  }
  return round_to(s, v);
}

Value draw(std::mt19937_64& rng, Scalar s) {
  if (is_float(s)) return Value::of_float(draw_float(rng, s));
  if (s == Scalar::Bool) return Value::of_int(rng() % 2);
  const __int128 lo = s == Scalar::Index ? int_min(Scalar::Int64) : int_min(s);
  const __int128 hi = s == Scalar::Index ? int_max(Scalar::Int64) : int_max(s);
  const __int128 edges[] = {0, 1, -1, lo, hi, lo + 1, hi - 1, 2049, 16777217};
  __int128 v = rng() % 2 ? edges[rng() % std::size(edges)] : static_cast<__int128>(static_cast<int64_t>(rng()));
  if (rng() % 3 == 0) v = static_cast<__int128>(static_cast<int64_t>(rng() % 201)) - 100;
  if (s == Scalar::Index) return Value::of_int(v < lo ? lo : v > hi ? hi : v);
  return Value::of_int(wrap_int(s, v));
}

Enc encode(Encoder& enc, Scalar s, const Value& v) {
  if (!is_float(s)) return enc.constant(s, v.i);
  return enc.float_constant(s, v.f);
}

std::string text(Scalar s, const Value& v) {
  if (v.poison) return "poison";
  if (!is_float(s)) return to_string(v.i);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v.f);
  return buf;
}

void check_op(Op op, Scalar s, uint64_t seed, int& points) {
  smt::Context ctx;
  Encoder enc(ctx);
  std::mt19937_64 rng(seed);
  const int arity = op_arity(op);
  for (int i = 0; i < kPoints; ++i) {
    std::array<Scalar, 3> types = {s, s, s};
    Scalar out = in_group(op, opgroup::Compare) ? Scalar::Bool : s;
    if (op == Op::WHERE) types[0] = Scalar::Bool;
    if (op == Op::CAST) {  // into s from anything, or from s into anything
      const Scalar other = rng() % 3 == 0 ? kFloats[rng() % kFloats.size()] : kOthers[rng() % kOthers.size()];
      if (rng() % 2)
        types[0] = other;
      else
        out = other;
    }
    std::array<Value, 3> in;
    std::array<Enc, 3> ein;
    for (int k = 0; k < arity; ++k) {
      const bool poison = rng() % 20 == 0;
      in[k] = draw(rng, types[k]);
      ein[k] = encode(enc, types[k], in[k]);
      if (poison) in[k] = Value::make_poison(), ein[k].poison = ctx.bool_val(true);
    }
    const std::span<const Scalar> ts(types.data(), arity);
    const Value want = exec_alu(op, out, ts, std::span<const Value>(in.data(), arity));
    const Enc got = enc.alu(op, out, ts, std::span<const Enc>(ein.data(), arity));
    auto point = [&] {  // only on failure
      std::string t = std::string(op_name(op)) + " -> " + name(out) + ":";
      for (int k = 0; k < arity; ++k) t += " " + text(types[k], in[k]) + ":" + name(types[k]);
      return t + " want " + text(out, want);
    };
    const std::optional<__int128> poison = ctx.eval_ground(got.poison);
    ASSERT_TRUE(poison.has_value()) << point() << ": poison did not simplify";
    ASSERT_EQ(*poison != 0, want.poison) << point();
    ++points;
    if (want.poison) continue;
    if (is_float(out)) {
      const std::optional<__int128> same = ctx.eval_ground(smt::eq(got.v, encode(enc, out, want).v));
      ASSERT_TRUE(same.has_value()) << point() << ": did not simplify: " << got.v.text();
      ASSERT_EQ(*same, 1) << point() << ", z3 gives " << got.v.text();
    } else {
      const std::optional<__int128> value = ctx.eval_ground(got.v);
      ASSERT_TRUE(value.has_value()) << point() << ": did not simplify: " << got.v.text();
      const __int128 v = (out == Scalar::Index || out == Scalar::Bool) ? *value : wrap_int(out, *value);
      ASSERT_EQ(to_string(v), to_string(want.i)) << point();
    }
  }
}

class FloatEncodingAgrees : public ::testing::TestWithParam<Scalar> {};

TEST_P(FloatEncodingAgrees, EveryOpOnRandomAndEdgePoints) {
  const Scalar s = GetParam();
  for (Op op : kOps) {
    SCOPED_TRACE(std::string(op_name(op)) + " on " + name(s));
    int points = 0;
    check_op(op, s, 20261125u * 37u + static_cast<uint64_t>(op) * 7919u + static_cast<uint64_t>(s), points);
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_EQ(points, kPoints);
  }
}

INSTANTIATE_TEST_SUITE_P(Floats, FloatEncodingAgrees, ::testing::ValuesIn(kFloats),
                         [](const auto& info) { return name(info.param); });

// The corners alu.h names, spelled out: IEEE maximum/minimum on ±0 and NaN, NaN comparisons.
TEST(FloatEncoding, SignedZerosAndNaNAtTheCorners) {
  smt::Context ctx;
  Encoder enc(ctx);
  const Scalar s = Scalar::Float32;
  const std::array<Scalar, 2> types = {s, s};
  auto run = [&](Op op, double a, double b) {
    const std::array<Enc, 2> in = {enc.float_constant(s, a), enc.float_constant(s, b)};
    return enc.alu(op, in_group(op, opgroup::Compare) ? Scalar::Bool : s, types, in).v;
  };
  auto is = [&](const smt::Term& t, double v) { return ctx.eval_ground(smt::eq(t, enc.float_constant(s, v).v)) == 1; };
  EXPECT_TRUE(is(run(Op::MAX, -0.0, 0.0), 0.0));
  EXPECT_TRUE(is(run(Op::MAX, 0.0, -0.0), 0.0));
  EXPECT_TRUE(is(run(Op::MIN, 0.0, -0.0), -0.0));
  EXPECT_TRUE(is(run(Op::MIN, -0.0, 0.0), -0.0));
  EXPECT_FALSE(is(run(Op::MIN, -0.0, 0.0), 0.0));  // SMT equality tells the zeros apart
  EXPECT_TRUE(is(run(Op::MAX, std::nan(""), 1.0), std::nan("")));
  EXPECT_TRUE(is(run(Op::MIN, 1.0, std::nan("")), std::nan("")));
  EXPECT_EQ(ctx.eval_ground(run(Op::CMPNE, std::nan(""), std::nan(""))), 1);
  EXPECT_EQ(ctx.eval_ground(run(Op::CMPEQ, std::nan(""), std::nan(""))), 0);
  EXPECT_EQ(ctx.eval_ground(run(Op::CMPEQ, -0.0, 0.0)), 1);
}

}  // namespace
}  // namespace anvil::verify
