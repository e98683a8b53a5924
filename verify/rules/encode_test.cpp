// The encoding checked against the interpreter's semantics: for every integer/bool ALU op and
// dtype, random points (edge values first in line) evaluated by Z3's simplifier on ground terms
// and by exec_alu must agree, the poison flag included.
#include "verify/rules/encode.h"

#include <gtest/gtest.h>

#include <array>
#include <random>

#include "engine/ir/alu.h"
#include "engine/support/error.h"

namespace anvil::verify {
namespace {

constexpr int kPoints = 10'000;

constexpr std::array kScalars = {Scalar::Index,  Scalar::Int8,  Scalar::UInt8, Scalar::Int16,
                                 Scalar::UInt16, Scalar::Int32, Scalar::Bool};
constexpr std::array kOps = {Op::NEG,      Op::NOT,      Op::ADD,      Op::SUB,    Op::MUL,   Op::TRUNCDIV,
                             Op::TRUNCMOD, Op::FLOORDIV, Op::FLOORMOD, Op::MAX,    Op::MIN,   Op::AND,
                             Op::OR,       Op::XOR,      Op::SHL,      Op::SHR,    Op::CMPLT, Op::CMPLE,
                             Op::CMPEQ,    Op::CMPNE,    Op::WHERE,    Op::MULACC, Op::CAST};

// A value of s: often an edge (0, ±1, the extremes and their neighbours, shift widths), else random.
__int128 draw(std::mt19937_64& rng, Scalar s, bool shift_count) {
  const __int128 lo = s == Scalar::Index ? int_min(Scalar::Int64) : int_min(s);
  const __int128 hi = s == Scalar::Index ? int_max(Scalar::Int64) : int_max(s);
  const int width = s == Scalar::Index ? 64 : bits(s);
  const __int128 edges[] = {0, 1, -1, lo, hi, lo + 1, hi - 1, 2, -2, width, width - 1, 3, -3};
  __int128 v;
  const uint64_t pick = rng() % 10;
  if (shift_count && pick < 6) {
    v = static_cast<__int128>(rng() % (width + 4)) - 2;
  } else if (pick < 4) {
    v = edges[rng() % std::size(edges)];
  } else if (pick < 7) {
    v = static_cast<__int128>(static_cast<int64_t>(rng() % 201)) - 100;
  } else {
    v = static_cast<__int128>(static_cast<int64_t>(rng()));
  }
  if (s == Scalar::Index) return v < lo ? lo : v > hi ? hi : v;
  return wrap_int(s, v);
}

__int128 as_scalar(Scalar s, __int128 raw) {  // Z3 gives bit-vectors unsigned
  return (s == Scalar::Index || s == Scalar::Bool) ? raw : wrap_int(s, raw);
}

struct Counts {
  int points = 0, poison = 0;
};

void check_op(Op op, Scalar s, uint64_t seed, Counts& counts) {
  smt::Context ctx;
  Encoder enc(ctx);
  std::mt19937_64 rng(seed);
  const bool compare = in_group(op, opgroup::Compare);
  const int arity = op_arity(op);
  for (int i = 0; i < kPoints; ++i) {
    std::array<Scalar, 3> types = {s, s, s};
    Scalar out = compare ? Scalar::Bool : s;
    if (op == Op::WHERE) types[0] = Scalar::Bool;
    if (op == Op::CAST) types[0] = kScalars[rng() % kScalars.size()];
    std::array<Value, 3> in;
    std::array<Enc, 3> ein;
    for (int k = 0; k < arity; ++k) {
      const bool poison = rng() % 20 == 0;
      const __int128 v = draw(rng, types[k], k == 1 && (op == Op::SHL || op == Op::SHR));
      in[k] = poison ? Value::make_poison() : Value::of_int(v);
      ein[k] = enc.constant(types[k], v);
      if (poison) ein[k].poison = ctx.bool_val(true);
    }
    Value want;
    try {
      want = exec_alu(op, out, std::span(types.data(), arity), std::span(in.data(), arity));
    } catch (const Error&) {
      EXPECT_THROW(enc.alu(op, out, std::span(types.data(), arity), std::span(ein.data(), arity)), Error)
          << op_name(op) << " " << name(s);
      continue;  // undefined for this dtype: both sides refuse it
    }
    const Enc got = enc.alu(op, out, std::span(types.data(), arity), std::span(ein.data(), arity));
    const std::optional<__int128> poison = ctx.eval_ground(got.poison);
    auto point = [&] {  // only on failure: gtest streams a message only then
      std::string text;
      for (int k = 0; k < arity; ++k)
        text += " " + (in[k].poison ? std::string("poison") : to_string(in[k].i)) + ":" + name(types[k]);
      return text;
    };
    ASSERT_TRUE(poison.has_value()) << op_name(op) << point() << ": poison did not simplify";
    ASSERT_EQ(*poison != 0, want.poison) << op_name(op) << " -> " << name(out) << point();
    ++counts.points;
    if (want.poison) {
      ++counts.poison;
      continue;
    }
    const std::optional<__int128> value = ctx.eval_ground(got.v);
    ASSERT_TRUE(value.has_value()) << op_name(op) << point() << ": value did not simplify";
    ASSERT_EQ(to_string(as_scalar(out, *value)), to_string(want.i)) << op_name(op) << " -> " << name(out) << point();
  }
}

class EncodingAgrees : public ::testing::TestWithParam<Scalar> {};

TEST_P(EncodingAgrees, EveryOpOnRandomAndEdgePoints) {
  const Scalar s = GetParam();
  for (Op op : kOps) {
    if ((op == Op::SHL || op == Op::SHR) && s == Scalar::Bool) continue;  // undefined on bool (alu.h)
    SCOPED_TRACE(std::string(op_name(op)) + " on " + name(s));
    Counts c;
    check_op(op, s, 20261125u * 31u + static_cast<uint64_t>(op) * 7919u + static_cast<uint64_t>(s), c);
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_EQ(c.points, kPoints);
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, EncodingAgrees, ::testing::ValuesIn(kScalars),
                         [](const auto& info) { return name(info.param); });

// Division as the IR defines it, spelled out at the corners where Euclid, floor and C differ.
TEST(Encoding, DivisionFlavoursAtTheCorners) {
  smt::Context ctx;
  Encoder enc(ctx);
  struct Case {
    Op op;
    int64_t a, b, want;
  };
  const Case cases[] = {{Op::FLOORDIV, -7, 2, -4}, {Op::TRUNCDIV, -7, 2, -3}, {Op::FLOORMOD, -7, 2, 1},
                        {Op::TRUNCMOD, -7, 2, -1}, {Op::FLOORDIV, 7, -2, -4}, {Op::TRUNCDIV, 7, -2, -3},
                        {Op::FLOORMOD, 7, -2, -1}, {Op::TRUNCMOD, 7, -2, 1},  {Op::FLOORDIV, -7, -2, 3},
                        {Op::FLOORMOD, -7, -2, -1}};
  for (const Case& c : cases) {
    for (Scalar s : {Scalar::Index, Scalar::Int8}) {
      const std::array<Enc, 2> in = {enc.constant(s, c.a), enc.constant(s, c.b)};
      const std::array<Scalar, 2> types = {s, s};
      const Enc r = enc.alu(c.op, s, types, in);
      EXPECT_EQ(as_scalar(s, *ctx.eval_ground(r.v)), c.want) << op_name(c.op) << " " << c.a << " " << c.b;
    }
  }
}

}  // namespace
}  // namespace anvil::verify
