// Activations as composites of the primitive ALU ops, with PyTorch's formulas (and its NaN and
// infinity results), computed in float32 for float16/bfloat16 and rounded once.
#include <cmath>

#include "engine/tensor/float_math.h"

namespace anvil {
namespace {

using tensor_detail::abs_of;
using tensor_detail::c_like;
using tensor_detail::cmp;
using tensor_detail::exp_of;
using tensor_detail::fdiv;

constexpr double kSqrtHalf = 0.70710678118654752440;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;

Tensor activation(const char* op, const Tensor& t, const std::function<UOp(const UOp&)>& fn) {
  if (!is_float(t.dtype())) (ErrorBuilder(op) << "needs a float tensor, got " << name(t.dtype())).raise();
  return tensor_detail::float_apply(t, fn);
}

// erf(z) for |z| < 0.75 by its Taylor series (9 terms: the first dropped one is below 1e-9).
UOp erf_series(const UOp& z) {
  const UOp z2 = z * z;
  double coef[9];
  double factorial = 1;
  for (int n = 0; n < 9; ++n) {
    if (n > 0) factorial *= n;
    coef[n] = (n % 2 ? -kTwoOverSqrtPi : kTwoOverSqrtPi) / (factorial * (2 * n + 1));
  }
  UOp p = c_like(z, coef[8]);
  for (int n = 7; n >= 0; --n) p = p * z2 + c_like(z, coef[n]);
  return z * p;
}

// erfc(a) for a >= 0 as t * exp(-a^2 + P(t)), t = 1 / (1 + a/2): the Chebyshev fit of Numerical
// Recipes (erfcc), relative error below 1.2e-7.
UOp erfc_positive(const UOp& a) {
  static constexpr double kP[] = {0.17087277,  -0.82215223, 1.48851587, -1.13520398, 0.27886807,
                                  -0.18628806, 0.09678418,  0.37409196, 1.00002368,  -1.26551223};
  const UOp t = (c_like(a, 1) + a * c_like(a, 0.5)).alu(Op::RECIP);
  UOp p = c_like(a, kP[0]);
  for (size_t i = 1; i < std::size(kP); ++i) p = p * t + c_like(a, kP[i]);
  return t * exp_of(p - a * a);
}

// The normal CDF 0.5 * (1 + erf(x / sqrt 2)); far in the left tail it is 0.5 * erfc, with no cancellation.
UOp normal_cdf(const UOp& x) {
  const UOp z = x * c_like(x, kSqrtHalf), a = abs_of(z), half = c_like(x, 0.5);
  const UOp tail = erfc_positive(a) * half;
  const UOp far = cmp(Op::CMPLT, z, c_like(x, 0)).where(tail, c_like(x, 1) - tail);
  return cmp(Op::CMPLT, a, c_like(x, 0.75)).where(half + half * erf_series(z), far);
}

}  // namespace

Tensor Tensor::leaky_relu(double negative_slope) const {
  return activation("leaky_relu", *this, [negative_slope](const UOp& x) {
    return cmp(Op::CMPLT, c_like(x, 0), x).where(x, x * c_like(x, negative_slope));
  });
}

Tensor Tensor::elu(double alpha) const {
  return activation("elu", *this, [alpha](const UOp& x) {
    return cmp(Op::CMPLT, c_like(x, 0), x).where(x, tensor_detail::expm1_of(x) * c_like(x, alpha));
  });
}

Tensor Tensor::gelu(const std::string& approximate) const {
  if (approximate != "none" && approximate != "tanh")
    (ErrorBuilder("gelu") << "approximate must be \"none\" or \"tanh\", got \"" << approximate << "\"").raise();
  if (approximate == "none") return activation("gelu", *this, [](const UOp& x) { return x * normal_cdf(x); });
  // 0.5 * (1 + tanh(u)) is sigmoid(2u), which keeps the left tail.
  return activation("gelu", *this, [](const UOp& x) {
    const UOp inner = c_like(x, kSqrt2OverPi) * (x + c_like(x, 0.044715) * (x * x * x));
    return x * tensor_detail::sigmoid_of(c_like(x, 2) * inner);
  });
}

Tensor Tensor::silu() const {
  return activation("silu", *this, [](const UOp& x) { return fdiv(x, c_like(x, 1) + exp_of(-x)); });
}

Tensor Tensor::softplus(double beta, double threshold) const {
  return activation("softplus", *this, [beta, threshold](const UOp& x) {
    const UOp bx = x * c_like(x, beta);
    const UOp soft = fdiv(tensor_detail::log1p_of(exp_of(bx)), c_like(x, beta));
    return cmp(Op::CMPLT, c_like(x, threshold), bx).where(x, soft);
  });
}

Tensor Tensor::hardswish() const {
  return activation("hardswish", *this, [](const UOp& x) {
    // Selects rather than relu6's max/min, so the gradient at the kinks is one-sided (x/3 + 1/2 on
    // [-3, 3], as PyTorch's scalar kernel) instead of a split tie; below -3 the value is x * 0 (-0.0
    // for a negative x, as PyTorch's).
    const UOp mid = fdiv(x * (x + c_like(x, 3)), c_like(x, 6));
    const UOp upper = cmp(Op::CMPLT, c_like(x, 3), x).where(x, mid);
    return cmp(Op::CMPLT, x, c_like(x, -3)).where(x * c_like(x, 0), upper);
  });
}

// x * tanh(log(1 + e^x)) = x * n / (n + 2) with n = e^x (e^x + 2): no cancellation for negative x.
Tensor Tensor::mish() const {
  return activation("mish", *this, [](const UOp& x) {
    const UOp e = exp_of(x), n = e * (e + c_like(x, 2));
    return cmp(Op::CMPLT, c_like(x, 20), x).where(x, x * fdiv(n, n + c_like(x, 2)));
  });
}

}  // namespace anvil
