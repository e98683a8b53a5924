#pragma once
// anvil::nn::Module, as torch.nn.Module: parameters, buffers and submodules registered by name, so
// named_parameters(), state_dict() and load_state_dict() see "fc1.weight", "0.bias", "bn.running_mean"
// exactly as torch names them. Tensors are handles: the module, its owner and an optimizer hold copies
// of one handle, so an update through any of them (assign, an optimizer step) is seen by all.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor/tensor.h"

namespace anvil::nn {

using StateDict = std::map<std::string, Tensor>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// What load_state_dict(strict = false) skipped, as torch's _IncompatibleKeys.
struct LoadResult {
  std::vector<std::string> missing_keys;     // in the module, not in the dict
  std::vector<std::string> unexpected_keys;  // in the dict, not in the module
};

class Module {
 public:
  Module() = default;
  Module(const Module&) = delete;  // copies would share tensors but not registrations
  Module& operator=(const Module&) = delete;
  virtual ~Module() = default;

  virtual Tensor forward(const Tensor& input) = 0;
  Tensor operator()(const Tensor& input) { return forward(input); }

  // Recursive, in registration order: this module's own first, then each child's under "child.".
  NamedTensors named_parameters() const;
  std::vector<Tensor> parameters() const;
  NamedTensors named_buffers() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const { return children_; }

  // The training-mode switch, recursive (Dropout and BatchNorm2d follow it).
  Module& train(bool on = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }

  void zero_grad();  // every parameter's gradient dropped (torch's set_to_none)

  // Parameters and buffers by name, detached (values as of this call).
  StateDict state_dict() const;
  // Copies values in. Error("load_state_dict") on a shape or dtype mismatch, and (strict) on missing or
  // unexpected keys, naming them; nothing is changed when it raises. Parameters stay leaves that require grad.
  LoadResult load_state_dict(const StateDict& dict, bool strict = true);

 protected:
  // Registers a parameter (made a leaf that requires grad); returns the handle to keep as a member.
  Tensor register_parameter(const std::string& name, Tensor value);
  Tensor register_buffer(const std::string& name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void check_name(const std::string& name) const;
  void collect(const std::string& prefix, NamedTensors& params, NamedTensors& buffers) const;

  NamedTensors params_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// A parameter's value replaced by `value` (same shape and dtype): it stays a leaf that requires grad,
// and its gradient is kept. Used by load_state_dict and the optimizers.
void replace_parameter(Tensor& param, const Tensor& value);

// state_dict() through safetensors (engine/io/safetensors.h).
void save_state_dict(const Module& module, const std::string& path);
LoadResult load_state_dict(Module& module, const std::string& path, bool strict = true);

}  // namespace anvil::nn
