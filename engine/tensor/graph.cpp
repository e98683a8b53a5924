#include "engine/tensor/graph.h"

#include <algorithm>

#include "engine/ir/alu.h"
#include "engine/support/mutant.h"
#include "engine/tensor/autograd.h"
#include "engine/tensor/device.h"

namespace anvil::tensor_detail {

Tensor derive(const UOp& uop, std::initializer_list<const Tensor*> from) {
  std::vector<Tensor> ts;
  for (const Tensor* t : from) ts.push_back(*t);
  return derive(uop, ts);
}

Tensor derive(const UOp& uop, const std::vector<Tensor>& from, const std::string& device) {
  const std::string dev = device.empty() ? common_device("device", from) : device;
  Tensor::Keep keep;
  for (const Tensor& t : from) {
    if (!t.keep() || t.keep()->empty() || t.keep() == keep) continue;
    if (!keep) {
      keep = t.keep();
      continue;
    }
    auto merged = std::make_shared<std::vector<std::shared_ptr<Buffer>>>(*keep);
    for (const std::shared_ptr<Buffer>& b : *t.keep())
      if (std::find(merged->begin(), merged->end(), b) == merged->end()) merged->push_back(b);
    keep = std::move(merged);
  }
  Tensor out(uop, keep, dev);
  inherit_autograd(out, from);  // requires_grad propagates (autograd.cpp)
  return out;
}

Tensor on_device_of(const Tensor& made, const Tensor& like) {
  if (made.device() == like.device()) return made;
  return derive(made.uop(), std::vector<Tensor>{made}, like.device());
}

UOp scalar_const(DType dtype, Number value) {
  if (value.kind != Number::Kind::Float) return UOp::constant(dtype, value.i);
  if (is_float(dtype)) return UOp::constant_float(dtype, value.f);
  const Scalar from[] = {Scalar::Float64};
  const Value v = Value::of_float(value.f);
  return value_const(dtype, exec_alu(Op::CAST, dtype.scalar, from, std::span<const Value>(&v, 1)));
}

UOp const_node(DType dtype, Number value, const Shape& shape) {
  return broadcast_to(scalar_const(dtype, value), shape);
}

UOp cast_to(const UOp& u, DType dtype) { return u.dtype() == dtype ? u : u.cast(dtype); }

UOp reshape_node(const UOp& u, const Shape& shape) {
  if (*u.shape() == shape) return u;
  return UOp::make(Op::RESHAPE, u.dtype(), {u}, shape);
}

UOp broadcast_to(const UOp& u, const Shape& shape) {
  const Shape& in = *u.shape();
  Shape padded(shape.size() - in.size(), 1);
  padded.insert(padded.end(), in.begin(), in.end());
  UOp r = reshape_node(u, padded);
  if (padded == shape) return r;
  return UOp::make(Op::EXPAND, u.dtype(), {r}, shape);
}

Shape broadcast_shape(const char* op, const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const bool left = ANVIL_MUTANT(28);  // aligned on the left
    const int64_t x = left ? (i < a.size() ? a[i] : 1) : i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t y = left ? (i < b.size() ? b[i] : 1) : i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x != y && x != 1 && y != 1)
      (ErrorBuilder(op) << "shapes " << shape_str(a) << " and " << shape_str(b) << " do not broadcast (dimension " << i
                        << ": " << x << " vs " << y << ")")
          .raise();
    out[i] = x == 1 ? y : x;
  }
  return out;
}

int64_t normalize_axis(const char* op, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    (ErrorBuilder(op) << "axis " << axis << " out of range for a tensor of rank " << rank << " (expected in [" << -rank
                      << ", " << rank - 1 << "])")
        .raise();
  return axis < 0 ? axis + rank : axis;
}

bool is_number(const Operand& o) { return std::holds_alternative<Number>(o.v); }
const Tensor& tensor_of(const Operand& o) { return std::get<Tensor>(o.v); }

Prepared prepare(const char* op, const std::vector<const Operand*>& operands, DType dtype) {
  Prepared p;
  std::vector<Tensor> operand_tensors;
  for (const Operand* o : operands)
    if (!is_number(*o)) operand_tensors.push_back(tensor_of(*o));
  common_device(op, operand_tensors);
  bool first = true;
  for (const Operand* o : operands) {
    if (is_number(*o)) continue;
    const Tensor& t = tensor_of(*o);
    p.shape = first ? t.shape() : broadcast_shape(op, p.shape, t.shape());
    first = false;
    p.tensors.push_back(t);
  }
  for (const Operand* o : operands) {
    if (is_number(*o))
      p.src.push_back(const_node(dtype, std::get<Number>(o->v), p.shape));
    else
      p.src.push_back(broadcast_to(cast_to(tensor_of(*o).uop(), dtype), p.shape));
  }
  return p;
}

}  // namespace anvil::tensor_detail
