// Reductions: REDUCE_AXIS (keepdim, accumulator dtype) then a CAST back and a RESHAPE dropping axes.
#include <algorithm>
#include <sstream>

#include "engine/support/mutant.h"
#include "engine/tensor/graph.h"

namespace anvil {
namespace {

using tensor_detail::cast_to;
using tensor_detail::derive;

std::string list_str(const std::vector<int64_t>& v) { return shape_str(v); }

// The reduced axes, sorted and non-negative; an empty list means every axis (PyTorch's dim=[]).
std::vector<int64_t> reduce_axes(const char* op, const Shape& shape, const std::vector<int64_t>& axes) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (rank == 0) {  // PyTorch lets a 0-d tensor name axis 0 or -1
    for (int64_t a : axes)
      if (a != 0 && a != -1)
        (ErrorBuilder(op) << "axis " << a << " out of range for a 0-d tensor (expected 0 or -1)").raise();
    return {};
  }
  std::vector<int64_t> out;
  if (axes.empty()) {
    for (int64_t i = 0; i < rank; ++i) out.push_back(i);
    return out;
  }
  for (int64_t a : axes) {
    const int64_t n = tensor_detail::normalize_axis(op, a, rank);
    if (std::find(out.begin(), out.end(), n) != out.end())
      (ErrorBuilder(op) << "axis " << n << " appears more than once in " << list_str(axes)).raise();
    out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Shape kept_shape(const Shape& shape, const std::vector<int64_t>& axes, bool keepdim) {
  Shape out;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    const bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced)
      out.push_back(shape[i]);
    else if (keepdim)
      out.push_back(1);
  }
  return out;
}

bool is_half(DType d) { return d.scalar == Scalar::Float16 || d.scalar == Scalar::BFloat16; }

// REDUCE_AXIS in `acc` over `axes` (keepdim), as a UOp.
UOp reduce_node(const UOp& x, Op rop, const std::vector<int64_t>& axes, DType acc) {
  UOp in = cast_to(x, acc);
  if (axes.empty()) return in;
  return UOp::make(Op::REDUCE_AXIS, acc, {in}, ReduceArg{rop, axes});
}

Tensor finish(const Tensor& t, UOp r, DType out, const std::vector<int64_t>& axes, bool keepdim) {
  r = cast_to(r, out);
  return derive(tensor_detail::reshape_node(r, kept_shape(t.shape(), axes, keepdim)), {&t});
}

// sum and prod: bool and integers accumulate in int64 (uint64 in uint64), float16/bfloat16 in float32.
Tensor sum_like(const char* op, Op rop, const Tensor& t, const std::vector<int64_t>& axes_in, bool keepdim,
                std::optional<DType> dtype) {
  const std::vector<int64_t> axes = reduce_axes(op, t.shape(), axes_in);
  DType out = dtype.value_or(t.dtype());
  if (!dtype && !is_float(out)) out = out.scalar == Scalar::UInt64 ? dtypes::uint64 : dtypes::int64;
  if (out.is_ptr || out.count != 1 || out.scalar == Scalar::Void || out.scalar == Scalar::Index)
    (ErrorBuilder(op) << "dtype must be a scalar element type, not " << name(out)).raise();
  const DType acc = is_half(out) && !ANVIL_MUTANT(27) ? dtypes::float32 : out;
  return finish(t, reduce_node(cast_to(t.uop(), out), rop, axes, acc), out, axes, keepdim);
}

Tensor max_like(const char* op, Op rop, const Tensor& t, const std::vector<int64_t>& axes_in, bool keepdim) {
  const std::vector<int64_t> axes = reduce_axes(op, t.shape(), axes_in);
  for (int64_t a : axes)
    if (t.shape()[a] == 0)
      (ErrorBuilder(op) << "cannot reduce axis " << a << " of size 0 in shape " << shape_str(t.shape())
                        << " (the operation has no identity)")
          .raise();
  return finish(t, reduce_node(t.uop(), rop, axes, t.dtype()), t.dtype(), axes, keepdim);
}

}  // namespace

Tensor Tensor::sum(std::vector<int64_t> axes, bool keepdim, std::optional<DType> dtype) const {
  return sum_like("sum", Op::ADD, *this, axes, keepdim, dtype);
}
Tensor Tensor::sum(int64_t axis, bool keepdim, std::optional<DType> dtype) const {
  return sum(std::vector<int64_t>{axis}, keepdim, dtype);
}
Tensor Tensor::prod(std::vector<int64_t> axes, bool keepdim, std::optional<DType> dtype) const {
  return sum_like("prod", Op::MUL, *this, axes, keepdim, dtype);
}
Tensor Tensor::prod(int64_t axis, bool keepdim, std::optional<DType> dtype) const {
  return prod(std::vector<int64_t>{axis}, keepdim, dtype);
}
Tensor Tensor::max(std::vector<int64_t> axes, bool keepdim) const {
  return max_like("max", Op::MAX, *this, axes, keepdim);
}
Tensor Tensor::max(int64_t axis, bool keepdim) const { return max(std::vector<int64_t>{axis}, keepdim); }
Tensor Tensor::min(std::vector<int64_t> axes, bool keepdim) const {
  return max_like("min", Op::MIN, *this, axes, keepdim);
}
Tensor Tensor::min(int64_t axis, bool keepdim) const { return min(std::vector<int64_t>{axis}, keepdim); }

Tensor Tensor::mean(std::vector<int64_t> axes_in, bool keepdim) const {
  if (!is_float(dtype()))
    (ErrorBuilder("mean") << "needs a float tensor (PyTorch infers no dtype for the mean of " << name(dtype())
                          << "); cast with to() first")
        .raise();
  const std::vector<int64_t> axes = reduce_axes("mean", shape(), axes_in);
  int64_t count = 1;
  for (int64_t a : axes) count *= shape()[a];
  const DType acc = is_half(dtype()) ? dtypes::float32 : dtype();
  const UOp s = reduce_node(uop(), Op::ADD, axes, acc);
  const UOp n = tensor_detail::const_node(acc, count, *s.shape());
  return finish(*this, s.alu(Op::FDIV, n), dtype(), axes, keepdim);
}
Tensor Tensor::mean(int64_t axis, bool keepdim) const { return mean(std::vector<int64_t>{axis}, keepdim); }

}  // namespace anvil
