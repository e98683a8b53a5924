// sort, argsort and topk from primitive ops. Along `dim` of size n, element i's rank is the number of
// elements that sort before it (smaller, or equal with a smaller index: stable); output slot r then
// takes the element whose rank is r, picked by a one-hot compare and a sum. Each step is an [.., n, n]
// expand, elementwise work and one REDUCE: O(n^2) work per row in two fused kernels (the rank is
// realized between them), no data-dependent control flow, and the values' gradient is where's and
// sum's, so autograd needs no rule of its own. NaN is the largest value, as torch; -0 equals 0.
#include "engine/support/error.h"
#include "engine/tensor/graph.h"

namespace anvil {
namespace {

// a sorts strictly before b in ascending order: a < b, or b is NaN and a is not.
Tensor sorts_before(const Tensor& a, const Tensor& b) {
  return a.lt(b).logical_or(b.isnan().logical_and(a.isnan().logical_not()));
}

Tensor ties(const Tensor& a, const Tensor& b) { return a.eq(b).logical_or(a.isnan().logical_and(b.isnan())); }

// The first `k` values and int64 indices of x sorted along its last axis.
std::pair<Tensor, Tensor> sort_last(const Tensor& x, bool descending, int64_t k) {
  const int64_t n = x.shape().back();
  Shape square = x.shape();
  square.push_back(n);
  const Tensor xi = x.unsqueeze(-1).expand(square);  // [.., i, j] holds x[i]
  const Tensor xj = x.unsqueeze(-2).expand(square);  // and x[j]
  const Tensor i = tensor_detail::on_device_of(Tensor::arange(n), x).reshape({n, 1});
  const Tensor j = tensor_detail::on_device_of(Tensor::arange(n), x).reshape({1, n});
  const Tensor first = descending ? sorts_before(xi, xj) : sorts_before(xj, xi);  // x[j] goes before x[i]
  const Tensor rank = first.logical_or(ties(xj, xi).logical_and(j.lt(i))).sum(-1);
  const Tensor to = rank.unsqueeze(-2).eq(
      tensor_detail::on_device_of(Tensor::arange(k), x).reshape({k, 1}));  // [.., r, i]: x[i] goes to r
  // One term of each sum is selected: exact in any dtype (ints sum in int64, halves in float32).
  const Tensor values = to.where(x.unsqueeze(-2), 0).sum(-1).to(x.dtype());
  const Tensor indices = to.where(j, 0).sum(-1);
  return {values, indices};
}

std::pair<Tensor, Tensor> sort_along(const char* op, const Tensor& t, int64_t dim, bool descending,
                                     std::optional<int64_t> k) {
  if (t.ndim() == 0) {
    tensor_detail::normalize_axis(op, dim, 1);
    auto [v, i] = sort_along(op, t.reshape({1}), 0, descending, k);
    if (k && *k == 0)
      return {t,
              tensor_detail::on_device_of(Tensor::zeros({}, dtypes::int64), t)};  // torch keeps the 0-d shape here too
    return {v.reshape({}), i.reshape({})};
  }
  dim = tensor_detail::normalize_axis(op, dim, t.ndim());
  const int64_t n = t.shape()[static_cast<size_t>(dim)];
  if (k && (*k < 0 || *k > n)) {
    (ErrorBuilder(op) << "k " << *k << " is out of range for dim " << dim << " of size " << n
                      << " in a tensor of shape " << shape_str(t.shape()) << " (expected 0 <= k <= " << n << ")")
        .raise();
  }
  auto [v, i] = sort_last(t.transpose(dim, -1), descending, k.value_or(n));
  return {v.transpose(dim, -1), i.transpose(dim, -1)};
}

}  // namespace

std::pair<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending, bool /*stable: always*/) const {
  return sort_along("sort", *this, dim, descending, std::nullopt);
}

Tensor Tensor::argsort(int64_t dim, bool descending, bool /*stable: always*/) const {
  return sort_along("argsort", *this, dim, descending, std::nullopt).second;
}

std::pair<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool /*sorted: always*/) const {
  if (dtype() == dtypes::bool_ && ndim() > 0) {  // as torch 1.13, which has no bool kernel (0-d needs none)
    (ErrorBuilder("topk") << "is not implemented for bool (input " << shape_str(shape()) << ")").raise();
  }
  return sort_along("topk", *this, dim, largest, k);
}

}  // namespace anvil
