// sort, argsort and topk: torch's order (NaN largest, ties stable), gradients through the placement,
// kernel counts, a row of a few thousand, and the defined values of losses that torch would refuse.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "engine/runtime/realize.h"
#include "engine/schedule/schedule.h"
#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

class Sorting : public ::testing::Test {
 protected:
  void SetUp() override { install_interp_realizer(); }
  void TearDown() override { set_realizer(nullptr); }  // other suites expect none at start
};

Tensor f32(std::vector<float> v, std::optional<Shape> s = std::nullopt) { return Tensor::from(v, s); }
std::vector<float> fv(Tensor t) { return t.to_vector<float>(); }
std::vector<int64_t> iv(Tensor t) { return t.to_vector<int64_t>(); }

TEST_F(Sorting, NanLargestTiesStable) {
  const float nan = NAN;
  const Tensor x = f32({3, nan, 1, 3, -INFINITY, nan, 1});
  auto [v, i] = x.sort();
  EXPECT_EQ(iv(i), (std::vector<int64_t>{4, 2, 6, 0, 3, 1, 5}));
  const std::vector<float> got = fv(v);
  EXPECT_EQ(std::vector<float>(got.begin(), got.begin() + 5), (std::vector<float>{-INFINITY, 1, 1, 3, 3}));
  EXPECT_TRUE(std::isnan(got[5]) && std::isnan(got[6]));
  // Descending: NaN first, ties still in index order.
  EXPECT_EQ(iv(x.argsort(0, true)), (std::vector<int64_t>{1, 5, 0, 3, 2, 6, 4}));
}

TEST_F(Sorting, AlongAnAxisAndTopk) {
  const Tensor x = f32({5, 1, 4, 2, 6, 0}, Shape{2, 3});
  EXPECT_EQ(fv(x.sort(0).first), (std::vector<float>{2, 1, 0, 5, 6, 4}));
  EXPECT_EQ(iv(x.sort(0).second), (std::vector<int64_t>{1, 0, 1, 0, 1, 0}));
  auto [tv, ti] = x.topk(2);
  EXPECT_EQ(fv(tv), (std::vector<float>{5, 4, 6, 2}));
  EXPECT_EQ(iv(ti), (std::vector<int64_t>{0, 2, 1, 0}));
  EXPECT_EQ(fv(x.topk(1, 1, false).first), (std::vector<float>{1, 0}));
  EXPECT_EQ(x.topk(0).first.shape(), (Shape{2, 0}));
  const Tensor ints = Tensor::from(std::vector<int8_t>{-128, 127, 0, -1});
  EXPECT_EQ(ints.sort(0, true).first.to_vector<int8_t>(), (std::vector<int8_t>{127, 0, -1, -128}));
  EXPECT_EQ(Tensor::scalar(2.5).sort().first.shape(), Shape{});
}

// stable=false: torch may order ties either way; anvil's order is the stable one (tensor.h documents it).
TEST_F(Sorting, UnstableSortGivesTheStableOrder) {
  const Tensor x = f32({2, 0, 2, 1, 0, 2, NAN, 1, NAN});
  for (bool descending : {false, true}) {
    EXPECT_EQ(iv(x.sort(0, descending, /*stable=*/false).second), iv(x.sort(0, descending, /*stable=*/true).second));
    EXPECT_EQ(iv(x.argsort(0, descending, /*stable=*/false)), iv(x.argsort(0, descending, /*stable=*/true)));
  }
  EXPECT_EQ(iv(x.argsort(0, false, false)), (std::vector<int64_t>{1, 4, 3, 7, 0, 2, 5, 6, 8}));
}

// topk(sorted=false): torch leaves the order unspecified, so what is promised is a set: the k largest
// (smallest) values, each with an index that holds it, no index twice.
TEST_F(Sorting, UnsortedTopkIsTheTopKAsASet) {
  const std::vector<float> row = {4, -1, 7, 7, 0, 3, -5, 9, 2, 7};
  const Tensor x = f32(row, Shape{2, 5});
  for (bool largest : {true, false}) {
    auto [v, i] = x.topk(3, 1, largest, /*sorted=*/false);
    ASSERT_EQ(v.shape(), (Shape{2, 3}));
    const std::vector<float> values = fv(v);
    const std::vector<int64_t> indices = iv(i);
    for (int r = 0; r < 2; ++r) {
      std::vector<float> want(row.begin() + 5 * r, row.begin() + 5 * r + 5);
      if (largest)
        std::sort(want.begin(), want.end(), std::greater<>());
      else
        std::sort(want.begin(), want.end());
      want.resize(3);
      std::vector<float> got(values.begin() + 3 * r, values.begin() + 3 * r + 3);
      std::vector<int64_t> at(indices.begin() + 3 * r, indices.begin() + 3 * r + 3);
      for (int c = 0; c < 3; ++c) EXPECT_EQ(row[static_cast<size_t>(5 * r + at[c])], got[c]) << "row " << r;
      std::sort(at.begin(), at.end());
      EXPECT_EQ(std::adjacent_find(at.begin(), at.end()), at.end()) << "an index twice in row " << r;
      std::sort(got.begin(), got.end());
      std::sort(want.begin(), want.end());
      EXPECT_EQ(got, want) << "row " << r << (largest ? " largest" : " smallest");
    }
  }
}

TEST_F(Sorting, ValuesGradientFollowsThePlacement) {
  Tensor x = f32({3, 1, 2});
  x.requires_grad_();
  (x.sort().first * f32({10, 20, 30})).sum().backward();
  EXPECT_EQ(fv(*x.grad()), (std::vector<float>{30, 10, 20}));
  Tensor y = f32({3, 1, 2});
  y.requires_grad_();
  (y.topk(2).first * f32({10, 20})).sum().backward();
  EXPECT_EQ(fv(*y.grad()), (std::vector<float>{10, 0, 20}));
}

TEST_F(Sorting, KernelCounts) {
  const Tensor x = f32({5, 1, 4, 2, 6, 0}, Shape{2, 3});
  // The rank (one fused compare-and-count), then the placement (one fused select-and-sum).
  EXPECT_EQ(schedule({x.sort().first.uop()}).size(), 2u);
  EXPECT_EQ(schedule({x.argsort().uop()}).size(), 2u);
  EXPECT_EQ(schedule({x.topk(2).first.uop()}).size(), 2u);
}

TEST_F(Sorting, ALongRow) {
  const int64_t n = 400;  // O(n^2) on the interpreter: 2000 takes minutes under ASan
  std::mt19937 rng(7);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& e : v) e = static_cast<float>(std::uniform_int_distribution<int>(-500, 500)(rng));  // many ties
  auto [values, indices] = f32(v).sort(0, true);
  std::vector<int64_t> want(static_cast<size_t>(n));
  std::iota(want.begin(), want.end(), 0);
  std::stable_sort(want.begin(), want.end(), [&](int64_t a, int64_t b) { return v[a] > v[b]; });
  EXPECT_EQ(iv(indices), want);
  std::vector<float> sorted = v;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  EXPECT_EQ(fv(values), sorted);
}

TEST_F(Sorting, LossDefinedValues) {
  // A target outside [0, C) contributes nothing (torch raises); all ignored gives 0 / 0 = NaN.
  const Tensor logits = f32({0, 0, 1, 1}, Shape{2, 2});
  const Tensor t = Tensor::from(std::vector<int64_t>{0, 7});
  EXPECT_FLOAT_EQ(fv(cross_entropy(logits, t, std::nullopt, -100, "sum"))[0], std::log(2.0f));
  EXPECT_TRUE(std::isnan(fv(nll_loss(logits, Tensor::from(std::vector<int64_t>{-100, -100})))[0]));
  // label smoothing: (1 - 0.5) * -log p0 + (0.5 / 2) * -(log p0 + log p1), with p = (1/4, 3/4).
  const Tensor two = f32({0, std::log(3.0f)}, Shape{1, 2});
  const double want = 0.5 * std::log(4.0) + 0.25 * (std::log(4.0) + std::log(4.0 / 3.0));
  EXPECT_NEAR(fv(cross_entropy(two, Tensor::from(std::vector<int64_t>{0}), std::nullopt, -100, "mean", 0.5))[0], want,
              1e-6);
}

}  // namespace
}  // namespace anvil
