#include "engine/schedule/kernel_ast.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "engine/ir/shape.h"
#include "engine/schedule/symbolic_dims.h"
#include "engine/support/check.h"
#include "engine/support/mutant.h"
#include "engine/symbolic/simplify.h"

namespace anvil {
namespace {

using Idx = std::vector<UOp>;  // one index expression per dimension

UOp iconst(int64_t v) { return UOp::constant(dtypes::index, v); }
UOp bool_const(bool v) { return UOp::constant(dtypes::bool_, v ? 1 : 0); }
bool is_true(const UOp& u) { return u.is_const() && u.const_int() != 0; }
bool is_false(const UOp& u) { return u.is_const() && u.const_int() == 0; }
UOp both(const UOp& a, const UOp& b) { return is_true(a) ? b : is_true(b) ? a : a.alu(Op::AND, b); }

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

// The row-major linear index of `idx` in shape `s`; size-1 dims contribute nothing.
UOp linear_index(const Idx& idx, const Shape& s) {
  const std::vector<int64_t> st = strides_of(s);
  UOp lin = iconst(0);
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] != 1) lin = lin + idx[i] * st[i];
  return simplify(lin);
}

// The index into `in` of the element at `idx` of `out`, for a reshape between two concrete shapes.
Idx reshape_index(const Idx& idx, const Shape& out, const Shape& in) {
  const UOp lin = linear_index(idx, out);
  const std::vector<int64_t> st = strides_of(in);
  Idx s(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    UOp e = in[i] == 1 ? iconst(0) : lin.floordiv(st[i]);
    if (i > 0 && in[i] != 1) e = e.floormod(in[i]);
    s[i] = simplify(e);
  }
  return s;
}

bool is_var(const UOp& d) { return d.op() == Op::DEFINE_VAR; }

// A reshape keeping each symbolic axis an axis of its own (symbolic_dims.cpp): the k-th var of `in`
// is the k-th of `out`, and the concrete runs between them reshape among themselves.
Idx sym_reshape_index(const Idx& idx, const SymShape& out, const SymShape& in) {
  std::vector<size_t> vo, vi;
  for (size_t j = 0; j < out.size(); ++j)
    if (is_var(out[j])) vo.push_back(j);
  for (size_t i = 0; i < in.size(); ++i)
    if (is_var(in[i])) vi.push_back(i);
  ANVIL_CHECK(vo.size() == vi.size()) << "schedule: a reshape loses a symbolic axis";
  vo.push_back(out.size());
  vi.push_back(in.size());
  Idx s(in.size());
  size_t jo = 0, ji = 0;
  for (size_t k = 0; k < vo.size(); ++k) {
    Idx seg_idx(idx.begin() + static_cast<ptrdiff_t>(jo), idx.begin() + static_cast<ptrdiff_t>(vo[k]));
    Shape seg_out, seg_in;
    for (size_t j = jo; j < vo[k]; ++j) seg_out.push_back(out[j].const_int());
    for (size_t i = ji; i < vi[k]; ++i) seg_in.push_back(in[i].const_int());
    const Idx seg = reshape_index(seg_idx, seg_out, seg_in);
    std::copy(seg.begin(), seg.end(), s.begin() + static_cast<ptrdiff_t>(ji));
    if (k + 1 < vo.size()) s[vi[k]] = idx[vo[k]];
    jo = vo[k] + 1;
    ji = vi[k] + 1;
  }
  return s;
}

class Builder {
 public:
  Builder(const UOp& target, const std::function<UOp(const UOp&)>& realized, const SymbolicDims* sym)
      : target_(target), realized_(realized), sym_(sym) {}

  KernelAst build(const UOp& out) {
    slot_of(out);
    const Shape& shape = *target_.shape();
    const SymShape* sshape = sym_of(target_);
    Idx idx;
    for (size_t i = 0; i < shape.size(); ++i) {
      const UOp end = sshape ? (*sshape)[i] : iconst(shape[i]);
      const bool one = !is_var(end) && shape[i] == 1;
      idx.push_back(one ? iconst(0) : UOp::make(Op::RANGE, dtypes::index, {end}, next_axis_++));
    }
    const UOp value = compute(target_, idx, bool_const(true));
    const UOp lin = sshape ? sym_linear_index(idx, *sshape) : linear_index(idx, shape);
    const UOp at = UOp::make(Op::INDEX, global(out).dtype(), {global(out), lin});
    const UOp store = UOp::make(Op::STORE, dtypes::void_, {at, value});
    return KernelAst{UOp::make(Op::SINK, dtypes::void_, {store}), buffers_};
  }

 private:
  size_t slot_of(const UOp& buf) {
    for (size_t i = 0; i < buffers_.size(); ++i)
      if (buffers_[i] == buf) return i;
    buffers_.push_back(buf);
    return buffers_.size() - 1;
  }
  UOp global(const UOp& buf) {
    const int64_t slot = static_cast<int64_t>(slot_of(buf));
    return UOp::make(Op::DEFINE_GLOBAL, buf.dtype().ptr(AddrSpace::Global, buf.arg_ints()[1]), {}, slot);
  }

  // Node n's symbolic shape, or nullptr when it has no symbolic axis.
  const SymShape* sym_of(const UOp& n) const { return sym_ ? sym_->of(n) : nullptr; }

  // A realized node n, stored row-major (at its bound sizes) in `buf`, read at idx where `valid`.
  UOp load(const UOp& buf, const UOp& n, const Idx& idx, const UOp& valid) {
    const Shape& shape = *n.shape();
    const SymShape* sshape = sym_of(n);
    const UOp gate = simplify(valid);
    const UOp zero = UOp::constant(buf.dtype(), 0);
    // A buffer with no elements is never read: every index into it lies in a padded-away region.
    const bool no_elements = sshape ? std::any_of(sshape->begin(), sshape->end(),
                                                  [](const UOp& d) { return !is_var(d) && d.const_int() == 0; })
                                    : shape_numel(shape) == 0;
    if (is_false(gate) || no_elements) return zero;
    const UOp g = global(buf), lin = sshape ? sym_linear_index(idx, *sshape) : linear_index(idx, shape);
    if (is_true(gate)) return UOp::make(Op::LOAD, buf.dtype(), {UOp::make(Op::INDEX, g.dtype(), {g, lin})});
    return UOp::make(Op::LOAD, buf.dtype(), {UOp::make(Op::INDEX, g.dtype(), {g, lin, gate}), zero});
  }

  // The value of n at idx; memoized per (node, idx, valid).
  UOp value(const UOp& n, const Idx& idx, const UOp& valid) {
    // A tensor with no elements is only ever read under a gate that is false (a pad around it): its
    // value is any, 0 here, and its index is not computed (a reshape of it would divide by a 0 stride).
    if (n.shape() && !sym_of(n) && shape_numel(*n.shape()) == 0) return UOp::constant(n.dtype(), 0);
    if (!(n == target_)) {
      if (UOp buf = realized_(n)) return load(buf, n, idx, valid);
    }
    std::vector<UOp> key_src{n, valid};
    key_src.insert(key_src.end(), idx.begin(), idx.end());
    const UOp key = UOp::make(Op::SINK, dtypes::void_, std::move(key_src));
    auto it = memo_.find(key);
    if (it != memo_.end()) return it->second;
    UOp v = compute(n, idx, valid);
    memo_.emplace(key, v);
    return v;
  }

  UOp compute(const UOp& n, const Idx& idx, const UOp& valid);
  UOp movement(const UOp& n, const Idx& idx, const UOp& valid);
  UOp reduce(const UOp& n, const Idx& idx, const UOp& valid);

  UOp target_;
  const std::function<UOp(const UOp&)>& realized_;
  const SymbolicDims* sym_;
  std::vector<UOp> buffers_;
  std::unordered_map<UOp, UOp, UOpHash> memo_;
  int64_t next_axis_ = 0;
};

UOp Builder::compute(const UOp& n, const Idx& idx, const UOp& valid) {
  const Op op = n.op();
  if (op == Op::CONST) return n;
  if (op == Op::CONTIGUOUS || op == Op::DETACH || op == Op::COPY) return value(n.src(0), idx, valid);
  if (op == Op::BIND) {  // stored data, strided by the vars (symbolic_dims.h)
    const UOp buf = bound_buffer(n);
    ANVIL_CHECK(buf) << "schedule: BIND over computed data: " << n.brief();
    return load(buf, n, idx, valid);
  }
  if (op == Op::REDUCE_AXIS) return reduce(n, idx, valid);
  if (in_group(op, opgroup::Movement)) return movement(n, idx, valid);
  ANVIL_CHECK(in_group(op, opgroup::Alu) || op == Op::BITCAST) << "schedule: cannot compute " << n.brief();
  std::vector<UOp> src;
  for (const UOp& s : n.src()) src.push_back(value(s, idx, valid));
  return UOp::make(op, n.dtype(), std::move(src), n.arg());
}

// Walks from the node's index back to its source's: each movement op maps indices one way.
UOp Builder::movement(const UOp& n, const Idx& idx, const UOp& valid) {
  const UOp& src = n.src(0);
  const Shape& in = *src.shape();
  const Shape& out = *n.shape();
  const std::vector<int64_t>& a = n.arg_ints();
  // Symbolic axes: pad and shrink leave them whole (symbolic_dims.cpp), so only these need the var.
  const SymShape* sin = sym_of(src);
  if (sin && n.op() == Op::RESHAPE) return value(src, sym_reshape_index(idx, *sym_of(n), *sin), valid);
  Idx s(in.size());
  if (sin && (n.op() == Op::EXPAND || n.op() == Op::FLIP)) {
    s = idx;
    for (size_t i = 0; i < in.size(); ++i) {
      if (n.op() == Op::EXPAND && !is_var((*sin)[i]) && in[i] == 1) s[i] = iconst(0);
      const bool flipped = n.op() == Op::FLIP && std::count(a.begin(), a.end(), static_cast<int64_t>(i));
      if (flipped) s[i] = simplify((*sin)[i] - iconst(1) - idx[i]);
    }
    return value(src, s, valid);
  }
  switch (n.op()) {
    case Op::RESHAPE: return value(src, reshape_index(idx, out, in), valid);
    case Op::PERMUTE:
      for (size_t i = 0; i < a.size(); ++i) s[static_cast<size_t>(a[i])] = idx[i];
      return value(src, s, valid);
    case Op::EXPAND:
      for (size_t i = 0; i < in.size(); ++i) s[i] = in[i] == 1 ? iconst(0) : idx[i];
      return value(src, s, valid);
    case Op::SHRINK:
      for (size_t i = 0; i < in.size(); ++i) s[i] = simplify(idx[i] + (a[2 * i] + (ANVIL_MUTANT(9) ? 1 : 0)));
      return value(src, s, valid);
    case Op::FLIP:
      s = idx;
      for (int64_t ax : a)
        s[static_cast<size_t>(ax)] =
            simplify(iconst(in[static_cast<size_t>(ax)] - (ANVIL_MUTANT(10) ? 0 : 1)) - idx[static_cast<size_t>(ax)]);
      return value(src, s, valid);
    case Op::PAD: {
      UOp inside = bool_const(true);
      for (size_t i = 0; i < in.size(); ++i) {
        const int64_t before = a[2 * i];
        s[i] = simplify(idx[i] - before);
        if (before != 0 || (a[2 * i + 1] != 0 && !ANVIL_MUTANT(7)))
          inside = both(inside, both(iconst(before).le(idx[i]),
                                     ANVIL_MUTANT(8) ? idx[i].le(iconst(before + in[i])) : idx[i].lt(before + in[i])));
      }
      inside = simplify(inside);
      const UOp v = value(src, s, simplify(both(valid, inside)));
      // Padding is 0; a load gated by `inside` already gives it, anything else is selected.
      if (is_true(inside) || v.op() == Op::LOAD) return is_false(inside) ? UOp::constant(n.dtype(), 0) : v;
      return inside.where(v, UOp::constant(n.dtype(), 0));
    }
    default: ANVIL_UNREACHABLE() << n.brief();
  }
  return {};
}

}  // namespace

UOp reduce_identity(Op op, DType dt) {
  const bool fl = is_float(dt);
  switch (op) {
    case Op::ADD: return UOp::constant(dt, 0);
    case Op::MUL: return UOp::constant(dt, 1);
    case Op::MAX:
      if (ANVIL_MUTANT(13) && !fl) return UOp::constant(dt, 0);
      return fl ? UOp::constant_float(dt, -INFINITY) : UOp::constant(dt, static_cast<int64_t>(int_min(dt.scalar)));
    case Op::MIN:
      return fl ? UOp::constant_float(dt, INFINITY)
                : UOp::constant(dt, static_cast<int64_t>(static_cast<uint64_t>(int_max(dt.scalar))));
    default: ANVIL_UNREACHABLE() << "reduce op " << op_name(op);
  }
  return {};
}

namespace {

UOp Builder::reduce(const UOp& n, const Idx& idx, const UOp& valid) {
  const ReduceArg& r = n.arg_reduce();
  const Shape& in = *n.src(0).shape();
  const SymShape* sin = sym_of(n.src(0));
  Idx s = idx;
  std::vector<UOp> ranges;
  for (int64_t ax : r.axes) {
    const auto i = static_cast<size_t>(ax);
    const bool var = sin && is_var((*sin)[i]);  // loops to the var whatever its bound value
    if (!var && in[i] == 0) return reduce_identity(r.op, n.dtype());
    if ((!var && in[i] == 1) || std::count(ranges.begin(), ranges.end(), s[i])) continue;  // size 1, or listed twice
    s[i] = UOp::make(Op::RANGE, dtypes::index, {var ? (*sin)[i] : iconst(in[i])}, next_axis_++);
    ranges.push_back(s[i]);
  }
  UOp v = value(n.src(0), s, valid);
  if (!(v.dtype() == n.dtype())) v = v.cast(n.dtype());
  if (ranges.empty()) return v;
  ranges.insert(ranges.begin(), v);
  return UOp::make(Op::REDUCE, n.dtype(), std::move(ranges), ReduceArg{r.op, {}});
}

}  // namespace

KernelAst build_kernel_ast(const UOp& target, const UOp& out, const std::function<UOp(const UOp&)>& realized,
                           const SymbolicDims* sym) {
  ANVIL_CHECK(target.shape()) << "schedule: a node without a shape: " << target.brief();
  return Builder(target, realized, sym).build(out);
}

}  // namespace anvil
