#pragma once
// Two-stage reductions: a reduce to a few outputs over many inputs has almost no output loop, so no
// thread action can run it on several cores. Before scheduling, such a REDUCE_AXIS becomes a reduce
// to P partial results (a kernel of its own, P output loops the heuristic can thread) and a small
// reduce of the partials, as tinygrad's split_reduceop. The combining order changes (float sums
// reassociate within tolerance); every backend runs the same two kernels, so they still agree bit for bit.
#include <vector>

#include "engine/ir/uop.h"

namespace anvil {

// `roots` with every large-enough REDUCE_AXIS split; the same nodes when none is.
std::vector<UOp> split_large_reduces(const std::vector<UOp>& roots);

// The partial count a reduce of `reduced` elements into `outputs` results is split into; 1: not split.
int64_t reduce_split_factor(int64_t outputs, int64_t reduced);

}  // namespace anvil
