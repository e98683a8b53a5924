// The torch twins of verify/ops/op_table_index.cpp's rows, with the same index recipes. C++17.
#include <ATen/TensorIndexing.h>

#include "verify/torch/torch_ops.h"

namespace anvil::torch_oracle {
namespace {

at::Tensor spread(const Shape& shape, int64_t n, int64_t shift = 0) {
  return (at::arange(numel(shape), at::kLong).reshape(shape) * 5 + 2).remainder(n) - shift;
}

at::Tensor distinct(const Shape& shape, int64_t dim, int64_t n) {
  Shape along(shape.size(), 1), others = shape;
  along[static_cast<size_t>(dim)] = shape[static_cast<size_t>(dim)];
  others[static_cast<size_t>(dim)] = 1;
  const at::Tensor j = at::arange(along[static_cast<size_t>(dim)], at::kLong).reshape(along).expand(shape);
  const at::Tensor o = at::arange(numel(others), at::kLong).reshape(others).expand(shape);
  return (j + o * 7).remainder(n);
}

Shape shape_of(const at::Tensor& x) { return Shape(x.sizes().begin(), x.sizes().end()); }

Shape gather_shape(const at::Tensor& x, int64_t dim, int64_t extra) {
  Shape s = shape_of(x);
  const int64_t d = dim < 0 ? dim + x.dim() : dim;
  s[static_cast<size_t>(d)] += extra;
  if (d != 0 && s[0] > 1) s[0] -= 1;
  return s;
}

at::Tensor dup_index(const at::Tensor& self) {
  Shape s = shape_of(self);
  s.back() += 1;
  return spread(s, self.size(-1));
}

}  // namespace

void add_index_ops(std::map<std::string, TorchFn>& m) {
  using namespace at::indexing;  // NOLINT(google-build-using-namespace): Slice, None read as Python
  m["gather_m1"] = [](const Ts& x) { return at::gather(x[0], -1, spread(gather_shape(x[0], -1, 1), x[0].size(-1))); };
  m["gather_0"] = [](const Ts& x) { return at::gather(x[0], 0, spread(gather_shape(x[0], 0, -1), x[0].size(0))); };
  m["scatter_m1"] = [](const Ts& x) {
    return at::scatter(x[0], -1, distinct(gather_shape(x[0], -1, -1), x[0].dim() - 1, x[0].size(-1)), x[1]);
  };
  m["scatter_value_0"] = [](const Ts& x) {
    Shape s = shape_of(x[0]);
    if (s[0] > 1) s[0] -= 1;
    return at::scatter(x[0], 0, distinct(s, 0, x[0].size(0)), 3);
  };
  m["scatter_add_m1"] = [](const Ts& x) { return at::scatter_add(x[0], -1, dup_index(x[0]), x[1]); };
  const std::tuple<const char*, const char*, bool> reduces[] = {
      {"scatter_reduce_sum", "sum", true},          {"scatter_reduce_prod", "prod", true},
      {"scatter_reduce_mean", "mean", true},        {"scatter_reduce_amax", "amax", true},
      {"scatter_reduce_amin", "amin", true},        {"scatter_reduce_amax_noself", "amax", false},
      {"scatter_reduce_mean_noself", "mean", false}};
  for (const auto& [name, reduce, self] : reduces) {
    const std::string r = reduce;
    const bool s = self;
    m[name] = [r, s](const Ts& x) { return at::scatter_reduce(x[0], -1, dup_index(x[0]), x[1], r, s); };
  }
  m["index_select_0"] = [](const Ts& x) { return at::index_select(x[0], 0, spread({5}, x[0].size(0))); };
  m["index_select_i32_1"] = [](const Ts& x) {
    return at::index_select(x[0], 1, spread({3}, x[0].size(1)).to(at::kInt));
  };
  m["index_tensor_0"] = [](const Ts& x) {
    const int64_t n = x[0].size(0);
    return x[0].index({spread({2, 3}, 2 * n, n)});
  };
  m["index_tensor_mid"] = [](const Ts& x) { return x[0].index({Slice(), spread({4}, x[0].size(1)), 0}); };
  m["index_tensor_two"] = [](const Ts& x) {
    return x[0].index({None, spread({3}, x[0].size(0)), spread({2, 1}, x[0].size(1))});
  };
  m["index_tensor_apart"] = [](const Ts& x) {
    return x[0].index({spread({3}, x[0].size(0)), Slice(), spread({2, 1}, x[0].size(2))});
  };
  m["masked_fill_2"] = [](const Ts& x) { return at::masked_fill(x[0], x[1], 2); };
  m["masked_fill_tensor"] = [](const Ts& x) { return at::masked_fill(x[0], x[1], x[2]); };
  m["cumsum_1"] = [](const Ts& x) { return at::cumsum(x[0], 1); };
  m["cumsum_m1"] = [](const Ts& x) { return at::cumsum(x[0], -1); };
  m["cumsum_f64_0"] = [](const Ts& x) { return at::cumsum(x[0], 0, at::kDouble); };
  m["cumprod_0"] = [](const Ts& x) { return at::cumprod(x[0], 0); };
  m["cumprod_m1"] = [](const Ts& x) { return at::cumprod(x[0], -1); };
  m["one_hot_5"] = [](const Ts& x) { return at::one_hot(spread(shape_of(x[0]), 5), 5); };
  m["one_hot_infer"] = [](const Ts& x) { return at::one_hot(spread(shape_of(x[0]), 4)); };
  m["embedding"] = [](const Ts& x) { return at::embedding(x[0], spread({2, 3}, x[0].size(0))); };
  m["setitem_slice_int"] = [](const Ts& x) {
    at::Tensor y = x[0].clone();
    y.index_put_({Slice(1, None), 0}, 5);
    return y;
  };
  m["setitem_tensor"] = [](const Ts& x) {
    at::Tensor y = x[0].clone();
    y.index_put_({distinct({2}, 0, x[0].size(0))}, x[1]);
    return y;
  };
  m["index_put_accumulate"] = [](const Ts& x) {
    at::Tensor y = x[0].clone();
    c10::List<c10::optional<at::Tensor>> idx;
    idx.push_back(spread({4}, x[0].size(0)));
    return y.index_put_(idx, x[1], true);
  };
}

}  // namespace anvil::torch_oracle
