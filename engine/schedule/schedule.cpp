#include "engine/schedule/schedule.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "engine/ir/shape.h"
#include "engine/schedule/contraction.h"
#include "engine/schedule/kernel_ast.h"
#include "engine/schedule/split_reduce.h"
#include "engine/schedule/symbolic_dims.h"
#include "engine/support/breadcrumb.h"
#include "engine/support/check.h"
#include "engine/support/mutant.h"
#include "engine/tensor/storage.h"

namespace anvil {
namespace {

using NodeSet = std::unordered_set<UOp, UOpHash>;
template <class V>
using NodeMap = std::unordered_map<UOp, V, UOpHash>;

// A view of stored data needs no kernel: RESHAPEs of a BUFFER (a reshape keeps row-major order).
bool is_buffer_view(UOp u) {
  // A copy first: src(0) lives in the node being replaced.
  while (u.op() == Op::RESHAPE || (ANVIL_MUTANT(11) && u.op() == Op::PERMUTE)) u = UOp(u.src(0));
  return u.op() == Op::BUFFER;
}

// Movement ops that visit each source element at most once, so a fused reduce is not recomputed.
bool keeps_loops(const UOp& m) {
  if (m.op() == Op::EXPAND) return ANVIL_MUTANT(12) || shape_numel(*m.shape()) == shape_numel(*m.src(0).shape());
  return m.op() == Op::RESHAPE || m.op() == Op::PERMUTE || m.op() == Op::FLIP;
}

class Scheduler {
 public:
  explicit Scheduler(const std::vector<UOp>& roots) : roots_(roots), topo_(topo_of(roots)), sym_(topo_) {
    for (const UOp& n : topo_)
      for (const UOp& s : n.src()) {
        auto& users = users_[s];
        if (std::find(users.begin(), users.end(), n) == users.end()) users.push_back(n);
      }
  }

  static std::vector<UOp> topo_of(const std::vector<UOp>& roots) {
    std::vector<UOp> topo;
    NodeSet seen;
    for (const UOp& r : roots)
      for (const UOp& n : r.toposort())
        if (seen.insert(n).second) topo.push_back(n);
    return topo;
  }

  Schedule run() {
    const NodeSet root_set(roots_.begin(), roots_.end());
    breadcrumb::Scope crumb("schedule", nullptr, "-");  // a crash names the node being scheduled
    stored_ = contraction_realizes(
        topo_, [&](const UOp& u) { return root_set.count(u) || u.op() == Op::BUFFER; },
        [&](const UOp& u) { return sym_.of(u) != nullptr; });
    for (const UOp& n : topo_) {
      breadcrumb::set_op(op_name(n.op()).data());
      const bool root = root_set.count(n) && !is_buffer_view(n);
      if (root || n.op() == Op::CONTIGUOUS || stored_.count(n) ||
          (n.op() == Op::REDUCE_AXIS && !fusable_reduce(n, root_set)))
        realize(n);
    }
    Schedule out;
    NodeSet done;
    for (const UOp& n : topo_)  // children before parents: producers' kernels come first
      if (pending_.count(n) && done.insert(n).second) add_kernel(n, out);
    for (const UOp& r : roots_) out.results.push_back(result_of(r));
    out.vars = sym_.vars();
    return out;
  }

 private:
  void realize(const UOp& n) {
    if (buffer_.count(n)) return;
    ANVIL_CHECK(n.shape()) << "schedule: a node without a shape: " << n.brief();
    const int64_t count = sym_.capacity(n);  // symbolic: room for every bound value
    buffer_.emplace(n, UOp::make(Op::BUFFER, n.dtype(), {}, std::vector<int64_t>{new_buffer_uid(), count}));
    pending_.insert(n);
  }

  // A reduce fuses into the work after it when that work runs over the reduce's own output loops:
  // up to the next realization point (a root, CONTIGUOUS, another reduce), through elementwise ops
  // and movement ops that neither broadcast nor crop, and it feeds only one such point.
  bool fusable_reduce(const UOp& n, const NodeSet& roots) {
    if (roots.count(n)) return false;
    NodeSet seen{n}, ends;
    std::vector<UOp> stack{n};
    while (!stack.empty()) {
      const UOp u = stack.back();
      stack.pop_back();
      for (const UOp& user : users_[u]) {
        if (!seen.insert(user).second) continue;
        if (in_group(user.op(), opgroup::Movement) && !keeps_loops(user)) return false;
        // A symbolic axis the reduce lacks is a broadcast over it, even where its value is 1 (no EXPAND).
        if (var_axes(user) > var_axes(n)) return false;
        if (roots.count(user) || user.op() == Op::CONTIGUOUS || user.op() == Op::REDUCE_AXIS || stored_.count(user)) {
          ends.insert(user);
          continue;
        }
        stack.push_back(user);
      }
    }
    return ends.size() <= 1;
  }

  size_t var_axes(const UOp& n) const {
    const SymShape* s = sym_.of(n);
    if (!s) return 0;
    return static_cast<size_t>(
        std::count_if(s->begin(), s->end(), [](const UOp& d) { return d.op() == Op::DEFINE_VAR; }));
  }

  UOp realized(const UOp& n) const {
    if (n.op() == Op::BUFFER) return n;
    auto it = buffer_.find(n);
    return it == buffer_.end() ? UOp() : it->second;
  }

  void add_kernel(const UOp& n, Schedule& out) {
    breadcrumb::set_op(op_name(n.op()).data());
    const UOp buf = buffer_.at(n);
    if (buf.arg_ints()[1] == 0) return;  // nothing to compute
    const KernelAst k = build_kernel_ast(
        n, buf, [this](const UOp& u) { return realized(u); }, &sym_);
    Kernel kernel{k.ast, {}, k.buffers, 1};
    for (const UOp& b : k.buffers) kernel.buffer_uids.push_back(b.arg_ints()[0]);
    out.kernels.push_back(std::move(kernel));
  }

  // BUFFER, or one RESHAPE of it: a chain of reshapes over stored data collapses to one.
  UOp result_of(const UOp& root) const {
    UOp buf = root;
    if (is_buffer_view(root)) {
      while (buf.op() == Op::RESHAPE) buf = UOp(buf.src(0));
    } else {
      buf = buffer_.at(root);
    }
    const Shape& shape = *root.shape();
    if (sym_.of(root)) {  // the bound elements lead the buffer (symbolic_dims.h)
      buf = UOp::make(Op::SHRINK, buf.dtype(), {buf}, std::vector<int64_t>{0, shape_numel(shape)});
    }
    if (shape == *buf.shape()) return buf;
    return UOp::make(Op::RESHAPE, buf.dtype(), {buf}, shape);
  }

  std::vector<UOp> roots_;
  std::vector<UOp> topo_;
  NodeMap<std::vector<UOp>> users_;
  NodeMap<UOp> buffer_;  // realized node -> the BUFFER that will hold it
  NodeSet pending_;      // realized nodes that need a kernel
  NodeSet stored_;       // nodes a contraction reads better stored (contraction.h)
  SymbolicDims sym_;     // symbolic axes of every node (BIND)
};

}  // namespace

Schedule make_schedule(const std::vector<UOp>& roots) { return Scheduler(split_large_reduces(roots)).run(); }

std::vector<Kernel> schedule(const std::vector<UOp>& roots) { return make_schedule(roots).kernels; }

}  // namespace anvil
