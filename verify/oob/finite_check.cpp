#include "verify/oob/finite_check.h"

#include <algorithm>
#include <limits>
#include <unordered_set>
#include <vector>

#include "engine/runtime/interp/eval.h"
#include "engine/support/error.h"

namespace anvil::verify {
namespace {

struct Leaf {
  UOp u;
  __int128 lo, hi;  // inclusive; the same bounds the Z3 encoding assumes (vmin/vmax, and r < end)
};

// The nodes of idx and gate, children first, and the leaves to enumerate; nullopt when some node
// is not a scalar expression over RANGE/DEFINE_VAR leaves, or the space is too large.
std::optional<std::pair<std::vector<UOp>, std::vector<Leaf>>> finite_space(const UOp& idx, const UOp& gate) {
  std::vector<UOp> topo;
  std::unordered_set<UOp, UOpHash> seen;
  for (const UOp& root : {idx, gate}) {
    if (!root) continue;
    for (const UOp& u : root.toposort())
      if (seen.insert(u).second) topo.push_back(u);
  }
  std::vector<Leaf> leaves;
  __int128 points = 1;
  for (const UOp& u : topo) {
    const Op op = u.op();
    if (u.dtype().is_ptr || u.dtype().count != 1) return std::nullopt;
    if (op != Op::CONST && op != Op::RANGE && op != Op::DEFINE_VAR && !in_group(op, opgroup::Alu) && op != Op::BITCAST)
      return std::nullopt;  // a loaded value, a SPECIAL: Z3 treats it as free
    if (op != Op::RANGE && op != Op::DEFINE_VAR) continue;
    __int128 lo = u.vmin(), hi = u.vmax();
    if (op == Op::RANGE) {
      if (u.src(0).op() != Op::CONST) return std::nullopt;  // a symbolic end
      hi = std::min<__int128>(hi, static_cast<__int128>(u.src(0).const_int()) - 1);
    }
    if (hi < lo) return std::pair{std::move(topo), std::vector<Leaf>{Leaf{u, 1, 0}}};  // no point at all
    points *= hi - lo + 1;
    if (points > static_cast<__int128>(kMaxFinitePoints)) return std::nullopt;
    leaves.push_back({u, lo, hi});
  }
  return std::pair{std::move(topo), std::move(leaves)};
}

std::string int_text(__int128 v) { return std::to_string(static_cast<long long>(v)); }

std::string point_text(const std::vector<Leaf>& leaves, const interp::Env& env) {
  std::string s;
  for (const Leaf& l : leaves) {
    if (!s.empty()) s += ", ";
    s += (l.u.op() == Op::RANGE ? "r" + std::to_string(l.u.arg_int()) : l.u.arg_var().name) + " = " +
         int_text(env.at(l.u).i);
  }
  return s;
}

std::string value_text(const Value& v) { return v.poison ? "poison" : int_text(v.i); }

}  // namespace

std::optional<FiniteVerdict> check_access_finite(const UOp& idx, const UOp& gate, int64_t size) {
  auto space = finite_space(idx, gate);
  if (!space) return std::nullopt;
  std::vector<UOp>& topo = space->first;
  std::vector<Leaf>& leaves = space->second;
  FiniteVerdict out;
  if (!leaves.empty() && leaves[0].hi < leaves[0].lo) return out.proved = true, out;  // an empty loop
  const auto pos = [&](const UOp& u) { return std::find(topo.begin(), topo.end(), u) - topo.begin(); };
  const ptrdiff_t ii = pos(idx), gi = gate ? pos(gate) : -1;
  interp::Env env;
  for (const Leaf& l : leaves) env[l.u] = Value::of_int(l.lo);
  try {
    for (;;) {
      ++out.points;
      const std::vector<Value> vals = interp::eval_all(topo, env);
      const Value& i = vals[static_cast<size_t>(ii)];
      const bool taken = gi < 0 || (!vals[static_cast<size_t>(gi)].poison && vals[static_cast<size_t>(gi)].i != 0);
      const bool bad =
          i.poison || (gi >= 0 && vals[static_cast<size_t>(gi)].poison) || (taken && (i.i < 0 || i.i >= size));
      if (bad) {
        out.counterexample = point_text(leaves, env) + ", idx = " + value_text(i);
        if (gi >= 0) out.counterexample += ", gate = " + value_text(vals[static_cast<size_t>(gi)]);
        return out;
      }
      // The next point, mixed radix with the first leaf fastest.
      size_t k = 0;
      for (; k < leaves.size(); ++k) {
        Value& v = env[leaves[k].u];
        if (v.i < leaves[k].hi) {
          ++v.i;
          break;
        }
        v.i = leaves[k].lo;
      }
      if (k == leaves.size()) break;
    }
  } catch (const Error&) {
    return std::nullopt;  // an op eval does not define on its dtype: Z3 decides (or says unknown)
  }
  out.proved = true;
  return out;
}

}  // namespace anvil::verify
