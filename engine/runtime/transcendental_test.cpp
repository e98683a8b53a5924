// The compiled backends' float32 EXP2, LOG2 and SIN (polynomials: c_prelude.cpp, llvm/helpers.cpp)
// against double-precision libm rounded to float, which is interp's value, on every 4096th float32
// bit pattern and on edge values, under fuzz/lib/tolerance.h's rule for one float32 op. A throwaway
// run over all 2^32 inputs measured at most exp2 0.50, log2 2.99, sin 0.53 ulp.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/runtime/backend.h"
#include "engine/runtime/realize.h"
#include "engine/tensor/tensor.h"
#include "fuzz/lib/tolerance.h"

namespace anvil {
namespace {

std::vector<std::string> compiled_backends() {
  std::vector<std::string> out;
  for (const Backend* b : all_backends())
    if (b->name != "interp" && b->unavailable().empty()) out.emplace_back(b->name);
  return out;
}

std::vector<float> inputs() {
  std::vector<float> v;
  for (uint64_t bits = 0; bits < (uint64_t{1} << 32); bits += 4096)
    v.push_back(std::bit_cast<float>(static_cast<uint32_t>(bits + (bits >> 12) % 4093)));  // vary the low bits
  const float inf = std::numeric_limits<float>::infinity(), big = std::numeric_limits<float>::max();
  for (float x : {0.0f,
                  -0.0f,
                  inf,
                  -inf,
                  std::numeric_limits<float>::quiet_NaN(),
                  big,
                  -big,
                  0x1p-126f,
                  -0x1p-126f,
                  0x1p-149f,
                  -0x1p-149f,
                  1.0f,
                  -1.0f,
                  0.5f,
                  0x1.fffffep6f,
                  128.0f,
                  127.5f,
                  -126.0f,
                  -149.0f,
                  -149.5f,
                  -150.0f,
                  -151.0f,
                  -1e5f,
                  1e30f,
                  -1e30f,
                  3.14159265f,
                  1e5f,
                  0x1p24f,
                  0x1.000002p24f,
                  0x1.921fb6p0f,
                  0x1.e41454p+107f,
                  0x1.01630ep+0f,
                  0x1.fffffep-1f,
                  0x1.000002p0f,
                  0x1.6a09e6p-1f,
                  0x1.6a09e6p0f})
    v.push_back(x);
  return v;
}

struct Case {
  const char* name;
  Tensor (Tensor::*op)() const;
  double (*ref)(double);
};
const Case kCases[] = {{"exp2", &Tensor::exp2, [](double x) { return std::exp2(x); }},
                       {"log2", &Tensor::log2, [](double x) { return std::log2(x); }},
                       {"sin", &Tensor::sin, [](double x) { return std::sin(x); }}};

class Transcendental : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { install_backends(); }
};

TEST_P(Transcendental, Float32WithinToleranceOfLibm) {
  const std::vector<float> x = inputs();
  const fuzz::Tolerance tol{Scalar::Float32, 1, 0};
  for (const Case& c : kCases) {
    const std::vector<float> got = (Tensor::from(x).to(GetParam()).*c.op)().to_vector<float>();
    ASSERT_EQ(got.size(), x.size());
    int bad = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const auto want = static_cast<float>(c.ref(x[i]));
      if (tol.close(got[i], want)) continue;
      if (++bad <= 4)
        ADD_FAILURE() << c.name << "(" << std::hexfloat << x[i] << ") on " << GetParam() << ": got " << got[i]
                      << ", libm " << want << std::defaultfloat;
    }
    EXPECT_EQ(bad, 0) << c.name << " on " << GetParam() << ": elements outside the tolerance";
  }
}

INSTANTIATE_TEST_SUITE_P(Compiled, Transcendental, ::testing::ValuesIn(compiled_backends()),
                         [](const auto& info) { return info.param; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Transcendental);

}  // namespace
}  // namespace anvil
