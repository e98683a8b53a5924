// Rows of the integer-tensor indexing ops: gather, scatter*, index_select, advanced index(),
// masked_fill, cumsum/cumprod, one_hot, embedding and the in-place updates (on a copy, returned).
// Index tensors are fixed, built from the sample's shape by two recipes that the torch twins
// (verify/torch/torch_ops_index.cpp) repeat: `spread` (duplicates likely) and `distinct` (no
// duplicates along the dim: scatter's result with duplicates is unspecified in torch). All index
// values are in range: out-of-range indices are a torch error and anvil's defined value (tensor.h),
// tested in engine/tensor/gather_test.cpp.
#include "verify/ops/op_table_builder.h"

namespace anvil::ops::table {
namespace {

// (k * 5 + 2) mod n at flat position k of `shape`, minus `shift` (a shift of n gives negatives).
Tensor spread(const Shape& shape, int64_t n, int64_t shift = 0) {
  return (Tensor::arange(shape_numel(shape)).reshape(shape) * 5 + 2).remainder(n) - shift;
}

// (j + 7 * o) mod n: j the position along `dim`, o a flat position over the other dims; distinct
// along `dim` when shape[dim] <= n.
Tensor distinct(const Shape& shape, int64_t dim, int64_t n) {
  Shape along(shape.size(), 1), others = shape;
  along[static_cast<size_t>(dim)] = shape[static_cast<size_t>(dim)];
  others[static_cast<size_t>(dim)] = 1;
  const Tensor j = Tensor::arange(along[static_cast<size_t>(dim)]).reshape(along).expand(shape);
  const Tensor o = Tensor::arange(shape_numel(others)).reshape(others).expand(shape);
  return (j + o * 7).remainder(n);
}

int64_t axis(const Tensor& x, int64_t dim) { return dim < 0 ? dim + x.ndim() : dim; }

// The index shape for gather on x: x's shape, `extra` more along dim, one less at dim 0 (not dim).
Shape gather_shape(const Tensor& x, int64_t dim, int64_t extra) {
  Shape s = x.shape();
  const int64_t d = axis(x, dim);
  s[static_cast<size_t>(d)] += extra;
  if (d != 0 && s[0] > 1) s[0] -= 1;
  return s;
}

void add_gather_scatter(Builder& b) {
  const auto& all = all_dtypes();
  with(b.movement("gather_m1", "gather",
                  [](const Tensor& x) { return x.gather(-1, spread(gather_shape(x, -1, 1), x.shape().back())); },
                  {{3, 4}, {2, 5, 3}, {1, 1}, {0, 4}, {6}}),
       Domain::Any, true);
  with(b.movement("gather_0", "gather",
                  [](const Tensor& x) { return x.gather(0, spread(gather_shape(x, 0, -1), x.shape()[0])); },
                  {{3, 4}, {2, 3, 2}, {1}, {4, 0}}),
       Domain::Any, true);
  // scatter: self and src; the index is distinct along dim and smaller than both elsewhere.
  auto scatter_samples = [] {
    return Samples{{{3, 4}, {3, 4}}, {{2, 5, 3}, {2, 6, 3}}, {{1, 1}, {1, 1}}, {{0, 4}, {0, 4}}, {{5}, {5}}};
  };
  with(b.add(
           "scatter_m1", "scatter", 2,
           [](const Ts& x) {
             return x[0].scatter(-1, distinct(gather_shape(x[0], -1, -1), -1 + x[0].ndim(), x[0].shape().back()), x[1]);
           },
           all, scatter_samples()),
       Domain::Any, true);
  with(b.movement("scatter_value_0", "scatter",
                  [](const Tensor& x) {
                    Shape s = x.shape();
                    if (s[0] > 1) s[0] -= 1;
                    return x.scatter(0, distinct(s, 0, x.shape()[0]), 3);
                  },
                  {{3, 4}, {2, 3, 2}, {1}, {4, 0}}),
       Domain::Any, true);
  // scatter_add and scatter_reduce: duplicates included (their result is defined).
  auto dup_samples = [] {
    return Samples{{{3, 4}, {3, 6}}, {{2, 5, 3}, {2, 7, 3}}, {{1, 1}, {1, 2}}, {{0, 4}, {0, 5}}, {{5}, {7}}};
  };
  auto dup_index = [](const Tensor& self) {
    Shape s = self.shape();
    s.back() += 1;
    return spread(s, self.shape().back());
  };
  with(b.add(
           "scatter_add_m1", "scatter_add", 2,
           [dup_index](const Ts& x) { return x[0].scatter_add(-1, dup_index(x[0]), x[1]); }, all, dup_samples()),
       Domain::Any, true);
  struct Reduce {
    const char* name;
    const char* reduce;
    bool include_self;
  };
  for (const Reduce r :
       {Reduce{"scatter_reduce_sum", "sum", true}, Reduce{"scatter_reduce_prod", "prod", true},
        Reduce{"scatter_reduce_mean", "mean", true}, Reduce{"scatter_reduce_amax", "amax", true},
        Reduce{"scatter_reduce_amin", "amin", true}, Reduce{"scatter_reduce_amax_noself", "amax", false},
        Reduce{"scatter_reduce_mean_noself", "mean", false}}) {
    const std::string reduce = r.reduce;
    const bool self = r.include_self;
    with(b.add(
             r.name, "scatter_reduce", 2,
             [dup_index, reduce, self](const Ts& x) {
               return x[0].scatter_reduce(-1, dup_index(x[0]), x[1], reduce, self);
             },
             all_dtypes(), dup_samples()),
         Domain::Finite, true);
  }
}

void add_index_select(Builder& b) {
  with(b.movement("index_select_0", "index_select",
                  [](const Tensor& x) { return x.index_select(0, spread({5}, x.shape()[0])); },
                  {{3, 4}, {2, 3, 2}, {1}, {5}}),
       Domain::Any, true);
  with(b.movement("index_select_i32_1", "index_select",
                  [](const Tensor& x) { return x.index_select(1, spread({3}, x.shape()[1]).to(dtypes::int32)); },
                  {{3, 4}, {2, 1}, {0, 3}}),
       Domain::Any, true);
  with(b.movement("index_tensor_0", "index",
                  [](const Tensor& x) {
                    const int64_t n = x.shape()[0];
                    return x.index({spread({2, 3}, 2 * n, n)});  // negatives wrap
                  },
                  {{4, 3}, {5}, {2, 3, 4}, {1, 2}}),
       Domain::Any, true);
  with(b.movement("index_tensor_mid", "index",
                  [](const Tensor& x) {
                    return x.index({Slice{}, spread({4}, x.shape()[1]), int64_t{0}});
                  },
                  {{2, 3, 4}, {3, 1, 2}, {0, 2, 1}}),
       Domain::Any, true);
  with(b.movement("index_tensor_two", "index",
                  [](const Tensor& x) {
                    return x.index({NewAxis, spread({3}, x.shape()[0]), spread({2, 1}, x.shape()[1])});
                  },
                  {{3, 4}, {2, 3, 4}, {4, 1}}),
       Domain::Any, true);
  with(b.movement("index_tensor_apart", "index",
                  [](const Tensor& x) {
                    return x.index({spread({3}, x.shape()[0]), Slice{}, spread({2, 1}, x.shape()[2])});
                  },
                  {{3, 2, 4}, {2, 3, 1}, {1, 0, 2}}),
       Domain::Any, true);
}

void add_fill_cumulative(Builder& b) {
  const auto& all = all_dtypes();
  with(b.add(
           "masked_fill_2", "masked_fill", 2, [](const Ts& x) { return x[0].masked_fill(x[1], 2); }, all,
           elementwise(2)),
       Domain::Any, true)
      .input_dtypes = {std::nullopt, dtypes::bool_};
  with(b.add("masked_fill_tensor", "masked_fill", 3, [](const Ts& x) { return x[0].masked_fill(x[1], x[2]); }, all,
             {{{3, 4}, {3, 4}, {}}, {{2, 3}, {3}, {}}, {{0}, {0}, {}}, {{}, {}, {}}, {{3}, {2, 3}, {}}}),
       Domain::Any, true)
      .input_dtypes = {std::nullopt, dtypes::bool_, std::nullopt};
  with(b.reduce(
           "cumsum_1", "cumsum", 2, [](const Tensor& x) { return x.cumsum(1); }, all),
       Domain::Any, true);
  with(b.reduce(
           "cumsum_m1", "cumsum", 0, [](const Tensor& x) { return x.cumsum(-1); }, all),
       Domain::Any, true);
  with(b.reduce(
           "cumsum_f64_0", "cumsum", 1, [](const Tensor& x) { return x.cumsum(0, dtypes::float64); }, all),
       Domain::Finite, true);
  with(b.reduce(
           "cumprod_0", "cumprod", 1, [](const Tensor& x) { return x.cumprod(0); }, all),
       Domain::Finite, true);
  with(b.reduce(
           "cumprod_m1", "cumprod", 0, [](const Tensor& x) { return x.cumprod(-1); }, all),
       Domain::Finite, true);
}

void add_one_hot_embedding(Builder& b) {
  // The input gives the index's shape only.
  b.movement("one_hot_5", "one_hot", [](const Tensor& x) { return spread(x.shape(), 5).one_hot(5); },
             {{}, {0}, {4}, {2, 3}})
      .dtypes = {dtypes::int64};
  b.movement("one_hot_infer", "one_hot", [](const Tensor& x) { return spread(x.shape(), 4).one_hot(); },
             {{}, {0}, {4}, {2, 3}})
      .dtypes = {dtypes::int64};
  with(b.movement("embedding", "embedding",
                  [](const Tensor& w) {
                    return embedding(spread({2, 3}, w.shape()[0]), w);
                  },
                  {{5, 3}, {1, 4}, {3, 0}, {4}}),
       Domain::Any, true);
}

// In-place updates on a copy, returned: the value of t[items] = v.
void add_setitem(Builder& b) {
  with(b.movement("setitem_slice_int", "setitem",
                  [](const Tensor& x) {
                    Tensor y = x.contiguous();
                    return y.setitem({Slice{1, std::nullopt, std::nullopt}, int64_t{0}}, 5);
                  },
                  {{3, 4}, {2, 1}, {1, 3}, {4, 2, 2}}),
       Domain::Any, true);
  with(b.add("setitem_tensor", "setitem", 2,
             [](const Ts& x) {
               Tensor y = x[0].contiguous();
               return y.setitem({distinct({2}, 0, x[0].shape()[0])}, x[1]);
             },
             all_dtypes(), {{{3, 4}, {2, 4}}, {{2, 3}, {3}}, {{4}, {2}}, {{3, 2}, {1}}, {{3, 4}, {3, 4}}}),
       Domain::Any, true);
  with(b.add("index_put_accumulate", "index_put_", 2,
             [](const Ts& x) {
               Tensor y = x[0].contiguous();
               return y.index_put_({spread({4}, x[0].shape()[0])}, x[1], true);
             },
             numeric_dtypes(), {{{3, 4}, {4, 4}}, {{2, 3}, {3}}, {{5}, {4}}, {{3}, {1}}}),
       Domain::Any, true);
}

}  // namespace

void add_index(Builder& b) {
  add_gather_scatter(b);
  add_index_select(b);
  add_fill_cumulative(b);
  add_one_hot_embedding(b);
  add_setitem(b);
}

}  // namespace anvil::ops::table
