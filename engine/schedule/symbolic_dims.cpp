#include "engine/schedule/symbolic_dims.h"

#include <algorithm>
#include <cctype>

#include "engine/support/check.h"
#include "engine/support/error.h"
#include "engine/symbolic/simplify.h"

namespace anvil {
namespace {

std::string lower_name(Op op) {
  std::string s(op_name(op));
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int64_t prod(const Shape& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= s[i];
  return p;
}

[[noreturn]] void unsupported(Op op, const UOp& var, const std::string& detail) {
  (ErrorBuilder(lower_name(op)) << "symbolic dim " << var.arg_var().name << " not supported by " << lower_name(op)
                                << detail)
      .raise();
}

}  // namespace

UOp bound_buffer(const UOp& n) {
  UOp u = n;
  while (u.op() == Op::BIND) u = UOp(u.src(0));  // a copy first: src(0) lives in the node being replaced
  if (u.op() == Op::RESHAPE) u = UOp(u.src(0));
  if (u.op() == Op::SHRINK && u.arg_ints().size() == 2 && u.arg_ints()[0] == 0) u = UOp(u.src(0));
  return u.op() == Op::BUFFER ? u : UOp();
}

UOp sym_linear_index(const std::vector<UOp>& idx, const SymShape& shape) {
  UOp lin = UOp::constant(dtypes::index, 0), stride = UOp::constant(dtypes::index, 1);
  for (size_t i = shape.size(); i-- > 0;) {
    const bool one = shape[i].op() == Op::CONST && shape[i].const_int() == 1;
    if (!one) lin = idx[i] * stride + lin;
    stride = stride * shape[i];
  }
  return simplify(lin);
}

SymbolicDims::SymbolicDims(const std::vector<UOp>& topo) {
  for (const UOp& n : topo) {
    if (n.op() == Op::BIND) bind(n);
    if (!n.shape()) continue;
    Axes a = infer(n);
    if (std::any_of(a.var.begin(), a.var.end(), [](const UOp& v) { return bool(v); })) {
      SymShape s;
      for (size_t i = 0; i < a.var.size(); ++i)
        s.push_back(a.var[i] ? a.var[i] : UOp::constant(dtypes::index, (*n.shape())[i]));
      shapes_.emplace(n, std::move(s));
    }
    axes_.emplace(n, std::move(a));
    if (n.op() == Op::BIND && bound_buffer(n).arg_ints()[1] < capacity(n))
      (ErrorBuilder("bind") << "the storage under " << n.src(1).arg_var().name << " holds "
                            << bound_buffer(n).arg_ints()[1] << " elements; every bound value needs " << capacity(n)
                            << " (bind with symbolic::bind)")
          .raise();
  }
}

const SymShape* SymbolicDims::of(const UOp& n) const {
  auto it = shapes_.find(n);
  return it == shapes_.end() ? nullptr : &it->second;
}

int64_t SymbolicDims::capacity(const UOp& n) const {
  const SymShape* s = of(n);
  if (!s) return shape_numel(*n.shape());
  int64_t count = 1;
  for (const UOp& d : *s) {
    const int64_t size = d.op() == Op::DEFINE_VAR ? d.arg_var().hi : d.const_int();
    if (__builtin_mul_overflow(count, size, &count))
      (ErrorBuilder("bind") << "a symbolic tensor of shape " << shape_str(*n.shape()) << " is too large at its bounds")
          .raise();
  }
  return count;
}

// Records the bound value and checks that the bound tensor is stored data with room for every value.
void SymbolicDims::bind(const UOp& n) {
  const UOp& v = n.src(1);
  if (v.op() != Op::DEFINE_VAR || !n.shape())
    (ErrorBuilder("bind") << "BIND needs a DEFINE_VAR and a shaped tensor, got " << n.brief()).raise();
  const VarArg& a = v.arg_var();
  const auto axis = static_cast<size_t>(n.arg_int());
  if (axis >= n.shape()->size()) (ErrorBuilder("bind") << "axis " << axis << " out of range for " << n.brief()).raise();
  const int64_t value = (*n.shape())[axis];
  if (value < a.lo || value > a.hi)
    (ErrorBuilder("bind") << a.name << " = " << value << " is outside its range [" << a.lo << ", " << a.hi << "]")
        .raise();
  auto [it, fresh] = vars_.emplace(a.name, value);
  if (!fresh && it->second != value)
    (ErrorBuilder("bind") << a.name << " is bound to both " << it->second << " and " << value).raise();
  auto [node, fresh_node] = var_nodes_.emplace(a.name, v);
  if (!fresh_node && !(node->second == v))
    (ErrorBuilder("bind") << "two variables named " << a.name << " with different ranges").raise();
  if (!bound_buffer(n)) (ErrorBuilder("bind") << "symbolic dim " << a.name << " must bind stored data").raise();
}

const SymbolicDims::Axes& SymbolicDims::axes_of(const UOp& n) const {
  static const Axes kNone;
  auto it = axes_.find(n);
  return it == axes_.end() ? kNone : it->second;
}

SymbolicDims::Axes SymbolicDims::infer(const UOp& n) const {
  const Shape& out = *n.shape();
  const size_t rank = out.size();
  Axes r{std::vector<UOp>(rank), std::vector<bool>(rank)};
  for (size_t i = 0; i < rank; ++i) r.free[i] = out[i] == 1;
  const Op op = n.op();
  auto src_axes = [&](size_t k) -> const Axes& { return axes_of(n.src(k)); };
  if (op == Op::BIND) {
    r = src_axes(0);
    const auto axis = static_cast<size_t>(n.arg_int());
    if (r.var[axis] && !(r.var[axis] == n.src(1)))
      (ErrorBuilder("bind") << "axis " << axis << " is already symbolic dim " << r.var[axis].arg_var().name).raise();
    r.var[axis] = n.src(1);
    r.free[axis] = false;
    return r;
  }
  if (in_group(op, opgroup::Alu) || op == Op::BITCAST || op == Op::CONTIGUOUS || op == Op::DETACH || op == Op::COPY)
    return elementwise(n);
  if (op == Op::ASSIGN) {
    for (const UOp& s : n.src())
      for (const UOp& v : axes_of(s).var)
        if (v) unsupported(op, v, "");
    return r;
  }
  if (op == Op::REDUCE_AXIS) {
    const Axes& in = src_axes(0);
    r = in;
    for (int64_t ax : n.arg_reduce().axes) {
      r.var[static_cast<size_t>(ax)] = UOp();
      r.free[static_cast<size_t>(ax)] = true;
    }
    return r;
  }
  if (!in_group(op, opgroup::Movement)) return r;  // leaves
  const Axes& in = src_axes(0);
  const Shape& in_shape = *n.src(0).shape();
  const std::vector<int64_t>& a = n.arg_ints();
  switch (op) {
    case Op::RESHAPE: return reshape(n, in);
    case Op::PERMUTE:
      for (size_t i = 0; i < rank; ++i) {
        r.var[i] = in.var[static_cast<size_t>(a[i])];
        r.free[i] = in.free[static_cast<size_t>(a[i])];
      }
      return r;
    case Op::FLIP: return in;
    case Op::EXPAND:
      for (size_t i = 0; i < rank; ++i) {
        if (in.var[i] && out[i] != in_shape[i])
          unsupported(op, in.var[i],
                      " to size " + std::to_string(out[i]) + " (it is bound to " + std::to_string(in_shape[i]) + ")");
        r.var[i] = in.var[i];
        r.free[i] = !in.var[i] && (in_shape[i] == 1 || in.free[i]);
      }
      return r;
    case Op::PAD:
    case Op::SHRINK:
      for (size_t i = 0; i < rank; ++i) {
        const bool same =
            op == Op::PAD ? a[2 * i] == 0 && a[2 * i + 1] == 0 : a[2 * i] == 0 && a[2 * i + 1] == in_shape[i];
        if (in.var[i] && !same) unsupported(op, in.var[i], " (axis " + std::to_string(i) + ")");
        r.var[i] = in.var[i];
        r.free[i] = out[i] == 1 || (in.free[i] && (op == Op::SHRINK || same));
      }
      return r;
    default: return r;
  }
}

// Each axis joins its sources' axes: one var, or broadcast axes, else a concrete size.
SymbolicDims::Axes SymbolicDims::elementwise(const UOp& n) const {
  const size_t rank = n.shape()->size();
  Axes r{std::vector<UOp>(rank), std::vector<bool>(rank, true)};
  for (size_t i = 0; i < rank; ++i) {
    for (const UOp& s : n.src()) {
      const Axes& in = axes_of(s);
      if (in.var.size() != rank) continue;  // a scalar source (a CONST): no axes
      r.free[i] = r.free[i] && in.free[i];
      if (!in.var[i]) continue;
      if (r.var[i] && !(r.var[i] == in.var[i]))
        (ErrorBuilder(lower_name(n.op()))
         << "symbolic dims " << r.var[i].arg_var().name << " and " << in.var[i].arg_var().name << " meet at axis " << i)
            .raise();
      r.var[i] = in.var[i];
    }
    if (!r.var[i]) continue;
    for (const UOp& s : n.src()) {
      const Axes& in = axes_of(s);
      if (in.var.size() == rank && !in.var[i] && !in.free[i])
        (ErrorBuilder(lower_name(n.op()))
         << "symbolic dim " << r.var[i].arg_var().name << " meets the concrete size " << (*s.shape())[i] << " at axis "
         << i << "; bind both operands (symbolic::bind) or neither")
            .raise();
    }
    r.free[i] = false;
  }
  return r;
}

// A symbolic axis must stay an axis of its own: the same product of sizes before and after it. With
// a var bound to 1 the place may be ambiguous among size-1 axes; the first is taken.
SymbolicDims::Axes SymbolicDims::reshape(const UOp& n, const Axes& in) const {
  const Shape& src = *n.src(0).shape();
  const Shape& out = *n.shape();
  Axes r{std::vector<UOp>(out.size()), std::vector<bool>(out.size())};
  for (size_t j = 0; j < out.size(); ++j) r.free[j] = out[j] == 1;
  size_t next = 0;
  for (size_t i = 0; i < src.size(); ++i) {
    if (!in.var[i]) continue;
    const int64_t before = prod(src, 0, i), after = prod(src, i + 1, src.size());
    size_t j = next;
    while (j < out.size() && !(out[j] == src[i] && prod(out, 0, j) == before && prod(out, j + 1, out.size()) == after))
      ++j;
    if (j == out.size())
      unsupported(Op::RESHAPE, in.var[i],
                  " " + shape_str(src) + " -> " + shape_str(out) + " (it must stay an axis of its own)");
    r.var[j] = in.var[i];
    r.free[j] = false;
    next = j + 1;
  }
  return r;
}

}  // namespace anvil
