#include "engine/nn/optim.h"

#include <cmath>

#include "engine/nn/module.h"
#include "engine/support/error.h"

namespace anvil::nn {
namespace {

void need(bool ok, const char* op, const char* what, double v) {
  if (!ok) (ErrorBuilder(op) << "invalid " << what << ": " << v).raise();
}

}  // namespace

Optimizer::Optimizer(std::vector<Tensor> params, const char* name) : params_(std::move(params)) {
  for (const Tensor& p : params_)
    if (!p.requires_grad() || !p.is_leaf())
      (ErrorBuilder(name) << "can only optimize leaf tensors that require grad, got " << p.str()).raise();
}

void Optimizer::step(const std::vector<Tensor>& with) {
  std::vector<Tensor> state;
  const std::vector<Update> ups = updates(state);
  std::vector<Tensor> all = state;
  for (const Update& u : ups) all.push_back(u.value);
  all.insert(all.end(), with.begin(), with.end());
  Tensor::realize_all(all);
  for (const Update& u : ups) replace_parameter(params_[u.param], u.value);
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

std::vector<Optimizer::Update> SGD::updates(std::vector<Tensor>& state) {
  std::vector<Update> out;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    const std::optional<Tensor> g = p.grad();
    if (!g) continue;
    Tensor d_p = *g;
    if (options.weight_decay != 0) d_p = d_p + p.detach() * options.weight_decay;
    if (options.momentum != 0) {
      std::optional<Tensor>& buf = momentum_buffer[i];
      buf = buf ? *buf * options.momentum + d_p * (1 - options.dampening) : d_p.contiguous();
      state.push_back(*buf);
      d_p = options.nesterov ? d_p + *buf * options.momentum : *buf;
    }
    out.push_back({i, p.detach() - d_p * options.lr});
  }
  return out;
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

std::vector<Optimizer::Update> Adam::updates(std::vector<Tensor>& state_out) {
  const AdamOptions& o = options;
  std::vector<Update> out;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    const std::optional<Tensor> g = p.grad();
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
    s.exp_avg = s.exp_avg * o.beta1 + grad * (1 - o.beta1);
    s.exp_avg_sq = s.exp_avg_sq * o.beta2 + grad * grad * (1 - o.beta2);
    state_out.push_back(s.exp_avg);
    state_out.push_back(s.exp_avg_sq);
    Tensor second = s.exp_avg_sq;
    if (o.amsgrad) {
      second = s.max_exp_avg_sq = s.max_exp_avg_sq.maximum(s.exp_avg_sq);
      state_out.push_back(s.max_exp_avg_sq);
    }
    const Tensor denom = second.sqrt() / std::sqrt(bias_correction2) + o.eps;
    out.push_back({i, value - s.exp_avg / denom * (o.lr / bias_correction1)});
  }
  return out;
}

}  // namespace anvil::nn
