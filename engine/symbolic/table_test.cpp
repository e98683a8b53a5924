// The simplifier's table: each row an input, the result it must simplify to (compared by
// identity, up to the canonical order of sums), checked for soundness at every point of the
// variables' ranges and for idempotence.
#include <gtest/gtest.h>

#include "engine/rewrite/graph_rewrite.h"
#include "engine/symbolic/brute_test_util.h"
#include "engine/symbolic/simplify.h"

namespace anvil {
namespace {

using testing_util::for_each_point;
using testing_util::show;
using testing_util::show_env;
using testing_util::vars_of;

struct Row {
  UOp in, want;
  std::string note;
};

UOp idx(int64_t v) { return UOp::constant(dtypes::index, v); }
UOp i32(int64_t v) { return UOp::constant(dtypes::int32, v); }
UOp u8(int64_t v) { return UOp::constant(dtypes::uint8, v); }

std::vector<Row> table() {
  const UOp x = UOp::var("x", 0, 7), y4 = UOp::var("y", 0, 3), y5 = UOp::var("y", 0, 4), y3 = UOp::var("y", 0, 2);
  const UOp z4 = UOp::var("z", 0, 3), n = UOp::var("n", -8, 8), m = UOp::var("m", -5, -1);
  const UOp v = UOp::var("v", -50, 100, dtypes::int32), u = UOp::var("u", 0, 255, dtypes::uint8);
  const UOp f = UOp::var("f", -3, 3, dtypes::int32).cast(dtypes::float32);
  const UOp b = x.lt(5), t = UOp::constant(dtypes::bool_, 1), fl = UOp::constant(dtypes::bool_, 0);
  auto fc = [](double d) { return UOp::constant_float(dtypes::float32, d); };
  return {
      // constant folding
      {idx(3) + idx(4), idx(7), "fold add"},
      {idx(7).floordiv(2), idx(3), "fold floordiv"},
      {idx(-7).floordiv(2), idx(-4), "fold floordiv rounds to -inf"},
      {idx(-7).floormod(2), idx(1), "fold floormod takes the divisor's sign"},
      {idx(-7).truncdiv(idx(2)), idx(-3), "fold truncdiv rounds to zero"},
      {idx(-7).truncmod(idx(2)), idx(-1), "fold truncmod takes the dividend's sign"},
      {idx(5).floordiv(0), idx(5).floordiv(0), "division by zero is poison: left alone"},
      {idx(INT64_MAX) + idx(1), idx(INT64_MAX) + idx(1), "index overflow is poison: left alone"},
      {i32(INT32_MAX) + i32(1), i32(INT32_MIN), "int32 wraps"},
      {u8(200) + u8(100), u8(44), "uint8 wraps"},
      {fc(1.5) + fc(2.25), fc(3.75), "float fold"},
      {idx(3).lt(4), t, "fold compare"},
      // identities
      {x + 0, x, "x + 0"},
      {x * 1, x, "x * 1"},
      {x * 0, idx(0), "x * 0"},
      {x - x, idx(0), "x - x"},
      {x.floordiv(1), x, "x // 1"},
      {x.floormod(1), idx(0), "x % 1"},
      {-(-n), n, "double negation"},
      {x.max(x), x, "max of equal operands"},
      {(x + 4).max(y4), x + 4, "max of range-ordered operands"},
      {n.min(idx(100)), n, "min of range-ordered operands"},
      {x.max(y4), x.max(y4), "max of overlapping ranges: left alone"},
      {v + i32(0), v, "int32 x + 0"},
      {f + fc(0.0), f + fc(0.0), "float x + 0 is not x (-0.0)"},
      {u - u, u8(0), "uint8 x - x"},
      // sums: like terms, constants to the right, canonical order
      {(x + 3) + 4, x + 7, "(x + c0) + c1"},
      {x * 3 + x * 4, x * 7, "x*c0 + x*c1"},
      {x + x, x * 2, "x + x"},
      {(x + 2) - x, idx(2), "cancelling terms"},
      {3 + x, x + 3, "constant to the right"},
      {(x * 2) * 3, x * 6, "(x*c0)*c1"},
      {(x + y4) * 3 - y4 * 3, x * 3, "distribute and cancel"},
      {x - y4 + y4, x, "x - y + y"},
      {(n + y4) + (x + 2) - (y4 + n), x + 2, "long cancelling sum"},
      {(v + i32(5)) + i32(7), v + i32(12), "int32 (x + c0) + c1"},
      {(v + i32(INT32_MAX)) + i32(1), v + i32(INT32_MIN), "int32 constants wrap when combined"},
      // comparisons
      {x.lt(8), t, "always true by range"},
      {x.lt(0), fl, "always false by range"},
      {x.lt(5), x.lt(5), "undecided: left alone"},
      {(x + 3).lt(5), x.lt(2), "x + c0 < c1"},
      {(x * 4).lt(9), x.lt(3), "x*c0 < c1"},
      {(x * 4).le(idx(9)), x.le(idx(2)), "x*c0 <= c1"},
      {(n * 3).lt(0), n.lt(0), "x*c0 < c1, negative range"},
      {n.lt(20), t, "negative range, decided"},
      {(v + i32(3)).lt(i32(5)), (v + i32(3)).lt(i32(5)), "int32 x + c0 < c1: wraps, left alone"},
      {x.lt(x), fl, "x < x"},
      {x.eq(x), t, "x == x"},
      // division and modulo
      {(x * 4 + y4).floordiv(4), x, "(x*4 + y)//4, y in [0,4)"},
      {(x * 4 + y4).floormod(4), y4, "(x*4 + y)%4, y in [0,4)"},
      {((x * 12 + y3 * 4 + z4).floordiv(4)).floormod(3), y3, "((x*12 + y*4 + z)//4)%3"},
      {(x * 4 + y5).floordiv(4), x + y5.floordiv(4), "y in [0,5): not x"},
      {(x * 4 + y5).floormod(4), y5.floormod(4), "y in [0,5): y%4 stays"},
      {(n * 4 + y4).floordiv(4), n, "floor split with a negative term"},
      {(n * 4 + y4).floormod(4), y4, "floor mod with a negative term"},
      {(x * 4 + y4).truncdiv(idx(4)), x, "truncdiv of a non-negative dividend"},
      {(x * 4 + y4).truncmod(idx(4)), y4, "truncmod of a non-negative dividend"},
      {(n * 4 + y4).truncdiv(idx(4)), (n * 4 + y4).truncdiv(idx(4)), "truncdiv, dividend may be negative: left alone"},
      {(n * 4 + y4).truncmod(idx(4)), (n * 4 + y4).truncmod(idx(4)), "truncmod, dividend may be negative: left alone"},
      {x.floordiv(2).floordiv(3), x.floordiv(6), "nested floordiv"},
      {n.truncdiv(idx(2)).truncdiv(idx(3)), n.truncdiv(idx(6)), "nested truncdiv"},
      {x.floordiv(8), idx(0), "x//c, 0 <= x < c"},
      {x.floormod(8), x, "x%c, 0 <= x < c"},
      {n.floormod(4), n.floormod(4), "x%c over a period: left alone"},
      {n.floordiv(20), n.floordiv(20), "x//c over two quotients: left alone"},
      {m.floordiv(10), idx(-1), "negative range, one quotient"},
      {m.floormod(10), m + 10, "negative range, one period: shifted"},
      {m.truncdiv(idx(2)), m.truncdiv(idx(2)), "truncdiv of a negative range: left alone"},
      {(x * 6 + 4).floordiv(2), x * 3 + 2, "gcd of terms and divisor"},
      {(x * 6 + 3).floordiv(6), x, "gcd, then split"},
      {(x * 6 + y4 * 9).floormod(3), idx(0), "every term divisible"},
      {(x * 5 + y4).floormod(4), (x + y4).floormod(4), "coefficients reduced modulo"},
      {(x * 6 + 2).floormod(4), (x + 1).floormod(2) * 2, "gcd of modulo, then coefficients reduced"},
      {x.floordiv(4) * 4 + x.floormod(4), x, "(a//b)*b + a%b"},
      {n.floormod(8).floormod(4), n.floormod(4), "nested floormod"},
      {x.floordiv(4) * 4 + y4 + x.floormod(4), x + y4, "(a//b)*b + a%b inside a longer sum"},
      {n.floordiv(3) * 6 + n.floormod(3) * 2 + 1, n * 2 + 1, "k*(a//b)*b + k*(a%b)"},
      {(n + x).floordiv(4) * 4 + (n + x).floormod(4) - x, n, "recombined sum meets its like terms"},
      {n.floordiv(3) * 5 + n.floormod(3), n.floordiv(3) * 5 + n.floormod(3), "coefficients do not match: left alone"},
      {(x * 4 + y4).floormod(8), (x * 4 + y4).floormod(8), "not divisible: left alone"},
      {(v * i32(4)).floordiv(i32(4)), (v * i32(4)).floordiv(i32(4)), "int32 (x*4)//4: may wrap, left alone"},
      {(v * i32(4) + i32(3)).floormod(i32(4)), (v * i32(4) + i32(3)).floormod(i32(4)), "int32: index rules stay off"},
      // WHERE and bool
      {x.lt(8).where(y4, z4), y4, "where, condition decided by range"},
      {b.where(y4, y4), y4, "where with equal arms"},
      {b.where(t, fl), b, "where(c, true, false)"},
      {b.where(fl, t), b.alu(Op::NOT), "where(c, false, true)"},
      {b.alu(Op::AND, t), b, "c & true"},
      {b.alu(Op::OR, fl), b, "c | false"},
      {b.alu(Op::AND, fl), fl, "c & false"},
      {b.alu(Op::NOT).alu(Op::NOT), b, "!!c"},
      {b.alu(Op::NOT).where(y4, z4), b.where(z4, y4), "where(!c, x, y)"},
      {x.max(idx(0)), x, "max(x, 0), x >= 0"},
      {x.lt(4).where(t, fl).where(y4, z4), x.lt(4).where(y4, z4), "where(where(c, true, false), ...)"},
      {v.where(y4, z4), v.where(y4, z4), "int condition: where(c, ...) is not rewritten as bool"},
      {v.alu(Op::NOT).where(y4, z4), v.alu(Op::NOT).where(y4, z4), "bitwise not of an int condition: left alone"},
  };
}

// Only the canonical order of sums, applied to the expected side.
UOp canonical(const UOp& e) { return graph_rewrite(e, sum_rules()); }

TEST(SymbolicTable, HasEnoughRows) { EXPECT_GE(table().size(), 60u); }

TEST(SymbolicTable, SimplifiesToExpected) {
  for (const Row& row : table()) {
    UOp got = simplify(row.in);
    EXPECT_TRUE(got == canonical(row.want) || got == row.want) << row.note << ": got " << got.brief();
  }
}

TEST(SymbolicTable, IsSoundAndIdempotent) {
  for (const Row& row : table()) {
    UOp s = simplify(row.in);
    EXPECT_TRUE(simplify(s) == s) << row.note;
    EXPECT_EQ(s.dtype(), row.in.dtype()) << row.note;
    for_each_point(vars_of(row.in), 4096, [&](const interp::Env& env) {
      Value want = interp::eval(row.in, env);
      if (want.poison) return;
      Value got = interp::eval(s, env);
      EXPECT_TRUE(same_value(row.in.dtype().scalar, want, got))
          << row.note << " at " << show_env(env) << ": " << show(want) << " became " << show(got);
    });
  }
}

}  // namespace
}  // namespace anvil
