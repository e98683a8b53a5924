// batch_norm, layer_norm and group_norm: means and biased variances over the normalized axes,
// computed in float32 for float16/bfloat16 and rounded once, as PyTorch's CPU kernels.
#include <numeric>

#include "engine/tensor/float_math.h"
#include "engine/tensor/graph.h"

namespace anvil {
namespace {

void need_float(const char* op, const Tensor& x) {
  if (!is_float(x.dtype())) (ErrorBuilder(op) << "needs a float input, got " << name(x.dtype())).raise();
}

// An optional per-feature tensor (weight, bias, running stats): Error(op) unless it has `shape`.
void check_param(const char* op, const char* what, const std::optional<Tensor>& t, const Shape& shape,
                 const Tensor& input) {
  if (t && t->shape() != shape)
    (ErrorBuilder(op) << what << " must have shape " << shape_str(shape) << " for input " << shape_str(input.shape())
                      << ", got " << shape_str(t->shape()))
        .raise();
}

// (x - mean) / sqrt(var + eps), in the compute dtype, over `axes` (kept as size 1).
Tensor normalize(const Tensor& x, const std::vector<int64_t>& axes, double eps) {
  const Tensor mean = x.mean(axes, true);
  const Tensor var = x.var(axes, 0, true);
  return (x - mean) * (var + eps).rsqrt();
}

}  // namespace

Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& running_mean,
                  const std::optional<Tensor>& running_var, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, bool training, double momentum, double eps) {
  const char* op = "batch_norm";
  if (input.ndim() < 2) (ErrorBuilder(op) << "expects an input [N, C, *], got " << shape_str(input.shape())).raise();
  need_float(op, input);
  const int64_t c = input.shape()[1];
  for (const auto& [what, t] : {std::pair{"weight", &weight}, std::pair{"bias", &bias},
                                std::pair{"running_mean", &running_mean}, std::pair{"running_var", &running_var}})
    check_param(op, what, *t, {c}, input);
  if (!training && (!running_mean || !running_var))
    (ErrorBuilder(op) << "needs running_mean and running_var when not training").raise();
  std::vector<int64_t> axes(static_cast<size_t>(input.ndim()));
  std::iota(axes.begin(), axes.end(), 0);
  axes.erase(axes.begin() + 1);
  const int64_t count = input.numel() / std::max<int64_t>(c, 1);
  if (training && count == 1)
    (ErrorBuilder(op) << "expected more than 1 value per channel when training, got input " << shape_str(input.shape()))
        .raise();
  const DType cd = tensor_detail::compute_dtype(input.dtype());
  const Tensor x = input.to(cd);
  Shape per_channel(static_cast<size_t>(input.ndim()), 1);
  per_channel[1] = c;
  Tensor out;
  if (training) {
    out = normalize(x, axes, eps);
    const double n = static_cast<double>(count);
    if (running_mean) {
      Tensor rm = *running_mean;  // a handle on the caller's tensor: assign() updates it
      rm.assign(((1 - momentum) * rm.to(cd) + momentum * x.mean(axes)).to(rm.dtype()).detach());
    }
    if (running_var) {
      Tensor rv = *running_var;
      const Tensor unbiased = x.var(axes, 0) * (n / std::max(n - 1, 1.0));
      rv.assign(((1 - momentum) * rv.to(cd) + momentum * unbiased).to(rv.dtype()).detach());
    }
  } else {
    const Tensor mean = running_mean->to(cd).reshape(per_channel), var = running_var->to(cd).reshape(per_channel);
    out = (x - mean) * (var + eps).rsqrt();
  }
  if (weight) out = out * weight->to(cd).reshape(per_channel);
  if (bias) out = out + bias->to(cd).reshape(per_channel);
  return out.to(input.dtype());
}

Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps) {
  const char* op = "layer_norm";
  need_float(op, input);
  const auto k = static_cast<int64_t>(normalized_shape.size());
  const Shape& s = input.shape();
  if (k == 0 || k > input.ndim() || !std::equal(normalized_shape.begin(), normalized_shape.end(), s.end() - k))
    (ErrorBuilder(op) << "normalized_shape " << shape_str(normalized_shape)
                      << " must be non-empty and equal the trailing dimensions of input " << shape_str(s))
        .raise();
  check_param(op, "weight", weight, normalized_shape, input);
  check_param(op, "bias", bias, normalized_shape, input);
  std::vector<int64_t> axes;
  for (int64_t a = input.ndim() - k; a < input.ndim(); ++a) axes.push_back(a);
  const DType cd = tensor_detail::compute_dtype(input.dtype());
  Tensor out = normalize(input.to(cd), axes, eps);
  if (weight) out = out * weight->to(cd);
  if (bias) out = out + bias->to(cd);
  return out.to(input.dtype());
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps) {
  const char* op = "group_norm";
  if (input.ndim() < 2) (ErrorBuilder(op) << "expects an input [N, C, *], got " << shape_str(input.shape())).raise();
  need_float(op, input);
  const int64_t n = input.shape()[0], c = input.shape()[1];
  if (num_groups < 1 || c % num_groups != 0)
    (ErrorBuilder(op) << "expected the " << c << " channels of input " << shape_str(input.shape())
                      << " to be divisible by num_groups, got " << num_groups)
        .raise();
  check_param(op, "weight", weight, {c}, input);
  check_param(op, "bias", bias, {c}, input);
  const DType cd = tensor_detail::compute_dtype(input.dtype());
  Tensor out = normalize(input.to(cd).reshape({n, num_groups, -1}), {2}, eps).reshape(input.shape());
  Shape per_channel(static_cast<size_t>(input.ndim()), 1);
  per_channel[1] = c;
  if (weight) out = out * weight->to(cd).reshape(per_channel);
  if (bias) out = out + bias->to(cd).reshape(per_channel);
  return out.to(input.dtype());
}

}  // namespace anvil
