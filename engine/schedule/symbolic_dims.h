#pragma once
// Symbolic dims of a tensor graph (engine/tensor/symbolic.md). A BIND(x, DEFINE_VAR n) axis says
// that x's size at `axis` is n's value; the graph itself keeps concrete (bound) sizes. This pass
// propagates which axes of every node are n, so kernels loop to DEFINE_VAR n and one kernel serves
// every bound value. Broadcast axes (size 1, or expanded from 1) join a symbolic axis; a concrete
// size meeting a symbolic one, or an op that would make the size depend on n's value (pad, shrink,
// a reshape merging n with other axes), raises anvil::Error naming the op and the dim.
//
// Storage of a node with a symbolic axis holds its elements row-major at the bound sizes, from
// element 0 of a buffer sized for every var at its upper bound (its capacity), so a kernel's
// buffer sizes never depend on a var.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/ir/shape.h"
#include "engine/ir/uop.h"

namespace anvil {

using SymShape = std::vector<UOp>;  // per axis: an index CONST (the size) or the DEFINE_VAR

class SymbolicDims {
 public:
  // `topo`: the graph's nodes, sources before users. Error for an unsupported use of a symbolic dim.
  explicit SymbolicDims(const std::vector<UOp>& topo);

  bool empty() const { return vars_.empty(); }
  // The symbolic shape of n, or nullptr when no axis of n is symbolic.
  const SymShape* of(const UOp& n) const;
  // The value of each var bound in the graph, by name.
  const std::map<std::string, int64_t>& vars() const { return vars_; }
  // n's element count with every var at its upper bound (n's concrete count when not symbolic).
  int64_t capacity(const UOp& n) const;

 private:
  struct Axes {
    std::vector<UOp> var;    // the DEFINE_VAR of each symbolic axis, else empty
    std::vector<bool> free;  // a broadcast axis (size 1 or expanded from 1): joins any size
  };
  const Axes& axes_of(const UOp& n) const;  // none for a node without a shape
  Axes infer(const UOp& n) const;
  Axes elementwise(const UOp& n) const;
  Axes reshape(const UOp& n, const Axes& in) const;
  void bind(const UOp& n);

  std::unordered_map<UOp, Axes, UOpHash> axes_;
  std::unordered_map<UOp, SymShape, UOpHash> shapes_;  // only nodes with a symbolic axis
  std::map<std::string, int64_t> vars_;
  std::map<std::string, UOp> var_nodes_;
};

// The BUFFER under a BIND chain over stored data (BIND* over RESHAPE / SHRINK from 0 of a BUFFER),
// or an empty UOp.
UOp bound_buffer(const UOp& n);

// The row-major linear index of idx in a (symbolic) shape; size-1 axes contribute nothing.
UOp sym_linear_index(const std::vector<UOp>& idx, const SymShape& shape);

}  // namespace anvil
