// Printing follows PyTorch's repr (torch 1.13, default print options).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

std::string show(Tensor t) { return t.to_string(); }

TEST(Print, FloatsInIntegerMode) {
  EXPECT_EQ(show(Tensor::from<float>({1, 2, 3, 4}, Shape{2, 2})), "tensor([[1., 2.],\n        [3., 4.]])");
  EXPECT_EQ(show(Tensor::from<float>({-1, 20, 0})), "tensor([-1., 20.,  0.])");
  EXPECT_EQ(show(Tensor::from<float>({NAN, INFINITY, 1})), "tensor([nan, inf, 1.])");
  EXPECT_EQ(show(Tensor::from<float>({0, -0.0f})), "tensor([0., -0.])");
}

TEST(Print, FloatsWithDecimalsAndScientific) {
  EXPECT_EQ(show(Tensor::from<float>({1.5, 2.25})), "tensor([1.5000, 2.2500])");
  EXPECT_EQ(show(Tensor::from<float>({-0.5, 10.125, -INFINITY})), "tensor([-0.5000, 10.1250,    -inf])");
  EXPECT_EQ(show(Tensor::from<float>({1e-5f, 1})), "tensor([1.0000e-05, 1.0000e+00])");
  EXPECT_EQ(show(Tensor::from<float>({1, 1e9f})), "tensor([1.0000e+00, 1.0000e+09])");
  EXPECT_EQ(show(Tensor::from<double>({0.5, 1.0 / 3})), "tensor([0.5000, 0.3333], dtype=torch.float64)");
  EXPECT_EQ(show(Tensor::scalar(3.5)), "tensor(3.5000)");
  EXPECT_EQ(show(Tensor::full({2}, 1.5, dtypes::float16)), "tensor([1.5000, 1.5000], dtype=torch.float16)");
}

TEST(Print, IntsAndBools) {
  EXPECT_EQ(show(Tensor::from<int64_t>({1, -20, 3})), "tensor([  1, -20,   3])");
  EXPECT_EQ(show(Tensor::from<int32_t>({1, 2}, Shape{2, 1})), "tensor([[1],\n        [2]], dtype=torch.int32)");
  EXPECT_EQ(show(Tensor::from<bool>({true, false})), "tensor([ True, False])");
  EXPECT_EQ(show(Tensor::scalar(7)), "tensor(7)");
  EXPECT_EQ(show(Tensor::from<uint64_t>({UINT64_MAX})), "tensor([18446744073709551615], dtype=torch.uint64)");
}

TEST(Print, Empty) {
  EXPECT_EQ(show(Tensor::zeros({0})), "tensor([])");
  EXPECT_EQ(show(Tensor::zeros({2, 0})), "tensor([], size=(2, 0))");
  EXPECT_EQ(show(Tensor::zeros({0}, dtypes::int64)), "tensor([], dtype=torch.int64)");
}

TEST(Print, ThreeDimensionsSeparateBlocksWithABlankLine) {
  std::vector<int64_t> v(8);
  for (int i = 0; i < 8; ++i) v[i] = i;
  EXPECT_EQ(show(Tensor::from(v, Shape{2, 2, 2})),
            "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])");
}

TEST(Print, LongRowsWrapAndLargeTensorsSummarize) {
  std::vector<float> v(2000);
  for (int i = 0; i < 2000; ++i) v[i] = static_cast<float>(i);
  EXPECT_EQ(show(Tensor::from(v)),
            "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])");
  std::vector<int64_t> w(30);
  for (int i = 0; i < 30; ++i) w[i] = 100 + i;
  EXPECT_EQ(show(Tensor::from(w)),
            "tensor([100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113,\n"
            "        114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127,\n"
            "        128, 129])");
  std::vector<int64_t> big(40 * 40);
  for (int i = 0; i < 1600; ++i) big[i] = i % 7;
  EXPECT_EQ(show(Tensor::from(big, Shape{40, 40})),
            "tensor([[0, 1, 2,  ..., 2, 3, 4],\n        [5, 6, 0,  ..., 0, 1, 2],\n"
            "        [3, 4, 5,  ..., 5, 6, 0],\n        ...,\n        [3, 4, 5,  ..., 5, 6, 0],\n"
            "        [1, 2, 3,  ..., 3, 4, 5],\n        [6, 0, 1,  ..., 1, 2, 3]])");
}

TEST(Print, StreamOperatorAndStrStayApart) {
  std::ostringstream os;
  os << Tensor::from<float>({1, 2});
  EXPECT_EQ(os.str(), "tensor([1., 2.])");
  EXPECT_EQ(Tensor::from<float>({1, 2}).str(), "Tensor(float32, [2])");
}

}  // namespace
}  // namespace anvil
