// The rule-proof cache of `anvil check` / `anvil verify rules`: a rule whose text changed is proved
// again, an unchanged one is taken from the cache; past the budget nothing is proved and nothing
// unproved is reported as proved.
#include "cli/prove_budget.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/rewrite/pattern.h"

namespace anvil::cli {
namespace {

namespace fs = std::filesystem;

struct Fixture : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("prove_budget_test_" + std::to_string(::getpid()));
  verify::VerifyOptions opt;
  void SetUp() override {
    fs::create_directories(dir);
    opt.cache_path = (dir / "cache.txt").string();
  }
  void TearDown() override { fs::remove_all(dir); }
  BudgetedRules prove(const RuleSet& set, double budget = 0, bool cached_only = false) {
    return prove_rules_within({&set}, opt, budget, cached_only, dir.string());
  }
  // Rows of one rule, by name: how many came from the cache.
  static int cached_rows(const BudgetedRules& b, const std::string& rule) {
    int n = 0;
    for (const verify::RuleRow& r : b.report.rows) n += r.rule == rule && r.cached;
    return n;
  }
};

TEST_F(Fixture, AChangedRuleIsProvedAgainAndAnUnchangedOneIsNot) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  const RuleSet before("t", {rule(x + 0, x).named("plus zero"), rule(x * 1, x).named("times one")});
  const BudgetedRules first = prove(before);
  ASSERT_EQ(first.cached, 0);
  ASSERT_GT(first.proven_now, 0);
  for (const verify::RuleRow& r : first.report.rows) EXPECT_EQ(r.verdict, verify::Verdict::Proved) << r.rule;

  // "times one" is edited (same name, another right side: still true); "plus zero" is not.
  const RuleSet after("t", {rule(x + 0, x).named("plus zero"), rule(x * 1, x + 0).named("times one")});
  const BudgetedRules second = prove(after);
  const int per_rule = static_cast<int>(second.report.rows.size() / 2);
  EXPECT_EQ(cached_rows(second, "plus zero"), per_rule);
  EXPECT_EQ(cached_rows(second, "times one"), 0) << "an edited rule must be proved again";
  EXPECT_EQ(second.proven_now, per_rule);

  // A wrong edit is refuted, never served from the cache as proved.
  const RuleSet wrong("t", {rule(x + 0, x).named("plus zero"), rule(x * 1, x + 1).named("times one")});
  const BudgetedRules third = prove(wrong);
  for (const verify::RuleRow& r : third.report.rows)
    if (r.rule == "times one") EXPECT_EQ(r.verdict, verify::Verdict::Refuted) << r.domain;
}

TEST_F(Fixture, PastTheBudgetRulesAreNotProvenAndNeverReportedProved) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  const RuleSet set("t", {rule(x + 0, x).named("plus zero"), rule(x * 1, x).named("times one")});
  const BudgetedRules none = prove(set, 0, /*cached_only=*/true);
  EXPECT_EQ(none.proven_now, 0);
  EXPECT_EQ(none.not_proven, static_cast<int>(none.report.rows.size()));
  for (size_t i = 0; i < none.report.rows.size(); ++i) {
    EXPECT_TRUE(none.skipped[i]);
    EXPECT_NE(none.report.rows[i].verdict, verify::Verdict::Proved);
  }
  EXPECT_NE(budget_line(none).find(std::to_string(none.not_proven) + " not proven this run (budget)"),
            std::string::npos)
      << budget_line(none);
  prove(set);  // fills the cache: now --cached reports every verdict without proving
  const BudgetedRules cached = prove(set, 0, true);
  EXPECT_EQ(cached.not_proven, 0);
  EXPECT_EQ(cached.cached, static_cast<int>(cached.report.rows.size()));
}

}  // namespace
}  // namespace anvil::cli
