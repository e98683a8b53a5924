#include "engine/nn/optim.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "engine/nn/layers.h"
#include "engine/runtime/realize.h"
#include "engine/tensor/tensor_test_util.h"

namespace anvil::nn {
namespace {

// Every test realizes on the interpreter.
class OptimTest : public ::testing::Test {
 protected:
  void SetUp() override { install_interp_realizer(); }
};

using testing::expect_error;

// The longest path from the tensor's node to a leaf.
int depth(const Tensor& t) {
  std::vector<UOp> order = t.uop().toposort();  // children first
  std::vector<int> d(order.size(), 1);
  for (size_t i = 0; i < order.size(); ++i)
    for (const UOp& s : order[i].src())
      for (size_t j = 0; j < i; ++j)
        if (order[j] == s) d[i] = std::max(d[i], d[j] + 1);
  return d.empty() ? 0 : d.back();
}

// Minimizes |p - 3|^2 for `steps` steps; returns the graph depths seen after each step.
std::vector<int> run(Optimizer& opt, Tensor& p, int steps) {
  std::vector<int> depths;
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    ((p - 3.0) * (p - 3.0)).sum().backward();
    opt.step();
    depths.push_back(depth(p));
  }
  return depths;
}

TEST_F(OptimTest, GraphDepthStaysConstantAndConverges) {
  Tensor p = Tensor::zeros({4}).requires_grad_();
  Adam adam({p}, AdamOptions{.lr = 0.1, .amsgrad = true});
  std::vector<int> depths = run(adam, p, 100);
  EXPECT_EQ(*std::max_element(depths.begin(), depths.end()), depths.front());
  EXPECT_LE(depths.back(), 2);
  for (float v : p.detach().to_vector<float>()) EXPECT_NEAR(v, 3.0f, 0.1);
  EXPECT_LE(depth(adam.state[0]->exp_avg), 2);
  EXPECT_LE(depth(adam.state[0]->max_exp_avg_sq), 2);
  EXPECT_TRUE(p.requires_grad() && p.is_leaf());
  EXPECT_TRUE(p.grad().has_value());  // kept after a step, as torch

  Tensor q = Tensor::zeros({4}).requires_grad_();
  SGD sgd({q}, SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true});
  depths = run(sgd, q, 100);
  EXPECT_LE(*std::max_element(depths.begin(), depths.end()), 2);
  EXPECT_LE(depth(*sgd.momentum_buffer[0]), 2);
  for (float v : q.detach().to_vector<float>()) EXPECT_NEAR(v, 3.0f, 1e-3);
}

TEST_F(OptimTest, ModuleParametersSeeTheUpdate) {
  Tensor::manual_seed(2);
  Linear fc(3, 1);
  SGD sgd(fc.parameters(), SGDOptions{.lr = 0.1});
  std::vector<float> before = fc.weight.detach().to_vector<float>();
  fc(Tensor::ones({2, 3})).sum().backward();
  sgd.step();
  std::vector<float> after = fc.weight.detach().to_vector<float>();
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(after[i], before[i] - 0.2f, 1e-6);  // d/dw = 2 per weight
}

TEST_F(OptimTest, SkipsParametersWithoutGradient) {
  Tensor p = Tensor::ones({2}).requires_grad_();
  SGD sgd({p}, SGDOptions{.lr = 1});
  sgd.step();
  EXPECT_EQ(p.detach().to_vector<float>(), (std::vector<float>{1, 1}));
}

TEST_F(OptimTest, BadOptionsRaise) {
  Tensor p = Tensor::ones({2}).requires_grad_();
  expect_error([&] { SGD({p}, SGDOptions{.lr = -1}); }, "SGD", {"learning rate"});
  expect_error([&] { SGD({p}, SGDOptions{.nesterov = true}); }, "SGD", {"Nesterov"});
  expect_error([&] { Adam({p}, AdamOptions{.beta1 = 1.0}); }, "Adam", {"beta parameter at index 0"});
  expect_error([&] { AdamW({p}, AdamOptions{.eps = -1}); }, "AdamW", {"epsilon"});
  expect_error([&] { SGD({Tensor::ones({2})}, SGDOptions{}); }, "SGD", {"require grad"});
}

}  // namespace
}  // namespace anvil::nn
