#pragma once
// Generator of small tensor programs over the Tensor API: leaves of every dtype (sizes 0 and 1
// included), casts, unary/binary/ternary elementwise math with broadcasting and promotion,
// reductions (reduce-then-broadcast-back too, the pattern that forces a realization), every
// movement op, cat/stack and matmul, and (gen_tensor_nn.cpp) convolution, pooling, normalization,
// dropout, integer-tensor indexing and updates, scatter, cumsum/cumprod, sorting and losses,
// chained at random. Valid by construction: a step the API
// refuses (anvil::Error) is skipped. Leaf values do not matter here: the graph target refills
// them from the text (graph_leaves.h).
#include <vector>

#include "engine/tensor/tensor.h"
#include "fuzz/lib/source.h"

namespace anvil::fuzz {

struct TensorOptions {
  int max_steps = 8;
  int64_t max_elements = 4096;  // no node (matmul's product included) grows past this
  int depth = 2;                // how deep operands may be generated subprograms
};

// Every dtype a tensor may have.
const std::vector<DType>& tensor_dtypes();
DType gen_dtype(Source& src);

Tensor gen_tensor_program(Source& src, const TensorOptions& opt = {});

// One step of the nn and indexing families on x (gen_tensor_nn.cpp); may raise anvil::Error.
Tensor gen_nn_step(Source& src, const Tensor& x);

// A program whose result has exactly this shape and dtype (for mutators: a fresh subtree).
Tensor gen_tensor_like(Source& src, const Shape& shape, DType dtype, const TensorOptions& opt = {});

}  // namespace anvil::fuzz
