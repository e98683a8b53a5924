#pragma once
// Helpers for value tests: evaluate a tensor's graph with ref and read the elements back.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/tensor/tensor.h"
#include "verify/ref/ref.h"

namespace anvil::ref::testing {

inline std::vector<double> floats(const Tensor& t) {
  const Array a = evaluate(t.uop());
  EXPECT_EQ(a.shape, t.shape());
  EXPECT_EQ(a.dtype, t.dtype());
  return a.floats();
}

inline std::vector<int64_t> ints(const Tensor& t) {
  const Array a = evaluate(t.uop());
  EXPECT_EQ(a.shape, t.shape());
  EXPECT_EQ(a.dtype, t.dtype());
  return a.ints();
}

// Elementwise closeness; NaN matches NaN.
inline void expect_near(const std::vector<double>& got, const std::vector<double>& want, double tol = 1e-6) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "element " << i << ": " << got[i];
    } else if (std::isinf(want[i])) {
      EXPECT_EQ(got[i], want[i]) << "element " << i;
    } else {
      EXPECT_NEAR(got[i], want[i], tol * std::max(1.0, std::abs(want[i]))) << "element " << i;
    }
  }
}

}  // namespace anvil::ref::testing
