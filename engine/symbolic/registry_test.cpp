#include "engine/symbolic/registry.h"

#include <gtest/gtest.h>

#include <set>

#include "engine/symbolic/simplify.h"

namespace anvil {
namespace {

TEST(Registry, ListsEverySymbolicRuleSet) {
  std::set<std::string> names;
  size_t rules = 0;
  for (const RuleSet* set : all_rule_sets()) {
    EXPECT_TRUE(names.insert(set->name()).second) << "two rule sets named " << set->name();
    for (const Rule& r : set->rules()) {
      ++rules;
      EXPECT_FALSE(r.name.empty());
      EXPECT_NE(std::string(r.file).find("engine/symbolic/rules_"), std::string::npos) << r.name;
      EXPECT_GT(r.line, 0) << r.name;
      if (r.is_code())
        EXPECT_FALSE(r.why_code.empty()) << r.name;
      else
        EXPECT_TRUE(static_cast<bool>(r.rhs)) << r.name;
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"fold", "identity", "sum", "compare", "divmod", "logic"}));
  EXPECT_EQ(symbolic_rules().rules().size(), rules);
}

TEST(Registry, DeclarativeRulesPrintAsAlgebra) {
  bool found = false;
  for (const Rule& r : divmod_rules().rules())
    found |= r.name == "floordiv(floordiv(x, c0), c1) => floordiv(x, fold(c0 * c1))  when 0 < c0 && 0 < c1";
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace anvil
