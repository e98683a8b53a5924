// Values of reductions, movement ops, joins and matmul through ref.
#include <gtest/gtest.h>

#include <limits>

#include "verify/ref/ref_test_util.h"

namespace anvil::ref {
namespace {

using testing::expect_near;
using testing::floats;
using testing::ints;
using V = std::vector<double>;
using I = std::vector<int64_t>;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

Tensor iota(Shape s) { return Tensor::arange(shape_numel(s)).to(dtypes::int32).reshape(s); }

TEST(RefValues, Reductions) {
  const Tensor a = iota({2, 3});  // 0 1 2 / 3 4 5
  EXPECT_EQ(ints(a.sum()), (I{15}));
  EXPECT_EQ(ints(a.sum(0)), (I{3, 5, 7}));
  EXPECT_EQ(ints(a.sum(-1, true)), (I{3, 12}));
  EXPECT_EQ(ints((a + 1).prod(1)), (I{6, 120}));
  EXPECT_EQ(ints(a.max(0)), (I{3, 4, 5}));
  EXPECT_EQ(ints(a.min({0, 1})), (I{0}));
  expect_near(floats(a.to(dtypes::float32).mean(1)), V{1, 4});
  expect_near(floats(Tensor::zeros({0, 2}).sum(0)), V{0, 0});
  expect_near(floats(Tensor::zeros({0, 2}).prod(0)), V{1, 1});
  expect_near(floats(Tensor::zeros({0}).mean()), V{kNaN});
}

TEST(RefValues, SumOfUint8AccumulatesInInt64) {
  const Tensor a = Tensor::from(std::vector<uint8_t>{200, 200, 200});
  EXPECT_EQ(ints(a.sum()), (I{600}));
  EXPECT_EQ(ints(a.sum({}, false, dtypes::uint8)), (I{88}));  // an explicit dtype wraps, as PyTorch
  EXPECT_EQ(ints(Tensor::from(std::vector<bool>{true, true, false}).sum()), (I{2}));
}

TEST(RefValues, MaxOfNaNIsNaN) {
  const Tensor a = Tensor::from(std::vector<float>{1, NAN, 3, 4}, Shape{2, 2});
  expect_near(floats(a.max()), V{kNaN});
  expect_near(floats(a.max(1)), V{kNaN, 4});
  expect_near(floats(a.min(0)), V{1, kNaN});
}

TEST(RefValues, HalfSumAccumulatesInFloat32) {
  // 4096 ones in float16: a float16 accumulator would stop at 2048.
  const Tensor a = Tensor::ones({4096}, dtypes::float16);
  expect_near(floats(a.sum()), V{4096});
  expect_near(floats(a.mean()), V{1});
}

TEST(RefValues, Movement) {
  const Tensor a = iota({2, 3});
  EXPECT_EQ(ints(a.permute({1, 0})), (I{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(ints(a.transpose(0, 1).reshape({-1})), (I{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(ints(a.flip({1})), (I{2, 1, 0, 5, 4, 3}));
  EXPECT_EQ(ints(a.flip({0, -1})), (I{5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(ints(a.shrink({{1, 2}, {0, 2}})), (I{3, 4}));
  EXPECT_EQ(ints(a.slice(1, -2, std::nullopt)), (I{1, 2, 4, 5}));
  EXPECT_EQ(ints(iota({2, 1}).expand({2, 3})), (I{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(ints(iota({3}).expand({2, -1})), (I{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(ints(iota({2, 2}).pad({{1, 0}, {0, 1}})), (I{0, 0, 0, 0, 1, 0, 2, 3, 0}));
  EXPECT_EQ(ints(iota({2, 2}).pad({{0, 0}, {1, 1}}, 9)), (I{9, 0, 1, 9, 9, 2, 3, 9}));
  EXPECT_EQ(ints(iota({2, 3}).pad({{0, 0}, {-1, 1}}, 7)), (I{1, 2, 7, 4, 5, 7}));
  expect_near(floats(Tensor::from(std::vector<float>{1, 2}).pad({{1, 1}}, -0.5)), V{-0.5, 1, 2, -0.5});
  EXPECT_EQ(ints(iota({1, 3, 1}).squeeze()), (I{0, 1, 2}));
  // A chain: permute, flip and pad, then a reduction over the padded axis.
  EXPECT_EQ(ints(a.permute({1, 0}).flip({0}).pad({{0, 1}, {1, 0}}).sum(1)), (I{7, 5, 3, 0}));
}

TEST(RefValues, CatAndStack) {
  const Tensor a = iota({2, 2}), b = iota({2, 1}) + 10;
  EXPECT_EQ(ints(Tensor::cat({a, b}, 1)), (I{0, 1, 10, 2, 3, 11}));
  EXPECT_EQ(ints(Tensor::cat({a, a}, 0)), (I{0, 1, 2, 3, 0, 1, 2, 3}));
  EXPECT_EQ(ints(Tensor::stack({a, a + 4}, 1)), (I{0, 1, 4, 5, 2, 3, 6, 7}));
  EXPECT_EQ(ints(Tensor::stack({iota({2}), iota({2})}, -1)), (I{0, 0, 1, 1}));
  // Exact: -0.0 survives (pieces are selected, never added).
  const Tensor z = Tensor::from(std::vector<float>{-0.0f});
  const std::vector<double> cat = floats(Tensor::cat({z, z, Tensor::zeros({0})}));
  ASSERT_EQ(cat.size(), 2u);
  EXPECT_TRUE(std::signbit(cat[0]) && std::signbit(cat[1]));
  expect_near(floats(Tensor::cat({iota({1}), Tensor::from(std::vector<float>{2.5})})), V{0, 2.5});
}

TEST(RefValues, Matmul) {
  const Tensor a = iota({2, 3}).to(dtypes::float32), b = iota({3, 2}).to(dtypes::float32);
  expect_near(floats(a.matmul(b)), V{10, 13, 28, 40});
  EXPECT_EQ(ints(iota({2, 3}).matmul(iota({3, 2}))), (I{10, 13, 28, 40}));
  expect_near(floats(iota({3}).to(dtypes::float32).matmul(iota({3}).to(dtypes::float32))), V{5});
  expect_near(floats(a.matmul(Tensor::ones({3}))), V{3, 12});
  expect_near(floats(Tensor::ones({3}).matmul(b)), V{6, 9});
  // Batched with broadcast: [2,1,2,2] @ [3,2,2] -> [2,3,2,2]; batch 0 of a is eye, batch 1 is 2*eye.
  const Tensor eye = Tensor::eye(2);
  const Tensor lhs = Tensor::stack({eye, eye * 2}).reshape({2, 1, 2, 2});
  const Tensor rhs = iota({3, 2, 2}).to(dtypes::float32);
  std::vector<double> want;
  for (int k = 1; k <= 2; ++k)
    for (int i = 0; i < 12; ++i) want.push_back(k * i);
  expect_near(floats(lhs.matmul(rhs)), want);
}

}  // namespace
}  // namespace anvil::ref
