// batch_norm (running statistics included), layer_norm, group_norm and dropout: values by hand, the
// kept fraction, scale and seed-reproducibility of dropout (torch's generator differs, so the op
// table cannot check its bits), and the errors of bad arguments.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/runtime/realize.h"
#include "engine/tensor/tensor.h"
#include "engine/tensor/tensor_test_util.h"

namespace anvil {
namespace {

using testing::expect_error;

class Norm : public ::testing::Test {
 protected:
  void SetUp() override { install_interp_realizer(); }
  void TearDown() override { set_realizer(nullptr); }
};

std::vector<float> fv(Tensor t) { return t.to_vector<float>(); }
Tensor f32(std::vector<float> v, Shape s) { return Tensor::from(v, s); }

TEST_F(Norm, BatchNormTrainingUpdatesRunningStats) {
  Tensor rm = Tensor::zeros({1}), rv = Tensor::ones({1});
  const Tensor out = batch_norm(f32({1, 3}, {2, 1}), rm, rv, std::nullopt, std::nullopt, true, 0.1, 0);
  EXPECT_EQ(fv(out), (std::vector<float>{-1, 1}));
  EXPECT_FLOAT_EQ(fv(rm)[0], 0.2F);
  EXPECT_FLOAT_EQ(fv(rv)[0], 1.1F);  // 0.9 * 1 + 0.1 * 2: the unbiased variance
  // Eval uses the running statistics, then the affine weight and bias.
  const Tensor ev =
      batch_norm(f32({1.2F}, {1, 1}), rm, rv, Tensor::full({1}, 2.0), Tensor::full({1}, 1.0), false, 0.1, 0);
  EXPECT_NEAR(fv(ev)[0], 2 * (1.2 - 0.2) / std::sqrt(1.1) + 1, 1e-5);
}

TEST_F(Norm, LayerAndGroupNorm) {
  const Tensor ln = layer_norm(f32({1, 3, 5, 7}, {2, 2}), {2}, std::nullopt, std::nullopt, 0);
  EXPECT_EQ(fv(ln), (std::vector<float>{-1, 1, -1, 1}));
  const Tensor gn = group_norm(f32({1, 3, 5, 7}, {1, 2, 2}), 1, std::nullopt, std::nullopt, 0);
  const std::vector<float> g = fv(gn);
  EXPECT_NEAR(g[0], -3 / std::sqrt(5.0), 1e-6);
  EXPECT_NEAR(g[3], 3 / std::sqrt(5.0), 1e-6);
}

TEST_F(Norm, DropoutKeepsAFractionScaled) {
  Tensor::manual_seed(7);
  const std::vector<float> a = fv(dropout(Tensor::ones({2000}), 0.25));
  int64_t kept = 0;
  for (float v : a) {
    EXPECT_TRUE(v == 0 || std::fabs(v - 4.0F / 3) < 1e-6) << v;
    kept += v != 0;
  }
  EXPECT_NEAR(static_cast<double>(kept) / 2000, 0.75, 0.04);
  Tensor::manual_seed(7);
  EXPECT_EQ(fv(dropout(Tensor::ones({2000}), 0.25)), a);  // the seed repeats the mask
  EXPECT_NE(fv(dropout(Tensor::ones({2000}), 0.25)), a);  // the next call draws afresh
}

TEST_F(Norm, DropoutEdgeCases) {
  const Tensor x = f32({1, NAN, -2}, {3});
  EXPECT_EQ(fv(dropout(x, 0.5, false))[2], -2.0F);  // eval: identity
  EXPECT_EQ(fv(dropout(x, 0, true))[0], 1.0F);
  const std::vector<float> z = fv(dropout(x, 1, true));
  EXPECT_EQ(z[0], 0.0F);
  EXPECT_TRUE(std::isnan(z[1]));  // input * 0, as torch
  expect_error([&] { dropout(x, 1.5); }, "dropout", {"between 0 and 1", "1.5"});
  expect_error([&] { dropout(x, -0.1); }, "dropout", {"between 0 and 1"});
}

TEST_F(Norm, Errors) {
  const Tensor x = Tensor::zeros({2, 3, 4});
  expect_error([&] { batch_norm(Tensor::zeros({3}), std::nullopt, std::nullopt, std::nullopt, std::nullopt, true); },
               "batch_norm", {"[3]"});
  expect_error([&] { batch_norm(x, std::nullopt, std::nullopt); }, "batch_norm", {"running_mean"});
  expect_error([&] { batch_norm(x, Tensor::zeros({4}), Tensor::ones({3})); }, "batch_norm", {"running_mean", "[4]"});
  expect_error(
      [&] {
        batch_norm(Tensor::zeros({1, 3}), std::nullopt, std::nullopt, std::nullopt, std::nullopt, true);
      },
      "batch_norm", {"more than 1 value"});
  expect_error([&] { layer_norm(x, {3}); }, "layer_norm", {"[3]", "[2, 3, 4]"});
  expect_error([&] { layer_norm(x, {4}, Tensor::ones({3})); }, "layer_norm", {"weight"});
  expect_error([&] { group_norm(x, 2); }, "group_norm", {"num_groups", "2"});
  expect_error([&] { group_norm(x.to(dtypes::int64), 3); }, "group_norm", {"int64"});
}

}  // namespace
}  // namespace anvil
