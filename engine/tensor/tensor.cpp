#include "engine/tensor/tensor.h"

#include <algorithm>
#include <atomic>
#include <map>

#include "engine/support/check.h"
#include "engine/support/error.h"
#include "engine/tensor/autograd.h"
#include "engine/tensor/device.h"
#include "engine/tensor/graph.h"
#include "engine/tensor/storage.h"

namespace anvil {

struct Tensor::Impl {
  UOp uop;
  Keep keep;
  std::string device;                                      // the backend that realizes it (device.cpp)
  std::shared_ptr<tensor_detail::AutogradState> autograd;  // null until autograd is involved (autograd.cpp)
};

namespace {

const UOp* buffer_leaf(const UOp& u) {
  if (u.op() == Op::BUFFER) return &u;
  if (u.op() == Op::RESHAPE && u.src(0).op() == Op::BUFFER) return &u.src(0);
  return nullptr;
}

}  // namespace

Tensor::Tensor(UOp uop, Keep keep, std::string device) {
  if (!uop || !uop.shape())
    (ErrorBuilder("tensor") << "a tensor needs a graph node with a shape, got " << (uop ? uop.brief() : "null"))
        .raise();
  impl_ = std::make_shared<Impl>();
  impl_->uop = std::move(uop);
  impl_->keep = std::move(keep);
  impl_->device = device.empty() ? default_backend() : std::move(device);
}

const Tensor::Impl& Tensor::impl(const char* op) const {
  if (!impl_) (ErrorBuilder("tensor") << op << " of an empty tensor handle (default-constructed)").raise();
  return *impl_;
}

const UOp& Tensor::uop() const { return impl("uop").uop; }
const Shape& Tensor::shape() const { return *impl("shape").uop.shape(); }
DType Tensor::dtype() const { return impl("dtype").uop.dtype(); }
int64_t Tensor::ndim() const { return static_cast<int64_t>(shape().size()); }
int64_t Tensor::numel() const { return shape_numel(shape()); }
const Tensor::Keep& Tensor::keep() const { return impl("keep").keep; }
const std::string& Tensor::device() const { return impl("device").device; }

const std::shared_ptr<tensor_detail::AutogradState>& Tensor::autograd_state() const {
  return impl("autograd").autograd;
}
void Tensor::set_autograd_state(std::shared_ptr<tensor_detail::AutogradState> state) {
  impl("autograd");
  impl_->autograd = std::move(state);
}
void Tensor::rebind(UOp uop, Keep keep) {
  impl("rebind");
  impl_->uop = std::move(uop);
  impl_->keep = std::move(keep);
}

int64_t Tensor::size(int64_t axis) const { return shape()[tensor_detail::normalize_axis("size", axis, ndim())]; }

std::string Tensor::str() const {
  if (!impl_) return "Tensor()";
  return "Tensor(" + name(dtype()) + ", " + shape_str(shape()) + ")";
}

bool Tensor::is_realized() const { return buffer_leaf(impl("realize").uop) != nullptr; }

Tensor& Tensor::realize() {
  if (is_realized()) return *this;
  const Realizer realizer = tensor_detail::find_backend("realize", impl_->device);
  take_realized(realizer(impl_->uop));
  return *this;
}

void Tensor::realize_all(const std::vector<Tensor>& tensors) {
  struct Group {
    std::vector<UOp> roots;                          // each graph once
    std::vector<std::pair<Tensor, size_t>> members;  // a handle and its root
  };
  std::map<std::string, Group> by_device;
  for (const Tensor& t : tensors) {
    if (t.is_realized()) continue;
    Group& g = by_device[t.impl_->device];
    const size_t at = static_cast<size_t>(std::find(g.roots.begin(), g.roots.end(), t.impl_->uop) - g.roots.begin());
    if (at == g.roots.size()) g.roots.push_back(t.impl_->uop);
    g.members.emplace_back(t, at);
  }
  for (auto& [device, g] : by_device) {
    const Realizer one = tensor_detail::find_backend("realize", device);  // Error naming an unknown device
    const MultiRealizer multi = tensor_detail::find_multi_realizer(device);
    std::vector<UOp> out;
    if (multi && g.roots.size() > 1) {
      out = multi(g.roots);
      ANVIL_CHECK(out.size() == g.roots.size())
          << "the multi-realizer returned " << out.size() << " results for " << g.roots.size() << " graphs";
    } else {
      for (const UOp& r : g.roots) out.push_back(one(r));
    }
    for (auto& [t, i] : g.members)
      if (!t.is_realized()) t.take_realized(out[i]);  // copies of one handle share the Impl
  }
}

// Replaces this handle's graph by `out`, a realizer's RESHAPE(BUFFER) of the same shape and dtype.
void Tensor::take_realized(UOp out) {
  const UOp* leaf = out ? buffer_leaf(out) : nullptr;
  ANVIL_CHECK(leaf && out.shape() == impl_->uop.shape() && out.dtype() == impl_->uop.dtype())
      << "the realizer returned " << (out ? out.brief() : "null") << " for " << impl_->uop.brief();
  std::shared_ptr<Buffer> storage = claim_storage(leaf->arg_ints()[0]);
  ANVIL_CHECK(storage) << "the realizer registered no storage for " << leaf->brief();
  if (impl_->autograd) tensor_detail::remember_graph(*impl_->autograd, impl_->uop, impl_->keep);
  impl_->uop = std::move(out);
  impl_->keep = std::make_shared<std::vector<std::shared_ptr<Buffer>>>(1, std::move(storage));
}

Buffer Tensor::to_buffer() {
  realize();
  const UOp& leaf = *buffer_leaf(impl_->uop);
  std::shared_ptr<Buffer> storage = storage_of(leaf.arg_ints()[0]);
  ANVIL_CHECK(storage && storage->count == static_cast<size_t>(numel()) && storage->dtype == dtype())
      << "storage of " << leaf.brief() << " does not match " << str();
  return *storage;
}

}  // namespace anvil
