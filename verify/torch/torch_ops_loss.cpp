// The torch twins of verify/ops/op_table_loss.cpp's rows (losses, sort, topk), with the same target
// recipes. C++17.
#include "verify/torch/torch_ops.h"

namespace anvil::torch_oracle {
namespace {

at::Tensor classes(const Shape& shape, int64_t c, c10::optional<int64_t> ignore = c10::nullopt) {
  const at::Tensor k = at::arange(numel(shape), at::kLong).reshape(shape);
  const at::Tensor t = (k * 5 + 2).remainder(std::max<int64_t>(c, 1));
  return ignore ? at::where(k.remainder(4).eq(3), at::scalar_tensor(*ignore, at::kLong), t) : t;
}

at::Tensor class_target(const at::Tensor& x, c10::optional<int64_t> ignore = c10::nullopt) {
  Shape s(x.sizes().begin(), x.sizes().end());
  const int64_t c_axis = x.dim() == 1 ? 0 : 1;
  const int64_t c = s[static_cast<size_t>(c_axis)];
  s.erase(s.begin() + c_axis);
  return classes(s, c, ignore);
}

at::Tensor class_weights(const at::Tensor& x) {
  return (at::arange(x.size(x.dim() == 1 ? 0 : 1), at::kLong) * 0.5 + 0.25).to(x.scalar_type());
}

at::Tensor probabilities(const at::Tensor& x) {
  return ((at::arange(x.numel(), at::kLong).reshape(x.sizes()) * 3 + 1).remainder(5) / 4.0).to(x.scalar_type());
}

at::Tensor to_unit(const at::Tensor& x) { return x * 0.05 + 0.5; }

// torch.nn.functional's Python checks, which ATen's ops leave to it.
void check_same_size(const at::Tensor& input, const at::Tensor& target) {
  TORCH_CHECK(input.sizes() == target.sizes(), "Using a target size (", target.sizes(),
              ") that is different to the input size (", input.sizes(), ") is deprecated");
}

at::Tensor bce(const at::Tensor& input, const at::Tensor& target, const c10::optional<at::Tensor>& weight,
               int64_t reduction) {
  check_same_size(input, target);
  return at::binary_cross_entropy(input, target, weight, reduction);
}

at::Tensor bce_logits(const at::Tensor& input, const at::Tensor& target, const c10::optional<at::Tensor>& weight,
                      const c10::optional<at::Tensor>& pos_weight, int64_t reduction) {
  check_same_size(input, target);
  return at::binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction);
}

// F.mse_loss broadcasts before ATen's op, whose backward divides a mean by the unbroadcast numel.
at::Tensor mse(const at::Tensor& input, const at::Tensor& target, int64_t reduction) {
  const std::vector<at::Tensor> both = at::broadcast_tensors({input, target});
  return at::mse_loss(both[0], both[1], reduction);
}

constexpr int64_t kNone = at::Reduction::None, kMean = at::Reduction::Mean, kSum = at::Reduction::Sum;

void add_class_losses(std::map<std::string, TorchFn>& m) {
  m["nll_loss"] = [](const Ts& x) { return at::nll_loss_nd(x[0], class_target(x[0])); };
  m["nll_loss_weight_ignore_sum"] = [](const Ts& x) {
    return at::nll_loss_nd(x[0], class_target(x[0], -100), class_weights(x[0]), kSum, -100);
  };
  m["nll_loss_weight_ignore1_mean"] = [](const Ts& x) {
    return at::nll_loss_nd(x[0], class_target(x[0]), class_weights(x[0]), kMean, 1);
  };
  m["nll_loss_none"] = [](const Ts& x) { return at::nll_loss_nd(x[0], class_target(x[0], -100), {}, kNone, -100); };
  m["cross_entropy"] = [](const Ts& x) { return at::cross_entropy_loss(x[0], class_target(x[0])); };
  m["cross_entropy_weight_ignore_sum"] = [](const Ts& x) {
    return at::cross_entropy_loss(x[0], class_target(x[0], -100), class_weights(x[0]), kSum, -100);
  };
  m["cross_entropy_ls_mean"] = [](const Ts& x) {
    return at::cross_entropy_loss(x[0], class_target(x[0], -100), {}, kMean, -100, 0.2);
  };
  m["cross_entropy_weight_ignore1_ls_mean"] = [](const Ts& x) {
    return at::cross_entropy_loss(x[0], class_target(x[0]), class_weights(x[0]), kMean, 1, 0.3);
  };
  m["cross_entropy_weight_ls_none"] = [](const Ts& x) {
    return at::cross_entropy_loss(x[0], class_target(x[0], -100), class_weights(x[0]), kNone, -100, 0.1);
  };
  m["cross_entropy_probs"] = [](const Ts& x) { return at::cross_entropy_loss(x[0], probabilities(x[0])); };
  m["cross_entropy_probs_weight_ls_sum"] = [](const Ts& x) {
    return at::cross_entropy_loss(x[0], probabilities(x[0]), class_weights(x[0]), kSum, -100, 0.25);
  };
  m["cross_entropy_probs_none"] = [](const Ts& x) {
    return at::cross_entropy_loss(x[0], probabilities(x[0]), {}, kNone, -100);
  };
  m["cross_entropy_int32_target"] = [](const Ts& x) {
    return at::cross_entropy_loss(x[0], class_target(x[0]).to(at::kInt));
  };
  m["nll_loss_long_target"] = [](const Ts& x) {
    Shape s(x[0].sizes().begin(), x[0].sizes().end());
    s[0] += 1;
    return at::nll_loss_nd(x[0], class_target(at::zeros(s, x[0].options())));
  };
}

void add_pointwise_losses(std::map<std::string, TorchFn>& m) {
  m["mse_loss_mean"] = [](const Ts& x) { return mse(x[0], x[1], kMean); };
  m["mse_loss_sum"] = [](const Ts& x) { return mse(x[0], x[1], kSum); };
  m["mse_loss_none"] = [](const Ts& x) { return mse(x[0], x[1], kNone); };
  m["binary_cross_entropy"] = [](const Ts& x) { return bce(to_unit(x[0]), probabilities(x[0]), c10::nullopt, kMean); };
  m["binary_cross_entropy_weight_sum"] = [](const Ts& x) {
    return bce(to_unit(x[0]), probabilities(x[0]), probabilities(x[0]) + 0.5, kSum);
  };
  m["binary_cross_entropy_none"] = [](const Ts& x) {
    return bce(to_unit(x[0]), probabilities(x[0]), c10::nullopt, kNone);
  };
  m["binary_cross_entropy_target_shape"] = [](const Ts& x) {
    Shape s(x[0].sizes().begin(), x[0].sizes().end());
    s.push_back(2);
    return bce(to_unit(x[0]), probabilities(at::zeros(s, x[0].options())), c10::nullopt, kMean);
  };
  m["bce_with_logits"] = [](const Ts& x) {
    return bce_logits(x[0], probabilities(x[0]), c10::nullopt, c10::nullopt, kMean);
  };
  m["bce_with_logits_pos_weight_weight_none"] = [](const Ts& x) {
    const int64_t last = x[0].dim() == 0 ? 1 : x[0].size(-1);
    const at::Tensor pos = (at::arange(last, at::kLong) * 0.75 + 0.5).to(x[0].scalar_type());
    return bce_logits(x[0], probabilities(x[0]), probabilities(x[0]) * 2, pos, kNone);
  };
  m["bce_with_logits_pos_weight_sum"] = [](const Ts& x) {
    return bce_logits(x[0], probabilities(x[0]), c10::nullopt, at::full({1}, 3.0, x[0].options()), kSum);
  };
}

void add_sort(std::map<std::string, TorchFn>& m) {
  m["sort_m1"] = [](const Ts& x) { return std::get<0>(at::sort(x[0], -1)); };
  m["sort_m1_indices"] = [](const Ts& x) { return std::get<1>(at::sort(x[0], true, -1, false)); };
  m["sort_desc_0"] = [](const Ts& x) { return std::get<0>(at::sort(x[0], 0, true)); };
  m["sort_desc_0_indices"] = [](const Ts& x) { return std::get<1>(at::sort(x[0], true, 0, true)); };
  m["argsort_desc_1"] = [](const Ts& x) { return std::get<1>(at::sort(x[0], true, 1, true)); };
  m["topk_2"] = [](const Ts& x) { return std::get<0>(at::topk(x[0], 2)); };
  m["topk_2_gathered"] = [](const Ts& x) { return at::gather(x[0], -1, std::get<1>(at::topk(x[0], 2))); };
  m["topk_smallest_1_0"] = [](const Ts& x) { return std::get<0>(at::topk(x[0], 1, 0, false)); };
  m["topk_unsorted_3"] = [](const Ts& x) {
    return std::get<0>(at::sort(std::get<0>(at::topk(x[0], 3, -1, true, false)), -1));
  };
  m["topk_0"] = [](const Ts& x) { return std::get<1>(at::topk(x[0], 0)); };
}

}  // namespace

void add_loss_ops(std::map<std::string, TorchFn>& m) {
  add_class_losses(m);
  add_pointwise_losses(m);
  add_sort(m);
}

}  // namespace anvil::torch_oracle
