#include "engine/nn/optim.h"

#include <cmath>

#include "engine/nn/module.h"
#include "engine/support/error.h"

namespace anvil::nn {
namespace {

void need(bool ok, const char* op, const char* what, double v) {
  if (!ok) (ErrorBuilder(op) << "invalid " << what << ": " << v).raise();
}

// The gradient as a realized buffer: the step reads it several times and must not recompute backward.
std::optional<Tensor> realized_grad(const Tensor& p) {
  std::optional<Tensor> g = p.grad();
  if (g) g->realize();
  return g;
}

Tensor realized(Tensor t) {
  t.realize();
  return t;
}

}  // namespace

Optimizer::Optimizer(std::vector<Tensor> params, const char* name) : params_(std::move(params)) {
  for (const Tensor& p : params_)
    if (!p.requires_grad() || !p.is_leaf())
      (ErrorBuilder(name) << "can only optimize leaf tensors that require grad, got " << p.str()).raise();
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

SGD::SGD(std::vector<Tensor> params, SGDOptions o) : Optimizer(std::move(params), "SGD"), options(o) {
  need(o.lr >= 0, "SGD", "learning rate", o.lr);
  need(o.momentum >= 0, "SGD", "momentum value", o.momentum);
  need(o.weight_decay >= 0, "SGD", "weight_decay value", o.weight_decay);
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
    (ErrorBuilder("SGD") << "Nesterov momentum requires a momentum and zero dampening, got momentum " << o.momentum
                         << ", dampening " << o.dampening)
        .raise();
  momentum_buffer.resize(params_.size());
}

void SGD::step() {
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    std::optional<Tensor> g = realized_grad(p);
    if (!g) continue;
    Tensor d_p = *g;
    if (options.weight_decay != 0) d_p = d_p + p.detach() * options.weight_decay;
    if (options.momentum != 0) {
      std::optional<Tensor>& buf = momentum_buffer[i];
      buf = realized(buf ? *buf * options.momentum + d_p * (1 - options.dampening) : d_p.contiguous());
      d_p = options.nesterov ? d_p + *buf * options.momentum : *buf;
    }
    replace_parameter(p, p.detach() - d_p * options.lr);
  }
}

Adam::Adam(std::vector<Tensor> params, AdamOptions o) : Adam(std::move(params), o, false, "Adam") {}

AdamW::AdamW(std::vector<Tensor> params, AdamOptions o) : Adam(std::move(params), o, true, "AdamW") {}

Adam::Adam(std::vector<Tensor> params, AdamOptions o, bool decoupled, const char* name)
    : Optimizer(std::move(params), name), options(o), decoupled_(decoupled) {
  need(o.lr >= 0, name, "learning rate", o.lr);
  need(o.eps >= 0, name, "epsilon value", o.eps);
  need(o.beta1 >= 0 && o.beta1 < 1, name, "beta parameter at index 0", o.beta1);
  need(o.beta2 >= 0 && o.beta2 < 1, name, "beta parameter at index 1", o.beta2);
  need(o.weight_decay >= 0, name, "weight_decay value", o.weight_decay);
  state.resize(params_.size());
}

void Adam::step() {
  const AdamOptions& o = options;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    std::optional<Tensor> g = realized_grad(p);
    if (!g) continue;
    if (!state[i]) {
      State s;
      s.exp_avg = Tensor::zeros_like(p.detach());
      s.exp_avg_sq = Tensor::zeros_like(p.detach());
      if (o.amsgrad) s.max_exp_avg_sq = Tensor::zeros_like(p.detach());
      state[i] = s;
    }
    State& s = *state[i];
    s.step += 1;
    const double bias_correction1 = 1 - std::pow(o.beta1, static_cast<double>(s.step));
    const double bias_correction2 = 1 - std::pow(o.beta2, static_cast<double>(s.step));
    Tensor value = p.detach();
    Tensor grad = *g;
    if (decoupled_)
      value = value * (1 - o.lr * o.weight_decay);
    else if (o.weight_decay != 0)
      grad = grad + value * o.weight_decay;
    s.exp_avg = realized(s.exp_avg * o.beta1 + grad * (1 - o.beta1));
    s.exp_avg_sq = realized(s.exp_avg_sq * o.beta2 + grad * grad * (1 - o.beta2));
    Tensor second = s.exp_avg_sq;
    if (o.amsgrad) second = s.max_exp_avg_sq = realized(s.max_exp_avg_sq.maximum(s.exp_avg_sq));
    const Tensor denom = second.sqrt() / std::sqrt(bias_correction2) + o.eps;
    replace_parameter(p, value - s.exp_avg / denom * (o.lr / bias_correction1));
  }
}

}  // namespace anvil::nn
