// Rows of the ops that landed last: activations, lerp, bitcast, the non-constant pad modes,
// split/chunk (all pieces, cat back in reverse order, or one piece), basic indexing, linspace and
// the random creators. Creation ops take their shape and dtype from a dummy input, so the table's
// dtype loop (and torch's errors for dtypes it refuses) reaches them.
#include <algorithm>

#include "verify/ops/op_table_builder.h"

namespace anvil::ops::table {
namespace {

// The pieces in reverse order, joined again: every piece's values and shape count.
Tensor cat_reversed(std::vector<Tensor> pieces, int64_t axis) {
  std::reverse(pieces.begin(), pieces.end());
  return Tensor::cat(pieces, axis);
}

void add_activations(Builder& b) {
  const auto& all = all_dtypes();
  with(b.unary(
           "silu", [](const Tensor& x) { return x.silu(); }, all),
       Domain::Any, true);
  with(b.unary(
           "softplus", [](const Tensor& x) { return x.softplus(); }, all),
       Domain::Any, true);
  with(b.unary(
           "hardswish", [](const Tensor& x) { return x.hardswish(); }, all),
       Domain::Any, true);
  with(b.unary(
           "mish", [](const Tensor& x) { return x.mish(); }, all),
       Domain::Any, true);
  with(b.add(
           "lerp", "lerp", 3, [](const Ts& x) { return x[0].lerp(x[1], x[2]); }, all, elementwise(3)),
       Domain::Finite, true);
  // Infinite inputs apart: there anvil and torch disagree (the oracle's kKnown).
  with(b.add(
           "lerp_specials", "lerp", 3, [](const Ts& x) { return x[0].lerp(x[1], x[2]); }, all, elementwise(3)),
       Domain::Any, false);
  with(b.add(
           "lerp_0p3", "lerp", 2, [](const Ts& x) { return x[0].lerp(x[1], 0.3); }, all, elementwise(2)),
       Domain::Any, true);
  with(b.add(
           "lerp_0p75", "lerp", 2, [](const Ts& x) { return x[0].lerp(x[1], 0.75); }, all, elementwise(2)),
       Domain::Any, true);
}

void add_bitcasts(Builder& b) {
  const std::vector<Shape> shapes = {{}, {0}, {3, 4}};
  // Only same-size dtypes: torch 1.13's view(dtype) reshapes the last axis for other sizes.
  b.add(
      "bitcast_int32", "bitcast", 1, [](const Ts& x) { return x[0].bitcast(dtypes::int32); },
      {dtypes::int32, dtypes::float32}, one_each(shapes));
  b.add(
      "bitcast_float64", "bitcast", 1, [](const Ts& x) { return x[0].bitcast(dtypes::float64); },
      {dtypes::int64, dtypes::float64}, one_each(shapes));
  b.add(
      "bitcast_float16", "bitcast", 1, [](const Ts& x) { return x[0].bitcast(dtypes::float16); },
      {dtypes::int16, dtypes::float16, dtypes::bfloat16}, one_each(shapes));
}

void add_pads(Builder& b) {
  // Each mode at its limits and one past them (an error on both sides), empty extents included.
  // Float dtypes only for reflect and replicate: torch 1.13 has no integer kernels for them.
  with(b.movement("pad_reflect", "pad",
                  [](const Tensor& x) {
                    return x.pad({{2, 1}, {1, 0}}, PadMode::Reflect);
                  },
                  {{3, 4}, {3, 2}, {5, 3}, {2, 4}, {3, 0}, {4}}),
       Domain::Any, true)
      .dtypes = float_dtypes();
  with(b.movement("pad_replicate", "pad",
                  [](const Tensor& x) {
                    return x.pad({{2, 1}, {0, 3}}, PadMode::Replicate);
                  },
                  {{3, 4}, {1, 1}, {0, 3}, {2, 0}}),
       Domain::Any, true)
      .dtypes = float_dtypes();
  with(b.movement("pad_circular", "pad",
                  [](const Tensor& x) {
                    return x.pad({{1, 1}, {3, 2}}, PadMode::Circular);
                  },
                  {{3, 4}, {2, 3}, {1, 3}, {1, 2}, {0, 3}}),
       Domain::Any, true);
}

void add_splits(Builder& b) {
  with(b.movement("split_2_1_reversed", "split", [](const Tensor& x) { return cat_reversed(x.split(2, 1), 1); },
                  {{3, 5}, {2, 4}, {3, 0}, {4}, {}}),
       Domain::Any, true);
  with(b.movement("split_sizes_1_2_last", "split",
                  [](const Tensor& x) {
                    return x.split(std::vector<int64_t>{1, 2}, 0).back();
                  },
                  {{3, 2}, {3}, {4}}),
       Domain::Any, true);
  with(b.movement("chunk_3_0_reversed", "chunk", [](const Tensor& x) { return cat_reversed(x.chunk(3, 0), 0); },
                  {{7}, {4, 2}, {2, 3}, {0, 3}}),
       Domain::Any, true);
  with(b.movement("chunk_3_m1_last", "chunk", [](const Tensor& x) { return x.chunk(3, -1).back(); },
                  {{2, 4}, {5}, {2, 1}}),
       Domain::Any, true);
}

void add_indexing(Builder& b) {
  with(b.movement("index_int_step", "index",
                  [](const Tensor& x) {
                    return x.index({int64_t{-1}, Slice{1, std::nullopt, 2}});
                  },
                  {{3, 5}, {2, 4, 3}, {1, 1}, {0, 3}, {4}}),
       Domain::Any, true);
  with(b.movement("index_newaxis_ellipsis", "index",
                  [](const Tensor& x) {
                    return x.index({NewAxis, Ellipsis, Slice{std::nullopt, std::nullopt, 3}, int64_t{-2}});
                  },
                  {{2, 3, 4}, {7, 2}, {2, 5, 3, 2}, {1}}),
       Domain::Any, true);
  with(b.movement("index_neg_slice", "index",
                  [](const Tensor& x) {
                    return x.index({Slice{-3, -1, std::nullopt}, Ellipsis, NewAxis});
                  },
                  {{5, 2}, {2, 3}, {0, 1}, {}}),
       Domain::Any, true);
}

void add_creation(Builder& b) {
  // linspace: the input gives the dtype and (its element count) the steps; 40 reaches the
  // vectorized blocks of PyTorch's kernel.
  with(b.movement("linspace_m3_5", "linspace",
                  [](const Tensor& x) { return Tensor::linspace(-3, 5, x.numel(), x.dtype()); },
                  {{}, {0}, {2}, {7}, {3, 4}, {40}}),
       Domain::Any, false)
      .dtypes = no_wide_unsigned();  // torch's int64 stand-in cannot wrap a negative start
  b.add("linspace_f64_0_1_5", "linspace", 0, [](const Ts&) { return Tensor::linspace(0, 1, 5, dtypes::float64); },
        {dtypes::float64}, {{}});
  struct Random {
    const char* name;
    const char* op;
    std::function<Tensor(const Tensor&)> fn;
    RandomValues values;
  };
  const Random randoms[] = {
      {"rand", "rand", [](const Tensor& x) { return Tensor::rand(x.shape(), x.dtype()); }, {0, 1}},
      // Box-Muller from 24 (float64: 53) random bits stays within sqrt(2 ln 2^53) < 9.
      {"randn", "randn", [](const Tensor& x) { return Tensor::randn(x.shape(), x.dtype()); }, {-9, 9}},
      {"randint_m3_5",
       "randint",
       [](const Tensor& x) { return Tensor::randint(-3, 5, x.shape(), x.dtype()); },
       {-3, 4, true}},
      {"uniform_m2_3",
       "uniform",
       [](const Tensor& x) { return Tensor::uniform(x.shape(), -2, 3, x.dtype()); },
       {-2, 3}},
      {"normal_1_2", "normal", [](const Tensor& x) { return Tensor::normal(x.shape(), 1, 2, x.dtype()); }, {-17, 19}},
      {"rand_like", "rand_like", [](const Tensor& x) { return Tensor::rand_like(x); }, {0, 1}},
      {"randn_like", "randn_like", [](const Tensor& x) { return Tensor::randn_like(x); }, {-9, 9}},
  };
  for (const Random& r : randoms) {
    b.movement(r.name, r.op, r.fn, {{}, {0}, {7}, {3, 4}}).random = r.values;
  }
}

}  // namespace

void add_views_and_creation(Builder& b) {
  add_activations(b);
  add_bitcasts(b);
  add_pads(b);
  add_splits(b);
  add_indexing(b);
  add_creation(b);
}

}  // namespace anvil::ops::table
