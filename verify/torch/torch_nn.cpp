// C++17: libtorch 1.13's headers do not build as C++20 under clang 14 (verify/CMakeLists.txt).
#include "verify/torch/torch_nn.h"

#include <torch/nn.h>

#include <stdexcept>

namespace anvil::torch_nn {
namespace {

torch::Tensor tensor_of(const Array& a, torch::ScalarType type) {
  std::vector<double> copy = a.data;
  return torch::from_blob(copy.data(), a.shape, torch::kFloat64).clone().to(type);
}

Array array_of(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kFloat64).contiguous();
  Array a;
  a.shape = t.sizes().vec();
  a.data.assign(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  return a;
}

torch::nn::AnyModule make(const Layer& l) {
  const auto& d = l.dims;
  if (l.kind == "linear")
    return torch::nn::AnyModule(torch::nn::Linear(torch::nn::LinearOptions(d.at(0), d.at(1)).bias(l.affine)));
  if (l.kind == "conv2d")
    return torch::nn::AnyModule(torch::nn::Conv2d(torch::nn::Conv2dOptions(d.at(0), d.at(1), {d.at(2), d.at(3)})
                                                      .stride({l.stride_h, l.stride_w})
                                                      .padding(torch::ExpandingArray<2>({l.pad_h, l.pad_w}))
                                                      .dilation({l.dil_h, l.dil_w})
                                                      .groups(l.groups)
                                                      .bias(l.affine)));
  if (l.kind == "layernorm")
    return torch::nn::AnyModule(
        torch::nn::LayerNorm(torch::nn::LayerNormOptions(d).eps(l.eps).elementwise_affine(l.affine)));
  if (l.kind == "embedding") return torch::nn::AnyModule(torch::nn::Embedding(d.at(0), d.at(1)));
  if (l.kind == "batchnorm2d")
    return torch::nn::AnyModule(torch::nn::BatchNorm2d(
        torch::nn::BatchNorm2dOptions(d.at(0)).eps(l.eps).momentum(l.momentum).affine(l.affine)));
  throw std::invalid_argument("torch_nn: unknown layer " + l.kind);
}

}  // namespace

Result run(const Layer& layer, const State& state, const Array& input, const std::vector<double>& upstream) {
  torch::nn::AnyModule any = make(layer);
  std::shared_ptr<torch::nn::Module> module = any.ptr();
  {
    torch::NoGradGuard no_grad;
    size_t loaded = 0;
    for (auto& item : module->named_parameters()) {
      item.value().copy_(tensor_of(state.at(item.key()), torch::kFloat32));
      ++loaded;
    }
    for (auto& item : module->named_buffers()) {
      item.value().copy_(tensor_of(state.at(item.key()), item.value().scalar_type()));
      ++loaded;
    }
    if (loaded != state.size()) throw std::invalid_argument("torch_nn: the state has entries the layer lacks");
  }
  module->train(layer.train);
  const bool indices = layer.kind == "embedding";
  torch::Tensor x = tensor_of(input, indices ? torch::kInt64 : torch::kFloat32);
  if (!indices) x.requires_grad_();
  torch::Tensor out;
  for (int i = 0; i < layer.forwards; ++i) out = any.forward(x);
  torch::Tensor up = tensor_of(Array{out.sizes().vec(), upstream}, torch::kFloat32);
  (out * up).sum().backward();
  Result r;
  r.output = array_of(out);
  if (!indices) r.grad_input = array_of(x.grad());
  for (auto& item : module->named_parameters()) r.grads[item.key()] = array_of(item.value().grad());
  for (auto& item : module->named_parameters()) r.state[item.key()] = array_of(item.value());
  for (auto& item : module->named_buffers()) r.state[item.key()] = array_of(item.value());
  return r;
}

}  // namespace anvil::torch_nn
