// Random small expressions from a fixed seed: simplify keeps every non-poison value, is
// idempotent, and every node's bounds hold at every point.
#include <gtest/gtest.h>

#include <random>

#include "engine/symbolic/brute_test_util.h"
#include "engine/symbolic/simplify.h"

namespace anvil {
namespace {

using testing_util::for_each_point;
using testing_util::show;
using testing_util::show_env;

class ExprGen {
 public:
  ExprGen(uint64_t seed, DType dt, std::vector<UOp> vars, std::vector<int64_t> special)
      : rng_(seed), dt_(dt), vars_(std::move(vars)), special_(std::move(special)) {}

  UOp expr(int depth) {
    if (depth == 0 || pick(4) == 0) return leaf();
    const UOp a = expr(depth - 1);
    switch (pick(13)) {
      case 0: return a + expr(depth - 1);
      case 1: return a - expr(depth - 1);
      case 2: return a * (pick(2) ? constant() : expr(depth - 1));
      case 3: return -a;
      case 4: return a.floordiv(divisor(depth));
      case 5: return a.floormod(divisor(depth));
      case 6: return a.truncdiv(divisor(depth));
      case 7: return a.truncmod(divisor(depth));
      case 8: return a.max(expr(depth - 1));
      case 9: return a.min(expr(depth - 1));
      case 10: return cond(depth).where(a, expr(depth - 1));
      case 11: return (a * constant() + expr(depth - 1)).floordiv(constant_nonzero());
      default: return (a * constant() + leaf()).floormod(constant_nonzero());
    }
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  UOp constant() {
    if (pick(4) == 0) return UOp::constant(dt_, special_[pick(static_cast<int>(special_.size()))]);
    return UOp::constant(dt_, std::uniform_int_distribution<int64_t>(-9, 9)(rng_));
  }
  UOp constant_nonzero() {
    UOp c = constant();
    return c.const_int() == 0 ? UOp::constant(dt_, 4) : c;
  }
  UOp leaf() { return pick(3) ? vars_[pick(static_cast<int>(vars_.size()))] : constant(); }
  UOp divisor(int depth) { return pick(5) ? constant_nonzero() : expr(depth - 1); }
  UOp cond(int depth) {
    UOp a = expr(depth - 1), b = pick(2) ? constant() : expr(depth - 1);
    static constexpr Op kCmp[] = {Op::CMPLT, Op::CMPLE, Op::CMPEQ, Op::CMPNE};
    UOp c = a.alu(kCmp[pick(4)], b);
    if (pick(4) == 0) c = c.alu(Op::NOT);
    if (pick(4) == 0) c = c.alu(pick(2) ? Op::AND : Op::OR, leaf().lt(constant()));
    return c;
  }

  std::mt19937_64 rng_;
  DType dt_;
  std::vector<UOp> vars_;
  std::vector<int64_t> special_;
};

const std::vector<int64_t> kSmall = {0, 1, -1, 2, 3, 4, 6, 8, 12, 127, -128, 255, 1000};

// A comparison of a random expression against constants, in the shapes compare_rules folds.
UOp compare_of(const UOp& e, uint64_t k) {
  const int64_t c0 = static_cast<int64_t>(k % 7) - 3, c1 = static_cast<int64_t>((k / 7) % 11) - 5;
  switch (k % 6) {
    case 0: return (e + c0).lt(e.const_like(c1));
    case 1: return (e * c0).lt(e.const_like(c1));
    case 2: return (e * c0).le(e.const_like(c1));
    case 3: return e.const_like(c1).lt(e * c0);
    case 4: return (e + c0).eq(e.const_like(c1));
    default: return (e + c0).ne(e.const_like(c1));
  }
}

void check_expressions(DType dt, std::vector<UOp> vars, uint64_t seed, int count, size_t points,
                       const std::vector<int64_t>& special = kSmall, bool compare = false) {
  ExprGen gen(seed, dt, vars, special);
  for (int k = 0; k < count; ++k) {
    const UOp e = compare ? compare_of(gen.expr(3), static_cast<uint64_t>(k)) : gen.expr(4);
    const UOp s = simplify(e);
    ASSERT_EQ(s.dtype(), e.dtype());
    EXPECT_TRUE(simplify(s) == s) << "not idempotent, expression " << k << " of seed " << seed;
    const std::vector<UOp> topo = e.toposort();
    int failures = 0;
    for_each_point(vars, points, [&](const interp::Env& env) {
      if (failures > 2) return;
      const std::vector<Value> values = interp::eval_all(topo, env);
      for (size_t i = 0; i < topo.size(); ++i) {
        const UOp& u = topo[i];
        if (values[i].poison || !is_intlike(u.dtype())) continue;
        if (values[i].i < u.vmin() || values[i].i > u.vmax()) {
          ++failures;
          ADD_FAILURE() << "bounds of " << u.brief() << " [" << to_string(u.vmin()) << ", " << to_string(u.vmax())
                        << "] miss " << show(values[i]) << " at " << show_env(env);
        }
      }
      const Value want = values.back();
      if (want.poison) return;
      const Value got = interp::eval(s, env);
      if (!same_value(e.dtype().scalar, want, got)) {
        ++failures;
        ADD_FAILURE() << "expression " << k << " of seed " << seed << " at " << show_env(env) << ": " << show(want)
                      << " became " << show(got);
      }
    });
  }
}

TEST(SymbolicRandom, IndexExpressions) {
  check_expressions(dtypes::index, {UOp::var("a", -4, 4), UOp::var("b", 0, 5), UOp::var("c", 0, 3)}, 1, 400, 300);
}

// Near the ends of int64, where index arithmetic is poison: reassociating must not create poison.
TEST(SymbolicRandom, IndexNearOverflow) {
  constexpr int64_t k62 = int64_t{1} << 62;
  check_expressions(dtypes::index, {UOp::var("a", k62 - 3, k62), UOp::var("b", -3, 3), UOp::var("c", -k62, -k62 + 2)},
                    5, 400, 200, {k62, -k62, INT64_MAX, INT64_MIN, 2, -1, 3, 4, k62 + k62 / 2});
}

TEST(SymbolicRandom, IndexComparisons) {
  check_expressions(dtypes::index, {UOp::var("a", -4, 4), UOp::var("b", 0, 5), UOp::var("c", 0, 3)}, 6, 400, 300,
                    kSmall, true);
}

TEST(SymbolicRandom, Int8Comparisons) {
  check_expressions(dtypes::int8,
                    {UOp::var("a", -20, 20, dtypes::int8), UOp::var("b", 100, 127, dtypes::int8),
                     UOp::var("c", -128, -120, dtypes::int8)},
                    7, 200, 300, kSmall, true);
}

TEST(SymbolicRandom, Int8Expressions) {
  check_expressions(dtypes::int8,
                    {UOp::var("a", -20, 20, dtypes::int8), UOp::var("b", 100, 127, dtypes::int8),
                     UOp::var("c", -128, -120, dtypes::int8)},
                    2, 200, 300);
}

TEST(SymbolicRandom, UInt8Expressions) {
  check_expressions(
      dtypes::uint8,
      {UOp::var("a", 0, 20, dtypes::uint8), UOp::var("b", 240, 255, dtypes::uint8), UOp::var("c", 0, 3, dtypes::uint8)},
      3, 200, 300);
}

TEST(SymbolicRandom, Int32Expressions) {
  check_expressions(dtypes::int32, {UOp::var("a", -4, 4, dtypes::int32), UOp::var("b", 0, 5, dtypes::int32)}, 4, 200,
                    300);
}

}  // namespace
}  // namespace anvil
