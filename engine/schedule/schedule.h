#pragma once
// The scheduler: a lazy tensor graph becomes kernels. Realization points are the roots, CONTIGUOUS,
// existing BUFFERs, and reduce outputs whose consumers need other loops (a broadcast, pad or shrink
// of the result on the way to the next realization point) or that feed more than one realization
// point, and what a contraction reads better stored (a producer it broadcasts, an operand it reads
// across its tile with a stride: contraction.h). Everything else fuses: an elementwise chain, its
// elementwise producers (recomputed in each kernel that reads them), and a reduce feeding
// elementwise work over its own output loops.
//
// A kernel AST is SINK(STORE(INDEX(DEFINE_GLOBAL 0, idx), value)): idx is an index expression over
// the output's RANGEs, inputs are LOAD(INDEX(DEFINE_GLOBAL slot, idx[, gate])[, 0]) with movement ops
// folded into simplified index expressions (PAD as the gate), and a reduction is
// REDUCE(value, RANGE..., ReduceArg{op, {}}) over its own RANGEs.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/ir/uop.h"

namespace anvil {

struct Kernel {
  UOp ast;                           // SINK of STOREs, as above
  std::vector<int64_t> buffer_uids;  // DEFINE_GLOBAL slot order; outputs first
  std::vector<UOp> buffers;          // the BUFFER node of each slot: dtype, {uid, element count}
  size_t n_outputs = 1;
};

struct Schedule {
  std::vector<Kernel> kernels;  // in execution order
  std::vector<UOp> results;     // per root: the realized tensor, RESHAPE(BUFFER) (or BUFFER), after the run
  // The value of each DEFINE_VAR in the kernels, by name: what every kernel's run must bind. A root
  // with a symbolic axis (BIND, engine/tensor/symbolic.md) is stored in a buffer sized for every var
  // at its upper bound; its result is then [RESHAPE](SHRINK(BUFFER, {0, count})): the first count
  // elements, row-major.
  std::map<std::string, int64_t> vars;
};

Schedule make_schedule(const std::vector<UOp>& roots);
std::vector<Kernel> schedule(const std::vector<UOp>& roots);  // make_schedule(roots).kernels

}  // namespace anvil
