// In-place updates of a lazy tensor: index_put_, setitem, masked_fill_ and assign build the new
// value as a graph (a WHERE over the old one) and rebind this handle to it; the ordering rules are
// in tensor.h. setitem reduces to index_put_ on the flattened tensor: indexing arange(numel) with
// the same items names the flat positions written.
#include "engine/tensor/autograd.h"
#include "engine/tensor/graph.h"

namespace anvil {
namespace tensor_detail {
void need_index_dtype(const char* op, const Tensor& index, const Tensor& self, bool int32_ok);  // gather.cpp
Tensor positions(int64_t n, int64_t rank, int64_t at, const Tensor& like);
Tensor wrap_index(const Tensor& idx, int64_t n);
}  // namespace tensor_detail

namespace {

void need_updatable(const char* op, const Tensor& t) {
  if (t.requires_grad() && t.is_leaf())
    (ErrorBuilder(op) << "a leaf tensor that requires grad (" << t.str()
                      << ") cannot be updated in place, as PyTorch; update a clone, or detach() it")
        .raise();
}

// Runs `fn`, renaming an Error of the inner ops to `op`.
template <class F>
auto as_op(const char* op, F fn) {
  try {
    return fn();
  } catch (const Error& e) {
    if (e.op() == op) throw;
    throw Error(op, e.message());
  }
}

}  // namespace

// The new value, then the rebind: copies of this handle see it, tensors built before keep the old.
Tensor& Tensor::index_put_(const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  const char* op = "index_put_";
  need_updatable(op, *this);
  if (indices.empty() || static_cast<int64_t>(indices.size()) > ndim())
    (ErrorBuilder(op) << indices.size() << " index tensors for an input of shape " << shape_str(shape())
                      << ", expected 1 to " << ndim())
        .raise();
  Shape bshape;
  for (const Tensor& i : indices) {
    tensor_detail::need_index_dtype(op, i, *this, true);
    bshape = tensor_detail::broadcast_shape(op, bshape, i.shape());
  }
  const int64_t k = static_cast<int64_t>(indices.size());
  // Flat position over the first k dims; -1 where any index is out of range (written nowhere).
  Tensor lin = tensor_detail::on_device_of(Tensor::zeros(bshape, dtypes::int64), *this);
  Tensor valid = tensor_detail::on_device_of(Tensor::ones(bshape, dtypes::bool_), *this);
  int64_t total = 1;
  for (int64_t d = 0; d < k; ++d) {
    const Tensor w = tensor_detail::wrap_index(indices[static_cast<size_t>(d)], shape()[d]).expand(bshape);
    valid = valid.logical_and(w.ge(0));
    lin = lin * shape()[d] + w;
    total *= shape()[d];
  }
  lin = valid.where(lin, -1).reshape({-1});
  const int64_t count = lin.numel();
  const Shape rest(shape().begin() + k, shape().end());
  Shape target = bshape;  // the shape values broadcast to
  target.insert(target.end(), rest.begin(), rest.end());
  Tensor vals = values;
  while (vals.ndim() > static_cast<int64_t>(target.size()) && vals.shape()[0] == 1) vals = vals.squeeze(0);
  if (vals.ndim() > static_cast<int64_t>(target.size()) ||
      tensor_detail::broadcast_shape(op, target, vals.shape()) != target)  // one-way: values -> target
    (ErrorBuilder(op) << "values of shape " << shape_str(values.shape()) << " do not broadcast to the indexed shape "
                      << shape_str(target) << " of an input of shape " << shape_str(shape()))
        .raise();
  if (count == 0) return *this;
  Shape flat{total};
  flat.insert(flat.end(), rest.begin(), rest.end());
  const Tensor x = reshape(flat);
  Shape vshape{count, 1};
  vshape.insert(vshape.end(), rest.begin(), rest.end());
  const Tensor v = vals.to(dtype()).expand(target).reshape(vshape);  // [count, 1, rest]
  Shape mshape{count, total};
  mshape.insert(mshape.end(), rest.size(), 1);
  const Tensor mask = lin.unsqueeze(-1).eq(tensor_detail::positions(total, 2, 1, lin)).reshape(mshape);
  Tensor updated;
  if (accumulate) {
    if (is_bool(dtype())) (ErrorBuilder(op) << "accumulate is not supported for bool tensors").raise();
    updated = x + mask.where(v, 0).sum(0, false, dtype());
  } else {
    const Tensor j = tensor_detail::on_device_of(Tensor::arange(count), mask).reshape([&] {
      Shape s(mshape.size(), 1);
      s[0] = count;
      return s;
    }());
    const Tensor win = mask.logical_and(j.eq(mask.where(j, -1).max(0, true)));
    const Tensor written = is_bool(dtype()) ? win.logical_and(v).any(0) : win.where(v, 0).sum(0, false, dtype());
    updated = mask.any(0).where(written, x);
  }
  const Tensor result = updated.reshape(shape());
  rebind(result.uop(), result.keep());
  set_autograd_state(result.autograd_state());
  return *this;
}

Tensor& Tensor::setitem(const std::vector<IndexItem>& items, const Operand& value) {
  need_updatable("setitem", *this);
  const Tensor where_to = as_op("setitem", [&] {
    return tensor_detail::on_device_of(Tensor::arange(numel()), *this).reshape(shape()).index(items);
  });
  Tensor v = std::holds_alternative<Tensor>(value.v)
                 ? std::get<Tensor>(value.v)
                 : tensor_detail::on_device_of(Tensor::full({}, std::get<Number>(value.v), dtype()), *this);
  while (v.ndim() > where_to.ndim() && v.shape()[0] == 1) v = v.squeeze(0);  // as PyTorch: leading 1s drop
  as_op("setitem", [&] { return tensor_detail::broadcast_shape("setitem", where_to.shape(), v.shape()); });
  if (v.ndim() > where_to.ndim() ||
      tensor_detail::broadcast_shape("setitem", where_to.shape(), v.shape()) != where_to.shape())
    (ErrorBuilder("setitem") << "values of shape " << shape_str(v.shape()) << " do not broadcast to the indexed shape "
                             << shape_str(where_to.shape()))
        .raise();
  Tensor flat = reshape({numel()});
  as_op("setitem", [&] { return flat.index_put_({where_to}, v.expand(where_to.shape())); });
  const Tensor result = flat.reshape(shape());
  rebind(result.uop(), result.keep());
  set_autograd_state(result.autograd_state());
  return *this;
}

Tensor& Tensor::masked_fill_(const Tensor& mask, const Operand& value) {
  need_updatable("masked_fill_", *this);
  if (tensor_detail::broadcast_shape("masked_fill_", shape(), mask.shape()) != shape())
    (ErrorBuilder("masked_fill_") << "mask " << shape_str(mask.shape()) << " does not broadcast to the input "
                                  << shape_str(shape()))
        .raise();
  const Tensor result = as_op("masked_fill_", [&] { return masked_fill(mask, value); });
  rebind(result.uop(), result.keep());
  set_autograd_state(result.autograd_state());
  return *this;
}

Tensor& Tensor::assign(const Tensor& other) {
  need_updatable("assign", *this);
  if (other.shape() != shape() || other.dtype() != dtype())
    (ErrorBuilder("assign") << "expects a tensor of this one's shape and dtype " << str() << ", got " << other.str())
        .raise();
  if (other.is_realized() && !other.autograd_state()) {  // already a buffer: share it, no copy kernel
    rebind(other.uop(), other.keep());
    set_autograd_state(nullptr);
    return *this;
  }
  const Tensor result = other.contiguous();  // a node of its own: no autograd state shared with `other`
  rebind(result.uop(), result.keep());
  set_autograd_state(result.autograd_state());
  return *this;
}

}  // namespace anvil
