// Values of the elementwise ops through ref, against hand-computed PyTorch results.
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
const double kInf = std::numeric_limits<double>::infinity();

Tensor f32(std::vector<float> v) { return Tensor::from(v); }
Tensor i32(std::vector<int32_t> v) { return Tensor::from(v); }

TEST(RefValues, IntegerDivisionAsPyTorch) {
  const Tensor a = i32({-7, 7, -7, 7, 5, -5}), b = i32({3, 3, -3, -3, 0, 0});
  EXPECT_EQ(ints(a.remainder(b)), (I{2, 1, -1, -2, 0, 0}));  // sign of the divisor; x % 0 = 0
  EXPECT_EQ(ints(a.floor_divide(b)), (I{-3, 2, 2, -3, 0, 0}));
  EXPECT_EQ(ints(i32({-7}).floor_divide(2)), (I{-4}));
  expect_near(floats(i32({7, -7, 1}) / i32({2, 2, 0})), V{3.5, -3.5, kInf});  // int / int is float32
  EXPECT_EQ(ints(i32({-7, 7}).remainder(3)), (I{2, 1}));
}

TEST(RefValues, FloatDivisionAndRemainder) {
  const Tensor a = f32({5.5, -5.5, 5.5, 1}), b = f32({2, 2, -2, 0});
  expect_near(floats(a.floor_divide(b)), V{2, -3, -3, kInf});
  expect_near(floats(a.remainder(b)), V{1.5, 0.5, -0.5, kNaN});
  expect_near(floats(a / b), V{2.75, -2.75, -2.75, kInf});
  const Tensor h = Tensor::from(std::vector<float>{7, -7}).to(dtypes::float16);
  expect_near(floats(h.remainder(3)), V{1, 2});
  expect_near(floats(h.floor_divide(2)), V{3, -4});
}

TEST(RefValues, Arithmetic) {
  EXPECT_EQ(ints(i32({1, 2}) + i32({10, 20})), (I{11, 22}));
  expect_near(floats(i32({1, 2}) + 2.5), V{3.5, 4.5});
  EXPECT_EQ(ints(Tensor::from(std::vector<bool>{true, false}) + 1), (I{2, 1}));
  EXPECT_EQ(ints(Tensor::from(std::vector<bool>{true, false}) + Tensor::from(std::vector<bool>{true, true})),
            (I{1, 1}));
  EXPECT_EQ(ints(10 - i32({1, 2})), (I{9, 8}));
  expect_near(floats(1 / f32({2, 4})), V{0.5, 0.25});
  EXPECT_EQ(ints(Tensor::from(std::vector<int8_t>{127}) + 1), (I{-128}));  // wraps as PyTorch
  EXPECT_EQ(ints(-i32({3, -4})), (I{-3, 4}));
  // Broadcast: [2,1] + [3] -> [2,3].
  EXPECT_EQ(ints(Tensor::from(std::vector<int32_t>{0, 10}, Shape{2, 1}) + i32({1, 2, 3})), (I{1, 2, 3, 11, 12, 13}));
}

TEST(RefValues, MaximumMinimumClampPropagateNaN) {
  expect_near(floats(f32({1, NAN, 3}).maximum(f32({2, 0, NAN}))), V{2, kNaN, kNaN});
  expect_near(floats(f32({1, NAN, 3}).minimum(2)), V{1, kNaN, 2});
  expect_near(floats(f32({-1, 0.5, 7, NAN}).clamp(0, 2)), V{0, 0.5, 2, kNaN});
  EXPECT_EQ(ints(i32({-5, 5}).clamp(std::nullopt, 1)), (I{-5, 1}));
  expect_near(floats(f32({-1, 2, NAN}).relu()), V{0, 2, kNaN});
}

TEST(RefValues, UnaryMath) {
  expect_near(floats(f32({0, 1, -1}).exp()), V{1, 2.718281828, 0.367879441}, 1e-6);
  expect_near(floats(f32({1, 8, 0, -1}).log2()), V{0, 3, -kInf, kNaN});
  expect_near(floats(f32({1, 2.718281828f}).log()), V{0, 1}, 1e-6);
  expect_near(floats(i32({4, 9}).sqrt()), V{2, 3});
  expect_near(floats(f32({4, 0.25}).rsqrt()), V{0.5, 2});
  expect_near(floats(f32({4, 0}).reciprocal()), V{0.25, kInf});
  expect_near(floats(f32({0, 1.5707963f}).sin()), V{0, 1});
  expect_near(floats(f32({0, 3.14159265f}).cos()), V{1, -1});
  expect_near(floats(f32({0, 100, -100}).sigmoid()), V{0.5, 1, 0});
  expect_near(floats(f32({0, 1, -20}).tanh()), V{0, 0.761594156, -1});
  expect_near(floats(f32({3}).exp2()), V{8});
  expect_near(floats(Tensor::from(std::vector<float>{1, 2}).to(dtypes::float16).exp()), V{2.71875, 7.390625}, 1e-3);
}

TEST(RefValues, RoundingAndSign) {
  const Tensor x = f32({-1.5, -0.5, 0.5, 1.5, 2, NAN});
  expect_near(floats(x.floor()), V{-2, -1, 0, 1, 2, kNaN});
  expect_near(floats(x.ceil()), V{-1, -0.0, 1, 2, 2, kNaN});
  expect_near(floats(x.trunc()), V{-1, -0.0, 0, 1, 2, kNaN});
  expect_near(floats(f32({-3, 0, 2, NAN}).sign()), V{-1, 0, 1, 0});  // PyTorch's sign(NaN) is 0
  EXPECT_EQ(ints(i32({-3, 0, 2}).sign()), (I{-1, 0, 1}));
  expect_near(floats(f32({-3, -0.0, 2}).abs()), V{3, 0, 2});
  EXPECT_FALSE(std::signbit(floats(f32({-0.0}).abs())[0]));
  EXPECT_EQ(ints(i32({-3, 4}).abs()), (I{3, 4}));
  EXPECT_EQ(ints(i32({-3, 4}).floor()), (I{-3, 4}));
}

TEST(RefValues, ComparisonsAndLogic) {
  const Tensor a = f32({1, 2, NAN}), b = f32({2, 2, 2});
  EXPECT_EQ(ints(a.lt(b)), (I{1, 0, 0}));
  EXPECT_EQ(ints(a.le(b)), (I{1, 1, 0}));
  EXPECT_EQ(ints(a.gt(b)), (I{0, 0, 0}));
  EXPECT_EQ(ints(a.ge(b)), (I{0, 1, 0}));
  EXPECT_EQ(ints(a.eq(b)), (I{0, 1, 0}));
  EXPECT_EQ(ints(a.ne(b)), (I{1, 0, 1}));
  EXPECT_EQ(ints(i32({1, 2, 3}).gt(1.5)), (I{0, 1, 1}));
  EXPECT_EQ(ints(i32({0, 2, 0}).logical_and(f32({1, 1, 0}))), (I{0, 1, 0}));
  EXPECT_EQ(ints(i32({0, 2, 0}).logical_or(0)), (I{0, 1, 0}));
  EXPECT_EQ(ints(i32({0, 2}).logical_xor(true)), (I{1, 0}));
  EXPECT_EQ(ints(f32({0, NAN}).logical_not()), (I{1, 0}));
  EXPECT_EQ(ints(i32({12, 5}).bitwise_and(i32({10, 3}))), (I{8, 1}));
  EXPECT_EQ(ints(i32({12, 5}).bitwise_or(3)), (I{15, 7}));
  EXPECT_EQ(ints(i32({12, 5}).bitwise_xor(i32({10, 3}))), (I{6, 6}));
  EXPECT_EQ(ints(i32({0, -1}).bitwise_not()), (I{-1, 0}));
  EXPECT_EQ(ints(Tensor::from(std::vector<bool>{true, false}).where(i32({1, 2}), i32({3, 4}))), (I{1, 4}));
  expect_near(floats(Tensor::from(std::vector<bool>{true, false}).where(2.5, i32({3, 4}))), V{2.5, 4});
}

TEST(RefValues, Casts) {
  EXPECT_EQ(ints(f32({-1.7, 2.9, NAN, 1e10}).to(dtypes::int32)), (I{-1, 2, 0, 2147483647}));
  EXPECT_EQ(ints(i32({300, -1}).to(dtypes::uint8)), (I{44, 255}));
  expect_near(floats(f32({0.1f}).to(dtypes::float16)), V{0.0999755859375});
  EXPECT_EQ(ints(f32({0, NAN, -2}).to(dtypes::bool_)), (I{0, 1, 1}));
}

}  // namespace
}  // namespace anvil::ref
