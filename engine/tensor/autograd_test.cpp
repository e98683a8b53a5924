// Exact gradients of small expressions: the rules of gradient.cpp and the API of autograd.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/runtime/realize.h"
#include "engine/tensor/tensor.h"
#include "engine/tensor/tensor_test_util.h"

namespace anvil {
namespace {

using testing::expect_error;

class Autograd : public ::testing::Test {
 protected:
  void SetUp() override { install_interp_realizer(); }
  void TearDown() override { set_realizer(nullptr); }  // other suites expect none at start
};

Tensor f32(std::vector<float> v, std::optional<Shape> s = std::nullopt) { return Tensor::from(v, s); }
Tensor param(std::vector<float> v, std::optional<Shape> s = std::nullopt) {
  Tensor t = f32(std::move(v), std::move(s));
  t.requires_grad_();
  return t;
}
std::vector<float> values(Tensor t) { return t.to_vector<float>(); }
std::vector<float> grad_of(const Tensor& t) {
  EXPECT_TRUE(t.grad().has_value());
  return t.grad() ? values(*t.grad()) : std::vector<float>{};
}
using V = std::vector<float>;

TEST_F(Autograd, MulAndDiv) {
  Tensor x = param({1, 2, 3}), y = param({4, 5, 8});
  (x * y).sum().backward();
  EXPECT_EQ(grad_of(x), (V{4, 5, 8}));
  EXPECT_EQ(grad_of(y), (V{1, 2, 3}));
  Tensor a = param({1, 2, 3}), b = param({4, 5, 8});
  (a / b).sum().backward();
  EXPECT_EQ(grad_of(a), (V{0.25f, 0.2f, 0.125f}));
  const V gb = grad_of(b);
  EXPECT_FLOAT_EQ(gb[0], -1.0f / 16);
  EXPECT_FLOAT_EQ(gb[1], -2.0f / 25);
  EXPECT_FLOAT_EQ(gb[2], -3.0f / 64);
}

TEST_F(Autograd, SumOverBroadcast) {
  Tensor x = param({1, 2, 3, 4, 5, 6}, Shape{2, 3}), b = param({1, 1, 1});
  ((x + b) * 2).sum().backward();
  EXPECT_EQ(grad_of(x), V(6, 2));
  EXPECT_EQ(grad_of(b), (V{4, 4, 4}));  // two rows, times 2
  Tensor col = param({1, 2}, Shape{2, 1});
  (col * x).sum().backward();  // col broadcasts along axis 1
  EXPECT_EQ(grad_of(col), (V{6, 15}));
}

TEST_F(Autograd, MeanAndUnaryComposites) {
  Tensor x = param({0, 1, -2, 0.5f});
  x.mean().backward();
  EXPECT_EQ(grad_of(x), V(4, 0.25f));
  Tensor e = param({0, 1, -2});
  e.exp().sum().backward();
  const V ge = grad_of(e);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(ge[i], std::exp(V{0, 1, -2}[i]), 1e-6);
  Tensor t = param({0, 0.5f, -1});
  t.tanh().sum().backward();
  const V gt = grad_of(t);
  for (size_t i = 0; i < 3; ++i) {
    const double th = std::tanh(V{0, 0.5f, -1}[i]);
    EXPECT_NEAR(gt[i], 1 - th * th, 1e-6);
  }
}

TEST_F(Autograd, MaxSplitsEvenlyAmongTies) {
  Tensor x = param({1, 3, 3, 2});
  x.max().backward();  // torch.max() over everything and torch.amax: an even split
  EXPECT_EQ(grad_of(x), (V{0, 0.5f, 0.5f, 0}));
  Tensor m = param({1, 5, 5, 2, 2, 0}, Shape{2, 3});
  m.max(1).sum().backward();
  EXPECT_EQ(grad_of(m), (V{0, 0.5f, 0.5f, 0.5f, 0.5f, 0}));
  Tensor n = param({4, 1, 1, 7});
  n.min().backward();
  EXPECT_EQ(grad_of(n), (V{0, 0.5f, 0.5f, 0}));
  Tensor a = param({1, 2, 3}), b = param({3, 2, 1});
  a.maximum(b).sum().backward();  // torch.maximum: half each at a tie
  EXPECT_EQ(grad_of(a), (V{0, 0.5f, 1}));
  EXPECT_EQ(grad_of(b), (V{1, 0.5f, 0}));
}

// Expected values and gradients are libtorch 1.13's for the same inputs.
TEST_F(Autograd, ReluAndClampFollowPyTorchAtTies) {
  const float nan = std::nanf("");
  Tensor x = param({-1, 0, -0.0f, 1, 2, nan});
  x.relu().sum().backward();  // relu'(0) = 0; a NaN passes the gradient
  EXPECT_EQ(grad_of(x), (V{0, 0, 0, 1, 1, 1}));
  Tensor y = param({-1, 0, -0.0f, 1, 2, nan});
  y.clamp(0.0, 1.0).sum().backward();  // bounds included; a NaN gets none
  EXPECT_EQ(grad_of(y), (V{0, 1, 1, 1, 0, 0}));
  Tensor z = param({-1, 0, -0.0f, 1, 2, nan});
  z.clamp(2.0, 1.0).sum().backward();  // min > max: the value is max everywhere
  EXPECT_EQ(grad_of(z), (V{0, 0, 0, 0, 0, 0}));
  Tensor w = param({-1, 0, -0.0f, 1, 2, nan}), lo = param({0, 0, 0, 0, 0, 0}), hi = param({1, 1, 1, 1, 1, 1});
  w.clamp(lo, hi).sum().backward();  // a bound gets the gradient where it is the value
  EXPECT_EQ(grad_of(w), (V{0, 1, 1, 1, 0, 0}));
  EXPECT_EQ(grad_of(lo), (V{1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(grad_of(hi), (V{0, 0, 0, 0, 1, 0}));
  Tensor u = param({-1, 0, 3});
  u.clamp(std::nullopt, 0.0).sum().backward();
  EXPECT_EQ(grad_of(u), (V{1, 1, 0}));
}

TEST_F(Autograd, ReluAndClampValuesKeepSignedZerosAndNaN) {
  const float nan = std::nanf("");
  auto bits = [](Tensor t) {
    std::vector<std::string> out;
    for (float v : t.to_vector<float>())
      out.push_back(std::isnan(v) ? "nan" : (std::signbit(v) ? "-" : "+") + std::to_string(std::fabs(v)));
    return out;
  };
  const V in{-0.0f, 0, nan, -3, 2};
  EXPECT_EQ(bits(f32(in).relu()), bits(f32({-0.0f, 0, nan, 0, 2})));
  EXPECT_EQ(bits(f32(in).clamp(0.0, 1.0)), bits(f32({-0.0f, 0, nan, 0, 1})));
  EXPECT_EQ(bits(f32(in).clamp(-0.0, 1.0)), bits(f32({-0.0f, 0, nan, -0.0f, 1})));
  EXPECT_EQ(bits(f32(in).clamp(std::nullopt, 0.0)), bits(f32({-0.0f, 0, nan, -3, 0})));
  EXPECT_EQ(bits(f32(in).clamp(nan, 1.0)), bits(f32({nan, nan, nan, nan, nan})));
  EXPECT_EQ(bits(f32(in).clamp(0.0, nan)), bits(f32({nan, nan, nan, nan, nan})));
  EXPECT_EQ(bits(f32(in).clamp(2.0, 1.0)), bits(f32({1, 1, nan, 1, 1})));
  EXPECT_EQ(bits(f32(in).clamp(f32({nan, 0, 0, 0, 0}), f32({1, 1, 1, 1, 1}))), bits(f32({nan, 0, nan, 0, 1})));
  EXPECT_EQ(Tensor::from(std::vector<int32_t>{-5, 0, 7}).clamp(-1, 3).to_vector<int32_t>(),
            (std::vector<int32_t>{-1, 0, 3}));
}

TEST_F(Autograd, ProdWithZeros) {
  Tensor x = param({2, 4, 3});
  x.prod().backward();
  EXPECT_EQ(grad_of(x), (V{12, 6, 8}));
  Tensor one = param({2, 0, 3});
  one.prod().backward();
  EXPECT_EQ(grad_of(one), (V{0, 6, 0}));
  Tensor two = param({0, 5, 0, 7, 1, 2}, Shape{2, 3});
  two.prod(1).sum().backward();  // row 0 has two zeros, row 1 none
  EXPECT_EQ(grad_of(two), (V{0, 0, 0, 2, 14, 7}));
}

TEST_F(Autograd, Movement) {
  Tensor x = param({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  Tensor w = Tensor::arange(15).to(dtypes::float32).reshape({3, 5});
  x.pad({{1, 0}, {0, 2}}).backward(w);  // pad -> shrink
  EXPECT_EQ(grad_of(x), (V{5, 6, 7, 10, 11, 12}));

  Tensor s = param(V(12, 1), Shape{3, 4});
  s.shrink({{1, 3}, {1, 2}}).backward(f32({10, 20}, Shape{2, 1}));  // shrink -> pad with 0
  EXPECT_EQ(grad_of(s), (V{0, 0, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0}));

  Tensor f = param({1, 2, 3});
  f.flip({0}).backward(f32({1, 2, 3}));
  EXPECT_EQ(grad_of(f), (V{3, 2, 1}));

  Tensor p = param(V(6, 0), Shape{2, 3});
  p.permute({1, 0}).backward(f32({0, 1, 2, 3, 4, 5}, Shape{3, 2}));
  EXPECT_EQ(grad_of(p), (V{0, 2, 4, 1, 3, 5}));

  Tensor e = param({1, 2, 3}, Shape{3, 1});
  e.expand({3, 4}).backward(Tensor::ones({3, 4}));  // expand -> sum over the expanded axis
  EXPECT_EQ(grad_of(e), (V{4, 4, 4}));

  Tensor r = param({1, 2, 3, 4});
  r.reshape({2, 2}).backward(f32({1, 2, 3, 4}, Shape{2, 2}));
  EXPECT_EQ(grad_of(r), (V{1, 2, 3, 4}));

  Tensor a = param({1, 2}), b = param({3, 4, 5});
  Tensor::cat({a, b}).backward(f32({1, 2, 3, 4, 5}));
  EXPECT_EQ(grad_of(a), (V{1, 2}));
  EXPECT_EQ(grad_of(b), (V{3, 4, 5}));
}

TEST_F(Autograd, WhereRoutesTheGradient) {
  Tensor x = param({1, 2, 3}), y = param({4, 5, 6});
  Tensor cond = Tensor::from(std::vector<bool>{true, false, true});
  cond.where(x, y).backward(f32({1, 2, 3}));
  EXPECT_EQ(grad_of(x), (V{1, 0, 3}));
  EXPECT_EQ(grad_of(y), (V{0, 2, 0}));
}

TEST_F(Autograd, Matmul) {
  Tensor a = param({1, 2, 3, 4, 5, 6}, Shape{2, 3}), b = param({1, 0, 2, 1, 0, 3}, Shape{3, 2});
  a.matmul(b).sum().backward();
  EXPECT_EQ(grad_of(a), (V{1, 3, 3, 1, 3, 3}));  // row sums of b, per k
  EXPECT_EQ(grad_of(b), (V{5, 5, 7, 7, 9, 9}));  // column sums of a, per k
}

TEST_F(Autograd, DetachStops) {
  Tensor x = param({1, 2, 3});
  Tensor d = x.detach();
  EXPECT_FALSE(d.requires_grad());
  (d * x).sum().backward();
  EXPECT_EQ(grad_of(x), (V{1, 2, 3}));  // only the non-detached factor
  Tensor y = param({1, 2});
  Tensor z = param({1, 1});
  (y.detach() * z).sum().backward();
  EXPECT_FALSE(y.grad().has_value());
  expect_error([&] { grad((y.detach() * z).sum(), {y}); }, "grad", {"not used"});
}

TEST_F(Autograd, AccumulatesAcrossBackwardCalls) {
  Tensor x = param({1, 2});
  (x * 2).sum().backward();
  (x * 3).sum().backward();
  EXPECT_EQ(grad_of(x), (V{5, 5}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().has_value());
  (x * x).sum().backward();
  EXPECT_EQ(grad_of(x), (V{2, 4}));
  x.set_grad(std::nullopt);
  EXPECT_FALSE(x.grad().has_value());
}

TEST_F(Autograd, IdenticalLeavesGetSeparateGradients) {
  Tensor a = Tensor::ones({2}), b = Tensor::ones({2});
  a.requires_grad_();
  b.requires_grad_();
  EXPECT_NE(a.uop(), b.uop());
  (a * 3 + b * 5).sum().backward();
  EXPECT_EQ(grad_of(a), (V{3, 3}));
  EXPECT_EQ(grad_of(b), (V{5, 5}));
  // Two handles on one graph node become two leaves.
  Tensor c = Tensor::ones({2});
  Tensor d = c.to(dtypes::float32);
  ASSERT_EQ(c.uop(), d.uop());
  c.requires_grad_();
  d.requires_grad_();
  EXPECT_NE(c.uop(), d.uop());
  (c * 2 + d * 7).sum().backward();
  EXPECT_EQ(grad_of(c), (V{2, 2}));
  EXPECT_EQ(grad_of(d), (V{7, 7}));
}

TEST_F(Autograd, NonBufferLeavesAreTheirOwnLeaves) {
  Tensor s = Tensor::scalar(2.0f), t = Tensor::scalar(2.0f);
  ASSERT_EQ(s.uop(), t.uop());  // one CONST node
  s.requires_grad_();
  t.requires_grad_();
  EXPECT_TRUE(s.is_leaf());
  EXPECT_NE(s.uop(), t.uop());
  (s * 3 + t * t * 4).backward();
  EXPECT_EQ(grad_of(s), (V{3}));
  EXPECT_EQ(grad_of(t), (V{16}));
  // A computed tensor of tensors that need no grad becomes a leaf with its value.
  Tensor c = Tensor::arange(3).to(dtypes::float32) * 2;
  c.requires_grad_();
  EXPECT_TRUE(c.is_leaf());
  EXPECT_EQ(values(c), (V{0, 2, 4}));
  (c * c).sum().backward();
  EXPECT_EQ(grad_of(c), (V{0, 4, 8}));
}

TEST_F(Autograd, HistorySurvivesRealization) {
  Tensor x = param({1, 2, 3});
  Tensor y = x * x;
  Tensor before = (y * 3).sum();       // built before y is realized
  EXPECT_EQ(values(y), (V{1, 4, 9}));  // realizes y: its graph becomes a BUFFER
  EXPECT_TRUE(y.is_realized());
  EXPECT_TRUE(y.requires_grad());
  EXPECT_FALSE(y.is_leaf());
  Tensor after = (y * 3).sum();  // built after
  after.realize();               // and the loss itself realized before backward
  EXPECT_EQ(values(after), (V{42}));
  after.backward();
  EXPECT_EQ(grad_of(x), (V{6, 12, 18}));
  x.zero_grad();
  before.backward();
  EXPECT_EQ(grad_of(x), (V{6, 12, 18}));
  // A chain of realized intermediates.
  Tensor z = (y + 1).realize();
  Tensor w = (z * z).realize();
  x.zero_grad();
  w.sum().backward();  // d/dx (x^2 + 1)^2 = 4x(x^2 + 1)
  EXPECT_EQ(grad_of(x), (V{8, 40, 120}));
  // grad() with respect to a realized intermediate.
  const std::vector<Tensor> gy = grad(w.sum(), {y});
  EXPECT_EQ(values(gy[0]), (V{4, 10, 20}));
}

TEST_F(Autograd, GradFunctionDoesNotAccumulate) {
  Tensor x = param({1, 2}), y = param({3, 4});
  Tensor out = x * y;
  const std::vector<Tensor> g = grad(out, {x, y}, f32({1, 10}));
  EXPECT_EQ(values(g[0]), (V{3, 40}));
  EXPECT_EQ(values(g[1]), (V{1, 20}));
  EXPECT_FALSE(g[0].requires_grad());
  EXPECT_FALSE(x.grad().has_value());
  // With respect to a non-leaf.
  Tensor h = x * 2;
  EXPECT_EQ(values(grad((h * h).sum(), {h})[0]), (V{4, 8}));
  // A path with no gradient (trunc) gives zeros, as PyTorch.
  EXPECT_EQ(values(grad(x.trunc().sum(), {x})[0]), (V{0, 0}));
  EXPECT_EQ(values(grad(x.floor().sum(), {x})[0]), (V{0, 0}));  // through comparisons only
  EXPECT_EQ(values(grad(x.sign().sum(), {x})[0]), (V{0, 0}));
}

TEST_F(Autograd, RequiresGradPropagation) {
  Tensor x = param({1, -2});
  EXPECT_TRUE((x * 2).requires_grad());
  EXPECT_TRUE(x.to(dtypes::float64).requires_grad());
  EXPECT_FALSE(x.gt(0).requires_grad());              // bool results carry no gradient
  EXPECT_FALSE(x.to(dtypes::int32).requires_grad());  // nor integer ones
  EXPECT_FALSE((f32({1, 2}) * 2).requires_grad());
  Tensor y = x.to(dtypes::float64) * 3;
  y.sum().backward();
  EXPECT_EQ(grad_of(x), (V{3, 3}));
  EXPECT_EQ(x.grad()->dtype(), dtypes::float32);
}

// Casts to narrower floats pass the gradient back cast to the source dtype (test_grad skips them:
// rounding hides a finite difference).
TEST_F(Autograd, NarrowFloatCasts) {
  for (DType narrow : {dtypes::float16, dtypes::bfloat16}) {
    Tensor x = param({1, -2, 0.5f});
    (x.to(narrow) * 3).to(dtypes::float32).backward(f32({1, 2, 4}));
    EXPECT_EQ(grad_of(x), (V{3, 6, 12})) << name(narrow);
  }
}

TEST_F(Autograd, BackwardOnALeaf) {
  Tensor x = param({5});
  x.backward();
  EXPECT_EQ(grad_of(x), (V{1}));
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE((x * 2).is_leaf());
}

TEST_F(Autograd, Errors) {
  Tensor i = Tensor::from(std::vector<int32_t>{1, 2});
  expect_error([&] { i.requires_grad_(); }, "requires_grad_", {"only float tensors", "int32"});
  Tensor x = param({1, 2});
  expect_error([&] { (x * 2).backward(); }, "backward", {"one element", "[2]"});
  expect_error([&] { (x * 2).backward(f32({1, 2, 3})); }, "backward", {"[3]", "expected [2]"});
  expect_error([&] { f32({1}).backward(); }, "backward", {"does not require grad"});
  expect_error([&] { (x * 2).requires_grad_(false); }, "requires_grad_", {"leaf", "detach"});
  expect_error([&] { grad(x.sum(), {f32({1, 2})}); }, "grad", {"input 0", "does not require grad"});
  Tensor unused = param({1, 2});
  expect_error([&] { grad(x.sum(), {unused}); }, "grad", {"input 0", "not used"});
  expect_error([&] { x.set_grad(f32({1, 2, 3})); }, "set_grad", {"expected Tensor(float32, [2])"});
  x.requires_grad_(false);  // a leaf may turn it off
  EXPECT_FALSE((x * 2).requires_grad());
}

}  // namespace
}  // namespace anvil
