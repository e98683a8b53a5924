// Range analysis (engine/ir/range.cpp) against brute force: for every integer op and dtype and
// many small operand ranges, every non-poison value lies within [vmin, vmax].
#include <gtest/gtest.h>

#include <vector>

#include "engine/ir/alu.h"

namespace anvil {
namespace {

struct Span {
  int64_t lo, hi;
};

std::vector<Span> spans_for(Scalar s) {
  std::vector<Span> out = {{0, 0}, {1, 1}, {0, 5}, {1, 6}, {2, 4}, {3, 3}};
  if (!is_unsigned(s))
    out.insert(out.end(), {{-1, -1}, {-6, -6}, {-6, -1}, {-6, 0}, {-6, 6}, {-3, 2}, {-4, -2}, {-5, 5}});
  if (s == Scalar::Int8) out.insert(out.end(), {{-128, -125}, {125, 127}, {-128, -128}, {100, 127}});
  if (s == Scalar::UInt8) out.insert(out.end(), {{250, 255}, {128, 130}, {255, 255}, {100, 200}});
  if (s == Scalar::Index || s == Scalar::Int64)
    out.insert(out.end(), {{INT64_MAX - 2, INT64_MAX}, {INT64_MIN, INT64_MIN + 2}});
  if (s == Scalar::Int16) out.insert(out.end(), {{32765, 32767}, {-32768, -32766}});
  return out;
}

// Checks node = op(a, b) for a in `sa`, b in `sb`, at every point.
void check_binary(Op op, Scalar s, Span sa, Span sb) {
  const UOp a = UOp::var("a", sa.lo, sa.hi, s), b = UOp::var("b", sb.lo, sb.hi, s);
  const UOp node = a.alu(op, b);
  const Scalar out = node.dtype().scalar;
  const std::array<Scalar, 2> types = {s, s};
  for (__int128 x = sa.lo; x <= sa.hi; ++x)
    for (__int128 y = sb.lo; y <= sb.hi; ++y) {
      const std::array<Value, 2> in = {Value::of_int(x), Value::of_int(y)};
      const Value v = exec_alu(op, out, types, in);
      if (v.poison) continue;
      ASSERT_TRUE(v.i >= node.vmin() && v.i <= node.vmax())
          << op_name(op) << " " << name(s) << " a in [" << sa.lo << ", " << sa.hi << "], b in [" << sb.lo << ", "
          << sb.hi << "]: " << to_string(x) << ", " << to_string(y) << " gives " << to_string(v.i) << " outside ["
          << to_string(node.vmin()) << ", " << to_string(node.vmax()) << "]";
    }
}

void check_unary(Op op, Scalar s, DType to, Span sa) {
  const UOp a = UOp::var("a", sa.lo, sa.hi, s);
  const UOp node = op == Op::CAST ? a.cast(to) : a.alu(op);
  const std::array<Scalar, 1> types = {s};
  for (__int128 x = sa.lo; x <= sa.hi; ++x) {
    const std::array<Value, 1> in = {Value::of_int(x)};
    const Value v = exec_alu(op, node.dtype().scalar, types, in);
    if (v.poison) continue;
    ASSERT_TRUE(v.i >= node.vmin() && v.i <= node.vmax())
        << op_name(op) << " " << name(s) << " -> " << name(node.dtype()) << " of " << to_string(x) << " gives "
        << to_string(v.i) << " outside [" << to_string(node.vmin()) << ", " << to_string(node.vmax()) << "]";
  }
}

constexpr Op kBinary[] = {Op::ADD,      Op::SUB, Op::MUL, Op::FLOORDIV, Op::FLOORMOD, Op::TRUNCDIV,
                          Op::TRUNCMOD, Op::MAX, Op::MIN, Op::CMPLT,    Op::CMPLE,    Op::CMPEQ,
                          Op::CMPNE,    Op::AND, Op::OR,  Op::XOR,      Op::SHL,      Op::SHR};

class RangeBrute : public ::testing::TestWithParam<Scalar> {};

TEST_P(RangeBrute, BinaryOps) {
  const Scalar s = GetParam();
  for (Op op : kBinary) {
    if (s == Scalar::Index && (op == Op::SHL || op == Op::SHR || op == Op::AND || op == Op::OR || op == Op::XOR))
      continue;
    for (Span sa : spans_for(s))
      for (Span sb : spans_for(s)) {
        if (static_cast<__int128>(sa.hi - sa.lo + 1) * (sb.hi - sb.lo + 1) > 20000) continue;
        check_binary(op, s, sa, sb);
        if (HasFatalFailure()) return;
      }
  }
}

TEST_P(RangeBrute, UnaryOpsAndCasts) {
  const Scalar s = GetParam();
  for (Span sa : spans_for(s)) {
    check_unary(Op::NEG, s, {}, sa);
    if (s != Scalar::Index) check_unary(Op::NOT, s, {}, sa);
    for (DType to :
         {dtypes::bool_, dtypes::int8, dtypes::uint8, dtypes::int16, dtypes::int32, dtypes::uint64, dtypes::index}) {
      if (s == Scalar::Index && to.scalar != Scalar::Index) continue;
      check_unary(Op::CAST, s, to, sa);
    }
    if (HasFatalFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, RangeBrute,
                         ::testing::Values(Scalar::Index, Scalar::Int8, Scalar::UInt8, Scalar::Int16, Scalar::Int64,
                                           Scalar::UInt64),
                         [](const auto& info) { return name(info.param); });

TEST(RangeBrute, BoolOpsAndWhere) {
  for (Span sa : {Span{0, 0}, Span{1, 1}, Span{0, 1}})
    for (Span sb : {Span{0, 0}, Span{1, 1}, Span{0, 1}})
      for (Op op : {Op::AND, Op::OR, Op::XOR, Op::CMPLT, Op::CMPEQ, Op::CMPNE}) check_binary(op, Scalar::Bool, sa, sb);
  for (Span sc : {Span{0, 0}, Span{1, 1}, Span{0, 1}}) {
    const UOp c = UOp::var("c", sc.lo, sc.hi, dtypes::bool_), x = UOp::var("x", -3, 2, dtypes::int8);
    const UOp y = UOp::var("y", 5, 9, dtypes::int8);
    const UOp w = c.where(x, y);
    for (int64_t cv = sc.lo; cv <= sc.hi; ++cv) {
      const __int128 lo = cv ? -3 : 5, hi = cv ? 2 : 9;
      EXPECT_TRUE(w.vmin() <= lo && w.vmax() >= hi);
    }
  }
}

TEST(RangeBrute, IndexFromMovementOps) {
  const UOp x = UOp::var("x", 0, 9), y = UOp::var("y", 0, 3);
  const UOp e = x * 4 + y;
  EXPECT_EQ(to_string(e.vmin()), "0");
  EXPECT_EQ(to_string(e.vmax()), "39");
  EXPECT_EQ(to_string(e.floordiv(4).vmax()), "9");
  EXPECT_EQ(to_string(e.floormod(4).vmax()), "3");
  EXPECT_EQ(to_string(y.floormod(4).vmin()), "0");
}

}  // namespace
}  // namespace anvil
