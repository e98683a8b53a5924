#pragma once
// The symbolic simplifier: integer index arithmetic (and the wrapping, float and bool cases that
// are safe) simplified by rule sets run with graph_rewrite to a fixed point.
#include <vector>

#include "engine/rewrite/rule.h"

namespace anvil {

// Simplifies `e` (any graph; only ALU nodes are touched). Idempotent: simplify(simplify(e)) ==
// simplify(e). Sound: wherever `e` is not poison, the result has the same value.
UOp simplify(const UOp& e);

// The rule sets, grouped by topic, in the order simplify tries them.
const RuleSet& fold_rules();      // constant folding; nodes whose bounds meet become constants
const RuleSet& identity_rules();  // x + 0, x * 1, x - x, min/max of ordered operands, ...
const RuleSet& sum_rules();       // ring canonical form: like terms, constants right, flattened sums
const RuleSet& compare_rules();   // comparisons against constants
const RuleSet& divmod_rules();    // nested, gcd, split and range-decided FLOOR/TRUNC DIV/MOD
const RuleSet& logic_rules();     // WHERE and bool
std::vector<const RuleSet*> symbolic_rule_sets();
const RuleSet& symbolic_rules();  // all of the above as one set

}  // namespace anvil
