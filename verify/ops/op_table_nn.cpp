// Rows of the nn functional ops: conv2d, conv_transpose2d, max_pool2d, avg_pool2d, batch_norm,
// layer_norm, group_norm and dropout (twins: verify/torch/torch_ops_nn.cpp). Samples include stride,
// padding, dilation, groups, ceil_mode, unbatched and empty-batch inputs, and inputs torch refuses
// (channel mismatch, groups not dividing, a kernel larger than the padded input): both must raise.
// conv and pooling rows take float32/float64 and bfloat16 (torch 1.13's CPU has no float16 convolution
// or pooling); conv_transpose2d rows leave bfloat16 out: torch 1.13's CPU bfloat16 path refuses valid
// shapes with conv2d's channel check. group_norm rows leave bfloat16 out: torch 1.13's CPU bfloat16
// group_norm is wrong (a group of one element gives 0, not the bias; others differ by 5%).
#include "verify/ops/op_table_builder.h"

namespace anvil::ops::table {
namespace {

// torch 1.13's CPU kernels: conv and pooling have no float16 path.
const std::vector<DType>& conv_dtypes() {
  static const std::vector<DType> v = {dtypes::bfloat16, dtypes::float32, dtypes::float64};
  return v;
}

const std::vector<DType>& wide_dtypes() {
  static const std::vector<DType> v = {dtypes::float32, dtypes::float64};
  return v;
}

void add_conv(Builder& b) {
  const auto& fl = conv_dtypes();
  const auto& wide = wide_dtypes();
  // x [N, C_in, H, W], w [C_out, C_in / g, kH, kW], b [C_out].
  const Samples plain = {{{1, 2, 5, 5}, {3, 2, 3, 3}, {3}}, {{2, 2, 4, 5}, {4, 2, 2, 3}, {4}},
                         {{2, 4, 4}, {3, 2, 3, 3}, {3}},      // unbatched
                         {{0, 2, 4, 4}, {3, 2, 3, 3}, {3}},   // empty batch
                         {{1, 3, 4, 4}, {2, 2, 3, 3}, {2}},   // channel mismatch: an error
                         {{1, 1, 2, 2}, {1, 1, 3, 3}, {1}},   // kernel larger than the input: an error
                         {{1, 2, 4, 4}, {3, 2, 3, 3}, {2}},   // bias of the wrong size: an error
                         {{1, 1, 3, 3}, {1, 1, 2, 2}, {1}}};  // small enough for a full Jacobian
  with(b.add(
           "conv2d", "conv2d", 3, [](const Ts& x) { return conv2d(x[0], x[1], x[2]); }, fl, plain),
       Domain::Finite, true);
  with(b.add("conv2d_nobias", "conv2d", 2, [](const Ts& x) { return conv2d(x[0], x[1]); }, fl,
             {{{1, 2, 5, 5}, {3, 2, 3, 3}}, {{1, 1, 1, 1}, {2, 1, 1, 1}}, {{2, 3}, {3, 2, 1, 1}}}),
       Domain::Finite, true);
  with(b.add("conv2d_s2_p1", "conv2d", 3, [](const Ts& x) { return conv2d(x[0], x[1], x[2], 2, 1); }, fl,
             {{{1, 2, 5, 5}, {3, 2, 3, 3}, {3}}, {{2, 1, 6, 4}, {2, 1, 2, 2}, {2}}, {{1, 1, 1, 1}, {1, 1, 3, 3}, {1}}}),
       Domain::Finite, true);
  with(b.add("conv2d_s21_p12_d2", "conv2d", 3,
             [](const Ts& x) {
               return conv2d(x[0], x[1], x[2], {2, 1}, {1, 2}, 2);
             },
             fl,
             {{{1, 2, 6, 5}, {3, 2, 3, 3}, {3}},
              {{2, 1, 5, 4}, {2, 1, 2, 2}, {2}},
              {{1, 1, 2, 2}, {1, 1, 3, 3}, {1}},
              {{1, 1, 3, 2}, {1, 1, 2, 2}, {1}}}),
       Domain::Finite, true);
  with(b.add("conv2d_g2", "conv2d", 3, [](const Ts& x) { return conv2d(x[0], x[1], x[2], 1, 1, 1, 2); }, fl,
             {{{1, 4, 4, 4}, {6, 2, 3, 3}, {6}},
              {{2, 2, 3, 3}, {2, 1, 2, 2}, {2}},
              {{1, 4, 4, 4}, {5, 2, 3, 3}, {5}},  // groups do not divide C_out: an error
              {{1, 4, 4, 4}, {6, 4, 3, 3}, {6}},  // C_in != groups * weight's C_in: an error
              {{1, 2, 2, 2}, {2, 1, 2, 2}, {2}}}),
       Domain::Finite, true);
  with(b.add("conv2d_same_d2", "conv2d", 3,
             [](const Ts& x) { return conv2d(x[0], x[1], x[2], 1, ConvPadding::Same, 2); }, fl,
             {{{1, 2, 5, 5}, {3, 2, 2, 3}, {3}}, {{2, 1, 4, 3}, {1, 1, 3, 3}, {1}}, {{1, 1, 3, 3}, {1, 1, 2, 2}, {1}}}),
       Domain::Finite, true);
  with(b.add("conv2d_valid", "conv2d", 2,
             [](const Ts& x) { return conv2d(x[0], x[1], std::nullopt, 1, ConvPadding::Valid); }, fl,
             {{{1, 2, 5, 5}, {3, 2, 2, 3}}, {{1, 1, 3, 3}, {1, 1, 2, 2}}}),
       Domain::Finite, true);
  with(b.add("conv2d_negative_padding", "conv2d", 2,
             [](const Ts& x) { return conv2d(x[0], x[1], std::nullopt, 1, -1); }, fl, {{{1, 1, 5, 5}, {1, 1, 2, 2}}}),
       Domain::Finite, false);  // an error row: nothing to differentiate
  // x [N, C_in, H, W], w [C_in, C_out / g, kH, kW], b [C_out].
  with(b.add("conv_transpose2d", "conv_transpose2d", 3, [](const Ts& x) { return conv_transpose2d(x[0], x[1], x[2]); },
             wide,
             {{{1, 2, 3, 3}, {2, 3, 3, 3}, {3}},
              {{2, 2, 4, 3}, {2, 1, 2, 2}, {1}},
              {{2, 3, 3}, {2, 3, 3, 3}, {3}},
              {{1, 3, 3, 3}, {2, 3, 3, 3}, {3}},  // channel mismatch: an error
              {{1, 1, 2, 2}, {1, 1, 2, 2}, {1}}}),
       Domain::Finite, true);
  with(b.add("conv_transpose2d_s2_p1_op1", "conv_transpose2d", 3,
             [](const Ts& x) { return conv_transpose2d(x[0], x[1], x[2], 2, 1, 1); }, wide,
             {{{1, 2, 3, 3}, {2, 3, 3, 3}, {3}}, {{1, 1, 2, 4}, {1, 2, 2, 2}, {2}}, {{1, 1, 2, 2}, {1, 1, 2, 2}, {1}}}),
       Domain::Finite, true);
  with(b.add("conv_transpose2d_g2_d2", "conv_transpose2d", 3,
             [](const Ts& x) {
               return conv_transpose2d(x[0], x[1], x[2], {1, 2}, {2, 1}, 0, 2, 2);
             },
             wide,
             {{{1, 4, 3, 3}, {4, 1, 3, 3}, {2}}, {{2, 2, 2, 3}, {2, 2, 2, 2}, {4}}, {{1, 2, 3, 2}, {2, 1, 2, 2}, {2}}}),
       Domain::Finite, true);
}

void add_pool(Builder& b) {
  const auto& fl = conv_dtypes();
  const std::vector<Shape> shapes = {{1, 2, 4, 4}, {2, 3, 5, 5}, {3, 4, 4}, {0, 2, 4, 4}, {1, 1, 1, 1}};
  with(b.movement(
           "max_pool2d_2", "max_pool2d", [](const Tensor& x) { return max_pool2d(x, 2); }, shapes),
       Domain::Any, true)
      .dtypes = fl;
  with(b.movement(
           "max_pool2d_3_s2_p1", "max_pool2d", [](const Tensor& x) { return max_pool2d(x, 3, 2, 1); }, shapes),
       Domain::Finite, true)
      .dtypes = fl;
  with(b.movement("max_pool2d_d2_ceil", "max_pool2d",
                  [](const Tensor& x) {
                    return max_pool2d(x, {2, 3}, Size2{2, 1}, {1, 0}, 2, true);
                  },
                  {{1, 2, 5, 6}, {2, 1, 4, 7}, {1, 6, 5}, {1, 1, 3, 5}}),
       Domain::Finite, true)
      .dtypes = fl;
  with(b.movement("max_pool2d_ceil", "max_pool2d", [](const Tensor& x) { return max_pool2d(x, 2, 2, 0, 1, true); },
                  {{1, 1, 5, 5}, {2, 2, 3, 4}, {1, 1, 1, 1}}),
       Domain::Finite, true)
      .dtypes = fl;
  b.movement("max_pool2d_indices", "max_pool2d",
             [](const Tensor& x) { return max_pool2d_with_indices(x, 3, 2, 1, 1, true).second; },
             {{1, 2, 5, 5}, {2, 1, 4, 6}, {3, 4, 4}})
      .dtypes = fl;
  with(b.movement("max_pool2d_bad_padding", "max_pool2d", [](const Tensor& x) { return max_pool2d(x, 2, 1, 2); },
                  {{1, 1, 5, 5}}),
       Domain::Finite, false)  // an error row: nothing to differentiate
      .dtypes = fl;
  with(b.movement(
           "avg_pool2d_2", "avg_pool2d", [](const Tensor& x) { return avg_pool2d(x, 2); }, shapes),
       Domain::Finite, true)
      .dtypes = fl;
  with(b.movement(
           "avg_pool2d_3_s2_p1", "avg_pool2d", [](const Tensor& x) { return avg_pool2d(x, 3, 2, 1); }, shapes),
       Domain::Finite, true)
      .dtypes = fl;
  with(b.movement("avg_pool2d_ceil_nopad", "avg_pool2d",
                  [](const Tensor& x) {
                    return avg_pool2d(x, {3, 2}, Size2{2, 2}, {1, 1}, true, false);
                  },
                  {{1, 2, 5, 6}, {2, 1, 4, 7}, {1, 6, 5}, {1, 1, 3, 3}}),
       Domain::Finite, true)
      .dtypes = fl;
  with(b.movement("avg_pool2d_ceil_pad", "avg_pool2d",
                  [](const Tensor& x) { return avg_pool2d(x, 3, 2, 1, true, true); }, {{1, 2, 6, 6}, {1, 1, 4, 5}}),
       Domain::Finite, true)
      .dtypes = fl;
  with(b.movement("avg_pool2d_divisor3", "avg_pool2d",
                  [](const Tensor& x) { return avg_pool2d(x, 2, 1, 1, false, true, 3); },
                  {{1, 2, 4, 4}, {3, 3, 3}, {1, 1, 3, 3}}),
       Domain::Finite, true)
      .dtypes = fl;
}

void add_norm(Builder& b) {
  const auto& fl = float_dtypes();
  const std::vector<DType> no_bf16 = {dtypes::float16, dtypes::float32, dtypes::float64};
  with(b.add("batch_norm_train", "batch_norm", 3,
             [](const Ts& x) { return batch_norm(x[0], std::nullopt, std::nullopt, x[1], x[2], true); }, fl,
             {{{4, 3}, {3}, {3}},
              {{2, 3, 4, 4}, {3}, {3}},
              {{2, 2, 3}, {2}, {2}},
              {{1, 3, 1}, {3}, {3}},    // one value per channel in training: an error
              {{2, 2, 3}, {3}, {3}}}),  // weight of the wrong size: an error
       Domain::Finite, true);
  // Eval: running_var made positive on both sides.
  with(b.add("batch_norm_eval", "batch_norm", 5,
             [](const Ts& x) { return batch_norm(x[0], x[1], x[2].abs() + 0.5, x[3], x[4], false, 0.1, 1e-3); }, fl,
             {{{4, 3}, {3}, {3}, {3}, {3}}, {{2, 3, 2, 2}, {3}, {3}, {3}, {3}}, {{1, 2}, {2}, {2}, {2}, {2}}}),
       Domain::Finite, true);
  // The running statistics a training step leaves, [mean..., var...] (the variance unbiased).
  with(b.add("batch_norm_running", "batch_norm", 1,
             [](const Ts& x) {
               const int64_t c = x[0].shape()[1];
               Tensor rm = Tensor::zeros({c}, x[0].dtype()), rv = Tensor::ones({c}, x[0].dtype());
               batch_norm(x[0], rm, rv, std::nullopt, std::nullopt, true, 0.3);
               return Tensor::cat({rm, rv});
             },
             fl, {{{4, 3}}, {{2, 3, 4, 4}}, {{2, 2, 3}}}),
       Domain::Finite, false);  // torch updates the running statistics without autograd
  with(b.add("layer_norm", "layer_norm", 3, [](const Ts& x) { return layer_norm(x[0], x[1].shape(), x[1], x[2]); }, fl,
             {{{2, 3, 4}, {3, 4}, {3, 4}},
              {{5}, {5}, {5}},
              {{2, 3}, {3}, {3}},
              {{0, 3}, {3}, {3}},
              {{2, 3}, {4}, {4}}}),  // normalized_shape not the trailing dims: an error
       Domain::Finite, true);
  with(b.movement("layer_norm_last", "layer_norm",
                  [](const Tensor& x) { return layer_norm(x, {x.shape().back()}, std::nullopt, std::nullopt, 1e-2); },
                  {{3, 4}, {2, 3, 5}, {7}}),
       Domain::Finite, true)
      .dtypes = fl;
  with(b.add("group_norm_2", "group_norm", 3, [](const Ts& x) { return group_norm(x[0], 2, x[1], x[2]); }, no_bf16,
             {{{2, 4, 3}, {4}, {4}},
              {{1, 6, 2, 2}, {6}, {6}},
              {{3, 2}, {2}, {2}},
              {{2, 3, 4}, {3}, {3}}}),  // 3 channels in 2 groups: an error
       Domain::Finite, true);
}

void add_dropout(Builder& b) {
  const auto& fl = float_dtypes();
  const std::vector<Shape> shapes = {{}, {0}, {7}, {3, 4}, {2, 3, 4}};
  with(b.movement(
           "dropout_eval", "dropout", [](const Tensor& x) { return dropout(x, 0.5, false); }, shapes),
       Domain::Any, true)
      .dtypes = fl;
  with(b.movement(
           "dropout_p0", "dropout", [](const Tensor& x) { return dropout(x, 0, true); }, shapes),
       Domain::Any, true)
      .dtypes = fl;
  with(b.movement(
           "dropout_p1", "dropout", [](const Tensor& x) { return dropout(x, 1, true); }, shapes),
       Domain::Any, true)
      .dtypes = fl;
  // Random draws: ones dropped at p = 0.5 are 0 or 2.
  OpRow& r = b.movement(
      "dropout_half", "dropout", [](const Tensor& x) { return dropout(Tensor::ones_like(x), 0.5); }, shapes);
  r.dtypes = fl;
  r.random = RandomValues{0, 2, true};
}

}  // namespace

void add_nn(Builder& b) {
  add_conv(b);
  add_pool(b);
  add_norm(b);
  add_dropout(b);
}

}  // namespace anvil::ops::table
