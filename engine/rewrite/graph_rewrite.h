#pragma once
// graph_rewrite: the one driver. Rewrites bottom-up to a fixed point: a node's sources first,
// then the node, repeatedly; a replacement is rewritten in full again (sources, then itself).
// Memoized within one call, iterative (no recursion on graph depth), bounded in total rule
// firings, deterministic (rules are tried in declaration order, the first that fires wins).
// A rewrite loop (a node that must be rewritten while it is being rewritten) is an engine bug:
// ANVIL_CHECK aborts naming the rules that cycled. ANVIL_DEBUG=4 prints every rule that fires.
#include <cstdint>
#include <vector>

#include "engine/rewrite/rule.h"

namespace anvil {

struct RewriteOptions {
  int64_t max_rewrites = 1'000'000;  // rule firings in one call; more aborts (a runaway rule set)
};

// Statistics of the last call on this thread, for tests and the CLI.
struct RewriteStats {
  int64_t rewrites = 0;  // rule firings
  int64_t visited = 0;   // distinct nodes rewritten
};
const RewriteStats& last_rewrite_stats();

UOp graph_rewrite(const UOp& root, const RuleSet& rules, RewriteOptions opts = {});
// The sets are tried in order, as one set.
UOp graph_rewrite(const UOp& root, const std::vector<const RuleSet*>& sets, RewriteOptions opts = {});

// One step at one node: the first rule of `rules` that fires there, or empty. `fired` gets the rule.
UOp rewrite_once(const UOp& node, const RuleSet& rules, const Rule** fired = nullptr);

}  // namespace anvil
