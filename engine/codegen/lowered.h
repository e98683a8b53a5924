#pragma once
// Internal to codegen: a kernel whose REDUCEs are accumulators, plus what placement needs to know
// that the graph alone does not say (which loops an accumulator access belongs to).
#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "engine/ir/uop.h"

namespace anvil::codegen {

using Scope = std::vector<int64_t>;  // RANGE axis ids a node sits inside, sorted

// The loops each node must sit in: those its sources depend on (an END removes its RANGE), plus
// pins for accumulator accesses, whose data alone would let them float out of their loop.
class Scopes {
 public:
  const Scope& of(const UOp& u);
  void pin(const UOp& u, Scope s);  // before of(u) is first asked

 private:
  std::unordered_map<UOp, Scope, UOpHash> memo_, pins_;
};

struct LoweredKernel {
  UOp sink;
  Scopes scopes;
  // Per reduce loop: the loops outside it. The first RANGE of a REDUCE lists the REDUCE's outer
  // scope; each later RANGE of it lists just the one before (it nests there).
  std::map<int64_t, Scope> reduce_outer;
};

// REDUCE -> DEFINE_REG accumulator (engine/codegen/linearize.h says how).
LoweredKernel lower_kernel(const UOp& ast);

}  // namespace anvil::codegen
