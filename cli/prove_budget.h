#pragma once
// The rule proofs of `anvil verify rules` and `anvil check`, within a time budget: every verdict is
// cached on disk under a key of (rule set, rule text or, for a code rule, its source file's hash,
// proof dtype, Z3 version, a hash of the proof code), so a rerun proves only what changed; uncached
// rules are proved while the budget lasts, and the rest are "not proven this run (budget)" —
// reported, never counted as proved.
#ifdef ANVIL_HAVE_Z3
#include <string>
#include <vector>

#include "engine/rewrite/rule.h"
#include "verify/rules/verify_rules.h"

namespace anvil::cli {

struct BudgetedRules {
  verify::RulesReport report;  // rows of rules not proven this run carry Verdict::Unknown and skipped[i]
  std::vector<bool> skipped;   // per row: not proven this run (budget)
  int proven_now = 0, cached = 0, not_proven = 0;
  bool termination_skipped = false;  // the bounded rewriting check did not fit the budget
};

// `budget_s` <= 0: no limit. `cached_only`: nothing is proved, cached verdicts are reported.
// `source_dir`: where code rules' source files are read for their key (unreadable: never cached).
BudgetedRules prove_rules_within(const std::vector<const RuleSet*>& sets, const verify::VerifyOptions& opt,
                                 double budget_s, bool cached_only, const std::string& source_dir);

// The cache key of one proof (exposed for the test of what invalidates an entry).
std::string proof_key(const std::string& set, const Rule& r, const std::string& domain, const std::string& z3_version,
                      const std::string& source_dir);

// One line for `anvil check` to parse: "rules: N proofs: P proven now, C cached, R refuted, ...".
std::string budget_line(const BudgetedRules& b);

}  // namespace anvil::cli
#endif
