// dot and linear, on top of matmul.
#include "engine/tensor/graph.h"

namespace anvil {

Tensor Tensor::dot(const Tensor& o) const {
  if (ndim() != 1 || o.ndim() != 1)
    (ErrorBuilder("dot") << "needs two 1-D tensors, got " << shape_str(shape()) << " and " << shape_str(o.shape()))
        .raise();
  if (numel() != o.numel())
    (ErrorBuilder("dot") << "lengths differ: " << shape_str(shape()) << " and " << shape_str(o.shape())).raise();
  if (dtype() != o.dtype())
    (ErrorBuilder("dot") << "operands must have one dtype, got " << name(dtype()) << " and " << name(o.dtype()))
        .raise();
  if (is_bool(dtype())) (ErrorBuilder("dot") << "not supported for bool tensors").raise();
  // Integer products sum in int64, then wrap back; float16/bfloat16 multiply and sum in float32 (PyTorch).
  const bool half = dtype().scalar == Scalar::Float16 || dtype().scalar == Scalar::BFloat16;
  if (half) return (to(dtypes::float32) * o.to(dtypes::float32)).sum().to(dtype());
  return (*this * o).sum().to(dtype());
}

Tensor Tensor::linear(const Tensor& weight, const std::optional<Tensor>& bias) const {
  if (weight.ndim() != 1 && weight.ndim() != 2)
    (ErrorBuilder("linear") << "weight must be [out, in] or [in], got " << shape_str(weight.shape())).raise();
  if (ndim() == 0) (ErrorBuilder("linear") << "the input needs at least one dimension, got a 0-d tensor").raise();
  const int64_t in = weight.shape().back();
  if (shape().back() != in)
    (ErrorBuilder("linear") << "input " << shape_str(shape()) << " has " << shape().back() << " features, weight "
                            << shape_str(weight.shape()) << " expects " << in)
        .raise();
  if (dtype() != weight.dtype() || (bias && bias->dtype() != dtype()))
    (ErrorBuilder("linear") << "input, weight and bias must have one dtype, got " << name(dtype()) << ", "
                            << name(weight.dtype()) << (bias ? ", " + name(bias->dtype()) : std::string()))
        .raise();
  const Tensor out = matmul(weight.ndim() == 2 ? weight.transpose(0, 1) : weight);
  if (!bias) return out;
  bool fits = false;
  try {
    fits = tensor_detail::broadcast_shape("linear", out.shape(), bias->shape()) == out.shape();
  } catch (const Error&) {  // reported below, naming the bias
  }
  if (!fits)
    (ErrorBuilder("linear") << "bias " << shape_str(bias->shape()) << " does not broadcast to the output "
                            << shape_str(out.shape()))
        .raise();
  return out + *bias;
}

Tensor linear(const Tensor& x, const Tensor& weight, const std::optional<Tensor>& bias) {
  return x.linear(weight, bias);
}

}  // namespace anvil
