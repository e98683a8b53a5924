// Rows of the losses and of sort/argsort/topk. A loss row's input is the logits (or probabilities
// through a sigmoid); its targets and weights are fixed tensors built from the sample's shape by
// recipes that the torch twins (verify/torch/torch_ops_loss.cpp) repeat. Sorting rows return one
// tensor each (values or indices); topk's indices are checked through a gather (torch orders ties
// however it likes there), unsorted topk through a sort of its values.
#include "verify/ops/op_table_builder.h"

namespace anvil::ops::table {
namespace {

// Class indices in [0, c): (k * 5 + 2) mod c at flat position k; every 4th is `ignore` when asked.
Tensor classes(const Shape& shape, int64_t c, std::optional<int64_t> ignore = std::nullopt) {
  const Tensor k = Tensor::arange(shape_numel(shape)).reshape(shape);
  const Tensor t = (k * 5 + 2).remainder(std::max<int64_t>(c, 1));
  return ignore ? k.remainder(4).eq(3).where(*ignore, t) : t;
}

// The target of the input `x` of nll_loss/cross_entropy: x's shape without the class axis.
Tensor class_target(const Tensor& x, std::optional<int64_t> ignore = std::nullopt) {
  Shape s = x.shape();
  const int64_t c_axis = x.ndim() == 1 ? 0 : 1;
  const int64_t c = s[static_cast<size_t>(c_axis)];
  s.erase(s.begin() + c_axis);
  return classes(s, c, ignore);
}

// One weight per class: 0.25, 0.75, 1.25, ... (exact in every float dtype).
Tensor class_weights(const Tensor& x) {
  const int64_t c = x.shape()[x.ndim() == 1 ? 0 : 1];
  return (Tensor::arange(c) * 0.5 + 0.25).to(x.dtype());
}

// Probabilities of x's shape: ((k * 3 + 1) mod 5) / 4, in {0, 0.25, ..., 1}.
Tensor probabilities(const Tensor& x) {
  return ((Tensor::arange(x.numel()).reshape(x.shape()) * 3 + 1).remainder(5) / 4.0).to(x.dtype());
}

// Probabilities in [0.1, 0.9] from a Finite input in [-8, 8] (a sigmoid would round to 1 in bfloat16).
Tensor to_unit(const Tensor& x) { return x * 0.05 + 0.5; }

// Samples of an [N, C, d...] or [C] input: batch 1, a 1-D input, the K-dim case and an empty batch.
Samples class_samples() { return one_each({{4, 5}, {1, 3}, {5}, {2, 3, 4}, {2, 4, 3, 2}, {0, 3}}); }

void add_class_losses(Builder& b) {
  const auto& fl = float_dtypes();
  auto row = [&](const char* name, const char* op, std::function<Tensor(const Tensor&)> fn) -> OpRow& {
    return with(b.add(
                    name, op, 1, [fn](const Ts& x) { return fn(x[0]); }, fl, class_samples()),
                Domain::Finite, true);
  };
  row("nll_loss", "nll_loss", [](const Tensor& x) { return nll_loss(x, class_target(x)); });
  row("nll_loss_weight_ignore_sum", "nll_loss",
      [](const Tensor& x) { return nll_loss(x, class_target(x, -100), class_weights(x), -100, "sum"); });
  row("nll_loss_weight_ignore1_mean", "nll_loss",
      [](const Tensor& x) { return nll_loss(x, class_target(x), class_weights(x), 1, "mean"); });
  row("nll_loss_none", "nll_loss",
      [](const Tensor& x) { return nll_loss(x, class_target(x, -100), std::nullopt, -100, "none"); });
  row("cross_entropy", "cross_entropy", [](const Tensor& x) { return cross_entropy(x, class_target(x)); });
  row("cross_entropy_weight_ignore_sum", "cross_entropy",
      [](const Tensor& x) { return cross_entropy(x, class_target(x, -100), class_weights(x), -100, "sum"); });
  row("cross_entropy_ls_mean", "cross_entropy",
      [](const Tensor& x) { return cross_entropy(x, class_target(x, -100), std::nullopt, -100, "mean", 0.2); });
  row("cross_entropy_weight_ignore1_ls_mean", "cross_entropy",
      [](const Tensor& x) { return cross_entropy(x, class_target(x), class_weights(x), 1, "mean", 0.3); });
  row("cross_entropy_weight_ls_none", "cross_entropy",
      [](const Tensor& x) { return cross_entropy(x, class_target(x, -100), class_weights(x), -100, "none", 0.1); });
  row("cross_entropy_probs", "cross_entropy", [](const Tensor& x) { return cross_entropy(x, probabilities(x)); });
  row("cross_entropy_probs_weight_ls_sum", "cross_entropy",
      [](const Tensor& x) { return cross_entropy(x, probabilities(x), class_weights(x), -100, "sum", 0.25); });
  row("cross_entropy_probs_none", "cross_entropy",
      [](const Tensor& x) { return cross_entropy(x, probabilities(x), std::nullopt, -100, "none"); });
  // Errors on both sides: an int32 target; a target one longer than the batch.
  OpRow& int32_target = row("cross_entropy_int32_target", "cross_entropy",
                            [](const Tensor& x) { return cross_entropy(x, class_target(x).to(dtypes::int32)); });
  int32_target.shapes = one_each({{4, 5}, {1, 3}, {5}, {2, 3, 4}});  // torch checks no dtype of an empty target
  int32_target.differentiable = false;                               // it raises everywhere
  row("nll_loss_long_target", "nll_loss", [](const Tensor& x) {
    Shape s = x.shape();
    s[0] += 1;
    return nll_loss(x, class_target(Tensor::zeros(s, x.dtype())));
  });
}

void add_pointwise_losses(Builder& b) {
  const auto& fl = float_dtypes();
  for (const char* reduction : {"mean", "sum", "none"}) {
    const std::string r = reduction;
    with(b.add(
             "mse_loss_" + r, "mse_loss", 2, [r](const Ts& x) { return mse_loss(x[0], x[1], r); }, fl, elementwise(2)),
         Domain::Finite, true);
  }
  const Samples shapes = one_each({{}, {4}, {2, 3}, {1, 5}, {2, 3, 4}, {0, 2}});
  auto row = [&](const char* name, const char* op, std::function<Tensor(const Tensor&)> fn) -> OpRow& {
    return with(b.add(
                    name, op, 1, [fn](const Ts& x) { return fn(x[0]); }, fl, shapes),
                Domain::Finite, true);
  };
  row("binary_cross_entropy", "binary_cross_entropy",
      [](const Tensor& x) { return binary_cross_entropy(to_unit(x), probabilities(x)); });
  row("binary_cross_entropy_weight_sum", "binary_cross_entropy", [](const Tensor& x) {
    return binary_cross_entropy(to_unit(x), probabilities(x), probabilities(x) + 0.5, "sum");
  });
  row("binary_cross_entropy_none", "binary_cross_entropy",
      [](const Tensor& x) { return binary_cross_entropy(to_unit(x), probabilities(x), std::nullopt, "none"); });
  row("binary_cross_entropy_target_shape", "binary_cross_entropy", [](const Tensor& x) {
    Shape s = x.shape();
    s.push_back(2);
    return binary_cross_entropy(to_unit(x), probabilities(Tensor::zeros(s, x.dtype())));
  }).differentiable = false;  // it raises everywhere
  row("bce_with_logits", "binary_cross_entropy_with_logits",
      [](const Tensor& x) { return binary_cross_entropy_with_logits(x, probabilities(x)); });
  row("bce_with_logits_pos_weight_weight_none", "binary_cross_entropy_with_logits", [](const Tensor& x) {
    const int64_t last = x.ndim() == 0 ? 1 : x.shape().back();
    const Tensor pos = (Tensor::arange(last) * 0.75 + 0.5).to(x.dtype());
    return binary_cross_entropy_with_logits(x, probabilities(x), probabilities(x) * 2, "none", pos);
  });
  row("bce_with_logits_pos_weight_sum", "binary_cross_entropy_with_logits", [](const Tensor& x) {
    return binary_cross_entropy_with_logits(x, probabilities(x), std::nullopt, "sum",
                                            Tensor::full({1}, 3.0, x.dtype()));
  });
}

void add_sort(Builder& b) {
  const auto& all = all_dtypes();
  const Samples shapes = one_each({{}, {1}, {7}, {0}, {3, 4}, {2, 3, 4}, {2, 1, 5}, {1, 9}});
  auto row = [&](const char* name, const char* op, bool differentiable,
                 std::function<Tensor(const Tensor&)> fn) -> OpRow& {
    return with(b.add(
                    name, op, 1, [fn](const Ts& x) { return fn(x[0]); }, all, shapes),
                Domain::Any, differentiable);
  };
  row("sort_m1", "sort", true, [](const Tensor& x) { return x.sort(-1).first; });
  row("sort_m1_indices", "sort", false, [](const Tensor& x) { return x.sort(-1, false, true).second; });
  row("sort_desc_0", "sort", true, [](const Tensor& x) { return x.sort(0, true).first; });
  row("sort_desc_0_indices", "sort", false, [](const Tensor& x) { return x.sort(0, true, true).second; });
  row("argsort_desc_1", "argsort", false, [](const Tensor& x) { return x.argsort(1, true, true); });
  row("topk_2", "topk", true, [](const Tensor& x) { return x.topk(2).first; });
  row("topk_2_gathered", "topk", true, [](const Tensor& x) { return x.gather(-1, x.topk(2).second); });
  row("topk_smallest_1_0", "topk", true, [](const Tensor& x) { return x.topk(1, 0, false).first; });
  row("topk_unsorted_3", "topk", true, [](const Tensor& x) {
    const Tensor v = x.topk(3, -1, true, false).first;
    return v.sort(-1).first;
  });
  row("topk_0", "topk", false, [](const Tensor& x) { return x.topk(0).second; });
}

}  // namespace

void add_loss(Builder& b) {
  add_class_losses(b);
  add_pointwise_losses(b);
  add_sort(b);
}

}  // namespace anvil::ops::table
