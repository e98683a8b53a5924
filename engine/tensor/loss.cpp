// Losses as torch.nn.functional, composed from existing ops: a class index picks its logit by a
// one-hot compare (target == arange(C)) under a WHERE and a sum over the class axis, so infinities in
// the classes not picked never meet a zero weight, and ref and autograd need nothing new.
#include <cmath>

#include "engine/support/error.h"
#include "engine/tensor/graph.h"

namespace anvil {
namespace {

void check_reduction(const char* op, const std::string& reduction) {
  if (reduction == "none" || reduction == "mean" || reduction == "sum") return;
  (ErrorBuilder(op) << "reduction \"" << reduction << "\" is not one of \"none\", \"mean\", \"sum\"").raise();
}

Tensor reduce(const Tensor& loss, const std::string& reduction) {
  if (reduction == "sum") return loss.sum();
  if (reduction == "mean") return loss.mean();
  return loss;
}

void check_float(const char* op, const char* what, const Tensor& t) {
  if (is_float(t.dtype())) return;
  (ErrorBuilder(op) << what << " must be a float tensor, got " << name(t.dtype()) << " " << shape_str(t.shape()))
      .raise();
}

void check_same_shape(const char* op, const Tensor& input, const Tensor& target) {
  if (input.shape() == target.shape()) return;
  (ErrorBuilder(op) << "target shape " << shape_str(target.shape()) << " must equal the input shape "
                    << shape_str(input.shape()))
      .raise();
}

// weight and pos_weight scale the loss elementwise: they broadcast to the input's shape, not beyond it.
void check_broadcasts_to(const char* op, const char* what, const Tensor& t, const Tensor& input) {
  if (tensor_detail::broadcast_shape(op, t.shape(), input.shape()) == input.shape()) return;
  (ErrorBuilder(op) << what << " " << shape_str(t.shape()) << " must broadcast to the input shape "
                    << shape_str(input.shape()))
      .raise();
}

// The class axis of an [N, C, d1...] or [C] input.
int64_t class_axis(const char* op, const Tensor& input) {
  if (input.ndim() == 0) (ErrorBuilder(op) << "input must have a class axis, got a 0-d tensor").raise();
  return input.ndim() == 1 ? 0 : 1;
}

// weight [C] as [1, C, 1...] against the input (nullopt stays nullopt).
std::optional<Tensor> class_weight(const char* op, const Tensor& input, const std::optional<Tensor>& weight) {
  if (!weight) return std::nullopt;
  const int64_t c_axis = class_axis(op, input);
  const int64_t c = input.shape()[static_cast<size_t>(c_axis)];
  if (weight->shape() != Shape{c} || weight->dtype() != input.dtype()) {
    (ErrorBuilder(op) << "weight must be " << name(input.dtype()) << " [" << c << "] (one per class of input "
                      << shape_str(input.shape()) << "), got " << name(weight->dtype()) << " "
                      << shape_str(weight->shape()))
        .raise();
  }
  Shape s(input.shape().size(), 1);
  s[static_cast<size_t>(c_axis)] = c;
  return weight->reshape(s);
}

// Per target of nll_loss: the loss -weight[t] * input[t] and the weight counted by a mean (both 0 for
// ignore_index and for targets outside [0, C)).
struct PerTarget {
  Tensor loss, weight;
};

PerTarget nll_terms(const char* op, const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                    int64_t ignore_index) {
  check_float(op, "input", input);
  const int64_t c_axis = class_axis(op, input);
  if (target.dtype() != dtypes::int64) {
    (ErrorBuilder(op) << "class-index target must be int64, got " << name(target.dtype()) << " "
                      << shape_str(target.shape()))
        .raise();
  }
  Shape want = input.shape();
  want.erase(want.begin() + c_axis);
  if (target.shape() != want) {
    (ErrorBuilder(op) << "target shape " << shape_str(target.shape()) << " does not fit input "
                      << shape_str(input.shape()) << " (expected " << shape_str(want) << ")")
        .raise();
  }
  const std::optional<Tensor> w = class_weight(op, input, weight);
  const int64_t c = input.shape()[static_cast<size_t>(c_axis)];
  Shape cs(input.shape().size(), 1);
  cs[static_cast<size_t>(c_axis)] = c;
  const Tensor hit = target.unsqueeze(c_axis).eq(
      tensor_detail::on_device_of(Tensor::arange(c), target).reshape(cs));  // one-hot, [N, C, d...]
  const Tensor picked = hit.where(input, 0).sum(c_axis);
  const Tensor valid = target.ne(ignore_index);
  Tensor tw = w ? hit.where(*w, 0).sum(c_axis) : hit.any(c_axis).to(input.dtype());
  tw = valid.where(tw, 0);
  return {valid.where(-(picked * tw), 0), tw};
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  check_reduction("mse_loss", reduction);
  check_float("mse_loss", "input", input);
  check_float("mse_loss", "target", target);
  tensor_detail::broadcast_shape("mse_loss", input.shape(), target.shape());
  const Tensor d = input - target;
  return reduce(d * d, reduction);
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight, int64_t ignore_index,
                const std::string& reduction) {
  check_reduction("nll_loss", reduction);
  const PerTarget t = nll_terms("nll_loss", input, target, weight, ignore_index);
  if (reduction == "mean") return t.loss.sum() / t.weight.sum();
  return reduce(t.loss, reduction);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                     int64_t ignore_index, const std::string& reduction, double label_smoothing) {
  const char* op = "cross_entropy";
  check_reduction(op, reduction);
  check_float(op, "input", input);
  if (!(label_smoothing >= 0 && label_smoothing <= 1))
    (ErrorBuilder(op) << "label_smoothing must be in [0, 1], got " << label_smoothing).raise();
  const int64_t c_axis = class_axis(op, input);
  const double c = static_cast<double>(input.shape()[static_cast<size_t>(c_axis)]);
  const Tensor lp = input.log_softmax(c_axis);
  const std::optional<Tensor> w = class_weight(op, input, weight);
  if (is_float(target.dtype()) && target.shape() == input.shape()) {  // class probabilities
    if (ignore_index >= 0) (ErrorBuilder(op) << "ignore_index is not supported for class-probability targets").raise();
    const Tensor p = label_smoothing > 0 ? target * (1 - label_smoothing) + label_smoothing / c : target;
    const Tensor terms = w ? lp * p * *w : lp * p;
    if (reduction == "none") return -terms.sum(c_axis);
    if (reduction == "sum") return -terms.sum();
    return -terms.sum() / (static_cast<double>(input.numel()) / c);
  }
  const PerTarget t = nll_terms(op, lp, target, weight, ignore_index);
  const Tensor nll = reduction == "mean" ? t.loss.sum() / t.weight.sum() : reduce(t.loss, reduction);
  if (label_smoothing == 0) return nll;
  // The uniform part: -sum_c w_c lp_c per target, 0 where ignored; a mean divides as nll's does.
  const Tensor ignored = target.eq(ignore_index);
  const Tensor smooth = ignored.where(0, -(w ? lp * *w : lp).sum(c_axis));
  Tensor uniform;
  if (reduction == "none") {
    uniform = smooth;
  } else if (reduction == "sum") {
    uniform = smooth.sum();
  } else {
    uniform = w ? smooth.sum() / t.weight.sum() : smooth.sum() / ignored.logical_not().sum();
  }
  return nll * (1 - label_smoothing) + uniform * (label_smoothing / c);
}

// The arguments both binary cross entropies take: a known reduction, float input and target of one shape.
void check_binary_loss(const char* op, const Tensor& input, const Tensor& target, const std::string& reduction) {
  check_reduction(op, reduction);
  check_float(op, "input", input);
  check_float(op, "target", target);
  check_same_shape(op, input, target);
}

// float16/bfloat16 compute in float32 (log(1 + e^-6) is 1 ulp from 0 in float16); float32/64 as they are.
Tensor wide(const Tensor& t) {
  return is_float(t.dtype()) && itemsize(t.dtype().scalar) == 2 ? t.to(dtypes::float32) : t;
}
std::optional<Tensor> wide(const std::optional<Tensor>& t) {
  return t ? std::optional<Tensor>(wide(*t)) : std::nullopt;
}

Tensor binary_cross_entropy(const Tensor& input_, const Tensor& target_, const std::optional<Tensor>& weight_,
                            const std::string& reduction) {
  const char* op = "binary_cross_entropy";
  check_binary_loss(op, input_, target_, reduction);
  const Tensor input = wide(input_), target = wide(target_);
  const std::optional<Tensor> weight = wide(weight_);
  const Tensor log_x = input.log().clamp(-100, std::nullopt);
  const Tensor log_1mx = (1 - input).log().clamp(-100, std::nullopt);
  Tensor loss = -(target * log_x + (1 - target) * log_1mx);
  if (weight) {
    check_broadcasts_to(op, "weight", *weight, input);
    loss = loss * *weight;
  }
  return reduce(loss, reduction).to(input_.dtype());
}

Tensor binary_cross_entropy_with_logits(const Tensor& input_, const Tensor& target_,
                                        const std::optional<Tensor>& weight_, const std::string& reduction,
                                        const std::optional<Tensor>& pos_weight_) {
  const char* op = "binary_cross_entropy_with_logits";
  check_binary_loss(op, input_, target_, reduction);
  const Tensor input = wide(input_), target = wide(target_);
  const std::optional<Tensor> weight = wide(weight_), pos_weight = wide(pos_weight_);
  // softplus(-x) = m + log(exp(-m) + exp(-x - m)) with m = max(-x, 0): no exp overflows.
  const Tensor m = (-input).clamp(0, std::nullopt);
  const Tensor softplus_neg = m + ((-m).exp() + (-input - m).exp()).log();
  Tensor loss;
  if (pos_weight) {
    check_broadcasts_to(op, "pos_weight", *pos_weight, input);
    loss = (1 - target) * input + ((*pos_weight - 1) * target + 1) * softplus_neg;
  } else {
    loss = (1 - target) * input + softplus_neg;
  }
  if (weight) {
    check_broadcasts_to(op, "weight", *weight, input);
    loss = loss * *weight;
  }
  return reduce(loss, reduction).to(input_.dtype());
}

}  // namespace anvil
