#include "engine/nn/module.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "engine/nn/layers.h"
#include "engine/runtime/realize.h"
#include "engine/tensor/tensor_test_util.h"

namespace anvil::nn {
namespace {

// Every test realizes on the interpreter.
class ModuleTest : public ::testing::Test {
 protected:
  void SetUp() override { install_interp_realizer(); }
};

using testing::expect_error;

std::vector<std::string> names_of(const NamedTensors& named) {
  std::vector<std::string> out;
  for (const auto& [n, t] : named) out.push_back(n);
  return out;
}

class Net : public Module {
 public:
  Net() {
    fc1 = register_module("fc1", std::make_shared<Linear>(4, 3));
    bn = register_module("bn", std::make_shared<BatchNorm2d>(3));
    fc2 = register_module("fc2", std::make_shared<Linear>(3, 2, false));
  }
  Tensor forward(const Tensor& x) override { return fc2->forward(fc1->forward(x).relu()); }
  std::shared_ptr<Linear> fc1, fc2;
  std::shared_ptr<BatchNorm2d> bn;
};

TEST_F(ModuleTest, NamesAsTorch) {
  Net net;
  EXPECT_EQ(names_of(net.named_parameters()),
            (std::vector<std::string>{"fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "fc2.weight"}));
  EXPECT_EQ(names_of(net.named_buffers()),
            (std::vector<std::string>{"bn.running_mean", "bn.running_var", "bn.num_batches_tracked"}));
  Sequential seq{std::make_shared<Linear>(2, 2), std::make_shared<ReLU>(), std::make_shared<Linear>(2, 1)};
  EXPECT_EQ(names_of(seq.named_parameters()), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  for (const Tensor& p : seq.parameters()) EXPECT_TRUE(p.requires_grad() && p.is_leaf());
}

TEST_F(ModuleTest, LinearInitWithinTorchBound) {
  Tensor::manual_seed(1);
  Linear fc(100, 50);
  const double bound = 1.0 / std::sqrt(100.0);
  Tensor w = fc.weight.detach();
  std::vector<float> v = w.to_vector<float>();
  float lo = 1, hi = -1;
  for (float x : v) lo = std::min(lo, x), hi = std::max(hi, x);
  EXPECT_GE(lo, -bound);
  EXPECT_LE(hi, bound);
  EXPECT_LT(lo, -0.8 * bound);  // spread over the whole range, not a constant
  EXPECT_GT(hi, 0.8 * bound);
  Tensor::manual_seed(1);
  Linear again(100, 50);
  EXPECT_EQ(again.weight.detach().to_vector<float>(), v);  // one seed, one model
}

TEST_F(ModuleTest, TrainEvalSwitchesDropout) {
  Sequential seq{std::make_shared<Dropout>(0.5)};
  Tensor x = Tensor::ones({1000});
  EXPECT_TRUE(seq.is_training());
  std::vector<float> trained = seq(x).to_vector<float>();
  int zeros = 0;
  for (float v : trained) zeros += v == 0;
  EXPECT_GT(zeros, 350);
  EXPECT_LT(zeros, 650);
  seq.eval();
  EXPECT_FALSE(seq[0]->is_training());
  EXPECT_EQ(seq(x).to_vector<float>(), std::vector<float>(1000, 1.0f));
}

TEST_F(ModuleTest, BatchNormRunningStats) {
  BatchNorm2d bn(2);
  Tensor x = Tensor::arange(0, 16).to(dtypes::float32).reshape({2, 2, 2, 2});
  bn(x).realize();
  // channel 0 holds 0,1,2,3,8,9,10,11: mean 5.5; running = 0.9 * 0 + 0.1 * 5.5
  std::vector<float> mean = bn.running_mean.to_vector<float>();
  EXPECT_NEAR(mean[0], 0.55, 1e-6);
  EXPECT_EQ(bn.num_batches_tracked.to_vector<int64_t>(), std::vector<int64_t>{1});
  bn.eval();
  bn(x).realize();
  EXPECT_EQ(bn.num_batches_tracked.to_vector<int64_t>(), std::vector<int64_t>{1});
  expect_error([&] { bn(Tensor::ones({2, 2})); }, "BatchNorm2d", {"expected 4D input"});
}

TEST_F(ModuleTest, StateDictRoundTrip) {
  Tensor::manual_seed(3);
  Net a;
  Tensor::manual_seed(4);
  Net b;
  Tensor x = Tensor::rand({5, 4});
  std::vector<float> want = a(x).to_vector<float>();
  EXPECT_NE(b(x).to_vector<float>(), want);
  StateDict sd = a.state_dict();
  EXPECT_EQ(sd.size(), 8u);
  b.load_state_dict(sd);
  EXPECT_EQ(b(x).to_vector<float>(), want);
  for (const Tensor& p : b.parameters()) EXPECT_TRUE(p.requires_grad() && p.is_leaf());
}

TEST_F(ModuleTest, StateDictThroughSafetensors) {
  Tensor::manual_seed(5);
  Net a;
  Tensor::manual_seed(6);
  Net b;
  const std::string path = (std::filesystem::temp_directory_path() / "anvil_nn_state_dict.safetensors").string();
  save_state_dict(a, path);
  load_state_dict(b, path);
  std::filesystem::remove(path);
  Tensor x = Tensor::rand({3, 4});
  EXPECT_EQ(b(x).to_vector<float>(), a(x).to_vector<float>());
}

TEST_F(ModuleTest, LoadStateDictErrors) {
  Net net;
  StateDict sd = net.state_dict();
  std::vector<float> before = net.fc1->weight.detach().to_vector<float>();
  StateDict missing = sd;
  missing.erase("fc1.bias");
  missing["fc1.weight"] = Tensor::zeros({3, 4});
  expect_error([&] { net.load_state_dict(missing); }, "load_state_dict", {"missing keys [\"fc1.bias\"]"});
  EXPECT_EQ(net.fc1->weight.detach().to_vector<float>(), before);  // nothing changed when it raises
  StateDict extra = sd;
  extra["fc3.weight"] = Tensor::zeros({1});
  expect_error([&] { net.load_state_dict(extra); }, "load_state_dict", {"unexpected keys [\"fc3.weight\"]"});
  LoadResult r = net.load_state_dict(missing, false);
  EXPECT_EQ(r.missing_keys, std::vector<std::string>{"fc1.bias"});
  EXPECT_EQ(net.fc1->weight.detach().to_vector<float>(), std::vector<float>(12, 0.0f));
  StateDict bad_shape = sd;
  bad_shape["fc2.weight"] = Tensor::zeros({3, 2});
  expect_error([&] { net.load_state_dict(bad_shape); }, "load_state_dict", {"fc2.weight", "[2, 3]"});
  StateDict bad_dtype = sd;
  bad_dtype["bn.running_mean"] = Tensor::zeros({3}, dtypes::float64);
  expect_error([&] { net.load_state_dict(bad_dtype); }, "load_state_dict", {"bn.running_mean", "float64"});
}

TEST_F(ModuleTest, LayersForward) {
  Tensor::manual_seed(7);
  Conv2d conv(2, 4, 3, 1, 1);
  EXPECT_EQ(conv(Tensor::rand({1, 2, 5, 5})).shape(), (Shape{1, 4, 5, 5}));
  expect_error([] { Conv2d(3, 4, 3, 1, 0, 1, 2); }, "Conv2d", {"divisible by groups"});
  LayerNorm ln(Shape{4});
  std::vector<float> y = ln(Tensor::from<float>({1, 2, 3, 4}, Shape{1, 4})).to_vector<float>();
  EXPECT_NEAR(y[0], -1.3416, 1e-3);
  Embedding emb(10, 3);
  EXPECT_EQ(emb(Tensor::from<int64_t>({1, 2, 9})).shape(), (Shape{3, 3}));
  expect_error([] { Dropout(1.5); }, "Dropout", {"[0, 1]"});
}

}  // namespace
}  // namespace anvil::nn
