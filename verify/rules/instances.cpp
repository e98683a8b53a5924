#include "verify/rules/instances.h"

#include <unordered_map>

#include "engine/rewrite/graph_rewrite.h"
#include "engine/support/error.h"
#include "fuzz/lib/gen_expr.h"
#include "fuzz/lib/source.h"

namespace anvil::verify {
namespace {

bool encodable_node(const UOp& u) { return u.dtype().count == 1 && !u.dtype().is_ptr && encodable(u.dtype().scalar); }

}  // namespace

Enc encode_uop(Encoder& enc, const UOp& root) {
  std::unordered_map<UOp, Enc, UOpHash> done;
  smt::Context& ctx = enc.ctx();
  for (const UOp& u : root.toposort()) {
    if (!encodable_node(u)) (ErrorBuilder("encode") << "a node of " << name(u.dtype()) << ": " << u.brief()).raise();
    const Scalar s = u.dtype().scalar;
    if (u.op() == Op::CONST) {
      done[u] = enc.constant(s, u.const_int());
    } else if (u.op() == Op::DEFINE_VAR) {
      const VarArg& a = u.arg_var();
      const smt::Term v = enc.value_var(s, a.name);
      done[u] = {v, ctx.bool_val(false)};
      if (s != Scalar::Bool) {
        const bool as_int = s == Scalar::Index;
        const smt::Term x = enc.exact(s, v, as_int);
        auto num = [&](int64_t n) { return as_int ? ctx.int_val(n) : ctx.bv_val(n, 128); };
        auto le = [&](const smt::Term& p, const smt::Term& q) { return as_int ? smt::le(p, q) : smt::sle(p, q); };
        enc.assume(smt::and_(le(num(a.lo), x), le(x, num(a.hi))));  // a variable stays in its range
      }
    } else if (in_group(u.op(), opgroup::Alu)) {
      std::vector<Enc> in;
      std::vector<Scalar> types;
      for (const UOp& s : u.src()) in.push_back(done.at(s)), types.push_back(s.dtype().scalar);
      done[u] = enc.alu(u.op(), s, types, in);
    } else {
      (ErrorBuilder("encode") << "not an expression op: " << u.brief()).raise();
    }
  }
  return done.at(root);
}

InstanceCheck check_code_rule(smt::Context& ctx, const Rule& r, int expressions, int max_instances, uint64_t seed,
                              uint64_t rlimit) {
  InstanceCheck out;
  for (int i = 0; i < expressions && out.fired < max_instances; ++i) {
    fuzz::SeededSource src(seed + static_cast<uint64_t>(i));
    const fuzz::GeneratedExpr g = fuzz::gen_int_expr(src);
    for (const UOp& node : g.expr.toposort()) {
      if (out.fired >= max_instances) break;
      Bindings b;
      const UOp result = apply_rule(r, node, b);
      if (!result) continue;
      ++out.fired;
      try {
        Encoder enc(ctx);
        const Enc before = encode_uop(enc, node), after = encode_uop(enc, result);
        const smt::Term hyp = smt::and_(smt::and_all(ctx, enc.assumptions()), smt::not_(before.poison));
        const smt::Term goal = smt::and_(smt::not_(after.poison), smt::eq(before.v, after.v));
        const smt::CheckResult c = ctx.check_valid(smt::implies(hyp, goal), {}, rlimit);
        out.rlimit_used += c.rlimit_used;
        if (c.outcome == smt::Outcome::Proved) ++out.proved;
        if (c.outcome == smt::Outcome::Unknown) ++out.unknown;
        if (c.outcome == smt::Outcome::Refuted && out.refuted++ == 0)
          out.counterexample = name(node.dtype()) + ": " + node.brief() + " -> " + result.brief();
      } catch (const Error&) {
        ++out.skipped;
      }
    }
  }
  return out;
}

FixedPointCheck check_fixed_point(const RuleSet& set, int expressions, uint64_t seed) {
  FixedPointCheck out;
  for (int i = 0; i < expressions; ++i) {
    fuzz::SeededSource src(seed + static_cast<uint64_t>(i));
    const fuzz::GeneratedExpr g = fuzz::gen_int_expr(src);
    const UOp once = graph_rewrite(g.expr, set);  // aborts, naming the rules, on a rewrite loop
    out.max_rewrites = std::max(out.max_rewrites, last_rewrite_stats().rewrites);
    const UOp twice = graph_rewrite(once, set);
    ++out.instances;
    out.fixed_points += twice == once;
  }
  return out;
}

}  // namespace anvil::verify
