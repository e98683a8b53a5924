// The composite ops' expected values (value_cases_test_util.h) on the engine: schedule, lower and
// run on the interpreter. verify/ref/value_cases_test.cpp runs the same table on ref.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/runtime/realize.h"
#include "engine/tensor/value_cases_test_util.h"

namespace anvil {
namespace {

using testing::ValueCase;

class EngineValues : public ::testing::TestWithParam<ValueCase> {};

TEST_P(EngineValues, MatchPyTorch) {
  install_interp_realizer();
  const ValueCase& c = GetParam();
  Tensor t = c.make();
  ASSERT_EQ(t.dtype(), c.dtype);
  ASSERT_EQ(t.shape(), c.shape);
  if (t.numel() == 0) GTEST_SKIP() << "realizing a tensor with no elements aborts in realize (no storage registered)";
  const Buffer b = t.to_buffer();
  EXPECT_EQ(b.poison_count(), 0u);
  if (is_float(c.dtype))
    testing::expect_case_values(c, b.floats(), {});
  else
    testing::expect_case_values(c, {}, b.ints());
}

std::string case_name(const ::testing::TestParamInfo<ValueCase>& info) {
  std::string n = info.param.name;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Cases, EngineValues, ::testing::ValuesIn(testing::all_value_cases()), case_name);

Tensor of(DType d, Shape s = {2, 3}) { return Tensor::zeros(s, d); }

// Result dtypes as PyTorch's (checked with libtorch 1.13).
TEST(CompositeDtypes, AsPyTorch) {
  const Tensor i8 = of(dtypes::int8), i32 = of(dtypes::int32), h = of(dtypes::float16), u8 = of(dtypes::uint8);
  EXPECT_EQ(i32.pow(2.5).dtype(), dtypes::float32);
  EXPECT_EQ(pow(2.5, i32).dtype(), dtypes::float32);
  EXPECT_EQ(i8.pow(of(dtypes::int64)).dtype(), dtypes::int64);
  EXPECT_EQ(u8.pow(2).dtype(), dtypes::uint8);
  EXPECT_EQ(h.pow(2).dtype(), dtypes::float16);
  EXPECT_EQ(i8.bitwise_left_shift(2).dtype(), dtypes::int8);
  EXPECT_EQ(i8.bitwise_right_shift(of(dtypes::int64)).dtype(), dtypes::int64);
  EXPECT_EQ(i32.round().dtype(), dtypes::int32);
  EXPECT_EQ(i32.tan().dtype(), dtypes::float32);
  EXPECT_EQ(h.isnan().dtype(), dtypes::bool_);
  EXPECT_EQ(h.gelu().dtype(), dtypes::float16);
  EXPECT_EQ(of(dtypes::bfloat16).mish().dtype(), dtypes::bfloat16);
  EXPECT_EQ(h.lerp(h, 0.5).dtype(), dtypes::float16);
  EXPECT_EQ(h.var().dtype(), dtypes::float16);
  EXPECT_EQ(of(dtypes::float64).std(0).dtype(), dtypes::float64);
  EXPECT_EQ(h.argmax().dtype(), dtypes::int64);
  EXPECT_EQ(i32.any().dtype(), dtypes::bool_);
  EXPECT_EQ(h.all(1).dtype(), dtypes::bool_);
  EXPECT_EQ(i32.logsumexp(1).dtype(), dtypes::float32);
  EXPECT_EQ(h.softmax(1).dtype(), dtypes::float16);
  EXPECT_EQ(h.softmax(1, dtypes::float64).dtype(), dtypes::float64);
  EXPECT_EQ(i32.log_softmax(0, dtypes::float32).dtype(), dtypes::float32);
  EXPECT_EQ(of(dtypes::int8, {3}).dot(of(dtypes::int8, {3})).dtype(), dtypes::int8);  // wraps as PyTorch's
}

TEST(CompositeShapes, KeepdimAndAxes) {
  const Tensor x = of(dtypes::float32, {2, 3, 4});
  EXPECT_EQ(x.var({0, 2}).shape(), (Shape{3}));
  EXPECT_EQ(x.std({0, 2}, 1, true).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(x.argmax(-2).shape(), (Shape{2, 4}));
  EXPECT_EQ(x.argmin(1, true).shape(), (Shape{2, 1, 4}));
  EXPECT_EQ(x.argmax(std::nullopt, true).shape(), (Shape{1, 1, 1}));
  EXPECT_EQ(x.any().shape(), Shape{});
  EXPECT_EQ(x.all({0, -1}, true).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(x.logsumexp({1, 2}).shape(), (Shape{2}));
  EXPECT_EQ(x.softmax(1).shape(), x.shape());
  EXPECT_EQ(x.linear(of(dtypes::float32, {5, 4}), of(dtypes::float32, {5})).shape(), (Shape{2, 3, 5}));
  EXPECT_EQ(x.lerp(of(dtypes::float32, {4}), of(dtypes::float32, {3, 1})).shape(), x.shape());
}

// Dense grids against the C library in float64: the general pow path and the erf construction.
TEST(CompositeAccuracy, PowMatchesStdPowOnAGrid) {
  install_interp_realizer();
  std::vector<float> xs, ys;
  for (int i = -40; i <= 40; ++i)
    for (int j = -14; j <= 14; ++j) {
      xs.push_back(static_cast<float>(i) * 0.37f);
      ys.push_back(static_cast<float>(j) * 0.5f + (j % 3 == 0 ? 0.125f : 0.0f));
    }
  const std::vector<float> got = Tensor::from(xs).pow(Tensor::from(ys)).to_vector<float>();
  for (size_t k = 0; k < xs.size(); ++k) {
    const double want = std::pow(static_cast<double>(xs[k]), static_cast<double>(ys[k]));
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got[k])) << xs[k] << " ** " << ys[k];
    } else if (std::isinf(want) || want == 0) {
      EXPECT_EQ(got[k], want) << xs[k] << " ** " << ys[k];
    } else {
      EXPECT_NEAR(got[k], want, 2e-6 * std::abs(want)) << xs[k] << " ** " << ys[k];
    }
  }
}

TEST(CompositeAccuracy, GeluErfWithin2e7OfTheCLibrary) {
  install_interp_realizer();
  std::vector<float> xs;
  for (int i = -3000; i <= 3000; ++i) xs.push_back(static_cast<float>(i) * 4e-3f);
  const std::vector<float> got = Tensor::from(xs).gelu().to_vector<float>();
  double worst = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    const double x = xs[k], cdf = 0.5 * std::erfc(-x / std::sqrt(2.0));
    // got / x recovers the CDF's error (the 1e-7 bound is on erf), except near 0 where x * cdf is tiny.
    const double err = std::abs(x) > 1e-3 ? std::abs(got[k] / x - cdf) : std::abs(got[k] - x * cdf);
    worst = std::max(worst, err);
  }
  EXPECT_LT(worst, 2e-7) << "worst error of the normal CDF";
}

TEST(CompositeGraphs, BitcastIsOneNode) {
  const Tensor x = of(dtypes::float32);
  const UOp u = x.bitcast(dtypes::int32).uop();
  EXPECT_EQ(u.op(), Op::BITCAST);
  EXPECT_EQ(u.src(0), x.uop());
  EXPECT_EQ(x.bitcast(dtypes::float32).uop(), x.uop());  // same dtype: no node
  EXPECT_EQ(of(dtypes::bool_).bitcast(dtypes::uint8).dtype(), dtypes::uint8);
}

}  // namespace
}  // namespace anvil
