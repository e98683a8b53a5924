#include "engine/nn/module.h"

#include <set>
#include <sstream>

#include "engine/io/safetensors.h"
#include "engine/support/error.h"

namespace anvil::nn {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::ostringstream os;
  for (size_t i = 0; i < names.size(); ++i) os << (i ? ", " : "") << '"' << names[i] << '"';
  return os.str();
}

}  // namespace

void Module::check_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos)
    (ErrorBuilder("register") << "a name must be non-empty and hold no '.', got \"" << name << '"').raise();
  bool taken = false;
  for (const auto& [n, t] : params_) taken = taken || n == name;
  for (const auto& [n, t] : buffers_) taken = taken || n == name;
  for (const auto& [n, m] : children_) taken = taken || n == name;
  if (taken) (ErrorBuilder("register") << "\"" << name << "\" is already registered").raise();
}

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  check_name(name);
  value.requires_grad_();
  params_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  check_name(name);
  buffers_.emplace_back(name, value);
  return value;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_name(name);
  if (!module) (ErrorBuilder("register_module") << "\"" << name << "\" is a null module").raise();
  children_.emplace_back(name, std::move(module));
}

void Module::collect(const std::string& prefix, NamedTensors& params, NamedTensors& buffers) const {
  for (const auto& [n, t] : params_) params.emplace_back(prefix + n, t);
  for (const auto& [n, t] : buffers_) buffers.emplace_back(prefix + n, t);
  for (const auto& [n, m] : children_) m->collect(prefix + n + ".", params, buffers);
}

NamedTensors Module::named_parameters() const {
  NamedTensors params, buffers;
  collect("", params, buffers);
  return params;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors params, buffers;
  collect("", params, buffers);
  return buffers;
}

Module& Module::train(bool on) {
  training_ = on;
  for (auto& [n, m] : children_) m->train(on);
  return *this;
}

void Module::zero_grad() {
  for (Tensor& p : parameters()) p.zero_grad();
}

StateDict Module::state_dict() const {
  NamedTensors params, buffers;
  collect("", params, buffers);
  StateDict out;
  for (auto& [n, t] : params) out.emplace(n, t.detach());
  for (auto& [n, t] : buffers) out.emplace(n, t.detach());
  return out;
}

void replace_parameter(Tensor& param, const Tensor& value) {
  std::optional<Tensor> grad = param.grad();
  // assign() refuses a leaf that requires grad (as PyTorch outside no_grad): switch it off around the update.
  param.requires_grad_(false);
  param.assign(value.is_realized() && !value.autograd_state() ? value : value.detach());  // a buffer: no copy
  param.requires_grad_(true);  // realizes the new value: the graph stays one node deep
  param.set_grad(grad);
}

LoadResult Module::load_state_dict(const StateDict& dict, bool strict) {
  NamedTensors params, buffers;
  collect("", params, buffers);
  LoadResult result;
  std::set<std::string> known;
  auto check = [&](const std::string& name, const Tensor& t) {
    known.insert(name);
    auto it = dict.find(name);
    if (it == dict.end()) {
      result.missing_keys.push_back(name);
      return;
    }
    const Tensor& v = it->second;
    if (v.shape() != t.shape() || v.dtype() != t.dtype())
      (ErrorBuilder("load_state_dict") << "\"" << name << "\": the module holds " << t.str() << ", the dict "
                                       << v.str())
          .raise();
  };
  for (auto& [n, t] : params) check(n, t);
  for (auto& [n, t] : buffers) check(n, t);
  for (auto& [n, t] : dict)
    if (!known.count(n)) result.unexpected_keys.push_back(n);
  if (strict && (!result.missing_keys.empty() || !result.unexpected_keys.empty()))
    (ErrorBuilder("load_state_dict") << "missing keys [" << join(result.missing_keys) << "], unexpected keys ["
                                     << join(result.unexpected_keys) << "]")
        .raise();
  for (auto& [n, t] : params)
    if (auto it = dict.find(n); it != dict.end()) replace_parameter(t, it->second.to(t.device()));
  for (auto& [n, t] : buffers)
    if (auto it = dict.find(n); it != dict.end()) t.assign(it->second.to(t.device()).detach()).realize();
  return result;
}

void save_state_dict(const Module& module, const std::string& path) { save_safetensors(path, module.state_dict()); }

LoadResult load_state_dict(Module& module, const std::string& path, bool strict) {
  return module.load_state_dict(load_safetensors(path), strict);
}

}  // namespace anvil::nn
