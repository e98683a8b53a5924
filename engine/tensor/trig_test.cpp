// cos and tan stay accurate for large arguments (cos x = 1 - 2 sin^2(x/2), computed in float64),
// judged against std::cos / std::tan of the same float input with the oracle's float32 tolerance.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "engine/runtime/realize.h"
#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

class Trig : public ::testing::Test {
 protected:
  void SetUp() override { install_interp_realizer(); }
  void TearDown() override { set_realizer(nullptr); }
};

// atol 1e-6, rtol 1e-3: the PyTorch oracle's float32 tolerance.
void expect_close(const std::vector<float>& got, const std::vector<double>& want, const std::vector<float>& x) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_LE(std::fabs(got[i] - want[i]), 1e-6 + 1e-3 * std::fabs(want[i])) << "x = " << x[i];
}

std::vector<float> large_grid() {
  std::vector<float> x;
  for (double m = 1; m < 3.5e38; m *= 3.7) {
    for (double f : {1.0, 1.13, 1.57, 2.9}) {
      if (m * f > std::numeric_limits<float>::max()) continue;
      x.push_back(static_cast<float>(m * f));
      x.push_back(static_cast<float>(-m * f));
    }
  }
  for (float v : {-32768.f, 32767.f, 2147483648.f, -9.223372e18f, 1e30f, 1.5707964f, 4.712389f, 0.f, -0.f})
    x.push_back(v);
  return x;
}

TEST_F(Trig, CosAndTanOfLargeFloat32Arguments) {
  const std::vector<float> x = large_grid();
  std::vector<double> want_cos, want_tan;
  for (float v : x) {
    want_cos.push_back(std::cos(static_cast<double>(v)));
    want_tan.push_back(std::tan(static_cast<double>(v)));
  }
  expect_close(Tensor::from(x).cos().to_vector<float>(), want_cos, x);
  const std::vector<float> tan = Tensor::from(x).tan().to_vector<float>();
  for (size_t i = 0; i < x.size(); ++i)  // tan near a pole: compare with the float result's own precision
    EXPECT_LE(std::fabs(tan[i] - want_tan[i]), 1e-6 + 1e-3 * std::fabs(want_tan[i])) << "x = " << x[i];
}

TEST_F(Trig, CosOfIntegerExtremesAndHalfTypes) {
  const std::vector<int16_t> i16{-32768, 32767, -1, 0};
  const std::vector<int64_t> i64{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 1 << 30};
  std::vector<float> x16(i16.begin(), i16.end()), x64(i64.begin(), i64.end());  // torch: int -> float32
  std::vector<double> w16, w64;
  for (float v : x16) w16.push_back(std::cos(static_cast<double>(v)));
  for (float v : x64) w64.push_back(std::cos(static_cast<double>(v)));
  expect_close(Tensor::from(i16).cos().to_vector<float>(), w16, x16);
  expect_close(Tensor::from(i64).cos().to_vector<float>(), w64, x64);
  // bfloat16 1e30 is exactly representable after rounding; its cos computes in float32 precision.
  const Tensor b = Tensor::from(std::vector<float>{1e30f, -3e20f}).to(dtypes::bfloat16);
  const std::vector<float> bx = b.to(dtypes::float32).to_vector<float>();
  const std::vector<float> got = Tensor(b).cos().to(dtypes::float32).to_vector<float>();
  for (size_t i = 0; i < bx.size(); ++i)  // bfloat16's own rounding: 2^-8 relative
    EXPECT_LE(std::fabs(got[i] - std::cos(static_cast<double>(bx[i]))), 1e-6 + 4e-3 * std::fabs(got[i])) << bx[i];
}

TEST_F(Trig, CosOfFloat64StaysAccurate) {
  const std::vector<double> x{1e300, -1e15, 123456789.123, 3.141592653589793, 1e-300};
  const std::vector<double> got = Tensor::from(x).cos().to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(got[i], std::cos(x[i]), 1e-12) << x[i];
}

}  // namespace
}  // namespace anvil
