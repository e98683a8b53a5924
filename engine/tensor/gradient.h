#pragma once
// Internal: reverse-mode gradients over the primitive ops of the tensor graph, one rule per op
// (gradient.cpp). Every composite Tensor op differentiates through the primitives it builds.
#include <vector>

#include "engine/ir/uop.h"

namespace anvil::tensor_detail {

// The gradient of each source of `node` given the gradient `g` of `node` (same shape and dtype):
// one entry per source, null where none flows (integer and bool sources, conditions, TRUNC, ...).
// Error("backward") for a float node whose op has no rule.
std::vector<UOp> gradient_rule(const UOp& node, const UOp& g);

// The gradients of `targets` for `root` seeded with `seed` (root's shape and dtype), built as
// graphs over root's nodes. A target that root does not depend on (or only through DETACH) gets a
// null UOp; one whose every path carries no gradient (comparisons, TRUNC, integer casts) gets zeros.
std::vector<UOp> gradients(const UOp& root, const UOp& seed, const std::vector<UOp>& targets);

}  // namespace anvil::tensor_detail
