#pragma once
// The nn layers, as torch.nn's, built on the functional ops of tensor.h. Initialization as torch's:
// Linear and Conv2d weights kaiming_uniform(a = sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and
// biases the same bound; Embedding N(0, 1); norms ones and zeros. Drawn from the engine's seeded
// stream (Tensor::manual_seed), so one seed builds one model.
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/nn/module.h"

namespace anvil::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& input) override;
  Tensor weight;               // [out, in]
  std::optional<Tensor> bias;  // [out]
};

class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Size2 stride = 1, Size2 padding = 0,
         Size2 dilation = 1, int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& input) override;
  Tensor weight;  // [out, in / groups, kH, kW]
  std::optional<Tensor> bias;
  Size2 stride, padding, dilation;
  int64_t groups;
};

// Batch statistics in training mode (running_mean/var updated, num_batches_tracked counted), the
// running statistics in eval mode.
class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true);
  Tensor forward(const Tensor& input) override;  // [N, C, H, W]
  std::optional<Tensor> weight, bias;
  Tensor running_mean, running_var, num_batches_tracked;
  int64_t num_features;
  double eps, momentum;
};

class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  Tensor forward(const Tensor& input) override;
  std::optional<Tensor> weight, bias;
  Shape normalized_shape;
  double eps;
};

class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim);
  Tensor forward(const Tensor& indices) override;
  Tensor weight;  // [num_embeddings, embedding_dim]
};

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);  // Error("Dropout") outside [0, 1]
  Tensor forward(const Tensor& input) override;
  double p;
};

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& input) override { return input.relu(); }
};

class Flatten : public Module {  // torch.nn.Flatten: dims start_dim..end_dim into one
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& input) override { return input.flatten(start_dim, end_dim); }
  int64_t start_dim, end_dim;
};

// Children named "0", "1", ... applied in order.
class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  Sequential& push_back(std::shared_ptr<Module> module);
  Tensor forward(const Tensor& input) override;
  size_t size() const { return modules_.size(); }
  const std::shared_ptr<Module>& operator[](size_t i) const { return modules_.at(i); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

}  // namespace anvil::nn
