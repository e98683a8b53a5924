// Gradient rules, one per primitive op of the tensor graph, and the reverse sweep that applies them.
// Ties follow PyTorch where its op maps to one primitive: maximum/minimum split the gradient evenly
// between equal operands, and max/min reductions (torch.amax/amin, and torch.max() over every
// axis) split it evenly between the equal extremes. relu and clamp are built from WHERE instead, so
// their ties follow PyTorch (relu'(0) = 0; clamp passes the whole gradient at a bound).
#include "engine/tensor/gradient.h"

#include <unordered_map>
#include <unordered_set>

#include "engine/support/check.h"
#include "engine/support/error.h"
#include "engine/support/mutant.h"
#include "engine/tensor/float_math.h"

namespace anvil::tensor_detail {
namespace {

const Shape& shape_of(const UOp& u) { return *u.shape(); }
UOp c(const UOp& like, double v) { return const_node(like.dtype(), v, shape_of(like)); }
UOp bool_op(Op op, const UOp& a, const UOp& b) { return UOp::make(op, dtypes::bool_, {a, b}); }
UOp div(const UOp& a, const UOp& b) { return a.alu(Op::FDIV, b); }
UOp zeros_where(const UOp& cond, const UOp& g) { return cond.where(c(g, 0), g); }
bool is_half(DType d) { return d.scalar == Scalar::Float16 || d.scalar == Scalar::BFloat16; }

// A keepdim sum over `axes` (half types accumulate in float32, as the Tensor API's sum does).
UOp sum_axes(const UOp& x, const std::vector<int64_t>& axes) {
  if (axes.empty()) return x;
  const DType acc = is_half(x.dtype()) ? DType(dtypes::float32) : x.dtype();
  return cast_to(UOp::make(Op::REDUCE_AXIS, acc, {cast_to(x, acc)}, ReduceArg{Op::ADD, axes}), x.dtype());
}

// EXPAND's gradient: the sum over the broadcast axes, back to the source's shape.
UOp unbroadcast(const UOp& g, const Shape& to) {
  const Shape& from = shape_of(g);
  ANVIL_CHECK(from.size() >= to.size()) << "EXPAND to a lower rank: " << g.brief();
  const size_t lead = from.size() - to.size();
  std::vector<int64_t> axes;
  for (size_t i = 0; i < from.size(); ++i)
    if (i < lead || (to[i - lead] == 1 && from[i] != 1)) axes.push_back(static_cast<int64_t>(i));
  return reshape_node(sum_axes(g, axes), to);
}

// prod's gradient, exact with zeros: where x holds the only zero of its slice, the product of the
// others; where a slice has two zeros, nothing; otherwise out / x.
UOp prod_gradient(const UOp& x, const UOp& out, const UOp& g, const std::vector<int64_t>& axes) {
  const Shape& s = shape_of(x);
  const UOp is_zero = bool_op(Op::CMPEQ, x, c(x, 0));
  const UOp zeros = broadcast_to(sum_axes(cast_to(is_zero, x.dtype()), axes), s);
  const UOp nonzero_x = is_zero.where(c(x, 1), x);
  const UOp others = broadcast_to(UOp::make(Op::REDUCE_AXIS, x.dtype(), {nonzero_x}, ReduceArg{Op::MUL, axes}), s);
  const UOp ge = broadcast_to(g, s);
  const UOp plain = ge * div(broadcast_to(out, s), x);
  const UOp one_zero = is_zero.where(ge * others, c(x, 0));
  const UOp when_one = bool_op(Op::CMPEQ, zeros, c(x, 1)).where(one_zero, c(x, 0));
  return bool_op(Op::CMPEQ, zeros, c(x, 0)).where(plain, when_one);
}

// max/min reductions: the gradient split evenly among the positions equal to the result (NaN
// positions count as equal to a NaN result), as PyTorch's amax/amin.
UOp extreme_gradient(const UOp& x, const UOp& out, const UOp& g, const std::vector<int64_t>& axes) {
  const Shape& s = shape_of(x);
  const UOp o = broadcast_to(out, s);
  const UOp both_nan = UOp::make(Op::AND, dtypes::bool_, {bool_op(Op::CMPNE, x, x), bool_op(Op::CMPNE, o, o)});
  const UOp hit = UOp::make(Op::OR, dtypes::bool_, {bool_op(Op::CMPEQ, x, o), both_nan});
  const UOp count = sum_axes(cast_to(hit, x.dtype()), axes);
  return hit.where(broadcast_to(div(g, count), s), c(x, 0));
}

std::vector<int64_t> inverse_permutation(const std::vector<int64_t>& p) {
  std::vector<int64_t> q(p.size());
  for (size_t i = 0; i < p.size(); ++i) q[static_cast<size_t>(p[i])] = static_cast<int64_t>(i);
  return q;
}

UOp movement_gradient(const UOp& n, const UOp& g) {
  const UOp& x = n.src(0);
  const Shape& s = shape_of(x);
  const std::vector<int64_t>& arg = n.arg_ints();
  switch (n.op()) {
    case Op::RESHAPE: return reshape_node(g, s);
    case Op::PERMUTE: return UOp::make(Op::PERMUTE, g.dtype(), {g}, inverse_permutation(arg));
    case Op::EXPAND: return unbroadcast(g, s);
    case Op::FLIP: return UOp::make(Op::FLIP, g.dtype(), {g}, arg);
    case Op::PAD: {  // the padded region came from no source element
      std::vector<int64_t> keep;
      for (size_t i = 0; i < s.size(); ++i) {
        keep.push_back(arg[2 * i]);
        keep.push_back(arg[2 * i] + s[i]);
      }
      return UOp::make(Op::SHRINK, g.dtype(), {g}, keep);
    }
    case Op::SHRINK: {  // elements outside the window got no gradient
      std::vector<int64_t> pads;
      for (size_t i = 0; i < s.size(); ++i) {
        pads.push_back(arg[2 * i]);
        pads.push_back(s[i] - arg[2 * i + 1]);
      }
      return UOp::make(Op::PAD, g.dtype(), {g}, pads);
    }
    default: ANVIL_CHECK(false) << "not a movement op: " << n.brief();
  }
  return {};
}

}  // namespace

std::vector<UOp> gradient_rule(const UOp& n, const UOp& g) {
  const std::vector<UOp>& src = n.src();
  auto src_i = [&](size_t i) -> const UOp& { return src[i]; };
  switch (n.op()) {
    case Op::ADD: return {g, g};
    case Op::SUB: return {g, -g};
    case Op::MUL: return {g * src_i(1), g * src_i(0)};
    case Op::MULACC: return {g * src_i(1), g * src_i(0), g};
    case Op::FDIV:
      if (ANVIL_MUTANT(25)) return {div(g, src_i(1)), g * div(n, src_i(1))};
      return {div(g, src_i(1)), -(g * div(n, src_i(1)))};
    case Op::NEG: return {-g};
    case Op::RECIP: return {-(g * n * n)};
    case Op::SQRT: return {div(g, n * c(n, 2))};
    case Op::EXP2: return {g * n * c(n, kLn2)};
    case Op::LOG2: return {div(g, src_i(0) * c(n, kLn2))};
    case Op::SIN: return {g * cos_of(src_i(0))};  // the same accurate cos as cos()
    case Op::TRUNC:
    case Op::BITCAST: return {UOp()};  // piecewise constant; a reinterpretation has no derivative
    case Op::MAX:
    case Op::MIN: {  // PyTorch's maximum/minimum: an even split at a tie; NaN takes the whole gradient
      const UOp &a = src_i(0), &b = src_i(1);
      const UOp halved = bool_op(Op::CMPEQ, a, b).where(g * c(g, 0.5), g);
      const UOp a_loses = n.op() == Op::MAX ? bool_op(Op::CMPLT, a, b) : bool_op(Op::CMPLT, b, a);
      const UOp b_loses = n.op() == Op::MAX ? bool_op(Op::CMPLT, b, a) : bool_op(Op::CMPLT, a, b);
      return {zeros_where(a_loses, halved), zeros_where(b_loses, halved)};
    }
    case Op::WHERE: return {UOp(), src_i(0).where(g, c(g, 0)), zeros_where(src_i(0), g)};
    case Op::CAST: return {is_float(src_i(0).dtype()) ? cast_to(g, src_i(0).dtype()) : UOp()};
    case Op::CONTIGUOUS:
    case Op::COPY: return {g};  // a copy's gradient stays where the gradient was computed
    case Op::REDUCE_AXIS: {
      const ReduceArg& r = n.arg_reduce();
      const UOp& x = src_i(0);
      switch (r.op) {
        case Op::ADD: return {broadcast_to(g, shape_of(x))};
        case Op::MUL: return {prod_gradient(x, n, g, r.axes)};
        case Op::MAX:
        case Op::MIN: return {extreme_gradient(x, n, g, r.axes)};
        default: break;
      }
      break;
    }
    case Op::RESHAPE:
    case Op::PERMUTE:
    case Op::EXPAND:
    case Op::PAD:
    case Op::SHRINK:
    case Op::FLIP: return {movement_gradient(n, g)};
    default: break;
  }
  (ErrorBuilder("backward") << "no gradient rule for " << n.brief()).raise();
}

std::vector<UOp> gradients(const UOp& root, const UOp& seed, const std::vector<UOp>& targets) {
  const std::unordered_set<UOp, UOpHash> wanted(targets.begin(), targets.end());
  // A node is on a path when it is a target or a float non-DETACH node above one.
  const std::vector<UOp> order = root.toposort();
  std::unordered_set<UOp, UOpHash> on_path;
  for (const UOp& u : order) {
    bool on = wanted.count(u) != 0;
    if (!on && is_float(u.dtype()) && u.op() != Op::DETACH)
      for (const UOp& s : u.src()) on = on || on_path.count(s) != 0;
    if (on) on_path.insert(u);
  }
  // Reverse sweep. `reached` marks every node under the root except below a DETACH: a target
  // reached only through ops without a gradient (comparisons, TRUNC) gets zeros, as in PyTorch.
  std::unordered_map<UOp, UOp, UOpHash> grad;
  std::unordered_set<UOp, UOpHash> reached{root};
  if (on_path.count(root)) grad[root] = seed;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const UOp& u = *it;
    if (!reached.count(u) || u.op() == Op::DETACH) continue;
    for (const UOp& s : u.src()) reached.insert(s);
    const auto g = grad.find(u);
    if (g == grad.end() || u.src().empty()) continue;
    const std::vector<UOp> parts = gradient_rule(u, g->second);
    ANVIL_CHECK(parts.size() == u.src().size()) << "gradient rule arity for " << u.brief();
    for (size_t i = 0; i < parts.size(); ++i) {
      const UOp& s = u.src(i);
      if (!parts[i] || !on_path.count(s)) continue;
      ANVIL_CHECK(parts[i].shape() == s.shape() && parts[i].dtype() == s.dtype())
          << "gradient of " << s.brief() << " from " << u.brief() << " is " << parts[i].brief();
      auto [at, fresh] = grad.try_emplace(s, parts[i]);
      if (!fresh) at->second = ANVIL_MUTANT(26) ? parts[i] : at->second + parts[i];
    }
  }
  std::vector<UOp> out;
  for (const UOp& t : targets) {
    const auto g = grad.find(t);
    if (g != grad.end())
      out.push_back(g->second);
    else
      out.push_back(reached.count(t) ? const_node(t.dtype(), 0, shape_of(t)) : UOp());
  }
  return out;
}

}  // namespace anvil::tensor_detail
