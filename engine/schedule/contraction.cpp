#include "engine/schedule/contraction.h"

#include <algorithm>
#include <optional>

#include "engine/ir/shape.h"

namespace anvil {
namespace {

constexpr int64_t kMinTransposed = 4096;  // elements: a smaller operand stays where it is
constexpr int64_t kMinTileAxis = 8;       // the last output axis must be long enough to tile

using Strides = std::vector<int64_t>;

Strides contiguous(const Shape& s) {
  Strides st(s.size(), 0);
  int64_t step = 1;
  for (size_t i = s.size(); i-- > 0;) st[i] = s[i] == 1 ? 0 : step, step *= s[i];
  return st;
}

// The strides of `to` viewing the same elements as (`from`, `st`), when one strided view can
// (each group of merged or split axes is contiguous in `from`); nullopt otherwise.
std::optional<Strides> reshape_strides(const Shape& from, const Strides& st, const Shape& to) {
  std::vector<size_t> fi, ti;  // the axes longer than 1
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i] != 1) fi.push_back(i);
  for (size_t i = 0; i < to.size(); ++i)
    if (to[i] != 1) ti.push_back(i);
  Strides out(to.size(), 0);
  size_t a = 0, b = 0;
  while (a < fi.size() && b < ti.size()) {
    int64_t pa = from[fi[a]], pb = to[ti[b]];
    size_t ea = a + 1, eb = b + 1;
    while (pa != pb) {
      if (pa < pb) {
        if (ea == fi.size()) return std::nullopt;
        pa *= from[fi[ea++]];
      } else {
        if (eb == ti.size()) return std::nullopt;
        pb *= to[ti[eb++]];
      }
    }
    for (size_t k = a; k + 1 < ea; ++k)
      if (st[fi[k]] != st[fi[k + 1]] * from[fi[k + 1]]) return std::nullopt;
    int64_t step = st[fi[ea - 1]];
    for (size_t k = eb; k-- > b;) out[ti[k]] = step, step *= to[ti[k]];
    a = ea, b = eb;
  }
  if (a != fi.size() || b != ti.size()) return std::nullopt;
  return out;
}

// The strides at the top of `chain` (movement ops, top first) over `base` stored row-major from
// chain[from] down; nullopt for an op this does not follow (PAD, SHRINK, FLIP).
std::optional<Strides> view_strides(const std::vector<UOp>& chain, size_t from) {
  const UOp& bottom = from == chain.size() ? chain.back().src(0) : chain[from];
  Shape shape = *bottom.shape();
  Strides st = contiguous(shape);
  for (size_t i = from; i-- > 0;) {
    const UOp& m = chain[i];
    const Shape& next = *m.shape();
    switch (m.op()) {
      case Op::RESHAPE: {
        std::optional<Strides> r = reshape_strides(shape, st, next);
        if (!r) return std::nullopt;
        st = *r;
        break;
      }
      case Op::PERMUTE: {
        const std::vector<int64_t>& p = m.arg_ints();
        Strides s(p.size());
        for (size_t k = 0; k < p.size(); ++k) s[k] = st[static_cast<size_t>(p[k])];
        st = s;
        break;
      }
      case Op::EXPAND:
        for (size_t k = 0; k < next.size(); ++k)
          if (shape[k] == 1) st[k] = 0;
        break;
      default: return std::nullopt;
    }
    shape = next;
  }
  return st;
}

bool computes(const UOp& u) { return in_group(u.op(), opgroup::Alu) || u.op() == Op::BITCAST; }

class Planner {
 public:
  Planner(const std::function<bool(const UOp&)>& realized, const std::function<bool(const UOp&)>& symbolic)
      : realized_(realized), symbolic_(symbolic) {}

  void reduce(const UOp& r) {
    const UOp& in = r.src(0);
    if (!in.shape() || symbolic_(in) || symbolic_(r)) return;
    std::unordered_set<UOp, UOpHash> seen;
    std::vector<UOp> stack{in};
    while (!stack.empty()) {
      const UOp u = stack.back();
      stack.pop_back();
      if (!seen.insert(u).second || realized_(u) || out.count(u)) continue;
      if (in_group(u.op(), opgroup::Movement)) {
        std::vector<UOp> chain;
        UOp c = u;
        for (; in_group(c.op(), opgroup::Movement); c = UOp(c.src(0))) chain.push_back(c);
        operand(r, chain, c);
      } else if (computes(u) || u.op() == Op::DETACH) {
        for (const UOp& s : u.src()) stack.push_back(s);
      }
    }
  }

  std::unordered_set<UOp, UOpHash> out;

 private:
  void operand(const UOp& r, const std::vector<UOp>& chain, const UOp& base) {
    if (!base.shape() || symbolic_(base)) return;
    for (const UOp& m : chain)
      if (symbolic_(m)) return;
    const Shape& top = *r.src(0).shape();
    const int64_t n = shape_numel(*base.shape());
    if (n == 0) return;
    const std::optional<Strides> st = view_strides(chain, chain.size());
    if (!st) return;  // a padded window (a convolution's) keeps its tile over the shared input
    // Broadcast producers.
    if (computes(base) && !realized_(base) && shape_numel(top) / n >= kBroadcastRealize && costly(base)) {
      out.insert(base);
      return;
    }
    // Transposed operands.
    if (n < kMinTransposed) return;
    const std::vector<int64_t>& axes = r.arg_reduce().axes;
    auto reduced = [&](size_t k) { return std::count(axes.begin(), axes.end(), static_cast<int64_t>(k)) > 0; };
    std::optional<size_t> last;
    for (size_t k = 0; k < top.size(); ++k)
      if (!reduced(k) && top[k] > 1) last = k;
    if (!last || top[*last] < kMinTileAxis) return;
    if ((*st)[*last] <= 1) return;
    bool unit_reduce = false;
    for (size_t k = 0; k < top.size(); ++k) unit_reduce = unit_reduce || (reduced(k) && top[k] > 1 && (*st)[k] == 1);
    if (!unit_reduce) return;
    // The PERMUTE nearest the data, with nothing but reshapes and permutes below it, stored in its
    // own order when that makes the last output axis contiguous.
    for (size_t i = chain.size(); i-- > 0;) {
      if (chain[i].op() == Op::EXPAND) return;
      if (chain[i].op() != Op::PERMUTE) continue;
      const std::optional<Strides> after = view_strides(chain, i);
      if (after && (*after)[*last] == 1) out.insert(chain[i]);
      return;
    }
  }

  // Worth a buffer: recomputing one element reads more than the one load a stored copy costs (two
  // inputs, or one input and three operations). An index pattern (arange) reads nothing: it stays.
  bool costly(const UOp& base) const {
    size_t reads = 0, ops = 0;
    std::unordered_set<UOp, UOpHash> seen;
    std::vector<UOp> stack{base};
    while (!stack.empty()) {
      const UOp u = stack.back();
      stack.pop_back();
      if (!seen.insert(u).second) continue;
      if (realized_(u) || u.op() == Op::BUFFER || u.op() == Op::REDUCE_AXIS || u.op() == Op::CONTIGUOUS ||
          u.op() == Op::BIND) {
        ++reads;
        continue;
      }
      ops += in_group(u.op(), opgroup::Alu);
      for (const UOp& s : u.src()) stack.push_back(s);
    }
    return reads >= 2 || (reads == 1 && ops >= 3);
  }

  const std::function<bool(const UOp&)>& realized_;
  const std::function<bool(const UOp&)>& symbolic_;
};

}  // namespace

std::unordered_set<UOp, UOpHash> contraction_realizes(const std::vector<UOp>& topo,
                                                      const std::function<bool(const UOp&)>& realized,
                                                      const std::function<bool(const UOp&)>& symbolic) {
  Planner p(realized, symbolic);
  for (const UOp& u : topo)
    if (u.op() == Op::REDUCE_AXIS && u.src().size() == 1) p.reduce(u);
  return std::move(p.out);
}

}  // namespace anvil
