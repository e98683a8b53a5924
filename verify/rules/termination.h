#pragma once
// Termination of a rule set by a reduction order: a Knuth–Bendix-style order on the rules' terms.
// Each op has a weight (>= 1), wildcards and constants weigh 1, `fold(..)`/`vmin(..)`/`vmax(..)`
// build one constant. A rule decreases when no wildcard occurs more often in its right side than in
// its left, and the left side weighs more, or as much with a head op higher in the precedence.
// When every rule of a set decreases under one weight vector and precedence, every rewrite
// sequence with the set is finite for every input (guards and dtypes only remove rewrites, and a
// DAG rewrite is a parallel rewrite of its unfolded term). Code rules cannot be ordered.
#include <string>
#include <vector>

#include "engine/rewrite/rule.h"

namespace anvil::verify {

struct OrderResult {
  bool ordered = false;                     // every declarative rule decreases and there is no code rule
  std::string order;                        // the order that worked, or the best one tried
  std::vector<std::string> not_decreasing;  // declarative rules that do not decrease under `order`
  std::vector<std::string> code_rules;      // rules written as code (never ordered)
};

// Tries a few weight vectors and precedences; the first that orders every declarative rule wins,
// else the one that leaves the fewest rules undecided.
OrderResult find_reduction_order(const RuleSet& set);

// One line: "terminates: reduction order (...)" or "bounded check only (K rules not decreasing: ...)".
std::string order_text(const OrderResult& r);

}  // namespace anvil::verify
