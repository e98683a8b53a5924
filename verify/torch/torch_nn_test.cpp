// anvil's nn layers against torch::nn: one state dict (random parameters, running statistics away
// from their defaults) loaded into both, the same input through both, then the output, the
// gradients of sum(output * upstream) with respect to the input and every parameter, and the state
// dict after the forward passes (BatchNorm2d's running statistics) compared.
#include "verify/torch/torch_nn.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/nn/layers.h"
#include "engine/runtime/realize.h"

namespace anvil {
namespace {

// Every test realizes on the default backend: interp, or the one ANVIL_BACKEND names (NAME@c, NAME@llvm).
class Interp : public ::testing::Environment {
 public:
  void SetUp() override { install_interp_realizer(); }
};
const ::testing::Environment* const interp_env = ::testing::AddGlobalTestEnvironment(new Interp);

struct Case {
  const char* name;
  torch_nn::Layer layer;
  Shape input;  // embedding: the indices' shape
};

std::shared_ptr<nn::Module> make(const torch_nn::Layer& l) {
  const auto& d = l.dims;
  if (l.kind == "linear") return std::make_shared<nn::Linear>(d.at(0), d.at(1), l.affine);
  if (l.kind == "conv2d")
    return std::make_shared<nn::Conv2d>(d.at(0), d.at(1), Size2(d.at(2), d.at(3)), Size2(l.stride_h, l.stride_w),
                                        Size2(l.pad_h, l.pad_w), Size2(l.dil_h, l.dil_w), l.groups, l.affine);
  if (l.kind == "layernorm") return std::make_shared<nn::LayerNorm>(Shape(d.begin(), d.end()), l.eps, l.affine);
  if (l.kind == "embedding") return std::make_shared<nn::Embedding>(d.at(0), d.at(1));
  return std::make_shared<nn::BatchNorm2d>(d.at(0), l.eps, l.momentum, l.affine);
}

torch_nn::Array array_of(Tensor t) {
  return torch_nn::Array{std::vector<int64_t>(t.shape().begin(), t.shape().end()),
                         t.detach().to(dtypes::float64).to_vector<double>()};
}

Tensor tensor_of(const torch_nn::Array& a, DType dtype) {
  return Tensor::from(a.data, Shape(a.shape.begin(), a.shape.end())).to(dtype);
}

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// Values drawn in float32 (so both sides start from the same floats); variances kept positive.
torch_nn::Array draw(std::mt19937& rng, const std::string& name, const Shape& shape) {
  std::normal_distribution<float> normal(0, 1);
  std::uniform_real_distribution<float> positive(0.5f, 2.0f);
  torch_nn::Array a{std::vector<int64_t>(shape.begin(), shape.end()), {}};
  for (int64_t i = 0; i < numel(shape); ++i) {
    if (name == "num_batches_tracked")
      a.data.push_back(3);
    else
      a.data.push_back(name == "running_var" ? positive(rng) : normal(rng));
  }
  return a;
}

// Within float32 rounding of sums of a few dozen terms.
void expect_near(const std::string& what, const torch_nn::Array& got, const torch_nn::Array& want) {
  ASSERT_EQ(got.shape, want.shape) << what;
  ASSERT_EQ(got.data.size(), want.data.size()) << what;
  for (size_t i = 0; i < got.data.size(); ++i)
    ASSERT_NEAR(got.data[i], want.data[i], 2e-5 + 2e-5 * std::fabs(want.data[i])) << what << " element " << i;
}

class TorchNn : public ::testing::TestWithParam<Case> {};

TEST_P(TorchNn, MatchesTorch) {
  const Case& c = GetParam();
  std::mt19937 rng(20261126);
  std::shared_ptr<nn::Module> module = make(c.layer);

  torch_nn::State state;
  nn::StateDict dict;
  for (const auto& [name, t] : module->state_dict()) {
    state[name] = draw(rng, name, t.shape());
    dict[name] = tensor_of(state[name], t.dtype());
  }
  module->load_state_dict(dict);
  module->train(c.layer.train);

  const bool indices = c.layer.kind == "embedding";
  torch_nn::Array input{std::vector<int64_t>(c.input.begin(), c.input.end()), {}};
  std::uniform_int_distribution<int64_t> index(0, indices ? c.layer.dims.at(0) - 1 : 0);
  std::normal_distribution<float> normal(0, 1);
  for (int64_t i = 0; i < numel(c.input); ++i) input.data.push_back(indices ? index(rng) : normal(rng));

  Tensor x = tensor_of(input, indices ? dtypes::int64 : dtypes::float32);
  if (!indices) x.requires_grad_();
  Tensor out;
  for (int i = 0; i < c.layer.forwards; ++i) out = (*module)(x);
  std::vector<double> upstream;
  for (int64_t i = 0; i < numel(out.shape()); ++i) upstream.push_back(normal(rng));
  (out *
   tensor_of(torch_nn::Array{std::vector<int64_t>(out.shape().begin(), out.shape().end()), upstream}, dtypes::float32))
      .sum()
      .backward();

  const torch_nn::Result want = torch_nn::run(c.layer, state, input, upstream);
  expect_near("output", array_of(out), want.output);
  if (!indices) {
    ASSERT_TRUE(x.grad().has_value());
    expect_near("input gradient", array_of(*x.grad()), want.grad_input);
  }
  for (const auto& [name, p] : module->named_parameters()) {
    ASSERT_TRUE(p.grad().has_value()) << name;
    ASSERT_TRUE(want.grads.count(name)) << name;
    expect_near(name + " gradient", array_of(*p.grad()), want.grads.at(name));
  }
  EXPECT_EQ(module->named_parameters().size(), want.grads.size());
  const nn::StateDict after = module->state_dict();
  EXPECT_EQ(after.size(), want.state.size());
  for (const auto& [name, t] : after) {
    ASSERT_TRUE(want.state.count(name)) << name;
    expect_near(name + " after the forward passes", array_of(t), want.state.at(name));
  }
}

torch_nn::Layer layer(const char* kind, std::vector<int64_t> dims) {
  torch_nn::Layer l;
  l.kind = kind;
  l.dims = std::move(dims);
  return l;
}

std::vector<Case> cases() {
  std::vector<Case> v;
  v.push_back({"linear", layer("linear", {5, 3}), Shape{4, 5}});
  torch_nn::Layer l = layer("linear", {6, 2});
  l.affine = false;
  v.push_back({"linear_no_bias_3d", l, Shape{2, 3, 6}});
  v.push_back({"conv2d", layer("conv2d", {3, 4, 3, 3}), Shape{2, 3, 6, 5}});
  l = layer("conv2d", {4, 6, 3, 2});
  l.stride_h = 2, l.pad_h = 1, l.pad_w = 2, l.dil_w = 2, l.groups = 2;
  v.push_back({"conv2d_strided_padded_dilated_grouped", l, Shape{2, 4, 7, 6}});
  l = layer("conv2d", {2, 2, 1, 1});
  l.affine = false;
  v.push_back({"conv2d_1x1_no_bias", l, Shape{1, 2, 3, 3}});
  v.push_back({"layernorm", layer("layernorm", {4}), Shape{3, 4}});
  l = layer("layernorm", {3, 4});
  l.eps = 1e-3;
  v.push_back({"layernorm_2d_eps", l, Shape{2, 3, 4}});
  l = layer("layernorm", {5});
  l.affine = false;
  v.push_back({"layernorm_no_affine", l, Shape{2, 5}});
  v.push_back({"embedding", layer("embedding", {7, 3}), Shape{2, 4}});
  l = layer("batchnorm2d", {3});
  l.forwards = 2;
  v.push_back({"batchnorm2d_train_two_steps", l, Shape{4, 3, 3, 2}});
  l.momentum = 0.3, l.eps = 1e-3, l.forwards = 1;
  v.push_back({"batchnorm2d_train_momentum_eps", l, Shape{2, 3, 2, 2}});
  l = layer("batchnorm2d", {3});
  l.train = false;
  v.push_back({"batchnorm2d_eval", l, Shape{2, 3, 2, 3}});
  l.affine = false;
  v.push_back({"batchnorm2d_eval_no_affine", l, Shape{2, 3, 2, 3}});
  return v;
}

INSTANTIATE_TEST_SUITE_P(Layers, TorchNn, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace anvil
