#pragma once
// torch::nn layers behind a plain interface (no torch or anvil headers), so the C++20 layer test and
// the C++17 translation unit that includes libtorch's C++ frontend meet only here.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace anvil::torch_nn {

struct Array {
  std::vector<int64_t> shape;
  std::vector<double> data;  // row-major; float32 values, or integers (indices, num_batches_tracked)
};
using State = std::map<std::string, Array>;  // by torch's names: "weight", "bias", "running_mean", ...

struct Layer {
  std::string kind;  // "linear", "conv2d", "layernorm", "embedding" or "batchnorm2d"
  // linear: in, out; conv2d: in, out, kH, kW; layernorm: the normalized shape; embedding: count, dim;
  // batchnorm2d: channels.
  std::vector<int64_t> dims;
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1, groups = 1;  // conv2d
  bool affine = true;  // linear/conv2d bias, layernorm elementwise_affine, batchnorm2d affine
  double eps = 1e-5, momentum = 0.1;
  bool train = true;  // the training-mode switch (batchnorm2d: batch statistics and running updates)
  int forwards = 1;   // forward passes on the same input (running statistics move each time)
};

struct Result {
  Array output;      // of the last forward
  Array grad_input;  // d sum(output * upstream) / d input (none for embedding's indices)
  State grads;       // the same for every parameter, by name
  State state;       // the state dict after the forwards: parameters and buffers
};

// Builds torch::nn's layer, loads `state` into it (every parameter and buffer, float32 except
// num_batches_tracked), runs `forwards` forward passes on `input` (float32; embedding: int64
// indices), then backward of sum(output * upstream) from the last. Throws std::exception on a
// mismatch torch reports.
Result run(const Layer& layer, const State& state, const Array& input, const std::vector<double>& upstream);

}  // namespace anvil::torch_nn
