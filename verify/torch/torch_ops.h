#pragma once
// Internal to the torch translation units (C++17): the torch twin of each op-table row.
#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace anvil::torch_oracle {

using TorchFn = std::function<at::Tensor(const std::vector<at::Tensor>&)>;
using Ts = std::vector<at::Tensor>;
using Shape = std::vector<int64_t>;

// The element count of a shape (1 for {}), for the twins' index and target recipes.
inline int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// Row name -> the same op in ATen, with the row's fixed extra arguments.
const std::map<std::string, TorchFn>& torch_ops();

// The twins of the indexing rows (torch_ops_index.cpp), merged into torch_ops().
void add_index_ops(std::map<std::string, TorchFn>& m);
// The twins of the nn functional rows (torch_ops_nn.cpp), merged into torch_ops().
void add_nn_ops(std::map<std::string, TorchFn>& m);
// The twins of the loss and sorting rows (torch_ops_loss.cpp), merged into torch_ops().
void add_loss_ops(std::map<std::string, TorchFn>& m);

}  // namespace anvil::torch_oracle
