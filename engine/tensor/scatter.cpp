// Writing through integer tensors: scatter, scatter_add, scatter_reduce. Along `dim` (size n of the
// input, m of the index) a mask M[.., j, .., p] = (index[.., j, ..] == p) of shape index + [n] says
// which source element reaches which position; reducing M's j axis gives, per position, the sum,
// product, max, ... of the sources that reach it, and where none does the input stays. Duplicates in
// scatter: the last j wins (tensor.h). Positions outside the index's extent (dims other than `dim`)
// are padded back in untouched.
#include <cmath>

#include "engine/tensor/graph.h"

namespace anvil {
namespace tensor_detail {
void need_index_dtype(const char* op, const Tensor& index, const Tensor& self, bool int32_ok);  // gather.cpp
Tensor positions(int64_t n, int64_t rank, int64_t at, const Tensor& like);
}  // namespace tensor_detail

namespace {

using tensor_detail::normalize_axis;
using tensor_detail::positions;

struct Plan {
  int64_t dim = 0, n = 0;
  Shape self_shape;
  Tensor mask;                    // index + [n]
  std::vector<Range> region;      // the index's extent in the input (dim: all of it)
  std::vector<Range> src_region;  // the index's extent in the source
};

Plan plan(const char* op, const Tensor& self, int64_t dim, const Tensor& index, const Shape* src_shape) {
  tensor_detail::need_index_dtype(op, index, self, false);
  if (index.ndim() != self.ndim() || (src_shape && static_cast<int64_t>(src_shape->size()) != self.ndim()))
    (ErrorBuilder(op) << "index " << shape_str(index.shape()) << (src_shape ? ", source " + shape_str(*src_shape) : "")
                      << " and input " << shape_str(self.shape()) << " must have the same number of dimensions")
        .raise();
  Plan p;
  p.dim = normalize_axis(op, dim, std::max<int64_t>(self.ndim(), 1));
  p.self_shape = self.shape();
  for (int64_t d = 0; d < self.ndim(); ++d) {
    const int64_t want = index.shape()[d];
    if ((d != p.dim && want > self.shape()[d]) || (src_shape && want > (*src_shape)[d]))
      (ErrorBuilder(op) << "index " << shape_str(index.shape()) << " is larger than the input "
                        << shape_str(self.shape()) << (src_shape ? " or the source " + shape_str(*src_shape) : "")
                        << " at dimension " << d)
          .raise();
    p.region.push_back(d == p.dim ? Range{0, self.shape()[d]} : Range{0, want});
    p.src_region.push_back({0, want});
  }
  p.n = self.ndim() == 0 ? 1 : self.shape()[p.dim];
  p.mask = index.unsqueeze(-1).eq(positions(p.n, index.ndim() + 1, index.ndim(), index));
  return p;
}

// [.., 1 at dim, .., n] (a keepdim reduction of the j axis) -> the input's shape, `fill` outside
// the index's extent.
Tensor place(const Plan& p, const Tensor& r, Number fill) {
  Shape s = r.shape();
  Tensor t = r.transpose(p.dim, -1);
  s = t.shape();
  s.pop_back();
  t = t.reshape(s);
  std::vector<Range> pads;
  for (size_t d = 0; d < s.size(); ++d) pads.push_back({0, p.self_shape[d] - s[d]});
  return t.pad(pads, fill);
}

// The source restricted to the index's extent, as [.., m at dim, .., 1] against the mask.
Tensor source(const Plan& p, const Tensor& src) { return src.shrink(p.src_region).unsqueeze(-1); }

Tensor lowest(DType dt, bool low) {
  if (is_float(dt)) return Tensor::full({}, low ? -INFINITY : INFINITY, dt);
  const __int128 v = low ? int_min(dt.scalar) : int_max(dt.scalar);
  return is_unsigned(dt) ? Tensor::full({}, static_cast<uint64_t>(v), dt)
                         : Tensor::full({}, static_cast<int64_t>(v), dt);
}

// The input unchanged, for an empty index; the source takes part (as 0) so that autograd gives it
// a zero gradient, as PyTorch, rather than none.
Tensor untouched(const Tensor& self, const Tensor& src) {
  return self + src.reshape({-1}).slice(0, 0, 0).sum(0, false, self.dtype());
}

// The winner of duplicates: per position, the mask entry with the largest j.
Tensor last_writer(const Plan& p, const Tensor& index) {
  const Tensor j = positions(index.shape()[p.dim], index.ndim() + 1, p.dim, index);
  const Tensor last = p.mask.where(j, -1).max(p.dim, true);
  return p.mask.logical_and(j.eq(last));
}

Tensor scatter_impl(const char* op, const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  if (self.ndim() == 0)
    return scatter_impl(op, self.reshape({1}), dim, index.reshape({-1}), src.reshape({-1})).reshape({});
  if (is_bool(self.dtype()))
    return scatter_impl(op, self.to(dtypes::uint8), dim, index, src.to(dtypes::uint8)).to(dtypes::bool_);
  const Shape ss = src.shape();
  const Plan p = plan(op, self, dim, index, &ss);
  if (index.numel() == 0) return untouched(self, src);
  const Tensor win = last_writer(p, index);
  const Tensor value = win.where(source(p, src).to(self.dtype()), 0).sum(p.dim, true, self.dtype());
  const Tensor hit = p.mask.any(p.dim, true);
  return place(p, hit, false).where(place(p, value, 0), self);
}

}  // namespace

Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src) const {
  if (src.dtype() != dtype())
    (ErrorBuilder("scatter") << "expects the source dtype " << name(src.dtype()) << " to be the input's "
                             << name(dtype()))
        .raise();
  return scatter_impl("scatter", *this, dim, index, src);
}

Tensor Tensor::scatter(int64_t dim, const Tensor& index, Number value) const {
  return scatter_impl("scatter", *this, dim, index,
                      tensor_detail::on_device_of(Tensor::full(index.shape(), value, dtype()), *this));
}

Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
  if (is_bool(dtype()) && is_bool(src.dtype()))  // a bool sum saturates at true, as PyTorch's
    return to(dtypes::int64).scatter_add(dim, index, src.to(dtypes::int64)).ne(0);
  return scatter_reduce(dim, index, src, "sum", true);
}

Tensor Tensor::scatter_reduce(int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                              bool include_self) const {
  const char* op = "scatter_reduce";
  if (reduce != "sum" && reduce != "prod" && reduce != "mean" && reduce != "amax" && reduce != "amin")
    (ErrorBuilder(op) << "reduce must be one of sum, prod, mean, amax, amin, got \"" << reduce << "\"").raise();
  if (src.dtype() != dtype())
    (ErrorBuilder(op) << "expects the source dtype " << name(src.dtype()) << " to be the input's " << name(dtype()))
        .raise();
  if (ndim() == 0)
    return reshape({1}).scatter_reduce(dim, index.reshape({-1}), src.reshape({-1}), reduce, include_self).reshape({});
  if (is_bool(dtype()) && reduce == "mean")
    (ErrorBuilder(op) << "mean is not implemented for bool tensors (as PyTorch), input " << shape_str(shape())).raise();
  if (is_bool(dtype()))  // sum and amax are or, prod and amin are and: as int64, then != 0
    return to(dtypes::int64).scatter_reduce(dim, index, src.to(dtypes::int64), reduce, include_self).ne(0);
  const Shape ss = src.shape();
  const Plan p = plan(op, *this, dim, index, &ss);
  if (index.numel() == 0) return untouched(*this, src);
  const Tensor s = source(p, src);
  // The input's values at the index's extent, as one more j entry: [.., 1 at dim, .., n].
  const Tensor self_slot = shrink(p.region).unsqueeze(-1).transpose(p.dim, -1);
  const Tensor hit = p.mask.any(p.dim, true);
  Tensor r;
  if (reduce == "sum" || reduce == "mean") {
    r = p.mask.where(s, 0).sum(p.dim, true, dtype());
    if (include_self) r = r + self_slot;
    if (reduce == "mean") {
      Tensor count = p.mask.sum(p.dim, true) + (include_self ? 1 : 0);
      count = count.maximum(1).to(dtype());  // 1 where nothing lands: that value is not used
      r = is_float(dtype()) ? r / count : r.floor_divide(count);
    }
  } else if (reduce == "prod") {
    r = p.mask.where(s, 1).prod(p.dim, true, dtype());
    if (include_self) r = r * self_slot;
  } else {
    const bool is_max = reduce == "amax";
    Tensor cand = p.mask.where(s, tensor_detail::on_device_of(lowest(dtype(), is_max), *this));
    if (include_self) cand = Tensor::cat({self_slot, cand}, p.dim);  // ties share the gradient, self too
    r = is_max ? cand.max(p.dim, true) : cand.min(p.dim, true);
  }
  return place(p, hit, false).where(place(p, r, 0), *this);
}

}  // namespace anvil
