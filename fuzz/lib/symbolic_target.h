#pragma once
// The symbolic target: simplify keeps the value of an integer expression wherever the original
// is not poison, is idempotent, keeps the dtype, and every node's value lies in [vmin, vmax].
#include "engine/ir/uop.h"
#include "fuzz/lib/targets.h"

namespace anvil::fuzz {

// Checks one expression at its corner points and at `random_points` points drawn from a seed
// derived from the expression itself (so a case always checks the same points).
std::optional<Finding> check_symbolic(const UOp& expr, int random_points = 16);

}  // namespace anvil::fuzz
