#pragma once
// Internal to the torch translation units (C++17): the torch twin of each op-table row.
#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace anvil::torch_oracle {

using TorchFn = std::function<at::Tensor(const std::vector<at::Tensor>&)>;

// Row name -> the same op in ATen, with the row's fixed extra arguments.
const std::map<std::string, TorchFn>& torch_ops();

}  // namespace anvil::torch_oracle
