// Unary elementwise ops, as composites of the primitive ALU ops (exp(x) = exp2(x * log2(e)), ...).
#include <cmath>
#include <functional>

#include "engine/tensor/float_math.h"

namespace anvil {
namespace {

using tensor_detail::cast_to;
using tensor_detail::const_node;
using tensor_detail::derive;

constexpr double kLog2E = 1.4426950408889634074;
constexpr double kLn2 = 0.69314718055994530942;

UOp c(const UOp& like, double v) { return const_node(like.dtype(), v, *like.shape()); }
UOp exp2_of(const UOp& x) { return x.alu(Op::EXP2); }
UOp exp_of(const UOp& x) { return exp2_of(x * c(x, kLog2E)); }
UOp sigmoid_of(const UOp& x) { return (c(x, 1) + exp_of(-x)).alu(Op::RECIP); }

// A float op: int/bool inputs compute in float32 (as PyTorch); float16/bfloat16 compute in float32
// and round once at the end, as PyTorch's kernels do.
Tensor float_op(const Tensor& t, const std::function<UOp(const UOp&)>& fn) {
  const DType out = is_float(t.dtype()) ? t.dtype() : dtypes::float32;
  const bool half = out.scalar == Scalar::Float16 || out.scalar == Scalar::BFloat16;
  const UOp x = cast_to(t.uop(), half ? dtypes::float32 : out);
  return derive(cast_to(fn(x), out), {&t});
}

void no_bool(const char* op, const Tensor& t, const char* hint) {
  if (is_bool(t.dtype())) (ErrorBuilder(op) << "not supported for bool tensors" << hint).raise();
}

}  // namespace

Tensor Tensor::neg() const {
  no_bool("neg", *this, "; use logical_not");
  return derive(-uop(), {this});
}

Tensor Tensor::abs() const {
  no_bool("abs", *this, "");  // PyTorch has no bool kernel for abs, floor, ceil, trunc or round
  if (is_unsigned(dtype())) return *this;
  return derive(uop().max(-uop()), {this});  // IEEE maximum: abs(-0.0) = +0.0, NaN stays NaN
}

Tensor Tensor::sign() const {
  if (is_bool(dtype())) return *this;
  const UOp& x = uop();
  const UOp zero = c(x, 0);
  const UOp pos = cast_to(UOp::make(Op::CMPLT, dtypes::bool_, {zero, x}), dtype());
  const UOp neg = cast_to(UOp::make(Op::CMPLT, dtypes::bool_, {x, zero}), dtype());
  return derive(pos - neg, {this});  // as PyTorch's (0 < x) - (x < 0): sign(NaN) = 0
}

Tensor Tensor::exp() const { return float_op(*this, exp_of); }
Tensor Tensor::exp2() const { return float_op(*this, exp2_of); }
Tensor Tensor::log() const {
  return float_op(*this, [](const UOp& x) { return x.alu(Op::LOG2) * c(x, kLn2); });
}
Tensor Tensor::log2() const {
  return float_op(*this, [](const UOp& x) { return x.alu(Op::LOG2); });
}
Tensor Tensor::sqrt() const {
  return float_op(*this, [](const UOp& x) { return x.alu(Op::SQRT); });
}
Tensor Tensor::rsqrt() const {
  return float_op(*this, [](const UOp& x) { return x.alu(Op::SQRT).alu(Op::RECIP); });
}
Tensor Tensor::reciprocal() const {
  return float_op(*this, [](const UOp& x) { return x.alu(Op::RECIP); });
}
Tensor Tensor::sin() const {
  return float_op(*this, [](const UOp& x) { return x.alu(Op::SIN); });
}
Tensor Tensor::cos() const { return float_op(*this, tensor_detail::cos_of); }
Tensor Tensor::sigmoid() const { return float_op(*this, sigmoid_of); }
Tensor Tensor::tanh() const {
  return float_op(*this, [](const UOp& x) { return c(x, 2) * sigmoid_of(c(x, 2) * x) - c(x, 1); });
}

Tensor Tensor::trunc() const {
  no_bool("trunc", *this, "");
  if (!is_float(dtype())) return *this;
  return derive(uop().alu(Op::TRUNC), {this});
}

Tensor Tensor::floor() const {
  no_bool("floor", *this, "");
  if (!is_float(dtype())) return *this;
  const UOp& x = uop();
  const UOp t = x.alu(Op::TRUNC);
  return derive(UOp::make(Op::CMPLT, dtypes::bool_, {x, t}).where(t - c(x, 1), t), {this});
}

Tensor Tensor::ceil() const {
  no_bool("ceil", *this, "");
  if (!is_float(dtype())) return *this;
  const UOp& x = uop();
  const UOp t = x.alu(Op::TRUNC);
  return derive(UOp::make(Op::CMPLT, dtypes::bool_, {t, x}).where(t + c(x, 1), t), {this});
}

Tensor Tensor::relu() const {
  no_bool("relu", *this, "");
  // Selects, not max(x, 0), so relu'(0) = 0 as PyTorch; x * 0 keeps -0.0 as it is, with no gradient.
  const UOp& x = uop();
  const UOp zero = c(x, 0);
  const UOp le = UOp::make(Op::CMPLE, dtypes::bool_, {x, zero}), lt = UOp::make(Op::CMPLT, dtypes::bool_, {x, zero});
  return derive(le.where(lt.where(zero, x * zero), x), {this});
}

Tensor Tensor::logical_not() const { return derive(cast_to(uop(), dtypes::bool_).alu(Op::NOT), {this}); }

Tensor Tensor::bitwise_not() const {
  if (is_float(dtype()))
    (ErrorBuilder("bitwise_not") << "needs an integer or bool tensor, got " << name(dtype())).raise();
  return derive(uop().alu(Op::NOT), {this});
}

Tensor Tensor::to(DType dt) const {
  if (dt.is_ptr || dt.count != 1 || dt.scalar == Scalar::Void || dt.scalar == Scalar::Index)
    (ErrorBuilder("to") << "a tensor's dtype must be a scalar element type, not " << name(dt)).raise();
  return derive(cast_to(uop(), dt), {this});
}

Tensor Tensor::contiguous() const { return derive(UOp::make(Op::CONTIGUOUS, dtype(), {uop()}), {this}); }
Tensor Tensor::detach() const { return derive(UOp::make(Op::DETACH, dtype(), {uop()}), {this}); }

Tensor operator-(const Tensor& a) { return a.neg(); }

}  // namespace anvil
