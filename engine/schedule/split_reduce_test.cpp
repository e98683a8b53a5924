// Two-stage reductions (split_reduce.h): which reduces split, into how many partials, and that the
// split graph computes the same values on every backend.
#include "engine/schedule/split_reduce.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/runtime/realize.h"
#include "engine/schedule/schedule.h"
#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

TEST(SplitReduce, FactorNeedsFewOutputsAndManyInputs) {
  EXPECT_EQ(reduce_split_factor(1, int64_t{1} << 26), 1024);
  EXPECT_EQ(reduce_split_factor(1, int64_t{1} << 16), 16);  // 16 partials of 4096
  EXPECT_EQ(reduce_split_factor(4, 3 * (int64_t{1} << 16)), 32);
  EXPECT_EQ(reduce_split_factor(1, (int64_t{1} << 16) - 1), 1);  // too few to pay for threads
  EXPECT_EQ(reduce_split_factor(17, int64_t{1} << 20), 1);       // output loops to thread already
  EXPECT_EQ(reduce_split_factor(1, 65537 * 3), 1);               // no power-of-two block divides it
}

// Values whose float sum is exact (multiples of 1/8 well inside float32's mantissa), so the split
// and unsplit orders must agree bit for bit with the host's sum.
std::vector<float> eighths(int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(static_cast<int64_t>((i * 7919) % 97) - 48) / 8.0f;
  return v;
}

TEST(SplitReduce, FullReduceIsTwoKernelsAndExactOnEveryBackend) {
  const int64_t n = int64_t{1} << 17;
  const std::vector<float> v = eighths(n);
  double want_sum = 0;
  float want_max = -INFINITY;
  for (float x : v) want_sum += x, want_max = std::max(want_max, x);
  const Tensor x = Tensor::from(v, Shape{n / 64, 64});
  EXPECT_EQ(schedule({x.sum().uop()}).size(), 2u) << "partials, then their sum";
  EXPECT_EQ(schedule({x.sum(1).uop()}).size(), 1u) << "2048 outputs: not split";
  for (const std::string& backend : install_backends()) {
    SCOPED_TRACE(backend);
    const Tensor on = x.to(backend);
    EXPECT_EQ(on.sum().to_vector<float>()[0], static_cast<float>(want_sum));
    EXPECT_EQ(on.max().to_vector<float>()[0], want_max);
    EXPECT_EQ(on.to(dtypes::int32).sum().to_vector<int64_t>()[0], [&] {
      int64_t s = 0;
      for (float f : v) s += static_cast<int64_t>(f);
      return s;
    }());
  }
}

// A reduce over axis 0 keeping 3 outputs: the kept axis moves in front of the split one.
TEST(SplitReduce, KeptAxesStayApartOnEveryBackend) {
  const int64_t rows = int64_t{1} << 16, cols = 3;
  const std::vector<float> v = eighths(rows * cols);
  std::vector<double> want(cols, 0);
  for (int64_t i = 0; i < rows * cols; ++i) want[static_cast<size_t>(i % cols)] += v[static_cast<size_t>(i)];
  const Tensor x = Tensor::from(v, Shape{rows, cols});
  EXPECT_EQ(schedule({x.sum(0).uop()}).size(), 2u);
  for (const std::string& backend : install_backends()) {
    SCOPED_TRACE(backend);
    const std::vector<float> got = x.to(backend).sum(0, true).to_vector<float>();
    ASSERT_EQ(got.size(), 3u);
    for (size_t c = 0; c < 3; ++c) EXPECT_EQ(got[c], static_cast<float>(want[c])) << "column " << c;
  }
}

}  // namespace
}  // namespace anvil
