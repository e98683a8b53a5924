// The autograd API (tensor.h, "Autograd"): leaves, requires_grad propagation, backward() and grad().
// The gradient rules and the reverse sweep are in gradient.cpp.
#include "engine/tensor/autograd.h"

#include <unordered_map>

#include "engine/support/check.h"
#include "engine/support/error.h"
#include "engine/tensor/gradient.h"
#include "engine/tensor/graph.h"
#include "engine/tensor/storage.h"

namespace anvil {
namespace tensor_detail {
namespace {

using Leaves = std::vector<std::weak_ptr<AutogradState>>;
using NodeMap = std::unordered_map<UOp, UOp, UOpHash>;

bool needs_grad(const Tensor& t) {
  const std::shared_ptr<AutogradState>& s = t.autograd_state();
  return s && s->requires_grad;
}

bool same_leaf(const std::weak_ptr<AutogradState>& a, const std::weak_ptr<AutogradState>& b) {
  return !a.owner_before(b) && !b.owner_before(a);
}

// The union of the inputs' leaves in input order; shared when only one input has any.
std::shared_ptr<const Leaves> merge_leaves(const std::vector<Tensor>& from) {
  std::shared_ptr<const Leaves> out;
  std::shared_ptr<Leaves> merged;
  for (const Tensor& t : from) {
    if (!needs_grad(t) || !t.autograd_state()->leaves || t.autograd_state()->leaves == out) continue;
    const std::shared_ptr<const Leaves>& ls = t.autograd_state()->leaves;
    if (!out) {
      out = ls;
      continue;
    }
    if (!merged) {
      merged = std::make_shared<Leaves>(*out);
      out = merged;
    }
    for (const std::weak_ptr<AutogradState>& l : *ls) {
      bool seen = false;
      for (const std::weak_ptr<AutogradState>& m : *merged) seen = seen || same_leaf(l, m);
      if (!seen) merged->push_back(l);
    }
  }
  return out;
}

// `u` with the nodes of `map` replaced, rebuilt bottom-up. The map holds every input's node, so the
// walk covers only the nodes the new op built.
UOp substitute(const UOp& u, const NodeMap& map, NodeMap& memo) {
  if (auto it = map.find(u); it != map.end()) return it->second;
  if (auto it = memo.find(u); it != memo.end()) return it->second;
  std::vector<UOp> src;
  bool changed = false;
  for (const UOp& s : u.src()) {
    src.push_back(substitute(s, map, memo));
    changed = changed || !(src.back() == s);
  }
  UOp out = changed ? UOp::make(u.op(), u.dtype(), std::move(src), u.arg()) : u;
  memo.emplace(u, out);
  return out;
}

// The storage every gradient graph of `t` may read: its own and its kept graph's.
Tensor::Keep gradient_keep(const Tensor& t) {
  const std::shared_ptr<AutogradState>& s = t.autograd_state();
  return merge_keeps(t.keep(), s ? s->graph_keep : nullptr);
}

UOp seed_for(const char* op, const Tensor& out, const std::optional<Tensor>& gradient) {
  if (!gradient) {
    if (out.numel() != 1)
      (ErrorBuilder(op) << "a gradient can be implied only for a tensor of one element, got shape "
                        << shape_str(out.shape()) << "; pass one")
          .raise();
    return const_node(out.dtype(), 1, out.shape());
  }
  if (gradient->shape() != out.shape())
    (ErrorBuilder(op) << "the gradient has shape " << shape_str(gradient->shape()) << ", expected "
                      << shape_str(out.shape()) << " (the output's)")
        .raise();
  return cast_to(gradient->uop(), out.dtype());
}

void need_requires_grad(const char* op, const Tensor& out) {
  if (!needs_grad(out))
    (ErrorBuilder(op) << "the output " << out.str()
                      << " does not require grad (no tensor it was computed from called requires_grad_())")
        .raise();
}

}  // namespace

const UOp& autograd_node(const Tensor& t) {
  const std::shared_ptr<AutogradState>& s = t.autograd_state();
  return s && s->graph ? s->graph : t.uop();
}

Tensor::Keep merge_keeps(const Tensor::Keep& a, const Tensor::Keep& b) {
  if (!b || b->empty() || a == b) return a;
  if (!a || a->empty()) return b;
  auto merged = std::make_shared<std::vector<std::shared_ptr<Buffer>>>(*a);
  for (const std::shared_ptr<Buffer>& x : *b) {
    bool seen = false;
    for (const std::shared_ptr<Buffer>& y : *merged) seen = seen || x == y;
    if (!seen) merged->push_back(x);
  }
  return merged;
}

void inherit_autograd(Tensor& out, const std::vector<Tensor>& from) {
  if (!is_float(out.dtype()) || out.uop().op() == Op::DETACH) return;
  bool any = false, any_graph = false;
  for (const Tensor& t : from) {
    if (!needs_grad(t)) continue;
    any = true;
    any_graph = any_graph || t.autograd_state()->graph;
  }
  if (!any) return;
  auto s = std::make_shared<AutogradState>();
  s->requires_grad = true;
  s->leaves = merge_leaves(from);
  if (any_graph) {  // an input was realized: graft its kept graph where its BUFFER now stands
    NodeMap map, memo;
    for (const Tensor& t : from) {
      auto [it, fresh] = map.try_emplace(t.uop(), autograd_node(t));
      if (!fresh && needs_grad(t)) it->second = autograd_node(t);
      if (needs_grad(t)) s->graph_keep = merge_keeps(s->graph_keep, t.autograd_state()->graph_keep);
    }
    UOp graph = substitute(out.uop(), map, memo);
    if (!(graph == out.uop())) s->graph = std::move(graph);
  }
  out.set_autograd_state(std::move(s));
}

void remember_graph(AutogradState& state, const UOp& uop, const Tensor::Keep& keep) {
  if (!state.requires_grad || state.is_leaf) return;
  if (!state.graph) state.graph = uop;
  state.graph_keep = merge_keeps(state.graph_keep, keep);
}

}  // namespace tensor_detail

using tensor_detail::AutogradState;

Tensor& Tensor::requires_grad_(bool on) {
  std::shared_ptr<AutogradState> s = autograd_state();
  if (!on) {
    if (!s || !s->requires_grad) return *this;
    if (!s->is_leaf)
      (ErrorBuilder("requires_grad_") << "only a leaf's requires_grad can be turned off; " << str()
                                      << " is computed from tensors that require grad (use detach())")
          .raise();
    s->requires_grad = false;
    return *this;
  }
  if (!is_float(dtype()))
    (ErrorBuilder("requires_grad_") << "only float tensors can require gradients, got " << name(dtype())).raise();
  if (s && (s->requires_grad || s->is_leaf)) {
    s->requires_grad = true;
    return *this;
  }
  // A leaf needs a node of its own: realize a computed tensor, then alias its storage under a fresh
  // BUFFER uid (another handle may share the node, e.g. x.to(x.dtype())).
  if (!is_realized()) {
    try {
      realize();
    } catch (const Error& e) {
      (ErrorBuilder("requires_grad_") << "a computed tensor becomes a leaf by realizing it: " << e.what()).raise();
    }
  }
  const UOp& u = uop();
  const UOp& buffer = u.op() == Op::BUFFER ? u : u.src(0);
  std::shared_ptr<Buffer> storage = storage_of(buffer.arg_ints()[0]);
  ANVIL_CHECK(storage) << "no storage for " << buffer.brief();
  const int64_t uid = new_buffer_uid();
  register_storage(uid, storage);
  claim_storage(uid);
  const UOp alias = UOp::make(Op::BUFFER, dtype(), {}, std::vector<int64_t>{uid, buffer.arg_ints()[1]});
  rebind(tensor_detail::reshape_node(alias, shape()),
         std::make_shared<std::vector<std::shared_ptr<Buffer>>>(1, storage));
  if (!s) s = std::make_shared<AutogradState>();
  s->requires_grad = true;
  s->is_leaf = true;
  s->leaf_node = uop();
  s->device = device();
  s->leaves = std::make_shared<const std::vector<std::weak_ptr<AutogradState>>>(1, s);
  set_autograd_state(std::move(s));
  return *this;
}

bool Tensor::requires_grad() const {
  const std::shared_ptr<AutogradState>& s = autograd_state();
  return s && s->requires_grad;
}

bool Tensor::is_leaf() const {
  const std::shared_ptr<AutogradState>& s = autograd_state();
  return !s || !s->requires_grad || s->is_leaf;
}

std::optional<Tensor> Tensor::grad() const {
  const std::shared_ptr<AutogradState>& s = autograd_state();
  return s ? s->grad : std::nullopt;
}

void Tensor::set_grad(std::optional<Tensor> g) {
  if (g && (g->shape() != shape() || g->dtype() != dtype()))
    (ErrorBuilder("set_grad") << "the gradient is " << g->str() << ", expected " << str()).raise();
  std::shared_ptr<AutogradState> s = autograd_state();
  if (!s) {
    if (!g) return;
    s = std::make_shared<AutogradState>();
    set_autograd_state(s);
  }
  // A fresh handle: t.set_grad(t) must not make t's state hold t (a cycle that is never freed).
  if (g) g = Tensor(g->uop(), g->keep(), g->device());
  s->grad = std::move(g);
}

void Tensor::zero_grad() { set_grad(std::nullopt); }

void Tensor::backward() {
  tensor_detail::need_requires_grad("backward", *this);
  backward(Tensor(tensor_detail::seed_for("backward", *this, std::nullopt), nullptr, device()));
}

void Tensor::backward(const Tensor& gradient) {
  tensor_detail::need_requires_grad("backward", *this);
  const UOp seed = tensor_detail::seed_for("backward", *this, gradient);
  std::vector<std::shared_ptr<AutogradState>> leaves;
  std::vector<UOp> targets;
  for (const std::weak_ptr<AutogradState>& w : *autograd_state()->leaves) {
    std::shared_ptr<AutogradState> l = w.lock();
    if (!l || !l->requires_grad) continue;  // nobody holds it, or it was turned off
    targets.push_back(l->leaf_node);
    leaves.push_back(std::move(l));
  }
  const std::vector<UOp> gs = tensor_detail::gradients(tensor_detail::autograd_node(*this), seed, targets);
  const Keep keep = tensor_detail::merge_keeps(tensor_detail::gradient_keep(*this), gradient.keep());
  for (size_t i = 0; i < leaves.size(); ++i) {
    if (!gs[i]) continue;  // reached only through detach()
    Tensor g(gs[i], keep, leaves[i]->device);
    leaves[i]->grad = leaves[i]->grad ? leaves[i]->grad->add(g) : g;
  }
}

std::vector<Tensor> grad(const Tensor& out, const std::vector<Tensor>& inputs, std::optional<Tensor> grad_out) {
  tensor_detail::need_requires_grad("grad", out);
  const UOp seed = tensor_detail::seed_for("grad", out, grad_out);
  std::vector<UOp> targets;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad())
      (ErrorBuilder("grad") << "input " << i << " (" << inputs[i].str() << ") does not require grad").raise();
    targets.push_back(tensor_detail::autograd_node(inputs[i]));
  }
  const std::vector<UOp> gs = tensor_detail::gradients(tensor_detail::autograd_node(out), seed, targets);
  Tensor::Keep keep = tensor_detail::gradient_keep(out);
  if (grad_out) keep = tensor_detail::merge_keeps(keep, grad_out->keep());
  std::vector<Tensor> result;
  for (size_t i = 0; i < gs.size(); ++i) {
    if (!gs[i])
      (ErrorBuilder("grad") << "input " << i << " (" << inputs[i].str()
                            << ") was not used to compute the output (or only through detach())")
          .raise();
    result.emplace_back(gs[i], keep, inputs[i].device());
  }
  return result;
}

}  // namespace anvil
