// Termination by a reduction order: a shrinking rule is ordered, commutativity is not and is
// named, code rules are listed, and a set with either falls back to the bounded check.
#include "verify/rules/termination.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/symbolic/registry.h"

namespace anvil::verify {
namespace {

bool names(const std::vector<std::string>& v, const std::string& n) {
  return std::find(v.begin(), v.end(), n) != v.end();
}

TEST(Termination, AddZeroIsOrdered) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  const RuleSet set("t", {rule(x + 0, x).named("x+0"), rule(x * 1, x).named("x*1"),
                          rule(floordiv(x * c0, c0), x, when(c0 > 0)).named("x*c/c")});
  const OrderResult r = find_reduction_order(set);
  EXPECT_TRUE(r.ordered) << order_text(r);
  EXPECT_EQ(order_text(r).rfind("terminates: reduction order", 0), 0u) << order_text(r);
}

TEST(Termination, CommutativityIsNotOrderedAndIsNamed) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  const RuleSet set("t", {rule(x + 0, x).named("x+0"), rule(x + y, y + x).named("commute")});
  const OrderResult r = find_reduction_order(set);
  EXPECT_FALSE(r.ordered);
  EXPECT_TRUE(names(r.not_decreasing, "commute")) << order_text(r);
  EXPECT_FALSE(names(r.not_decreasing, "x+0")) << order_text(r);
  EXPECT_NE(order_text(r).find("bounded check only (1 rules not decreasing"), std::string::npos) << order_text(r);
}

TEST(Termination, DuplicatingAVariableIsNotOrdered) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  // x*2 -> x+x weighs the same but copies x: no KBO orders it (x may be huge).
  const RuleSet set("t", {rule(x * 2, x + x).named("double")});
  EXPECT_FALSE(find_reduction_order(set).ordered);
}

TEST(Termination, CodeRulesAreListed) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  const RuleSet set("t", {code_rule(
                             x + 0, [](const UOp&, const Bindings& b) { return b[0]; }, "test", "code x+0")});
  const OrderResult r = find_reduction_order(set);
  EXPECT_FALSE(r.ordered);
  EXPECT_TRUE(names(r.code_rules, "code x+0"));
}

TEST(Termination, EveryEngineSetGetsAnAnswer) {
  for (const RuleSet* set : all_rule_sets()) {
    const OrderResult r = find_reduction_order(*set);
    EXPECT_FALSE(r.order.empty()) << set->name();
    std::printf("%-12s %s\n", set->name().c_str(), order_text(r).c_str());
  }
}

}  // namespace
}  // namespace anvil::verify
