#pragma once
// The reducers' cores, driven by a predicate ("this candidate still fails the same way") rather
// than by a target, so unit tests can drive them with a fake bug. The targets' reduce functions
// wrap these with their own check and signature.
#include <cstdint>
#include <functional>

#include "engine/ir/uop.h"
#include "fuzz/lib/shape_target.h"

namespace anvil::fuzz {

using GraphPredicate = std::function<bool(const UOp&)>;
using ChainPredicate = std::function<bool(const MoveChain&)>;

// Greedy and deterministic: replaces nodes by simpler ones, then shrinks dimensions, while `fails`
// holds; a candidate is taken only when it has fewer nodes, or as many nodes and fewer elements.
// `fails(root)` should hold on entry; the result never has more nodes or elements than `root`.
UOp reduce_graph_with(const UOp& root, const GraphPredicate& fails, int budget = 2000);

// The graph with every dimension of size `from` made `to`: BUFFER counts, RESHAPE and EXPAND
// targets follow, SHRINK ranges are clamped to the new sizes. An empty UOp where a node's shape no
// longer infers (a PAD-made size meeting a rewritten one).
UOp shrink_dim(const UOp& root, int64_t from, int64_t to);

// Sum of the elements of every node: the second measure of a graph's size.
int64_t graph_elements(const UOp& root);

// The shape reducer's core (shape_mutate.cpp): fewer steps, then a smaller leaf, then smaller args.
MoveChain reduce_chain_with(const MoveChain& chain, const ChainPredicate& fails, int budget = 2000);

}  // namespace anvil::fuzz
