#pragma once
// Internal to conv.cpp and pool.cpp: sliding windows as a view, and the argument checks they share.
#include <cstdint>

#include "engine/tensor/tensor.h"

namespace anvil::tensor_detail {

// x's `axis` (size n) becomes two axes (k, o): element (j, i) is x[i * stride + j * dilation].
// Views only (tinygrad's pool: repeat, shrink, reshape). Needs (o - 1) * stride + (k - 1) * dilation < n.
Tensor window_axis(const Tensor& x, size_t axis, int64_t k, int64_t o, int64_t stride, int64_t dilation);

// [N, C, H, W] -> [N, C, oH, oW, kH, kW]: the windows of an already padded input.
Tensor windows2d(const Tensor& x, Size2 kernel, Size2 out, Size2 stride, Size2 dilation);

// Raises Error(op) unless every value of `s` is >= `min`, naming the argument.
void check_size2(const char* op, const char* what, Size2 s, int64_t min);

// A 3-d input as a batch of one; `batched` tells the caller to drop it again. Error(op) unless 3-d or 4-d.
Tensor as_batched(const char* op, const Tensor& input, bool& batched);

}  // namespace anvil::tensor_detail
