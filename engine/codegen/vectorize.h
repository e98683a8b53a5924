#pragma once
// Internal to codegen: the rewrite behind the vectorize action (engine/codegen/opt.h).
#include <cstdint>
#include <string>

#include "engine/ir/uop.h"

namespace anvil::codegen {

// `ast` with output loop `loop` replaced by outer * k + lane, the k lanes computed as one k-lane
// vector value: consecutive loads and stores become one k-lane access, the rest go lane by lane.
// An empty UOp, with the reason in `why`, when the kernel cannot be vectorized.
UOp vectorize_loop(const UOp& ast, const UOp& loop, const UOp& outer, int64_t k, std::string& why);

}  // namespace anvil::codegen
