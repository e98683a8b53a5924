#pragma once
// Internal: the backend registry behind Tensor::realize and Tensor::to (device.cpp).
#include <string>
#include <vector>

#include "engine/tensor/tensor.h"

namespace anvil::tensor_detail {

// The realizer registered for `device`, or Error(op) naming the device and the registered backends.
Realizer find_backend(const char* op, const std::string& device);
MultiRealizer find_multi_realizer(const std::string& device);  // nullptr when the backend has none

// The one device of a set of tensors (the default backend when there are none); Error(op) naming
// two devices when they differ, as PyTorch's "Expected all tensors to be on the same device".
std::string common_device(const char* op, const std::vector<Tensor>& tensors);

}  // namespace anvil::tensor_detail
