#pragma once
// Shared by the targets that compare the engine with a reference (graph, shape, api): how many
// terms a float element accumulated (for the tolerance rule), and where a flat element sits.
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/ir/shape.h"
#include "engine/ir/uop.h"

namespace anvil::fuzz {

// Elements accumulated into one output element: the product of reduced sizes along the worst path.
int64_t terms_of(const UOp& root);

// The tolerance factor for `root` on `backend`: kDeviceMathFactor when a device backend computes one
// of the transcendental ops in it with its own math library (tolerance.h), else 1.
double math_factor(const UOp& root, std::string_view backend);

// The multi-dimensional index of row-major element `flat` of `shape`, as "[i, j, k]".
std::string index_text(int64_t flat, const Shape& shape);

}  // namespace anvil::fuzz
