#pragma once
// Shapes of tensor-graph nodes, inferred when a node is made (as ranges are). Leaves and scalars
// have shape {}; movement ops compute theirs from their arg; elementwise ops need sources of one
// shape; REDUCE_AXIS keeps reduced axes as 1. Kernel-level nodes (LOAD, INDEX, ...) have none.
// A malformed tensor node (a reshape that changes the element count, an axis out of range) gets
// no shape: the Tensor API raises anvil::Error before it builds one, and the validators report it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/ir/uop.h"

namespace anvil {

using Shape = std::vector<int64_t>;

std::optional<Shape> node_shape(Op op, const std::vector<UOp>& src, const Arg& arg);

int64_t shape_numel(const Shape& s);    // 1 for {}
std::string shape_str(const Shape& s);  // "[2, 3]"

}  // namespace anvil
