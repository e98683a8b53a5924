// Op-by-op evaluation of tensor graphs on host arrays.
#include "verify/ref/ref.h"

#include <cmath>
#include <unordered_map>

#include "engine/support/breadcrumb.h"
#include "engine/support/error.h"
#include "engine/tensor/storage.h"

namespace anvil::ref {
namespace {

Value zero_of(Scalar s) { return is_float(s) ? Value::of_float(0) : Value::of_int(0); }

Value cast_value(const Value& v, Scalar from, Scalar to) {
  if (from == to) return v;
  const Scalar types[] = {from};
  return exec_alu(Op::CAST, to, types, std::span<const Value>(&v, 1));
}

// The value a reduction over no elements gives.
Value identity(Op op, Scalar s) {
  const bool fl = is_float(s);
  switch (op) {
    case Op::ADD: return zero_of(s);
    case Op::MUL: return fl ? Value::of_float(1) : Value::of_int(1);
    case Op::MAX: return fl ? Value::of_float(-HUGE_VAL) : Value::of_int(int_min(s));
    case Op::MIN: return fl ? Value::of_float(HUGE_VAL) : Value::of_int(int_max(s));
    default: (ErrorBuilder("ref") << "no reduction " << op_name(op)).raise();
  }
}

Array leaf_buffer(const UOp& u) {
  const int64_t uid = u.arg_ints()[0];
  std::shared_ptr<Buffer> storage = storage_of(uid);
  if (!storage) (ErrorBuilder("ref") << "no storage for buffer uid " << uid).raise();
  if (storage->dtype != u.dtype() || static_cast<int64_t>(storage->count) != u.arg_ints()[1])
    (ErrorBuilder("ref") << "storage of " << u.brief() << " holds " << storage->count << " " << name(storage->dtype))
        .raise();
  return Array::from_buffer(*storage, *u.shape());
}

Array reduce(const UOp& u, const Array& src) {
  const ReduceArg& r = u.arg_reduce();
  const Scalar acc = u.dtype().scalar;
  const Shape& out_shape = *u.shape();
  Array out{u.dtype(), out_shape, std::vector<Value>(static_cast<size_t>(shape_numel(out_shape)))};
  std::vector<bool> started(out.data.size(), false);
  const std::vector<int64_t> out_strides = View::contiguous(out_shape).strides;
  const size_t rank = src.shape.size();
  std::vector<int64_t> idx(rank, 0);
  const Scalar types[] = {acc, acc};
  for (const Value& v : src.data) {  // row-major: each output sees its elements in index order
    int64_t o = 0;
    for (size_t d = 0; d < rank; ++d) o += (out_shape[d] == 1 ? 0 : idx[d]) * out_strides[d];
    const Value x = cast_value(v, src.dtype.scalar, acc);
    Value& a = out.data[static_cast<size_t>(o)];
    if (!started[o]) {
      a = x;
      started[o] = true;
    } else {
      const Value in[] = {a, x};
      a = exec_alu(r.op, acc, types, in);
    }
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < src.shape[d]) break;
      idx[d] = 0;
    }
  }
  for (size_t i = 0; i < out.data.size(); ++i)
    if (!started[i]) out.data[i] = identity(r.op, acc);
  return out;
}

Array elementwise(const UOp& u, const std::vector<const Array*>& src) {
  std::vector<Scalar> types;
  for (const Array* a : src) {
    if (a->shape != *u.shape()) (ErrorBuilder("ref") << "operand shapes differ in " << u.brief()).raise();
    types.push_back(a->dtype.scalar);
  }
  Array out{u.dtype(), *u.shape(), {}};
  const size_t n = static_cast<size_t>(shape_numel(out.shape));
  out.data.reserve(n);
  std::vector<Value> in(src.size());
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < src.size(); ++k) in[k] = src[k]->data[i];
    out.data.push_back(exec_alu(u.op(), u.dtype().scalar, types, in));
  }
  return out;
}

Array eval_node(const UOp& u, const std::vector<const Array*>& src) {
  if (!u.shape()) (ErrorBuilder("ref") << "a malformed node (no shape): " << u.brief()).raise();
  if (u.dtype().is_ptr || u.dtype().count != 1) (ErrorBuilder("ref") << "not a tensor dtype: " << u.brief()).raise();
  const Op op = u.op();
  if (op == Op::CONST) return Array{u.dtype(), {}, {const_value(u)}};
  if (op == Op::BUFFER) return leaf_buffer(u);
  if (op == Op::CONTIGUOUS || op == Op::DETACH || op == Op::COPY) return *src[0];
  if (op == Op::ASSIGN) return *src[1];
  if (op == Op::REDUCE_AXIS) return reduce(u, *src[0]);
  if (in_group(op, opgroup::Movement))
    return materialize(*src[0], View::contiguous(src[0]->shape).apply(op, u.arg_ints()));
  if ((in_group(op, opgroup::Alu) && op != Op::MULACC) || op == Op::BITCAST) return elementwise(u, src);
  (ErrorBuilder("ref") << "cannot evaluate " << u.brief()).raise();
}

}  // namespace

Array Array::from_buffer(const Buffer& buffer, const Shape& shape) {
  if (shape_numel(shape) != static_cast<int64_t>(buffer.count))
    (ErrorBuilder("ref") << buffer.count << " elements do not fill shape " << shape_str(shape)).raise();
  Array a{buffer.dtype, shape, {}};
  a.data.reserve(buffer.count);
  for (size_t i = 0; i < buffer.count; ++i) a.data.push_back(buffer.get(i));
  return a;
}

Buffer Array::to_buffer() const {
  Buffer b(dtype, data.size());
  for (size_t i = 0; i < data.size(); ++i) b.set(i, data[i]);
  return b;
}

std::vector<double> Array::floats() const {
  std::vector<double> out;
  for (const Value& v : data) out.push_back(v.poison ? NAN : cast_value(v, dtype.scalar, Scalar::Float64).f);
  return out;
}

std::vector<int64_t> Array::ints() const {
  if (is_float(dtype)) (ErrorBuilder("ref") << "ints() of a " << name(dtype) << " array").raise();
  std::vector<int64_t> out;
  for (const Value& v : data) out.push_back(v.poison ? 0 : static_cast<int64_t>(v.i));
  return out;
}

Array evaluate(const UOp& root) {
  if (!root) (ErrorBuilder("ref") << "an empty graph").raise();
  std::unordered_map<UOp, Array, UOpHash> memo;
  breadcrumb::Scope crumb("ref", nullptr, "ref");  // a crash names the node being evaluated
  for (const UOp& u : root.toposort()) {
    breadcrumb::set_op(op_name(u.op()).data());
    std::vector<const Array*> src;
    for (const UOp& s : u.src()) src.push_back(&memo.at(s));
    memo.emplace(u, eval_node(u, src));
  }
  return memo.at(root);
}

}  // namespace anvil::ref
