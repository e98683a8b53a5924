#pragma once
// Builds the AST of one kernel: the value of a tensor node at the output's loop variables, with
// movement ops turned into index expressions and PAD into gates, all simplified.
#include <functional>
#include <vector>

#include "engine/ir/uop.h"

namespace anvil {

class SymbolicDims;

struct KernelAst {
  UOp ast;                   // SINK(STORE(INDEX(DEFINE_GLOBAL 0, idx), value))
  std::vector<UOp> buffers;  // the BUFFER node behind each DEFINE_GLOBAL slot; slot 0 is `out`
};

// `realized(n)`: the BUFFER that holds an already realized node n (a BUFFER is its own), or an
// empty UOp when n is computed inside this kernel. `target` is computed, never loaded. `sym` (may be
// null) gives symbolic axes: they loop to their DEFINE_VAR, and strides over them use it.
KernelAst build_kernel_ast(const UOp& target, const UOp& out, const std::function<UOp(const UOp&)>& realized,
                           const SymbolicDims* sym = nullptr);

// The neutral element of a reduction: 0 for ADD, 1 for MUL, the lowest / highest value for MAX / MIN.
UOp reduce_identity(Op op, DType dtype);

}  // namespace anvil
