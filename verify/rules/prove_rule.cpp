#include "verify/rules/prove_rule.h"

#include <array>
#include <optional>

#include "engine/support/error.h"
#include "verify/rules/encode.h"

namespace anvil::verify {
namespace {

using smt::Term;

// A rule that cannot fire in this dtype at all (a literal it cannot hold, an inconsistent
// wildcard type, a right side of another dtype): its refinement holds vacuously.
struct NeverFires {
  std::string why;
};

struct Wild {
  bool bound = false;
  Scalar s = Scalar::Void;
  Enc e;
  Term vmin, vmax;  // guard theory; made when used
  Term is_const;    // a free Bool, made when used
};

struct Built {
  Enc e;
  Scalar s;
};

class RuleProof {
 public:
  RuleProof(smt::Context& ctx, Scalar s) : ctx_(ctx), enc_(ctx), s_(s), guard_int_(s == Scalar::Index) {}

  ProofResult run(const Rule& r, uint64_t rlimit, unsigned fuse_ms) {
    const bool cmp_root = r.lhs.kind() == PatKind::Node && in_group(r.lhs.op(), opgroup::Compare);
    const Scalar root = cmp_root ? Scalar::Bool : s_;
    const Enc lhs = encode_lhs(r.lhs, root);
    std::vector<Term> hyps;
    if (r.guard) {
      const auto [value, defined] = guard(r.guard);
      hyps.push_back(defined);
      hyps.push_back(nonzero(value));
    }
    const Built rhs = build(r.rhs, root);
    if (rhs.s != root) throw NeverFires{"its right side has dtype " + name(rhs.s)};
    hyps.insert(hyps.end(), bounds_.begin(), bounds_.end());
    hyps.insert(hyps.end(), fires_.begin(), fires_.end());
    hyps.insert(hyps.end(), enc_.assumptions().begin(), enc_.assumptions().end());
    hyps.push_back(smt::not_(lhs.poison));
    const Term goal = smt::and_(smt::not_(rhs.e.poison), smt::eq(lhs.v, rhs.e.v));
    shown_.push_back({"lhs", lhs.v, !is_unsigned(root)});
    shown_.push_back({"rhs", rhs.e.v, !is_unsigned(root)});
    shown_.push_back({"rhs.poison", rhs.e.poison, false});
    const smt::CheckResult c = ctx_.check_valid(smt::implies(smt::and_all(ctx_, hyps), goal), shown_, rlimit, fuse_ms);
    ProofResult out;
    out.rlimit_used = c.rlimit_used;
    switch (c.outcome) {
      case smt::Outcome::Proved: out.verdict = Verdict::Proved; break;
      case smt::Outcome::Refuted:
        out.verdict = Verdict::Refuted;
        out.detail = name(s_) + ": " + c.model;
        break;
      case smt::Outcome::Unknown:
        out.verdict = Verdict::Unknown;
        out.detail = c.reason;
        break;
    }
    return out;
  }

 private:
  // Left side: each position has the dtype its parent gives it (comparison operands: the proof
  // dtype; WHERE's condition: bool; everything else: its parent's).
  Enc encode_lhs(const Pat& p, Scalar want) {
    switch (p.kind()) {
      case PatKind::Wild:
      case PatKind::ConstWild: return bind(p, want).e;
      case PatKind::Literal: {
        const int64_t lit = p.literal();
        if (want != Scalar::Index && !is_float(want) && (lit < int_min(want) || lit > int_max(want)))
          throw NeverFires{"literal " + std::to_string(lit) + " is no " + name(want)};
        return enc_.constant(want, lit);
      }
      case PatKind::Node: break;
      default: throw Error("prove", "a left side with fold/vmin/vmax");
    }
    const Op op = p.op();
    if (op == Op::CAST) throw Error("prove", "CAST in a left side is not encoded");
    const bool cmp = in_group(op, opgroup::Compare);
    if (cmp && want != Scalar::Bool) throw NeverFires{"a comparison in a " + name(want) + " position"};
    std::vector<Enc> src;
    std::vector<Scalar> types;
    for (size_t i = 0; i < p.src().size(); ++i) {
      const Scalar t = cmp ? s_ : (op == Op::WHERE && i == 0) ? Scalar::Bool : want;
      src.push_back(encode_lhs(p.src(i), t));
      types.push_back(t);
    }
    return enc_.alu(op, want, types, src);
  }

  Wild& bind(const Pat& p, Scalar s) {
    Wild& w = wild_[p.slot()];
    if (w.bound) {
      if (w.s != s) throw NeverFires{p.name() + " would have two dtypes"};
      return w;
    }
    w.bound = true;
    w.s = s;
    const bool sgn = !is_unsigned(s);
    w.e.v = enc_.value_var(s, p.name());
    shown_.push_back({p.name(), w.e.v, sgn});
    if (p.kind() == PatKind::ConstWild) {
      w.e.poison = ctx_.bool_val(false);
    } else {
      w.e.poison = ctx_.bool_var(p.name() + ".poison");
      shown_.push_back({p.name() + ".poison", w.e.poison, false});
    }
    return w;
  }

  Wild& bound(const Pat& p) {
    Wild& w = wild_[p.slot()];
    if (!w.bound) throw Error("prove", p.name() + " is not bound by the left side");
    return w;
  }

  // ---- right side, as rule.cpp's build()

  std::optional<Scalar> own_dtype(const Pat& p) {
    switch (p.kind()) {
      case PatKind::Wild:
      case PatKind::ConstWild: return bound(p).s;
      case PatKind::Node:
        if (in_group(p.op(), opgroup::Compare)) return Scalar::Bool;
        if (p.op() == Op::CAST) return p.cast_to().scalar;
        for (size_t i = p.op() == Op::WHERE ? 1 : 0; i < p.src().size(); ++i)
          if (auto d = own_dtype(p.src(i))) return d;
        return std::nullopt;
      default: return std::nullopt;
    }
  }

  Built build(const Pat& p, Scalar dt) {
    switch (p.kind()) {
      case PatKind::Wild:
      case PatKind::ConstWild: {
        Wild& w = bound(p);
        return {w.e, w.s};
      }
      case PatKind::Literal:
        if (!encodable_or_float(dt)) throw NeverFires{"a literal of " + name(dt)};
        if (dt != Scalar::Index && !is_float(dt) && (p.literal() < int_min(dt) || p.literal() > int_max(dt)))
          throw NeverFires{"literal " + std::to_string(p.literal()) + " is no " + name(dt)};
        return {enc_.constant(dt, p.literal()), dt};
      case PatKind::Fold:
      case PatKind::VMin:
      case PatKind::VMax: {
        const Enc f = fold(p, dt);
        fires_.push_back(smt::not_(f.poison));  // a poison fold: the rule does not fire
        return {{f.v, ctx_.bool_val(false)}, dt};
      }
      case PatKind::Node: break;
      default: throw NeverFires{"no_overflow/is_const on a right side"};
    }
    const Op op = p.op();
    const Scalar node_dt = own_dtype(p).value_or(dt);
    std::vector<Built> src;
    if (in_group(op, opgroup::Compare)) {
      std::optional<Scalar> operand = own_dtype(p.src(0));
      if (!operand) operand = own_dtype(p.src(1));
      if (!operand) throw NeverFires{"a comparison of constants only"};
      for (const Pat& s : p.src()) src.push_back(build(s, *operand));
    } else if (op == Op::CAST) {
      const std::optional<Scalar> from = own_dtype(p.src(0));
      if (!from) throw NeverFires{"a CAST of an untyped constant"};
      src.push_back(build(p.src(0), *from));
    } else {
      for (size_t i = 0; i < p.src().size(); ++i)
        src.push_back(build(p.src(i), (op == Op::WHERE && i == 0) ? Scalar::Bool : node_dt));
    }
    const Scalar out = in_group(op, opgroup::Compare) ? Scalar::Bool : op == Op::CAST ? p.cast_to().scalar : node_dt;
    std::vector<Enc> in;
    std::vector<Scalar> types;
    for (const Built& b : src) in.push_back(b.e), types.push_back(b.s);
    return {enc_.alu(op, out, types, in), out};
  }

  // fold(e) in dtype s, as rule.cpp's eval_fold: poison means the rule does not fire.
  Enc fold(const Pat& e, Scalar s) {
    switch (e.kind()) {
      case PatKind::Literal:
        if (s != Scalar::Index && !is_float(s) && (e.literal() < int_min(s) || e.literal() > int_max(s)))
          throw NeverFires{"fold of literal " + std::to_string(e.literal()) + " in " + name(s)};
        return enc_.constant(s, e.literal());
      case PatKind::ConstWild: {
        Wild& w = bound(e);
        if (w.s != s) throw NeverFires{"fold of " + e.name() + " in another dtype"};
        return w.e;
      }
      case PatKind::VMin:
      case PatKind::VMax: return bound_as_value(bound_term(e), s);
      case PatKind::Fold: return fold(e.src(0), s);
      case PatKind::Node: break;
      default: throw NeverFires{"fold of a guard-only form"};
    }
    const Op op = e.op();
    if (in_group(op, opgroup::Compare) || op == Op::WHERE || op == Op::CAST)
      throw NeverFires{"fold of " + to_string(e)};
    std::vector<Enc> in;
    for (const Pat& p : e.src()) in.push_back(fold(p, s));
    const std::vector<Scalar> types(in.size(), s);
    try {
      return enc_.alu(op, s, types, in);
    } catch (const Error&) {
      throw NeverFires{"fold of " + std::string(op_name(op)) + " on " + name(s)};
    }
  }

  // A guard-theory bound turned into a value of s; poison when s cannot hold it.
  Enc bound_as_value(const Term& g, Scalar s) {
    const Term fits = smt::and_(glt_eq(gnum(int_min(s == Scalar::Index ? Scalar::Int64 : s)), g),
                                glt_eq(g, gnum(int_max(s == Scalar::Index ? Scalar::Int64 : s))));
    Term v;
    if (s == Scalar::Bool)
      v = smt::not_(smt::eq(g, gnum(0)));
    else if (s == Scalar::Index)
      v = guard_int_ ? g : smt::bv2int(g, true);
    else
      v = guard_int_ ? smt::int2bv(g, bits(s)) : smt::extract(g, bits(s) - 1, 0);
    return {v, smt::not_(fits)};
  }

  // ---- guard: exact integers (Int for index proofs, 128-bit signed bit-vectors otherwise, as
  // wide as rule.cpp's __int128); an overflow or a division by 0 or -1 makes it undefined (false).

  Term gnum(__int128 v) { return guard_int_ ? ctx_.int_val(v) : ctx_.bv_val(v, 128); }
  Term glt(const Term& a, const Term& b) { return guard_int_ ? smt::lt(a, b) : smt::slt(a, b); }
  Term glt_eq(const Term& a, const Term& b) { return guard_int_ ? smt::le(a, b) : smt::sle(a, b); }
  Term nonzero(const Term& v) { return smt::not_(smt::eq(v, gnum(0))); }
  Term of_bool(const Term& b) { return smt::ite(b, gnum(1), gnum(0)); }
  Term in_128(const Term& v) {  // Int results must stay in __int128
    const __int128 top = ~(static_cast<unsigned __int128>(1) << 127);
    return smt::and_(smt::le(ctx_.int_val(-top - 1), v), smt::le(v, ctx_.int_val(top)));
  }

  Term bound_term(const Pat& e) {
    const Pat& x = e.src(0);
    if (x.kind() != PatKind::Wild && x.kind() != PatKind::ConstWild) throw Error("prove", "vmin/vmax of an expression");
    Wild& w = bound(x);
    if (!encodable(w.s)) throw Error("prove", "vmin/vmax of " + name(w.s));
    const Term exact = enc_.exact(w.s, w.e.v, guard_int_);
    if (x.kind() == PatKind::ConstWild) return exact;  // a constant's range is itself
    if (!w.vmin) {
      const Scalar range = w.s == Scalar::Index ? Scalar::Int64 : w.s;
      w.vmin = guard_int_ ? ctx_.int_var("vmin(" + x.name() + ")") : ctx_.bv_var("vmin(" + x.name() + ")", 128);
      w.vmax = guard_int_ ? ctx_.int_var("vmax(" + x.name() + ")") : ctx_.bv_var("vmax(" + x.name() + ")", 128);
      bounds_.push_back(glt_eq(gnum(int_min(range)), w.vmin));
      bounds_.push_back(glt_eq(w.vmin, exact));  // range analysis is sound
      bounds_.push_back(glt_eq(exact, w.vmax));
      bounds_.push_back(glt_eq(w.vmax, gnum(int_max(range))));
      shown_.push_back({"vmin(" + x.name() + ")", w.vmin, true});
      shown_.push_back({"vmax(" + x.name() + ")", w.vmax, true});
    }
    return e.kind() == PatKind::VMin ? w.vmin : w.vmax;
  }

  std::pair<Term, Term> guard(const Pat& g) {
    const Term yes = ctx_.bool_val(true);
    switch (g.kind()) {
      case PatKind::Literal: return {gnum(g.literal()), yes};
      case PatKind::ConstWild: {
        Wild& w = bound(g);
        return {enc_.exact(w.s, w.e.v, guard_int_), yes};
      }
      case PatKind::VMin:
      case PatKind::VMax: return {bound_term(g), yes};
      case PatKind::IsConst: {
        Wild& w = bound(g.src(0));
        if (g.src(0).kind() == PatKind::ConstWild) return {gnum(1), yes};
        if (!w.is_const) w.is_const = ctx_.bool_var("is_const(" + g.src(0).name() + ")");
        return {of_bool(w.is_const), yes};
      }
      case PatKind::NoOverflow: return {of_bool(no_overflow(g.src(0))), yes};
      case PatKind::Node: break;
      default: throw Error("prove", "a guard with fold");
    }
    std::vector<Term> v;
    Term defined = yes;
    for (const Pat& s : g.src()) {
      auto [value, def] = guard(s);
      v.push_back(value);
      defined = smt::and_(defined, def);
    }
    auto exact = [&](const Term& r, const Term& bv_ok) -> std::pair<Term, Term> {
      return {r, smt::and_(defined, guard_int_ ? in_128(r) : bv_ok)};
    };
    auto divisor_ok = [&](const Term& b) { return smt::and_(nonzero(b), smt::not_(smt::eq(b, gnum(-1)))); };
    switch (g.op()) {
      case Op::ADD: return exact(smt::add(v[0], v[1]), guard_int_ ? yes : smt::add_exact(v[0], v[1]));
      case Op::SUB: return exact(smt::sub(v[0], v[1]), guard_int_ ? yes : smt::sub_exact(v[0], v[1]));
      case Op::MUL: return exact(smt::mul(v[0], v[1]), guard_int_ ? yes : smt::mul_exact(v[0], v[1]));
      case Op::NEG: return exact(smt::neg(v[0]), guard_int_ ? yes : smt::sub_exact(gnum(0), v[0]));
      case Op::FLOORDIV:
      case Op::FLOORMOD:
      case Op::TRUNCDIV:
      case Op::TRUNCMOD: {
        const Term ok = smt::and_(defined, divisor_ok(v[1]));
        const Op op = g.op();
        if (guard_int_) {
          const Term r = op == Op::FLOORDIV   ? int_floordiv(ctx_, v[0], v[1])
                         : op == Op::FLOORMOD ? int_floormod(ctx_, v[0], v[1])
                         : op == Op::TRUNCDIV ? int_truncdiv(ctx_, v[0], v[1])
                                              : int_truncmod(ctx_, v[0], v[1]);
          return {r, ok};
        }
        const Term r = op == Op::FLOORDIV   ? bv_floordiv(ctx_, v[0], v[1])
                       : op == Op::FLOORMOD ? smt::smod(v[0], v[1])
                       : op == Op::TRUNCDIV ? smt::sdiv(v[0], v[1])
                                            : smt::srem(v[0], v[1]);
        return {r, ok};
      }
      case Op::MAX: return {smt::ite(glt(v[0], v[1]), v[1], v[0]), defined};
      case Op::MIN: return {smt::ite(glt(v[1], v[0]), v[1], v[0]), defined};
      case Op::CMPLT: return {of_bool(glt(v[0], v[1])), defined};
      case Op::CMPLE: return {of_bool(glt_eq(v[0], v[1])), defined};
      case Op::CMPEQ: return {of_bool(smt::eq(v[0], v[1])), defined};
      case Op::CMPNE: return {of_bool(smt::not_(smt::eq(v[0], v[1]))), defined};
      case Op::AND: return {of_bool(smt::and_(nonzero(v[0]), nonzero(v[1]))), defined};
      case Op::OR: return {of_bool(smt::or_(nonzero(v[0]), nonzero(v[1]))), defined};
      case Op::NOT: return {of_bool(smt::not_(nonzero(v[0]))), defined};
      default: return {gnum(0), ctx_.bool_val(false)};  // eval_wide refuses it: the guard is false
    }
  }

  // no_overflow(e): range analysis proved e, built from the bindings, never poison; its ops make
  // no poison for the bound values (with the wildcards' own poison set aside).
  Term no_overflow(const Pat& e) {
    const std::optional<Scalar> dt = own_dtype(e);
    if (!dt) return ctx_.bool_val(false);
    std::array<Term, kPatSlots> saved;
    for (int i = 0; i < kPatSlots; ++i)
      if (wild_[i].bound) saved[i] = wild_[i].e.poison, wild_[i].e.poison = ctx_.bool_val(false);
    const size_t fires_before = fires_.size();
    std::optional<Built> b;
    try {
      b = build(e, *dt);
    } catch (const NeverFires&) {
    }
    for (int i = 0; i < kPatSlots; ++i)
      if (wild_[i].bound) wild_[i].e.poison = saved[i];
    if (!b) return ctx_.bool_val(false);  // build fails: rule.cpp's guard is 0
    Term ok = smt::not_(b->e.poison);
    for (size_t i = fires_before; i < fires_.size(); ++i) ok = smt::and_(ok, fires_[i]);
    fires_.resize(fires_before);
    return ok;
  }

  smt::Context& ctx_;
  Encoder enc_;
  Scalar s_;
  bool guard_int_;
  std::array<Wild, kPatSlots> wild_;
  std::vector<Term> bounds_, fires_;
  std::vector<smt::Shown> shown_;
};

}  // namespace

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Proved: return "proved";
    case Verdict::Refuted: return "REFUTED";
    case Verdict::Unknown: return "unknown";
    case Verdict::Checked: return "checked";
    case Verdict::NotEncoded: return "not-encoded";
  }
  return "?";
}

std::vector<Scalar> proof_dtypes(Domain d, bool wide) {
  std::vector<Scalar> out;
  if (has(d, Domain::Index)) out.push_back(Scalar::Index);
  if (has(d, Domain::WrapInt)) {
    out.insert(out.end(), {Scalar::Int8, Scalar::Int16});
    if (wide) out.insert(out.end(), {Scalar::UInt8, Scalar::UInt16, Scalar::Int32, Scalar::Int64});
  }
  if (has(d, Domain::Bool)) out.push_back(Scalar::Bool);
  if (has(d, Domain::Float))
    out.insert(out.end(), {Scalar::Float16, Scalar::BFloat16, Scalar::Float32, Scalar::Float64});
  return out;
}

ProofResult prove_rule(smt::Context& ctx, const Rule& r, Scalar s, uint64_t rlimit, unsigned fuse_ms) {
  if (r.is_code()) return {Verdict::Unknown, "a code rule: checked on instances, not proved", 0};
  try {
    RuleProof proof(ctx, s);
    return proof.run(r, rlimit, fuse_ms);
  } catch (const NeverFires& n) {
    return {Verdict::Proved, "vacuous: never fires in " + name(s) + " (" + n.why + ")", 0};
  } catch (const Error& e) {
    return {Verdict::Unknown, std::string("not encoded: ") + e.what(), 0};
  }
}

}  // namespace anvil::verify
