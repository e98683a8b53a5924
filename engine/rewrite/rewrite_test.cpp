#include <gtest/gtest.h>

#include <cstdlib>

#include "engine/rewrite/graph_rewrite.h"

namespace anvil {
namespace {

const UOp kI = UOp::var("i", 0, 9);

const RuleSet& toy_rules() {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  // clang-format off
  static const RuleSet set("toy", {
    rule(x + 0,               x),
    rule((x + c0) + c1,       x + fold(c0 + c1)),
    rule(x - x,               0),
    rule(x * c0,              x,            when(c0 == 1)),
    rule(floordiv(x * c0, c0), x,           when(c0 > 0), Domain::Index),
    rule(lt(x + c0, c1),      lt(x, fold(c1 - c0)), Domain::Index),
  });
  // clang-format on
  return set;
}

TEST(Pattern, PrintsAsAlgebra) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  EXPECT_EQ(to_string((x + c0) + c1), "x + c0 + c1");
  EXPECT_EQ(to_string(x - (y + c0)), "x - (y + c0)");
  EXPECT_EQ(to_string(floordiv(x * c0 + y, c0)), "floordiv(x * c0 + y, c0)");
  EXPECT_EQ(to_string(fold(c0 * c1)), "fold(c0 * c1)");
  EXPECT_EQ(guard_to_string(vmin(x) >= 0 && c0 > 0), "0 <= vmin(x) && 0 < c0");
  EXPECT_EQ(to_string(and_(x, y) + or_(x, 1)), "and_(x, y) + or_(x, 1)");
  Rule r = rule(x + 0, x);
  EXPECT_EQ(r.name, "x + 0 => x");
  EXPECT_NE(r.location().find("rewrite_test.cpp:"), std::string::npos);
  EXPECT_EQ(r.line, __LINE__ - 3);
}

TEST(Match, SameWildcardBindsSameNode) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  UOp j = UOp::var("j", 0, 9);
  Bindings b;
  EXPECT_TRUE(match(x - x, kI - kI, b));
  b = {};
  EXPECT_FALSE(match(x - x, kI - j, b));
  b = {};
  EXPECT_TRUE(match(x - y, kI - j, b));
  EXPECT_TRUE(b[0] == kI && b[1] == j);
}

TEST(Match, ConstantsAndLiterals) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  Bindings b;
  EXPECT_TRUE(match(x + c0, kI + 3, b));
  EXPECT_TRUE(b[8] == kI.const_like(3));
  b = {};
  EXPECT_FALSE(match(x + c0, kI + kI, b));
  b = {};
  EXPECT_TRUE(match(x + 0, kI + 0, b));
  b = {};
  EXPECT_FALSE(match(x + 0, kI + 1, b));
  // A literal compares in the matched constant's dtype: uint8 255 is not -1, int8 -1 is.
  UOp u = UOp::var("u", 0, 200, dtypes::uint8);
  b = {};
  EXPECT_FALSE(match(x * -1, u * UOp::constant(dtypes::uint8, 255), b));
  UOp s = UOp::var("s", -5, 5, dtypes::int8);
  b = {};
  EXPECT_TRUE(match(x * -1, s * UOp::constant(dtypes::int8, -1), b));
  // Floats: bit-equal, so -0.0 is not the literal 0.
  UOp f = UOp::var("f", 0, 0, dtypes::index).cast(dtypes::float32);
  b = {};
  EXPECT_TRUE(match(x + 0, f + UOp::constant_float(dtypes::float32, 0.0), b));
  b = {};
  EXPECT_FALSE(match(x + 0, f + UOp::constant_float(dtypes::float32, -0.0), b));
}

TEST(Match, CommutativeOperandsEitherOrder) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  Bindings b;
  EXPECT_TRUE(match(x + c0, UOp::constant(dtypes::index, 3) + kI, b));
  EXPECT_TRUE(b[0] == kI);
  b = {};
  EXPECT_FALSE(match(floordiv(x, c0), UOp::constant(dtypes::index, 3).floordiv(kI), b));
}

TEST(Rewrite, FoldAndFixedPoint) {
  UOp e = ((kI + 1) + 2) + 3;
  EXPECT_TRUE(graph_rewrite(e, toy_rules()) == kI + 6);
  EXPECT_TRUE(graph_rewrite((kI + 0) - (kI + 0), toy_rules()) == kI.const_like(0));
  // The replacement's own structure is rewritten again: x*1 + 0 + 0 -> x.
  EXPECT_TRUE(graph_rewrite((kI * 1 + 0) + 0, toy_rules()) == kI);
}

TEST(Rewrite, FoldDtypeIsTheReplacedNodes) {
  UOp lt = (kI + 3).lt(7);
  UOp out = graph_rewrite(lt, toy_rules());
  EXPECT_TRUE(out == kI.lt(4));
  EXPECT_EQ(out.dtype(), dtypes::bool_);
}

TEST(Rewrite, FoldPoisonDoesNotFire) {
  UOp big = UOp::var("big", 0, 5);
  UOp e = (big + INT64_MAX) + 1;  // c0 + c1 overflows int64: poison in index
  EXPECT_TRUE(graph_rewrite(e, toy_rules()) == e);
  UOp w = UOp::var("w", 0, 5, dtypes::int64);
  UOp ew = (w + UOp::constant(dtypes::int64, INT64_MAX)) + UOp::constant(dtypes::int64, 1);
  EXPECT_TRUE(graph_rewrite(ew, toy_rules()) == w + UOp::constant(dtypes::int64, INT64_MIN));  // wraps
}

TEST(Rewrite, GuardsDecide) {
  EXPECT_TRUE(graph_rewrite(kI * 1, toy_rules()) == kI);
  EXPECT_TRUE(graph_rewrite(kI * 2, toy_rules()) == kI * 2);
  EXPECT_TRUE(graph_rewrite((kI * 4).floordiv(4), toy_rules()) == kI);
  UOp n = (kI * -4).floordiv(-4);
  EXPECT_TRUE(graph_rewrite(n, toy_rules()) == n);
}

TEST(Rewrite, IndexRuleLeavesWrappingIntegersAlone) {
  UOp v = UOp::var("v", 0, 100, dtypes::int32);
  UOp e = (v * UOp::constant(dtypes::int32, 4)).floordiv(UOp::constant(dtypes::int32, 4));
  EXPECT_TRUE(graph_rewrite(e, toy_rules()) == e);  // (v*4)//4 != v when v*4 wraps
  UOp c = (v + UOp::constant(dtypes::int32, 3)).lt(UOp::constant(dtypes::int32, 7));
  EXPECT_TRUE(graph_rewrite(c, toy_rules()) == c);
}

TEST(Rewrite, DomainsOfRules) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  EXPECT_EQ(to_string(toy_rules().rules()[0].domain), "Index|WrapInt");
  EXPECT_EQ(domain_of(kI.lt(3)), Domain::Index);
  EXPECT_EQ(domain_of(kI.cast(dtypes::float32)), Domain::Float);
  RuleSet s("float", {rule(x + 0, x)});
  UOp f = kI.cast(dtypes::float32) + UOp::constant_float(dtypes::float32, 0.0);
  EXPECT_TRUE(graph_rewrite(f, s) == f);  // -0.0 + 0.0 is +0.0: not a float rule
}

TEST(Rewrite, Deterministic) {
  UOp e = ((kI + 1) + 2) - ((kI + 0) + 3);
  UOp a = graph_rewrite(e, toy_rules());
  const RewriteStats first = last_rewrite_stats();
  UOp b = graph_rewrite(e, toy_rules());
  EXPECT_TRUE(a == b);
  EXPECT_EQ(first.rewrites, last_rewrite_stats().rewrites);
}

TEST(Rewrite, RuleSetIndexesByRootOp) {
  const RuleSet& s = toy_rules();
  EXPECT_EQ(s.candidates(Op::ADD).size(), 2u);
  EXPECT_EQ(s.candidates(Op::SUB).size(), 1u);
  EXPECT_EQ(s.candidates(Op::CMPLT).size(), 1u);
  EXPECT_TRUE(s.candidates(Op::WHERE).empty());
  for (const Rule& r : s.rules()) EXPECT_FALSE(r.is_code());
}

TEST(RewriteDeathTest, UnboundWildcardOnTheRightIsRefused) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  EXPECT_DEATH(RuleSet("bad", {rule(x + 0, y)}), "does not bind");
}

TEST(RewriteDeathTest, LoopNamesTheRules) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  // clang-format off
  static const RuleSet cycling("cycling", {
    rule(x * 2,   x + x),
    rule(x + x,   x * 2),
  });
  // clang-format on
  EXPECT_DEATH(graph_rewrite(kI * 2, cycling), "rewrite loop in cycling(.|\n)*x \\+ x => x \\* 2");
}

TEST(RewriteDeathTest, RunawayGrowthIsBounded) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  static const RuleSet growing("growing", {rule(x * c0, x * fold(c0 + 1) + 0)});
  EXPECT_DEATH(graph_rewrite(kI * 2, growing, {.max_rewrites = 1000}), "more than 1000 rule firings");
}

TEST(Rewrite, CodeRule) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  RuleSet s("code",
            {code_rule(
                x + y, [](const UOp& n, const Bindings& b) { return b[1] + b[0]; }, "test: swap", "swap once")});
  EXPECT_TRUE(s.rules()[0].is_code());
  // Swapping twice returns the node: a loop, unless the result equals the node (then no fire).
  UOp e = kI + kI;
  EXPECT_TRUE(graph_rewrite(e, s) == e);
}

TEST(Rewrite, SetsInOrder) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  static const RuleSet first("first", {rule(x * 2, x + x)});
  static const RuleSet second("second", {rule(x + x, x * 3)});  // a wrong rule: only the order is tested
  EXPECT_TRUE(graph_rewrite(kI * 2, {&first}) == kI + kI);
  EXPECT_TRUE(graph_rewrite(kI + kI, {&second, &toy_rules()}) == kI * 3);
  EXPECT_TRUE(graph_rewrite((kI + 0) + (kI + 0), {&toy_rules(), &second}) == kI * 3);
  EXPECT_EQ(last_rewrite_stats().rewrites, 2);  // the shared source kI + 0 is rewritten once
}

TEST(Rewrite, OnlyMatchingDtypesAndSourcesAreTouched) {
  // Non-ALU nodes pass through; their ALU sources are rewritten and the node rebuilt.
  UOp r = UOp::make(Op::RANGE, dtypes::index, {UOp::constant(dtypes::index, 4) + 0}, int64_t{0});
  UOp out = graph_rewrite(r, toy_rules());
  EXPECT_EQ(out.op(), Op::RANGE);
  EXPECT_TRUE(out.src(0) == UOp::constant(dtypes::index, 4));
  EXPECT_EQ(out.arg_int(), 0);
}

TEST(Rewrite, DeepChainDoesNotOverflowTheStack) {
  UOp e = kI;
  for (int i = 0; i < 100000; ++i) e = e + 0;
  EXPECT_TRUE(graph_rewrite(e, toy_rules()) == kI);
  UOp f = kI;
  for (int i = 0; i < 20000; ++i) f = f + 1;
  EXPECT_TRUE(graph_rewrite(f, toy_rules()) == kI + 20000);
}

TEST(Rewrite, DebugFourPrintsFiredRules) {
  // debug_level() is read once per process: check the output in a freshly started child.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("ANVIL_DEBUG", "4", 1);
        graph_rewrite(kI + 0, toy_rules());
        std::exit(0);
      },
      testing::ExitedWithCode(0), "x \\+ 0 => x .*rewrite_test.cpp:");
}

}  // namespace
}  // namespace anvil
