// conv2d, conv_transpose2d and pooling: small values by hand, kernel counts (the windows are views,
// so a convolution is one kernel), and the errors of bad arguments. Values at large are checked
// against torch by the op table's rows (verify/ops/op_table_nn.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include "engine/runtime/realize.h"
#include "engine/schedule/schedule.h"
#include "engine/tensor/tensor.h"
#include "engine/tensor/tensor_test_util.h"

namespace anvil {
namespace {

using testing::expect_error;

class Conv : public ::testing::Test {
 protected:
  void SetUp() override { install_interp_realizer(); }
  void TearDown() override { set_realizer(nullptr); }
};

std::vector<float> fv(Tensor t) { return t.to_vector<float>(); }
Tensor iota(int64_t n, const Shape& s) { return Tensor::arange(n).to(dtypes::float32).reshape(s); }

TEST_F(Conv, Conv2dValues) {
  const Tensor x = iota(9, {1, 1, 3, 3});
  EXPECT_EQ(fv(conv2d(x, Tensor::ones({1, 1, 2, 2}))), (std::vector<float>{8, 12, 20, 24}));
  // Stride 2 and padding 1: the corners of the zero-padded 5x5.
  EXPECT_EQ(fv(conv2d(x, Tensor::ones({1, 1, 2, 2}), std::nullopt, 2, 1)), (std::vector<float>{0, 3, 9, 24}));
  // Dilation 2 reads the four corners; the bias adds.
  EXPECT_EQ(fv(conv2d(x, Tensor::ones({1, 1, 2, 2}), Tensor::full({1}, 10.0), 1, 0, 2)), (std::vector<float>{26}));
  // Unbatched input: [C, H, W] in, [C_out, oH, oW] out.
  EXPECT_EQ(conv2d(iota(9, {1, 3, 3}), Tensor::ones({2, 1, 2, 2})).shape(), (Shape{2, 2, 2}));
  // Same padding keeps H and W.
  EXPECT_EQ(conv2d(x, Tensor::ones({1, 1, 2, 2}), std::nullopt, 1, ConvPadding::Same).shape(), (Shape{1, 1, 3, 3}));
}

TEST_F(Conv, ConvTranspose2dValues) {
  // A 1x1 input spreads the weight; stride 2 puts a zero between two inputs.
  const Tensor w = iota(4, {1, 1, 2, 2});
  EXPECT_EQ(fv(conv_transpose2d(Tensor::full({1, 1, 1, 1}, 2.0), w)), (std::vector<float>{0, 2, 4, 6}));
  EXPECT_EQ(fv(conv_transpose2d(Tensor::ones({1, 1, 1, 2}), Tensor::ones({1, 1, 1, 1}), std::nullopt, 2)),
            (std::vector<float>{1, 0, 1}));
}

TEST_F(Conv, PoolValues) {
  const Tensor x = iota(16, {1, 1, 4, 4});
  EXPECT_EQ(fv(max_pool2d(x, 2)), (std::vector<float>{5, 7, 13, 15}));
  EXPECT_EQ(fv(avg_pool2d(x, 2)), (std::vector<float>{2.5, 4.5, 10.5, 12.5}));
  // Padding 1 with count_include_pad: the corner window holds one element over four places.
  EXPECT_EQ(fv(avg_pool2d(x, 2, 2, 1)).front(), 0.0F);
  EXPECT_EQ(fv(avg_pool2d(x + 4, 2, 2, 1, false, true)).front(), 1.0F);
  EXPECT_EQ(fv(avg_pool2d(x + 4, 2, 2, 1, false, false)).front(), 4.0F);
  auto [m, idx] = max_pool2d_with_indices(x.flip({3}), 2);
  EXPECT_EQ(fv(m), (std::vector<float>{7, 5, 15, 13}));
  EXPECT_EQ(idx.to_vector<int64_t>(), (std::vector<int64_t>{4, 6, 12, 14}));
  // ceil_mode keeps the last partial window.
  EXPECT_EQ(max_pool2d(iota(25, {1, 1, 5, 5}), 2, 2, 0, 1, true).shape(), (Shape{1, 1, 3, 3}));
}

TEST_F(Conv, KernelCounts) {
  const Tensor x = iota(2 * 3 * 6 * 6, {2, 3, 6, 6}), w = iota(4 * 3 * 3 * 3, {4, 3, 3, 3});
  const Tensor b = iota(4, {4});
  EXPECT_EQ(schedule({conv2d(x, w).uop()}).size(), 1u);
  EXPECT_EQ(schedule({conv2d(x, w, b, 2, 1).relu().uop()}).size(), 1u);
  EXPECT_EQ(schedule({conv2d(x, iota(4 * 1 * 3 * 3 * 3, {12, 1, 3, 3}), std::nullopt, 1, 1, 2, 3).uop()}).size(), 1u);
  // The window's max, its first argmax, and the value picked there (the gradient goes to that one
  // element, as PyTorch's).
  EXPECT_EQ(schedule({max_pool2d(x, 3, 2, 1).uop()}).size(), 3u);
}

TEST_F(Conv, Errors) {
  const Tensor x = Tensor::zeros({1, 4, 5, 5}), w = Tensor::zeros({6, 2, 3, 3});
  expect_error([&] { conv2d(Tensor::zeros({4, 5}), w); }, "conv2d", {"3-d", "[4, 5]"});
  expect_error([&] { conv2d(x, Tensor::zeros({6, 2, 3})); }, "conv2d", {"4-d weight", "[6, 2, 3]"});
  expect_error([&] { conv2d(x, w); }, "conv2d", {"[1, 4, 5, 5]", "[6, 2, 3, 3]", "expects 2"});
  expect_error(
      [&] {
        conv2d(x, Tensor::zeros({5, 2, 3, 3}), std::nullopt, 1, 0, 1, 2);
      },
      "conv2d", {"groups (2) must divide"});
  expect_error([&] { conv2d(x, Tensor::zeros({6, 4, 7, 3})); }, "conv2d", {"larger than the padded input"});
  expect_error([&] { conv2d(x, Tensor::zeros({6, 4, 3, 3}), std::nullopt, 1, -1); }, "conv2d", {"padding"});
  expect_error([&] { conv2d(x, Tensor::zeros({6, 4, 3, 3}), std::nullopt, 0); }, "conv2d", {"stride"});
  expect_error([&] { conv2d(x, Tensor::zeros({6, 4, 3, 3}), Tensor::zeros({5})); }, "conv2d", {"bias", "[5]"});
  expect_error([&] { conv2d(x, Tensor::zeros({6, 4, 3, 3}, dtypes::float64)); }, "conv2d", {"float64"});
  expect_error([&] { conv2d(x.to(dtypes::int32), Tensor::zeros({6, 4, 3, 3}, dtypes::int32)); }, "conv2d", {"int32"});
  expect_error(
      [&] {
        conv2d(x, Tensor::zeros({6, 4, 3, 3}), std::nullopt, 2, ConvPadding::Same);
      },
      "conv2d", {"stride 1"});
  expect_error([&] { conv_transpose2d(x, w); }, "conv_transpose2d", {"channels"});
  expect_error(
      [&] {
        conv_transpose2d(x, Tensor::zeros({4, 2, 3, 3}), std::nullopt, 1, 0, 1);
      },
      "conv_transpose2d", {"output_padding"});
  expect_error([&] { max_pool2d(x, 2, 1, 2); }, "max_pool2d", {"half the kernel"});
  expect_error([&] { max_pool2d(x, 6); }, "max_pool2d", {"too small", "[1, 4, 5, 5]"});
  expect_error([&] { max_pool2d(x, 0); }, "max_pool2d", {"kernel_size"});
  expect_error([&] { avg_pool2d(Tensor::zeros({5}), 2); }, "avg_pool2d", {"[5]"});
  expect_error([&] { avg_pool2d(x, 2, 2, 0, false, true, 0); }, "avg_pool2d", {"divisor"});
}

}  // namespace
}  // namespace anvil
