#pragma once
// torch::optim behind a plain interface (no torch or anvil headers), so the C++20 optimizer test and
// the C++17 translation unit that includes libtorch's C++ frontend meet only here.
#include <string>
#include <vector>

namespace anvil::torch_optim {

struct Config {
  std::string kind;  // "sgd", "adam" or "adamw"
  double lr = 1e-3;
  double momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  bool amsgrad = false;
};

// Float32 parameters (flat) updated by torch::optim with grads[step][param] set before each step.
// Returns the parameters after every step: [step][param][element].
std::vector<std::vector<std::vector<float>>> run(const Config& config, const std::vector<std::vector<float>>& params,
                                                 const std::vector<std::vector<std::vector<float>>>& grads);

}  // namespace anvil::torch_optim
