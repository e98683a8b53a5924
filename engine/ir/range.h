#pragma once
// Range analysis of one node from its sources' ranges. uop.cpp runs it when a node is made, so
// every integer and bool node carries exact bounds; everyone else reads UOp::vmin/vmax.
#include "engine/ir/uop.h"

namespace anvil {

struct Interval {
  __int128 lo, hi;
};

// Bounds are computed wide (__int128, saturating) and then kept only if they fit the dtype:
// a result that may wrap gets the dtype's whole range. Non-integer dtypes get {0, 0}.
Interval node_range(Op op, DType dtype, const std::vector<UOp>& src, const Arg& arg);

// Exact integer helpers shared by range analysis, the interpreter and constant folding.
__int128 floor_div(__int128 a, __int128 b);  // b != 0
__int128 floor_mod(__int128 a, __int128 b);  // b != 0; sign of b

}  // namespace anvil
