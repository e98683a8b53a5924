// anvil's optimizers against torch::optim: one parameter set and one gradient sequence through both,
// ten steps, the parameters compared after every step.
#include "verify/torch/torch_optim.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/nn/optim.h"
#include "engine/runtime/realize.h"

namespace anvil {
namespace {

// Every test realizes on the default backend: interp, or the one ANVIL_BACKEND names (NAME@c, NAME@llvm).
class Interp : public ::testing::Environment {
 public:
  void SetUp() override { install_interp_realizer(); }
};
const ::testing::Environment* const interp_env = ::testing::AddGlobalTestEnvironment(new Interp);

using Steps = std::vector<std::vector<std::vector<float>>>;

struct Case {
  const char* name;
  torch_optim::Config config;
};

std::vector<float> draw(std::mt19937& rng, size_t n) {
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

std::unique_ptr<nn::Optimizer> make(const torch_optim::Config& c, const std::vector<Tensor>& params) {
  if (c.kind == "sgd")
    return std::make_unique<nn::SGD>(params, nn::SGDOptions{.lr = c.lr,
                                                            .momentum = c.momentum,
                                                            .dampening = c.dampening,
                                                            .weight_decay = c.weight_decay,
                                                            .nesterov = c.nesterov});
  nn::AdamOptions o{.lr = c.lr,
                    .beta1 = c.beta1,
                    .beta2 = c.beta2,
                    .eps = c.eps,
                    .weight_decay = c.weight_decay,
                    .amsgrad = c.amsgrad};
  if (c.kind == "adam") return std::make_unique<nn::Adam>(params, o);
  return std::make_unique<nn::AdamW>(params, o);
}

class TorchOptim : public ::testing::TestWithParam<Case> {};

TEST_P(TorchOptim, MatchesTorchOverTenSteps) {
  const torch_optim::Config& config = GetParam().config;
  std::mt19937 rng(20261125);
  const std::vector<size_t> sizes{6, 5};
  std::vector<std::vector<float>> init;
  for (size_t n : sizes) init.push_back(draw(rng, n));
  Steps grads(10);
  for (auto& step : grads)
    for (size_t n : sizes) step.push_back(draw(rng, n));
  const Steps want = torch_optim::run(config, init, grads);

  std::vector<Tensor> params;
  for (const auto& v : init) params.push_back(Tensor::from(v).requires_grad_());
  std::unique_ptr<nn::Optimizer> opt = make(config, params);
  for (size_t s = 0; s < grads.size(); ++s) {
    for (size_t i = 0; i < params.size(); ++i) params[i].set_grad(Tensor::from(grads[s][i]));
    opt->step();
    for (size_t i = 0; i < params.size(); ++i) {
      std::vector<float> got = params[i].detach().to_vector<float>();
      for (size_t k = 0; k < got.size(); ++k)
        ASSERT_NEAR(got[k], want[s][i][k], 1e-5 * (1 + std::fabs(want[s][i][k])))
            << GetParam().name << ": step " << s + 1 << ", parameter " << i << ", element " << k;
    }
  }
}

torch_optim::Config sgd(double momentum, double dampening, double wd, bool nesterov) {
  return {
      .kind = "sgd", .lr = 0.1, .momentum = momentum, .dampening = dampening, .weight_decay = wd, .nesterov = nesterov};
}
torch_optim::Config adam(const char* kind, double wd, bool amsgrad) {
  return {.kind = kind, .lr = 0.01, .weight_decay = wd, .beta1 = 0.8, .beta2 = 0.9, .eps = 1e-6, .amsgrad = amsgrad};
}

INSTANTIATE_TEST_SUITE_P(
    Optimizers, TorchOptim,
    ::testing::Values(Case{"sgd", sgd(0, 0, 0, false)}, Case{"sgd_momentum", sgd(0.9, 0, 0, false)},
                      Case{"sgd_dampening", sgd(0.9, 0.3, 0, false)}, Case{"sgd_nesterov", sgd(0.9, 0, 0, true)},
                      Case{"sgd_weight_decay", sgd(0.9, 0, 0.05, true)}, Case{"adam", adam("adam", 0, false)},
                      Case{"adam_amsgrad", adam("adam", 0, true)}, Case{"adam_weight_decay", adam("adam", 0.1, true)},
                      Case{"adamw", adam("adamw", 0.1, false)}, Case{"adamw_amsgrad", adam("adamw", 0.1, true)}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace anvil
