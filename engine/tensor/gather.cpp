// Reading through integer tensors: gather, index_select, advanced index(), embedding, one_hot and
// masked_fill. No new primitive: an index tensor becomes a one-hot mask (index == arange(n)) that
// selects with WHERE and collapses with a sum, so ref and autograd cover these ops as they are. An
// index value outside [0, n) matches no position and selects 0 (tensor.h).
#include <algorithm>
#include <limits>

#include "engine/tensor/graph.h"

namespace anvil {
namespace tensor_detail {

void need_index_dtype(const char* op, const Tensor& index, const Tensor& self, bool int32_ok) {
  if (index.dtype() == dtypes::int64 || (int32_ok && index.dtype() == dtypes::int32)) return;
  (ErrorBuilder(op) << "expects an int64" << (int32_ok ? " (or int32)" : "") << " index tensor, got a "
                    << name(index.dtype()) << " index of shape " << shape_str(index.shape())
                    << " for an input of shape " << shape_str(self.shape()))
      .raise();
}

// 0..n-1 as int64 along axis `at` of a tensor of rank `rank` (1 elsewhere), on `like`'s device.
Tensor positions(int64_t n, int64_t rank, int64_t at, const Tensor& like) {
  Shape s(static_cast<size_t>(rank), 1);
  s[static_cast<size_t>(at)] = n;
  return tensor_detail::on_device_of(Tensor::arange(n), like).reshape(s);
}

// x's elements at `idx` along `dim`: shape x[:dim] + idx.shape + x[dim+1:]. Values of idx outside
// [0, n) select 0. Bool inputs go through uint8 (a sum of bools is no bool).
Tensor take(const Tensor& x, int64_t dim, const Tensor& idx) {
  if (is_bool(x.dtype())) return take(x.to(dtypes::uint8), dim, idx).to(dtypes::bool_);
  const Shape& s = x.shape();
  const int64_t n = s[static_cast<size_t>(dim)];
  const int64_t a = dim, j = idx.ndim(), b = x.ndim() - dim - 1;
  Shape mask_shape(static_cast<size_t>(a), 1), x_shape(s.begin(), s.begin() + a);
  for (int64_t d : idx.shape()) mask_shape.push_back(d);
  mask_shape.push_back(n);
  mask_shape.insert(mask_shape.end(), static_cast<size_t>(b), 1);
  x_shape.insert(x_shape.end(), static_cast<size_t>(j), 1);
  x_shape.insert(x_shape.end(), s.begin() + a, s.end());
  const Tensor mask = idx.to(dtypes::int64).unsqueeze(-1).eq(positions(n, j + 1, j, idx)).reshape(mask_shape);
  return mask.where(x.reshape(x_shape), 0).sum(a + j, false, x.dtype());
}

// Python's wrap of a negative index, once; values still outside [0, n) become -1 (no match).
Tensor wrap_index(const Tensor& idx, int64_t n) {
  const Tensor i = idx.to(dtypes::int64);
  const Tensor w = i.lt(0).where(i + n, i);
  return w.ge(0).logical_and(w.lt(n)).where(w, -1);
}

}  // namespace tensor_detail

using tensor_detail::need_index_dtype;
using tensor_detail::normalize_axis;
using tensor_detail::positions;
using tensor_detail::take;
using tensor_detail::wrap_index;

Tensor Tensor::gather(int64_t dim, const Tensor& index) const {
  need_index_dtype("gather", index, *this, false);
  if ((ndim() == 0 || index.ndim() == 0) && ndim() <= 1 && index.ndim() <= 1) {  // torch: 0-d is one element
    normalize_axis("gather", dim, 1);
    return reshape({numel()}).gather(0, index.reshape({index.numel()})).reshape(index.shape());
  }
  if (index.ndim() != ndim())
    (ErrorBuilder("gather") << "index " << shape_str(index.shape()) << " must have as many dimensions as the input "
                            << shape_str(shape()))
        .raise();
  dim = normalize_axis("gather", dim, ndim());
  std::vector<Range> keep;
  for (int64_t d = 0; d < ndim(); ++d) {
    const int64_t want = index.shape()[d], have = shape()[d];
    if (d != dim && want > have)
      (ErrorBuilder("gather") << "index " << shape_str(index.shape()) << " is larger than the input "
                              << shape_str(shape()) << " at dimension " << d << " (expected <= " << have << ")")
          .raise();
    keep.push_back(d == dim ? Range{0, have} : Range{0, want});
  }
  if (is_bool(dtype())) return to(dtypes::uint8).gather(dim, index).to(dtypes::bool_);
  const int64_t n = shape()[dim];
  // [.., n at dim, ..] -> [.., 1 at dim, .., n] against index [.., m at dim, .., 1].
  const Tensor x = shrink(keep).unsqueeze(-1).transpose(dim, -1);
  const Tensor mask = index.unsqueeze(-1).eq(positions(n, ndim() + 1, ndim(), index));
  return mask.where(x, 0).sum(-1, false, dtype());
}

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  need_index_dtype("index_select", index, *this, true);
  if (index.ndim() > 1)
    (ErrorBuilder("index_select") << "index must be 0-d or 1-d, got shape " << shape_str(index.shape())
                                  << " for an input of shape " << shape_str(shape()))
        .raise();
  if (ndim() == 0) {
    normalize_axis("index_select", dim, 1);
    return reshape({1}).index_select(0, index).reshape({});
  }
  dim = normalize_axis("index_select", dim, ndim());
  return take(*this, dim, index.reshape({index.numel()}));
}

Tensor embedding(const Tensor& indices, const Tensor& weight) {
  need_index_dtype("embedding", indices, weight, true);
  if (weight.ndim() != 2)
    (ErrorBuilder("embedding") << "weight must be 2-D [num_embeddings, embedding_dim], got "
                               << shape_str(weight.shape()))
        .raise();
  return take(weight, 0, indices);
}

Tensor Tensor::one_hot(int64_t num_classes) const {
  if (dtype() != dtypes::int64)
    (ErrorBuilder("one_hot") << "expects an int64 tensor, got " << name(dtype()) << " of shape " << shape_str(shape()))
        .raise();
  if (num_classes < -1) (ErrorBuilder("one_hot") << "num_classes must be -1 or >= 0, got " << num_classes).raise();
  if (num_classes == -1) {
    if (numel() == 0)
      (ErrorBuilder("one_hot") << "cannot infer the number of classes from an empty tensor " << shape_str(shape()))
          .raise();
    Tensor top = max();  // realizes a copy: this handle stays lazy
    const int64_t most = top.to_vector<int64_t>()[0];
    if (most == std::numeric_limits<int64_t>::max())  // max + 1 would overflow
      (ErrorBuilder("one_hot") << "cannot make " << most << " + 1 classes for a tensor of shape " << shape_str(shape()))
          .raise();
    num_classes = most + 1;
    num_classes = std::max<int64_t>(num_classes, 0);
  }
  return unsqueeze(-1).eq(positions(num_classes, ndim() + 1, ndim(), *this)).to(dtypes::int64);
}
Tensor one_hot(const Tensor& index, int64_t num_classes) { return index.one_hot(num_classes); }

Tensor Tensor::masked_fill(const Tensor& mask, const Operand& value) const {
  if (!is_bool(mask.dtype()))
    (ErrorBuilder("masked_fill") << "expects a bool mask, got " << name(mask.dtype()) << " of shape "
                                 << shape_str(mask.shape()) << " for an input of shape " << shape_str(shape()))
        .raise();
  tensor_detail::broadcast_shape("masked_fill", shape(), mask.shape());
  if (const Tensor* v = std::get_if<Tensor>(&value.v)) {
    if (v->ndim() != 0)
      (ErrorBuilder("masked_fill") << "expects a 0-d value tensor, got shape " << shape_str(v->shape())).raise();
    return mask.where(v->to(dtype()), *this);
  }
  return mask.where(tensor_detail::on_device_of(Tensor::full({}, std::get<Number>(value.v), dtype()), *this), *this);
}

// ---- advanced indexing ----

namespace tensor_detail {

Tensor advanced_index(const Tensor& self, const std::vector<IndexItem>& items) {
  // Basic items first (a tensor item keeps its dimension as a full slice), noting where each
  // tensor's dimension lands in the result.
  std::vector<IndexItem> basic;
  std::vector<Tensor> idx;
  std::vector<int64_t> at;
  int64_t consumed = 0;
  for (const IndexItem& item : items)
    consumed += std::holds_alternative<int64_t>(item) || std::holds_alternative<Slice>(item) ||
                std::holds_alternative<TensorItem>(item);
  int64_t out_dim = 0;
  for (const IndexItem& item : items) {
    if (const TensorItem* t = std::get_if<TensorItem>(&item)) {
      const Tensor& i = *t->t;
      if (is_bool(i.dtype()))
        (ErrorBuilder("index") << "a bool mask index of shape " << shape_str(i.shape()) << " on an input of shape "
                               << shape_str(self.shape())
                               << " has a data-dependent result shape (torch's nonzero / masked_select), which a "
                                  "lazy engine does not support; use masked_fill or where")
            .raise();
      need_index_dtype("index", i, self, true);
      idx.push_back(i);
      at.push_back(out_dim++);
      basic.emplace_back(Slice{});
      continue;
    }
    if (std::holds_alternative<Slice>(item) || std::holds_alternative<NewAxisTag>(item)) ++out_dim;
    if (std::holds_alternative<EllipsisTag>(item)) out_dim += std::max<int64_t>(self.ndim() - consumed, 0);
    basic.push_back(item);
  }
  Tensor x = self.index(basic);
  Shape bshape;
  for (const Tensor& i : idx) bshape = broadcast_shape("index", bshape, i.shape());
  bool adjacent = true;
  for (size_t k = 1; k < at.size(); ++k) adjacent = adjacent && at[k] == at[k - 1] + 1;
  if (!adjacent) {  // numpy's rule: the indexed dims go first
    std::vector<int64_t> perm(at.begin(), at.end());
    for (int64_t d = 0; d < x.ndim(); ++d)
      if (std::find(at.begin(), at.end(), d) == at.end()) perm.push_back(d);
    x = x.permute(perm);
    for (size_t k = 0; k < at.size(); ++k) at[k] = static_cast<int64_t>(k);
  }
  // Flatten the indexed dims into one and combine the indices into a linear one (-1: out of range).
  const int64_t first = at.front(), count = static_cast<int64_t>(at.size());
  Tensor lin = tensor_detail::on_device_of(Tensor::zeros(bshape, dtypes::int64), self);
  Tensor valid = tensor_detail::on_device_of(Tensor::ones(bshape, dtypes::bool_), self);
  int64_t total = 1;
  for (int64_t k = 0; k < count; ++k) {
    const int64_t n = x.shape()[first + k];
    const Tensor w = wrap_index(idx[k], n).expand(bshape);
    valid = valid.logical_and(w.ge(0));
    lin = lin * n + w;
    total *= n;
  }
  lin = valid.where(lin, -1);
  Shape flat(x.shape().begin(), x.shape().begin() + first);
  flat.push_back(total);
  flat.insert(flat.end(), x.shape().begin() + first + count, x.shape().end());
  return take(x.reshape(flat), first, lin);
}

}  // namespace tensor_detail
}  // namespace anvil
