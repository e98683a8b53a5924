// The graph reducer's core: node simplification and dimension shrinking under a predicate.
#include <algorithm>
#include <set>

#include "engine/ir/alu.h"
#include "engine/ir/shape.h"
#include "fuzz/lib/graph_edit.h"
#include "fuzz/lib/reduce.h"

namespace anvil::fuzz {
namespace {

// A constant of this dtype broadcast to `shape`, as the Tensor API builds one.
UOp const_of_shape(DType dtype, const Value& v, const Shape& shape) {
  const UOp c = value_const(dtype, v);
  if (shape.empty()) return c;
  const UOp r = UOp::make(Op::RESHAPE, dtype, {c}, Shape(shape.size(), 1));
  return UOp::make(Op::EXPAND, dtype, {r}, shape);
}

// Smaller graphs in place of n: a source of its shape (cast to its dtype), a constant of its shape.
std::vector<UOp> simpler(const UOp& n) {
  std::vector<UOp> out;
  const Shape& shape = *n.shape();
  for (const UOp& s : n.src()) {
    if (!s.shape() || *s.shape() != shape) continue;
    out.push_back(s.dtype() == n.dtype() ? s : s.cast(n.dtype()));
  }
  if (n.op() != Op::CONST && n.op() != Op::EXPAND && n.op() != Op::RESHAPE) {
    const Scalar s = n.dtype().scalar;
    out.push_back(const_of_shape(n.dtype(), is_float(s) ? Value::of_float(0) : Value::of_int(0), shape));
    out.push_back(const_of_shape(n.dtype(), is_float(s) ? Value::of_float(1) : Value::of_int(1), shape));
  }
  return out;
}

// Every dimension size above 1 in the graph, largest first: the sizes shrink_dim may rewrite.
std::vector<int64_t> dims_of(const UOp& root) {
  std::set<int64_t, std::greater<>> dims;
  for (const UOp& u : root.toposort())
    if (u.shape())
      for (int64_t d : *u.shape())
        if (d > 1) dims.insert(d);
  return {dims.begin(), dims.end()};
}

// Never more nodes nor more elements (reduce.h): a deletion that leaves a wider node is no step.
bool smaller_than(const UOp& a, const UOp& b) {
  const size_t na = node_count(a), nb = node_count(b);
  const int64_t ea = graph_elements(a), eb = graph_elements(b);
  return na <= nb && ea <= eb && (na < nb || ea < eb);
}

}  // namespace

int64_t graph_elements(const UOp& root) {
  int64_t n = 0;
  for (const UOp& u : root.toposort())
    if (u.shape()) n += std::max<int64_t>(0, shape_numel(*u.shape()));
  return n;
}

UOp shrink_dim(const UOp& root, int64_t from, int64_t to) {
  auto map = [&](std::vector<int64_t> s) {
    for (int64_t& d : s)
      if (d == from) d = to;
    return s;
  };
  const std::vector<UOp> topo = root.toposort();
  // A BUFFER leaf is 1-D; its count follows the shape its RESHAPE consumer gives it.
  std::unordered_map<UOp, int64_t, UOpHash> count;
  for (const UOp& u : topo)
    if (u.op() == Op::RESHAPE && u.src(0).op() == Op::BUFFER) count[u.src(0)] = shape_numel(map(u.arg_ints()));
  Substitution done;
  for (const UOp& u : topo) {
    std::vector<UOp> src;
    for (const UOp& s : u.src()) src.push_back(done.at(s));
    Arg arg = u.arg();
    switch (u.op()) {
      case Op::BUFFER: {
        const auto it = count.find(u);
        const int64_t n = u.arg_ints()[1];
        arg = std::vector<int64_t>{u.arg_ints()[0], it != count.end() ? it->second : n == from ? to : n};
        break;
      }
      case Op::RESHAPE: arg = map(u.arg_ints()); break;
      case Op::EXPAND: {  // an axis that was broadcast keeps broadcasting; any other follows its source
        const Shape& in = *src[0].shape();
        std::vector<int64_t> a = u.arg_ints();
        for (size_t i = 0; i < a.size() && i < in.size(); ++i) a[i] = in[i] == 1 ? (a[i] == from ? to : a[i]) : in[i];
        arg = a;
        break;
      }
      case Op::SHRINK: {  // a full range stays full; a partial one is clamped into the new size
        const Shape &old_in = *u.src(0).shape(), &in = *src[0].shape();
        std::vector<int64_t> a = u.arg_ints();
        for (size_t i = 0; 2 * i + 1 < a.size() && i < in.size(); ++i) {
          if (old_in[i] == in[i]) continue;
          int64_t &lo = a[2 * i], &hi = a[2 * i + 1];
          if (lo == 0 && hi == old_in[i]) {
            hi = in[i];
          } else {
            hi = std::min(hi, in[i]);
            lo = std::min(lo, hi);
          }
        }
        arg = a;
        break;
      }
      default: break;
    }
    UOp n = UOp::make(u.op(), u.dtype(), std::move(src), arg);
    if (!n.shape()) return UOp();
    done.emplace(u, n);
  }
  return done.at(root);
}

UOp reduce_graph_with(const UOp& start, const GraphPredicate& fails, int budget) {
  UOp root = start;
  auto try_take = [&](const UOp& candidate) {
    if (!candidate || candidate == root || !smaller_than(candidate, root) || --budget < 0) return false;
    if (!fails(candidate)) return false;
    root = candidate;
    return true;
  };
  for (bool progress = true; progress && budget > 0;) {
    progress = false;
    // Root first: cutting near the root removes the most nodes per check.
    std::vector<UOp> topo = root.toposort();
    std::reverse(topo.begin(), topo.end());
    for (const UOp& n : topo) {
      for (const UOp& c : simpler(n))
        if ((progress = try_take(substitute(root, n, c)))) break;
      if (progress || budget <= 0) break;
    }
    if (progress) continue;
    // A case's root may be any node: cut the root off for one of its sources (of any shape).
    for (const UOp& s : root.src())
      if ((progress = try_take(s))) break;
    if (progress) continue;
    // Then shapes: each size to 1, else to half, so a case keeps only the sizes its bug needs.
    for (int64_t d : dims_of(root)) {
      for (int64_t to : {int64_t{1}, d / 2})
        if (to >= 1 && to < d && (progress = try_take(shrink_dim(root, d, to)))) break;
      if (progress || budget <= 0) break;
    }
  }
  return root;
}

}  // namespace anvil::fuzz
