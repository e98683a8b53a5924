// Ops that combine tensors: cat, stack, matmul.
#include "engine/tensor/device.h"
#include "engine/tensor/graph.h"

namespace anvil {

using tensor_detail::derive;
using tensor_detail::normalize_axis;

Tensor Tensor::cat(const std::vector<Tensor>& tensors, int64_t axis) {
  if (tensors.empty()) (ErrorBuilder("cat") << "needs at least one tensor").raise();
  tensor_detail::common_device("cat", tensors);
  const Shape& first = tensors[0].shape();
  const int64_t rank = static_cast<int64_t>(first.size());
  std::vector<Operand> operands;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Shape& s = tensors[i].shape();
    if (s.empty()) (ErrorBuilder("cat") << "tensor " << i << " is 0-d and cannot be concatenated").raise();
    operands.push_back(tensors[i]);
  }
  axis = normalize_axis("cat", axis, rank);
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Shape& s = tensors[i].shape();
    bool ok = static_cast<int64_t>(s.size()) == rank;
    for (int64_t d = 0; ok && d < rank; ++d) ok = d == axis || s[d] == first[d];
    if (!ok)
      (ErrorBuilder("cat") << "tensor " << i << " has shape " << shape_str(s) << ", expected " << shape_str(first)
                           << " except along axis " << axis)
          .raise();
    total += s[axis];
  }
  const DType dt = result_type(operands);
  // Each piece is padded to the full size and selected where its own region lies (exact: no adds).
  UOp out;
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    const int64_t n = t.shape()[axis];
    std::vector<int64_t> arg(2 * rank, 0);
    arg[2 * axis] = offset;
    arg[2 * axis + 1] = total - offset - n;
    offset += n;
    if (n == 0 && out) continue;
    const UOp piece = UOp::make(Op::PAD, dt, {tensor_detail::cast_to(t.uop(), dt)}, arg);
    if (!out) {
      out = piece;
      continue;
    }
    const UOp valid = tensor_detail::const_node(dtypes::bool_, true, t.shape());
    out = UOp::make(Op::PAD, dtypes::bool_, {valid}, arg).where(piece, out);
  }
  return derive(out, tensors);
}

Tensor Tensor::stack(const std::vector<Tensor>& tensors, int64_t axis) {
  if (tensors.empty()) (ErrorBuilder("stack") << "needs at least one tensor").raise();
  for (size_t i = 1; i < tensors.size(); ++i)
    if (tensors[i].shape() != tensors[0].shape())
      (ErrorBuilder("stack") << "tensor " << i << " has shape " << shape_str(tensors[i].shape()) << ", expected "
                             << shape_str(tensors[0].shape()) << " as tensor 0")
          .raise();
  axis = normalize_axis("stack", axis, tensors[0].ndim() + 1);
  std::vector<Tensor> parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(t.unsqueeze(axis));
  return cat(parts, axis);
}

Tensor Tensor::matmul(const Tensor& o) const {
  if (ndim() == 0 || o.ndim() == 0)
    (ErrorBuilder("matmul") << "both operands need at least one dimension, got " << shape_str(shape()) << " and "
                            << shape_str(o.shape()))
        .raise();
  if (dtype() != o.dtype())
    (ErrorBuilder("matmul") << "operands must have one dtype, got " << name(dtype()) << " and " << name(o.dtype()))
        .raise();
  if (is_bool(dtype())) (ErrorBuilder("matmul") << "not supported for bool tensors").raise();
  const bool vec_a = ndim() == 1, vec_b = o.ndim() == 1;
  // float16/bfloat16 multiply and accumulate in float32 and round once, as PyTorch's kernels.
  const bool half = dtype().scalar == Scalar::Float16 || dtype().scalar == Scalar::BFloat16;
  Tensor a = vec_a ? unsqueeze(0) : *this;
  Tensor b = vec_b ? o.unsqueeze(-1) : o;
  if (half) a = a.to(dtypes::float32), b = b.to(dtypes::float32);
  const Shape &sa = a.shape(), &sb = b.shape();
  const int64_t n = sa[sa.size() - 2], k = sa.back(), m = sb.back();
  if (sb[sb.size() - 2] != k)
    (ErrorBuilder("matmul") << "inner dimensions differ: " << shape_str(shape()) << " @ " << shape_str(o.shape())
                            << " (" << k << " vs " << sb[sb.size() - 2] << ")")
        .raise();
  Shape batch =
      tensor_detail::broadcast_shape("matmul", Shape(sa.begin(), sa.end() - 2), Shape(sb.begin(), sb.end() - 2));
  Shape full = batch;
  full.insert(full.end(), {n, m, k});
  Shape a_shape(sa.begin(), sa.end() - 2), b_shape(sb.begin(), sb.end() - 2);
  a_shape.insert(a_shape.end(), {n, 1, k});
  b_shape.insert(b_shape.end(), {1, m, k});
  const Tensor prod = a.reshape(a_shape).expand(full).mul(b.transpose(-2, -1).reshape(b_shape).expand(full));
  Tensor out = prod.sum(-1).to(dtype());  // integer products sum in int64, then wrap back as PyTorch's
  if (vec_a) out = out.squeeze(-2);
  if (vec_b) out = out.squeeze(-1);
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) { return a.matmul(b); }

}  // namespace anvil
