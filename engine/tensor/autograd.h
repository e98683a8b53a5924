#pragma once
// Internal: the autograd state of a tensor handle (Tensor::autograd_state()) and the hooks that
// derive() and realize() call. Not part of the public API; the API is tensor.h's Autograd section.
//
// Gradients flow through a tensor's *autograd graph*: its uop(), except where a tensor that
// requires grad was realized (realize() swaps its graph for a BUFFER): then the graph it had before
// realization is kept here, and tensors derived from it get their uop() with that BUFFER replaced
// by the kept graph. So a value can be looked at (realized, printed) and backward() still reaches
// the leaves. Forward values the gradient rules need are recomputed from the autograd graph.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/tensor/tensor.h"

namespace anvil::tensor_detail {

struct AutogradState {
  bool requires_grad = false;
  bool is_leaf = false;     // made by requires_grad_(): its node is unique to it (a fresh BUFFER uid)
  UOp leaf_node;            // a leaf's node, where backward() collects its gradient
  std::string device;       // a leaf's device, which its gradient gets (as PyTorch's)
  UOp graph;                // the autograd graph when it is not uop(); null otherwise
  Tensor::Keep graph_keep;  // storage of graph's BUFFER leaves that uop()'s keep no longer holds
  // The leaves (requiring grad) this tensor's value depends on; for a leaf, itself. Weak: a leaf
  // that nobody holds needs no gradient.
  std::shared_ptr<const std::vector<std::weak_ptr<AutogradState>>> leaves;
  std::optional<Tensor> grad;  // accumulated by backward() on leaves; set_grad() on any tensor
};

// The node gradients flow to and from for `t`: its kept graph, else its uop().
const UOp& autograd_node(const Tensor& t);

// Gives `out`, just built from `from`, its autograd state: it requires grad when one of `from` does
// and its dtype is float, unless it is a DETACH.
void inherit_autograd(Tensor& out, const std::vector<Tensor>& from);

// Called by realize() before it replaces the graph: keeps the graph of a tensor that requires grad.
void remember_graph(AutogradState& state, const UOp& uop, const Tensor::Keep& keep);

// The union of two keeps (either may be null).
Tensor::Keep merge_keeps(const Tensor::Keep& a, const Tensor::Keep& b);

}  // namespace anvil::tensor_detail
