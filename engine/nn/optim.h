#pragma once
// Optimizers, as torch.optim's (the update rules of libtorch 1.13's C++ torch::optim, checked against
// it in verify/torch/torch_optim_test.cpp). A step replaces each parameter's value by a new value,
// realized with the per-parameter state in one schedule, so graphs stay one node deep however long
// training runs. Parameters without a gradient are skipped, as torch. Options are checked at construction:
// Error("SGD") / Error("Adam") / Error("AdamW") naming the bad one.
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/tensor/tensor.h"

namespace anvil::nn {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> params, const char* name);
  virtual ~Optimizer() = default;
  // Replaces each parameter that has a gradient by its updated value. The new values, the
  // optimizer's state and `with` realize in one schedule (Tensor::realize_all): pass the loss and its
  // forward pass runs once, shared with the gradients', instead of again when the loss is read.
  void step(const std::vector<Tensor>& with = {});
  void zero_grad();  // every parameter's gradient dropped
  const std::vector<Tensor>& params() const { return params_; }

 protected:
  struct Update {
    size_t param;  // index into params_
    Tensor value;  // lazy
  };
  // The lazy update of every parameter with a gradient; state tensors the step replaces (lazy too)
  // go into `state`, realized with the updates.
  virtual std::vector<Update> updates(std::vector<Tensor>& state) = 0;
  std::vector<Tensor> params_;
};

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening = 0
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  SGDOptions options;
  std::vector<std::optional<Tensor>> momentum_buffer;  // per parameter, from the first step

 protected:
  std::vector<Update> updates(std::vector<Tensor>& state) override;
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // Adam: L2 added to the gradient; AdamW: decoupled (torch default 1e-2)
  bool amsgrad = false;
};

// Adam; AdamW is the same with decoupled weight decay (p *= 1 - lr * weight_decay before the update).
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options);
  AdamOptions options;
  struct State {
    int64_t step = 0;
    Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;  // max_exp_avg_sq with amsgrad only
  };
  std::vector<std::optional<State>> state;  // per parameter, from its first step

 protected:
  Adam(std::vector<Tensor> params, AdamOptions options, bool decoupled, const char* name);
  std::vector<Update> updates(std::vector<Tensor>& state) override;

 private:
  bool decoupled_;
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamOptions options);  // pass weight_decay = 1e-2 for torch's default
};

}  // namespace anvil::nn
