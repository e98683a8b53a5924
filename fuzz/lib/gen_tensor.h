#pragma once
// Generator of small tensor programs over the Tensor API: host leaves, every movement op,
// elementwise math, reductions and matmul, chained at random. The graph fuzzer's seed vocabulary;
// for now float32 only (integer dtypes and edge values arrive with the graph target).
#include "engine/tensor/tensor.h"
#include "fuzz/lib/source.h"

namespace anvil::fuzz {

struct TensorOptions {
  int max_steps = 8;
  int64_t max_elements = 4096;
};

Tensor gen_tensor_program(Source& src, const TensorOptions& opt = {});

}  // namespace anvil::fuzz
