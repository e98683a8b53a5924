#pragma once
// Codegen for the interpreter: a kernel AST (engine/schedule/schedule.h) becomes a linear program
// as engine/runtime/interp/program.h runs it and validate_program accepts.
//
// - REDUCE(value, RANGE...) becomes a DEFINE_REG accumulator: STORE identity before the reduce
//   loops, LOAD / combine / STORE inside them, and a LOAD after the last END (that LOAD names the
//   END as an ordering source, so it is a different node from the one inside the loop).
// - Every node sits in the innermost loop it depends on; loop-invariant work is hoisted.
// - The output loops are closed by ENDs around the STOREs; SINK comes last.
#include <vector>

#include "engine/ir/uop.h"

namespace anvil {

// The program in execution order. ANVIL_CHECK-aborts if the result fails validate_program.
std::vector<UOp> linearize(const UOp& kernel_ast);

}  // namespace anvil
