#pragma once
// A table row of expected values for a tensor op, and its comparison: the composite ops' tables
// (elementwise_cases_test_util.h, reduction_cases_test_util.h) run on the engine
// (engine/tensor/value_cases_test.cpp) and on ref (verify/ref/value_cases_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor/tensor.h"

namespace anvil::testing {

struct ValueCase {
  ValueCase(std::string name, std::function<Tensor()> make, DType dtype, Shape shape, std::vector<double> want,
            std::vector<int64_t> want_ints = {}, double tol = 0, bool relative = false)
      : name(std::move(name)),
        make(std::move(make)),
        dtype(dtype),
        shape(std::move(shape)),
        want(std::move(want)),
        want_ints(std::move(want_ints)),
        tol(tol),
        relative(relative) {}

  std::string name;
  std::function<Tensor()> make;
  DType dtype;
  Shape shape;
  std::vector<double> want;  // float results; integer and bool results use want_ints
  std::vector<int64_t> want_ints;
  double tol;     // |got - want| <= tol * max(1, |want|); 0: the same bits (the sign of zero too)
  bool relative;  // |got - want| <= tol * |want| instead: for tails, where values are tiny
};

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

inline Tensor f32(const std::vector<float>& v, std::optional<Shape> s = std::nullopt) { return Tensor::from(v, s); }

inline void PrintTo(const ValueCase& c, std::ostream* os) { *os << c.name; }

// Compares a result's elements (as float64, or as int64 for integer and bool dtypes) with the case.
inline void expect_case_values(const ValueCase& c, const std::vector<double>& got_f,
                               const std::vector<int64_t>& got_i) {
  if (!c.want_ints.empty() || (c.want.empty() && !is_float(c.dtype))) {
    EXPECT_EQ(got_i, c.want_ints);
    return;
  }
  ASSERT_EQ(got_f.size(), c.want.size());
  for (size_t i = 0; i < got_f.size(); ++i) {
    const double g = got_f[i], w = c.want[i];
    if (std::isnan(w)) {
      EXPECT_TRUE(std::isnan(g)) << "element " << i << ": got " << g;
    } else if (c.relative) {
      EXPECT_NEAR(g, w, c.tol * std::abs(w)) << "element " << i;
    } else if (c.tol == 0 || std::isinf(w)) {
      EXPECT_TRUE(g == w && std::signbit(g) == std::signbit(w)) << "element " << i << ": got " << g << ", want " << w;
    } else {
      EXPECT_NEAR(g, w, c.tol * std::max(1.0, std::abs(w))) << "element " << i;
    }
  }
}

}  // namespace anvil::testing
