// cumsum and cumprod as a masked reduction over a triangle: along `dim` of size n, element i is
// the sum (product) of x[j] for j <= i, from an [.., n, n] expand, a WHERE and one REDUCE. O(n^2)
// work, but one kernel, exact for integers, and its gradient is sum's and prod's (prod's is exact
// at zeros), so autograd needs no rule of its own.
#include "engine/tensor/graph.h"

namespace anvil {
namespace {

Tensor cumulative(const char* op, const Tensor& t, int64_t dim, std::optional<DType> dtype, bool product) {
  if (t.ndim() == 0) {
    tensor_detail::normalize_axis(op, dim, 1);
    return cumulative(op, t.reshape({1}), 0, dtype, product).reshape({});
  }
  dim = tensor_detail::normalize_axis(op, dim, t.ndim());
  Tensor x = t;
  if (dtype) {
    x = x.to(*dtype);
  } else if (!is_float(x.dtype())) {
    x = x.to(dtypes::int64);  // as PyTorch: bool and integer inputs accumulate in int64
  }
  const DType out = x.dtype();
  const int64_t n = x.shape()[dim];
  x = x.transpose(dim, -1);
  Shape square = x.shape();
  square.push_back(n);  // [.., i, j] holds x[j]
  const Tensor xe = x.unsqueeze(-2).expand(square);
  const Tensor steps = tensor_detail::on_device_of(Tensor::arange(n), x);
  const Tensor lower = steps.reshape({n, 1}).ge(steps.reshape({1, n}));
  const Tensor r = product ? lower.where(xe, 1).prod(-1, false, out) : lower.where(xe, 0).sum(-1, false, out);
  return r.transpose(dim, -1);
}

}  // namespace

Tensor Tensor::cumsum(int64_t dim, std::optional<DType> dtype) const {
  return cumulative("cumsum", *this, dim, dtype, false);
}
Tensor Tensor::cumprod(int64_t dim, std::optional<DType> dtype) const {
  return cumulative("cumprod", *this, dim, dtype, true);
}

}  // namespace anvil
