#pragma once
// Symbolic shapes (engine/tensor/symbolic.md): a dimension may be a Var with a range. A tensor
// bound with bind(x, axis, n) has n's current value as its size there (x.shape() reports it), and
// every kernel over it loops to DEFINE_VAR n, so a kernel is compiled once for the range and runs
// for any bound value. Elementwise ops, broadcasting, reductions and matmul work over a symbolic
// axis; an op that would make a size depend on the value (pad, shrink of that axis, a reshape
// merging it with others, a concrete size meeting it) raises anvil::Error at realize, naming the op
// and the dim.
#include <cstdint>
#include <map>
#include <string>

#include "engine/ir/uop.h"
#include "engine/tensor/tensor.h"

namespace anvil {

// A symbolic dimension: an integer named `name` in [lo, hi]; lo >= 1 (Error("Var") otherwise).
class Var {
 public:
  Var(std::string name, int64_t lo, int64_t hi);
  const std::string& name() const { return uop_.arg_var().name; }
  int64_t lo() const { return uop_.arg_var().lo; }
  int64_t hi() const { return uop_.arg_var().hi; }
  const UOp& uop() const { return uop_; }  // DEFINE_VAR index name in [lo, hi]

 private:
  UOp uop_;
};

// x with `axis` bound to v: x's size there is v's value now; x's values are copied into storage
// with room for every value of v (row-major at the bound sizes, from element 0). Axes bound
// earlier stay bound. Error("bind") when the size is outside v's range, the axis is out of range
// or already bound.
Tensor bind(const Tensor& x, int64_t axis, const Var& v);

// The value bound to each var in a graph, by name; Error("bind") when one name has two values.
std::map<std::string, int64_t> bound_vars(const UOp& root);

// The graph without its BIND nodes: the concrete graph of the bound values (for ref).
UOp strip_binds(const UOp& root);

}  // namespace anvil
