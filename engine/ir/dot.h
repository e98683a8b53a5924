#pragma once
// Graphviz export: `to_dot(g) | dot -Tsvg` draws a graph. Deterministic, so two dumps diff.
#include <string>

#include "engine/ir/uop.h"

namespace anvil {

// A digraph: one box per node (op, dtype, arg), an edge from each source labelled by its position.
std::string to_dot(const UOp& root);

}  // namespace anvil
