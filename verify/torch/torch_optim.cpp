// C++17: libtorch 1.13's headers do not build as C++20 under clang 14 (verify/CMakeLists.txt).
#include "verify/torch/torch_optim.h"

#include <torch/optim.h>

#include <memory>
#include <stdexcept>

namespace anvil::torch_optim {
namespace {

torch::Tensor tensor_of(const std::vector<float>& v) {
  return torch::from_blob(const_cast<float*>(v.data()), {static_cast<int64_t>(v.size())}, torch::kFloat32).clone();
}

std::unique_ptr<torch::optim::Optimizer> make(const Config& c, const std::vector<torch::Tensor>& params) {
  if (c.kind == "sgd")
    return std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(c.lr)
                                                           .momentum(c.momentum)
                                                           .dampening(c.dampening)
                                                           .weight_decay(c.weight_decay)
                                                           .nesterov(c.nesterov));
  if (c.kind == "adam")
    return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(c.lr)
                                                            .betas({c.beta1, c.beta2})
                                                            .eps(c.eps)
                                                            .weight_decay(c.weight_decay)
                                                            .amsgrad(c.amsgrad));
  if (c.kind == "adamw")
    return std::make_unique<torch::optim::AdamW>(params, torch::optim::AdamWOptions(c.lr)
                                                             .betas({c.beta1, c.beta2})
                                                             .eps(c.eps)
                                                             .weight_decay(c.weight_decay)
                                                             .amsgrad(c.amsgrad));
  throw std::invalid_argument("torch_optim: unknown optimizer " + c.kind);
}

}  // namespace

std::vector<std::vector<std::vector<float>>> run(const Config& config, const std::vector<std::vector<float>>& params,
                                                 const std::vector<std::vector<std::vector<float>>>& grads) {
  std::vector<torch::Tensor> ps;
  for (const auto& p : params) ps.push_back(tensor_of(p).requires_grad_());
  std::unique_ptr<torch::optim::Optimizer> opt = make(config, ps);
  std::vector<std::vector<std::vector<float>>> out;
  for (const auto& step : grads) {
    for (size_t i = 0; i < ps.size(); ++i) ps[i].mutable_grad() = tensor_of(step.at(i));
    opt->step();
    std::vector<std::vector<float>> now;
    for (const auto& p : ps) {
      torch::Tensor c = p.detach().contiguous();
      now.emplace_back(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    }
    out.push_back(std::move(now));
  }
  return out;
}

}  // namespace anvil::torch_optim
