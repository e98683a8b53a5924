// Backends by name: a small registry from a device name to its realizer, and the default device.
#include "engine/tensor/device.h"

#include <map>
#include <mutex>
#include <sstream>

#include "engine/support/env.h"
#include "engine/support/error.h"
#include "engine/tensor/graph.h"

namespace anvil {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, Realizer> backends;  // ordered: messages list them sorted
  std::map<std::string, MultiRealizer> multi;
};

Registry& registry() {
  static auto* r = new Registry;  // never destroyed: tensors may realize during exit
  return *r;
}

std::string list_backends() {
  const std::vector<std::string> names = registered_backends();
  if (names.empty()) return "none";
  std::ostringstream os;
  for (size_t i = 0; i < names.size(); ++i) os << (i ? ", " : "") << names[i];
  return os.str();
}

}  // namespace

void register_backend(const std::string& name, Realizer realizer) { register_backend(name, realizer, nullptr); }

void register_backend(const std::string& name, Realizer realizer, MultiRealizer multi) {
  if (name.empty()) (ErrorBuilder("register_backend") << "a backend needs a name").raise();
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (realizer)
    r.backends[name] = realizer;
  else
    r.backends.erase(name);
  if (realizer && multi)
    r.multi[name] = multi;
  else
    r.multi.erase(name);
}

std::vector<std::string> registered_backends() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> names;
  for (const auto& [name, realizer] : r.backends) names.push_back(name);
  return names;
}

std::string default_backend() {
  static const std::string name = env_string("ANVIL_BACKEND", "interp");
  return name.empty() ? "interp" : name;
}

void set_realizer(Realizer realizer) { register_backend(default_backend(), realizer); }

namespace tensor_detail {

Realizer find_backend(const char* op, const std::string& device) {
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    if (auto it = r.backends.find(device); it != r.backends.end()) return it->second;
  }
  const bool from_env = device == default_backend() && !env_string("ANVIL_BACKEND").empty();
  (ErrorBuilder(op) << "no backend registered as '" << device << "'" << (from_env ? " (named by ANVIL_BACKEND)" : "")
                    << "; registered backends: " << list_backends())
      .raise();
}

MultiRealizer find_multi_realizer(const std::string& device) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  const auto it = r.multi.find(device);
  return it == r.multi.end() ? nullptr : it->second;
}

std::string common_device(const char* op, const std::vector<Tensor>& tensors) {
  if (tensors.empty()) return default_backend();
  const std::string& first = tensors[0].device();
  for (const Tensor& t : tensors)
    if (t.device() != first)
      (ErrorBuilder(op) << "expected all tensors on one device, found " << first << " and " << t.device()).raise();
  return first;
}

}  // namespace tensor_detail

Tensor Tensor::to(const std::string& backend) const {
  tensor_detail::find_backend("to", backend);
  // Backends share host storage today, so a move is a new handle on the same graph; a backend with
  // memory of its own would add a COPY here.
  return tensor_detail::derive(uop(), std::vector<Tensor>{*this}, backend);
}

}  // namespace anvil
