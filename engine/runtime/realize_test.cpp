#include "engine/runtime/realize.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/runtime/realize_allocator.h"
#include "engine/schedule/graph_test_util.h"
#include "engine/schedule/schedule.h"
#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

using namespace graph_test;

std::vector<float> run(const UOp& root) {
  UOp r = realize_graph(root);
  EXPECT_EQ(r.shape(), root.shape());
  while (r.op() == Op::RESHAPE) r = UOp(r.src(0));  // a copy first: src(0) lives in the node being replaced
  std::shared_ptr<Buffer> b = storage_of(r.arg_ints()[0]);
  EXPECT_TRUE(b);
  return b ? b->to<float>() : std::vector<float>{};
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-5f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tol * (1 + std::fabs(want[i]))) << "element " << i;
}

TEST(Realize, ElementwiseChain) {
  const auto xa = iota(12), xb = iota(12, 0.5f, 2), xc = iota(12, -0.125f, 3);
  UOp a = host(xa, {3, 4}), b = host(xb, {3, 4}), c = host(xc, {3, 4});
  std::vector<float> want(12);
  for (size_t i = 0; i < 12; ++i) want[i] = (xa[i] + xb[i]) * xc[i];
  EXPECT_EQ(run(bin(Op::MUL, bin(Op::ADD, a, b), c)), want);
}

TEST(Realize, Broadcasting) {
  const auto xa = iota(3), xb = iota(4, 1.5f, 0);
  UOp a = expand(host(xa, {3, 1}), {3, 4}), b = expand(host(xb, {1, 4}), {3, 4});
  std::vector<float> want;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) want.push_back(xa[i] - xb[j] + 2.0f);
  EXPECT_EQ(run(bin(Op::ADD, bin(Op::SUB, a, b), full(2, {3, 4}))), want);
}

TEST(Realize, PermuteThenReshape) {
  const auto x = iota(24);
  UOp a = host(x, {2, 3, 4});
  std::vector<float> want;  // out[k][i][j] = x[i][j][k], then flattened to [4, 6]
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) want.push_back(x[i * 12 + j * 4 + k]);
  EXPECT_EQ(run(reshape(permute(a, {2, 0, 1}), {4, 6})), want);
  EXPECT_EQ(run(un(Op::NEG, un(Op::NEG, reshape(permute(a, {2, 0, 1}), {4, 6})))), want);
}

TEST(Realize, ShrinkAndFlip) {
  const auto x = iota(20);
  UOp a = host(x, {4, 5});
  std::vector<float> want;  // rows 1..3 reversed, columns 1..4
  for (int i = 2; i >= 1; --i)
    for (int j = 1; j < 4; ++j) want.push_back(x[i * 5 + j] * 2);
  UOp s = flip(shrink(a, {1, 3, 1, 4}), {0});
  EXPECT_EQ(run(bin(Op::ADD, s, s)), want);
  std::vector<float> both;
  for (int i = 3; i >= 0; --i)
    for (int j = 4; j >= 0; --j) both.push_back(x[i * 5 + j]);
  EXPECT_EQ(run(un(Op::NEG, un(Op::NEG, flip(a, {0, 1})))), both);
}

TEST(Realize, PadIsZeroAndGatesItsLoads) {
  const auto x = iota(6);
  UOp a = host(x, {2, 3});
  UOp p = pad(a, {1, 0, 2, 1});  // [3, 6]
  std::vector<float> padded;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 6; ++j) {
      const bool in = i >= 1 && j >= 2 && j < 5;
      padded.push_back(in ? x[(i - 1) * 3 + (j - 2)] : 0.0f);
    }
  EXPECT_EQ(run(un(Op::NEG, un(Op::NEG, p))), padded);
  // Padding applies after the op below it: exp2(pad(x)) is 1 in the padding, pad(exp2(x)) is 0.
  std::vector<float> outside(padded.size()), inside(padded.size());
  for (size_t i = 0; i < padded.size(); ++i) outside[i] = std::exp2(padded[i]);
  for (size_t i = 0; i < padded.size(); ++i)
    inside[i] = padded[i] == 0 && (i / 6 == 0 || i % 6 < 2 || i % 6 == 5) ? 0.0f : std::exp2(padded[i]);
  expect_near(run(un(Op::EXP2, p)), outside);
  expect_near(run(pad(un(Op::EXP2, a), {1, 0, 2, 1})), inside);
  // A pad of a pad, then a sum over the padded axis.
  UOp pp = pad(pad(a, {0, 0, 1, 1}), {0, 0, 2, 0});  // [2, 7]
  std::vector<float> rows = {x[0] + x[1] + x[2], x[3] + x[4] + x[5]};
  expect_near(run(reshape(sum(pp, {1}), {2})), rows);
}

TEST(Realize, ReductionsOverInnerOuterAndManyAxes) {
  const auto x = iota(24);
  UOp a = host(x, {2, 3, 4});
  std::vector<float> inner(6, 0), outer(12, 0), ends(3, 0), mx(3, -INFINITY);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) {
        const float v = x[i * 12 + j * 4 + k];
        inner[i * 3 + j] += v;
        outer[j * 4 + k] += v;
        ends[j] += v;
        mx[j] = std::max(mx[j], v);
      }
  expect_near(run(sum(a, {2})), inner);
  expect_near(run(sum(a, {0})), outer);
  expect_near(run(sum(a, {0, 2})), ends);
  EXPECT_EQ(run(max(a, {2, 0})), mx);
  float total = 0;
  for (float v : x) total += v;
  expect_near(run(sum(a, {0, 1, 2})), {total});
}

TEST(Realize, SumOfBroadcastIsLoopInvariantButCounted) {
  // The summed value does not depend on the reduce loop: the accumulator still runs every iteration.
  UOp a = host({1.5f, 2.0f}, {2, 1});
  expect_near(run(sum(expand(a, {2, 5}), {1})), {7.5f, 10.0f});
}

TEST(Realize, MatmulBiasRelu) {
  const auto xa = iota(6), xb = iota(12, 0.5f, -1.5f), xbias = iota(4, 1.0f, -2.0f);
  UOp a = host(xa, {2, 3}), b = host(xb, {3, 4}), bias = host(xbias, {1, 4});
  std::vector<float> mm(8, 0), want(8);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) {
      for (int k = 0; k < 3; ++k) mm[i * 4 + j] += xa[i * 3 + k] * xb[k * 4 + j];
      want[i * 4 + j] = std::max(mm[i * 4 + j] + xbias[j], 0.0f);
    }
  expect_near(run(matmul(a, b)), mm);
  expect_near(run(relu(bin(Op::ADD, matmul(a, b), expand(bias, {2, 4})))), want);
}

TEST(Realize, ReduceThenElementwise) {
  const auto x = iota(12);
  UOp a = host(x, {3, 4});
  std::vector<float> want;
  for (int i = 0; i < 3; ++i)
    want.push_back(std::sqrt(std::fabs(x[i * 4] + x[i * 4 + 1] + x[i * 4 + 2] + x[i * 4 + 3])));
  UOp s = reshape(sum(a, {1}), {3});
  expect_near(run(un(Op::SQRT, bin(Op::MAX, s, un(Op::NEG, s)))), want);
}

TEST(Realize, SoftmaxAndLayernorm) {
  const auto x = iota(12);
  UOp a = host(x, {3, 4});
  std::vector<float> sm(12), ln(12);
  for (int i = 0; i < 3; ++i) {
    float m = -INFINITY, s = 0, mean = 0, var = 0;
    for (int j = 0; j < 4; ++j) m = std::max(m, x[i * 4 + j]);
    for (int j = 0; j < 4; ++j) s += std::exp(x[i * 4 + j] - m);
    for (int j = 0; j < 4; ++j) sm[i * 4 + j] = std::exp(x[i * 4 + j] - m) / s;
    for (int j = 0; j < 4; ++j) mean += x[i * 4 + j] / 4;
    for (int j = 0; j < 4; ++j) var += (x[i * 4 + j] - mean) * (x[i * 4 + j] - mean) / 4;
    for (int j = 0; j < 4; ++j) ln[i * 4 + j] = (x[i * 4 + j] - mean) / std::sqrt(var + 1e-5f);
  }
  expect_near(run(softmax(a)), sm, 1e-5f);
  expect_near(run(layernorm(a)), ln, 1e-4f);
}

TEST(Realize, ContiguousRoot) {
  const auto x = iota(6);
  UOp a = host(x, {2, 3});
  EXPECT_EQ(run(contiguous(permute(a, {1, 0}))), (std::vector<float>{x[0], x[3], x[1], x[4], x[2], x[5]}));
}

TEST(Realize, IsTheTensorApisRealizer) {
  install_interp_realizer();
  Tensor a = Tensor::from<float>({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  Tensor y = a.add(a).mul(a).sum(1);  // rows of 2 * x^2
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{28, 154}));
}

TEST(RealizeAllocator, PoolReusesFreedBuffers) {
  std::shared_ptr<Buffer> a = pool_allocate(dtypes::float32, 1000);
  Buffer* raw = a.get();
  a.reset();
  const PoolStats before = pool_stats();
  std::shared_ptr<Buffer> b = pool_allocate(dtypes::float32, 1000);
  EXPECT_EQ(b.get(), raw);
  EXPECT_EQ(pool_stats().fresh, before.fresh);
  EXPECT_EQ(pool_stats().reused, before.reused + 1);
  std::shared_ptr<Buffer> c = pool_allocate(dtypes::int32, 1000);  // another kind: fresh
  EXPECT_EQ(pool_stats().fresh, before.fresh + 1);
}

TEST(RealizeAllocator, RepeatedWorkloadAllocatesNothingNew) {
  auto once = [] {
    UOp r = realize_graph(softmax(host(iota(64), {8, 8})));
    while (r.op() == Op::RESHAPE) r = UOp(r.src(0));  // a copy first: src(0) lives in the node being replaced
    claim_storage(r.arg_ints()[0]);                   // the caller takes the result and drops it
  };
  once();
  const PoolStats warm = pool_stats();
  once();
  once();
  EXPECT_EQ(pool_stats().fresh, warm.fresh);
  EXPECT_EQ(pool_stats().reused, warm.reused + 2 * 3);  // 3 kernels' outputs per run, all from the pool
}

}  // namespace
}  // namespace anvil
