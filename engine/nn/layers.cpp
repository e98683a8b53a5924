#include "engine/nn/layers.h"

#include <cmath>

#include "engine/ir/shape.h"
#include "engine/support/error.h"

namespace anvil::nn {
namespace {

// kaiming_uniform(a = sqrt(5)) and torch's bias init both come to U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
Tensor fan_in_uniform(const Shape& shape, int64_t fan_in) {
  const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  return Tensor::uniform(shape, -bound, bound);
}

void need_positive(const char* op, const char* what, int64_t v) {
  if (v <= 0) (ErrorBuilder(op) << what << " must be positive, got " << v).raise();
}

}  // namespace

Linear::Linear(int64_t in_features, int64_t out_features, bool with_bias) {
  if (in_features < 0 || out_features < 0)
    (ErrorBuilder("Linear") << "features must be non-negative, got in " << in_features << ", out " << out_features)
        .raise();
  weight = register_parameter("weight", fan_in_uniform({out_features, in_features}, in_features));
  if (with_bias) bias = register_parameter("bias", fan_in_uniform({out_features}, in_features));
}

Tensor Linear::forward(const Tensor& input) { return linear(input, weight, bias); }

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Size2 stride, Size2 padding,
               Size2 dilation, int64_t groups, bool with_bias)
    : stride(stride), padding(padding), dilation(dilation), groups(groups) {
  need_positive("Conv2d", "in_channels", in_channels);
  need_positive("Conv2d", "out_channels", out_channels);
  need_positive("Conv2d", "groups", groups);
  if (kernel_size.h <= 0 || kernel_size.w <= 0)
    (ErrorBuilder("Conv2d") << "kernel_size must be positive, got (" << kernel_size.h << ", " << kernel_size.w << ")")
        .raise();
  if (in_channels % groups || out_channels % groups)
    (ErrorBuilder("Conv2d") << "in_channels (" << in_channels << ") and out_channels (" << out_channels
                            << ") must be divisible by groups (" << groups << ")")
        .raise();
  const int64_t fan_in = in_channels / groups * kernel_size.h * kernel_size.w;
  weight = register_parameter(
      "weight", fan_in_uniform({out_channels, in_channels / groups, kernel_size.h, kernel_size.w}, fan_in));
  if (with_bias) bias = register_parameter("bias", fan_in_uniform({out_channels}, fan_in));
}

Tensor Conv2d::forward(const Tensor& input) { return conv2d(input, weight, bias, stride, padding, dilation, groups); }

BatchNorm2d::BatchNorm2d(int64_t num_features, double eps, double momentum, bool affine)
    : num_features(num_features), eps(eps), momentum(momentum) {
  need_positive("BatchNorm2d", "num_features", num_features);
  if (affine) {
    weight = register_parameter("weight", Tensor::ones({num_features}));
    bias = register_parameter("bias", Tensor::zeros({num_features}));
  }
  running_mean = register_buffer("running_mean", Tensor::zeros({num_features}));
  running_var = register_buffer("running_var", Tensor::ones({num_features}));
  num_batches_tracked = register_buffer("num_batches_tracked", Tensor::zeros({}, dtypes::int64));
}

Tensor BatchNorm2d::forward(const Tensor& input) {
  if (input.ndim() != 4)
    (ErrorBuilder("BatchNorm2d") << "expected 4D input (got " << input.ndim() << "D input " << input.str() << ")")
        .raise();
  if (input.size(1) != num_features)
    (ErrorBuilder("BatchNorm2d") << "expected " << num_features << " channels, got " << input.str()).raise();
  if (!is_training()) return batch_norm(input, running_mean, running_var, weight, bias, false, momentum, eps);
  num_batches_tracked.assign(num_batches_tracked + 1);
  Tensor out = batch_norm(input, running_mean, running_var, weight, bias, true, momentum, eps);
  // The running statistics are realized each step, else their lazy graphs would grow without bound.
  running_mean.realize();
  running_var.realize();
  num_batches_tracked.realize();
  return out;
}

LayerNorm::LayerNorm(Shape shape, double eps, bool elementwise_affine) : normalized_shape(std::move(shape)), eps(eps) {
  if (elementwise_affine) {
    weight = register_parameter("weight", Tensor::ones(normalized_shape));
    bias = register_parameter("bias", Tensor::zeros(normalized_shape));
  }
}

Tensor LayerNorm::forward(const Tensor& input) { return layer_norm(input, normalized_shape, weight, bias, eps); }

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim) {
  if (num_embeddings < 0 || embedding_dim < 0)
    (ErrorBuilder("Embedding") << "sizes must be non-negative, got " << num_embeddings << ", " << embedding_dim)
        .raise();
  weight = register_parameter("weight", Tensor::randn({num_embeddings, embedding_dim}));
}

Tensor Embedding::forward(const Tensor& indices) { return embedding(indices, weight); }

Dropout::Dropout(double p) : p(p) {
  if (!(p >= 0 && p <= 1)) (ErrorBuilder("Dropout") << "p must be in [0, 1], got " << p).raise();
}

Tensor Dropout::forward(const Tensor& input) { return dropout(input, p, is_training()); }

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& m : modules) push_back(m);
}

Sequential& Sequential::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
  return *this;
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& m : modules_) x = m->forward(x);
  return x;
}

}  // namespace anvil::nn
