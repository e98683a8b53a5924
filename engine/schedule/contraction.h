#pragma once
// What to store before a reduction that reads its inputs many times (a matmul, a convolution), so
// its kernel neither recomputes work per register tile nor reads across the tile with a stride:
//
//   broadcast producers  elementwise work the reduce reads through a broadcast of at least
//                        kBroadcastRealize copies (a weight gradient's relu gradient, broadcast over
//                        the input features) is computed once into a buffer, when an element of it
//                        reads two inputs, or one and does three operations.
//   transposed operands  an operand read contiguously along a reduced axis and with a stride along
//                        the last output axis (x @ W^T's W) is stored transposed, so the outputs a
//                        tile computes side by side read elements side by side (x @ W^T, 128 x
//                        784 by 256 x 784: 1.2 ms before, 0.04 ms copy + 0.29 ms matmul after).
//
// Only movement chains of PERMUTE, RESHAPE and EXPAND are looked through (a convolution's padded
// window keeps its tile over output channels); symbolic shapes are left as they are. The scheduler
// realizes the nodes returned, as it realizes CONTIGUOUS.
#include <functional>
#include <unordered_set>
#include <vector>

#include "engine/ir/uop.h"

namespace anvil {

inline constexpr int64_t kBroadcastRealize = 16;

// `topo`: every node, sources first. `realized(u)`: u is stored anyway (a root, a BUFFER, ...).
// `symbolic(u)`: u has a symbolic axis.
std::unordered_set<UOp, UOpHash> contraction_realizes(const std::vector<UOp>& topo,
                                                      const std::function<bool(const UOp&)>& realized,
                                                      const std::function<bool(const UOp&)>& symbolic);

}  // namespace anvil
