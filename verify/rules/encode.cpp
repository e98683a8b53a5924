#include "verify/rules/encode.h"

#include <limits>
#include <optional>

#include "engine/support/error.h"

namespace anvil::verify {
namespace {

using smt::Term;

[[noreturn]] void unsupported(Op op, Scalar s) {
  (ErrorBuilder("encode") << op_name(op) << " is not encoded on " << name(s)).raise();
}

bool is_bv_scalar(Scalar s) { return is_int(s) && s != Scalar::Index; }

Term any_poison(smt::Context& ctx, std::span<const Enc> in) {
  Term p = ctx.bool_val(false);
  for (const Enc& e : in) p = smt::or_(p, e.poison);
  return p;
}

}  // namespace

bool encodable(Scalar s) { return s == Scalar::Bool || is_int(s); }
bool encodable_or_float(Scalar s) { return encodable(s) || is_float(s); }

Term int_floordiv(smt::Context& ctx, const Term& a, const Term& b) {
  const Term zero = ctx.int_val(0);
  const Term q = smt::ediv(a, b), r = smt::emod(a, b);
  return smt::ite(smt::or_(smt::lt(zero, b), smt::eq(r, zero)), q, smt::sub(q, ctx.int_val(1)));
}

Term int_floormod(smt::Context& ctx, const Term& a, const Term& b) {
  const Term zero = ctx.int_val(0);
  const Term r = smt::emod(a, b);
  return smt::ite(smt::or_(smt::lt(zero, b), smt::eq(r, zero)), r, smt::add(r, b));
}

// Euclid's remainder is never negative; C's takes the dividend's sign, so a negative dividend
// with a nonzero remainder moves one step toward zero.
Term int_truncdiv(smt::Context& ctx, const Term& a, const Term& b) {
  const Term zero = ctx.int_val(0);
  const Term q = smt::ediv(a, b), r = smt::emod(a, b);
  const Term step = smt::ite(smt::lt(zero, b), ctx.int_val(1), ctx.int_val(-1));
  return smt::ite(smt::or_(smt::le(zero, a), smt::eq(r, zero)), q, smt::add(q, step));
}

Term int_truncmod(smt::Context& ctx, const Term& a, const Term& b) {
  const Term zero = ctx.int_val(0);
  const Term r = smt::emod(a, b);
  const Term abs_b = smt::ite(smt::lt(b, zero), smt::neg(b), b);
  return smt::ite(smt::or_(smt::le(zero, a), smt::eq(r, zero)), r, smt::sub(r, abs_b));
}

Term bv_floordiv(smt::Context& ctx, const Term& a, const Term& b) {
  const int n = a.width();
  const Term zero = ctx.bv_val(0, n);
  const Term q = smt::sdiv(a, b), r = smt::srem(a, b);
  const Term differ = smt::xor_(smt::slt(r, zero), smt::slt(b, zero));
  return smt::ite(smt::and_(smt::not_(smt::eq(r, zero)), differ), smt::sub(q, ctx.bv_val(1, n)), q);
}

Enc Encoder::constant(Scalar s, __int128 v) {
  if (s == Scalar::Bool) return {ctx_.bool_val(v != 0), ctx_.bool_val(false)};
  if (s == Scalar::Index) return {ctx_.int_val(v), ctx_.bool_val(false)};
  if (is_float(s)) return float_cast(s, Scalar::Int64, constant(Scalar::Int64, v));  // as const_value
  if (!is_bv_scalar(s)) unsupported(Op::CONST, s);
  return {ctx_.bv_val(v, bits(s)), ctx_.bool_val(false)};
}

Term Encoder::value_var(Scalar s, const std::string& name) {
  if (s == Scalar::Bool) return ctx_.bool_var(name);
  if (s == Scalar::Index) {
    Term v = ctx_.int_var(name);
    assumptions_.push_back(in_int64(v));
    return v;
  }
  if (is_float(s)) return float_var(s, name);
  if (!is_bv_scalar(s)) unsupported(Op::DEFINE_VAR, s);
  return ctx_.bv_var(name, bits(s));
}

Term Encoder::in_int64(const Term& v) {
  return smt::and_(smt::le(ctx_.int_val(std::numeric_limits<int64_t>::min()), v),
                   smt::le(v, ctx_.int_val(std::numeric_limits<int64_t>::max())));
}

Term Encoder::exact(Scalar s, const Term& v, bool as_int) {
  if (!encodable(s)) (ErrorBuilder("encode") << "the exact integer of a " << name(s)).raise();
  if (s == Scalar::Bool)
    return as_int ? smt::ite(v, ctx_.int_val(1), ctx_.int_val(0))
                  : smt::ite(v, ctx_.bv_val(1, 128), ctx_.bv_val(0, 128));
  if (s == Scalar::Index) return as_int ? v : smt::int2bv(v, 128);
  if (as_int) return smt::bv2int(v, !is_unsigned(s));
  return is_unsigned(s) ? smt::zext(v, 128 - bits(s)) : smt::sext(v, 128 - bits(s));
}

Term Encoder::compare(Op op, Scalar s, const Term& a, const Term& b) {
  if (s == Scalar::Bool) {
    switch (op) {
      case Op::CMPLT: return smt::and_(smt::not_(a), b);
      case Op::CMPLE: return smt::or_(smt::not_(a), b);
      case Op::CMPEQ: return smt::eq(a, b);
      default: return smt::xor_(a, b);
    }
  }
  const bool sgn = !is_unsigned(s);
  switch (op) {
    case Op::CMPLT: return s == Scalar::Index ? smt::lt(a, b) : sgn ? smt::slt(a, b) : smt::ult(a, b);
    case Op::CMPLE: return s == Scalar::Index ? smt::le(a, b) : sgn ? smt::sle(a, b) : smt::ule(a, b);
    case Op::CMPEQ: return smt::eq(a, b);
    default: return smt::not_(smt::eq(a, b));
  }
}

Enc Encoder::cast(Scalar to, Scalar from, const Enc& x) {
  if (is_float(to) || is_float(from)) return float_cast(to, from, x);
  if (!encodable(to) || !encodable(from)) unsupported(Op::CAST, encodable(to) ? from : to);
  if (to == from) return x;
  if (to == Scalar::Bool) {
    const Term zero = from == Scalar::Index ? ctx_.int_val(0) : ctx_.bv_val(0, bits(from));
    return {smt::not_(smt::eq(x.v, zero)), x.poison};
  }
  if (from == Scalar::Bool) {
    const Enc one = constant(to, 1), zero = constant(to, 0);
    return {smt::ite(x.v, one.v, zero.v), x.poison};
  }
  if (to == Scalar::Index) {
    const Term v = smt::bv2int(x.v, !is_unsigned(from));
    return {v, smt::or_(x.poison, smt::not_(in_int64(v)))};  // uint64 past int64's top leaves index
  }
  const int n = bits(to);
  if (from == Scalar::Index) return {smt::int2bv(x.v, n), x.poison};
  const int m = bits(from);
  if (n == m) return x;
  if (n < m) return {smt::extract(x.v, n - 1, 0), x.poison};
  return {is_unsigned(from) ? smt::zext(x.v, n - m) : smt::sext(x.v, n - m), x.poison};
}

// The 64 bits of an index value. A numeral converts directly; anything else is a fresh
// bit-vector defined by its value (int2bv would leave Z3 a modulus to reason through).
Term Encoder::bits64(const Term& a) {
  if (const std::optional<__int128> k = smt::numeral(a)) return ctx_.bv_val(*k, 64);
  const std::string key = a.text();  // one bit-vector per value: x & x must see the same bits twice
  if (auto it = bits64_.find(key); it != bits64_.end()) return it->second;
  const Term b = ctx_.bv_var("bits64#" + std::to_string(bits64_.size()), 64);
  assumptions_.push_back(smt::implies(in_int64(a), smt::eq(smt::bv2int(b, true), a)));
  bits64_.emplace(key, b);
  return b;
}

Enc Encoder::int_alu(Op op, std::span<const Enc> in) {
  const Term& a = in[0].v;
  const Term b = in.size() > 1 ? in[1].v : a;
  const Term zero = ctx_.int_val(0);
  Term extra = ctx_.bool_val(false);
  Term r;
  auto bitwise = [&](Term (*f)(const Term&, const Term&)) { return smt::bv2int(f(bits64(a), bits64(b)), true); };
  switch (op) {
    case Op::NEG: r = smt::neg(a); break;
    case Op::NOT: r = smt::sub(smt::neg(a), ctx_.int_val(1)); break;
    case Op::ADD: r = smt::add(a, b); break;
    case Op::SUB: r = smt::sub(a, b); break;
    case Op::MUL: r = smt::mul(a, b); break;
    case Op::MULACC: {
      const Term p = smt::mul(a, b);
      extra = smt::not_(in_int64(p));  // MUL then ADD: an overflowing product is poison too
      r = smt::add(p, in[2].v);
      break;
    }
    case Op::TRUNCDIV: r = int_truncdiv(ctx_, a, b); break;
    case Op::TRUNCMOD: r = int_truncmod(ctx_, a, b); break;
    case Op::FLOORDIV: r = int_floordiv(ctx_, a, b); break;
    case Op::FLOORMOD: r = int_floormod(ctx_, a, b); break;
    case Op::MAX: r = smt::ite(smt::lt(a, b), b, a); break;
    case Op::MIN: r = smt::ite(smt::lt(b, a), b, a); break;
    case Op::AND: r = bitwise(smt::band); break;
    case Op::OR: r = bitwise(smt::bor); break;
    case Op::XOR: r = bitwise(smt::bxor); break;
    case Op::SHL:
    case Op::SHR: {
      extra = smt::or_(smt::lt(b, zero), smt::le(ctx_.int_val(64), b));
      Term scale = ctx_.int_val(1);  // 2^b by cases: Int has no exponent a solver can use
      if (const std::optional<__int128> k = smt::numeral(b); k && *k >= 0 && *k < 64)
        scale = ctx_.int_val(__int128{1} << static_cast<int>(*k));
      else
        for (int k = 1; k < 64; ++k)
          scale = smt::ite(smt::eq(b, ctx_.int_val(k)), ctx_.int_val(__int128{1} << k), scale);
      r = op == Op::SHL ? smt::mul(a, scale) : smt::ediv(a, scale);  // a positive divisor: Euclid is floor
      break;
    }
    default: unsupported(op, Scalar::Index);
  }
  if (op == Op::TRUNCDIV || op == Op::TRUNCMOD || op == Op::FLOORDIV || op == Op::FLOORMOD) extra = smt::eq(b, zero);
  return {r, smt::or_(extra, smt::not_(in_int64(r)))};
}

Enc Encoder::bv_alu(Op op, Scalar out, std::span<const Enc> in) {
  const Term& a = in[0].v;
  const Term b = in.size() > 1 ? in[1].v : a;
  const int n = bits(out);
  const bool sgn = !is_unsigned(out);
  const Term zero = ctx_.bv_val(0, n);
  const Term by_zero = smt::eq(b, zero);
  const Term no = ctx_.bool_val(false);
  switch (op) {
    case Op::NEG: return {smt::neg(a), no};
    case Op::NOT: return {smt::bnot(a), no};
    case Op::ADD: return {smt::add(a, b), no};
    case Op::SUB: return {smt::sub(a, b), no};
    case Op::MUL: return {smt::mul(a, b), no};
    case Op::MULACC: return {smt::add(smt::mul(a, b), in[2].v), no};
    case Op::TRUNCDIV: return {sgn ? smt::sdiv(a, b) : smt::udiv(a, b), by_zero};
    case Op::TRUNCMOD: return {sgn ? smt::srem(a, b) : smt::urem(a, b), by_zero};
    case Op::FLOORDIV: return {sgn ? bv_floordiv(ctx_, a, b) : smt::udiv(a, b), by_zero};
    case Op::FLOORMOD: return {sgn ? smt::smod(a, b) : smt::urem(a, b), by_zero};
    case Op::MAX: return {smt::ite(compare(Op::CMPLT, out, a, b), b, a), no};
    case Op::MIN: return {smt::ite(compare(Op::CMPLT, out, b, a), b, a), no};
    case Op::AND: return {smt::band(a, b), no};
    case Op::OR: return {smt::bor(a, b), no};
    case Op::XOR: return {smt::bxor(a, b), no};
    case Op::SHL:
    case Op::SHR: {
      const Term width = ctx_.bv_val(n, n);
      const Term bad = sgn ? smt::or_(smt::slt(b, zero), smt::sle(width, b)) : smt::ule(width, b);
      if (op == Op::SHL) return {smt::shl(a, b), bad};
      return {sgn ? smt::ashr(a, b) : smt::lshr(a, b), bad};
    }
    default: unsupported(op, out);
  }
}

// bool computes on 0/1 and keeps x != 0 (alu.h): ADD is OR, SUB is XOR, MUL is AND.
Enc Encoder::bool_alu(Op op, std::span<const Enc> in) {
  const Term& a = in[0].v;
  const Term b = in.size() > 1 ? in[1].v : a;
  const Term no = ctx_.bool_val(false);
  switch (op) {
    case Op::NOT: return {smt::not_(a), no};
    case Op::NEG: return {a, no};
    case Op::ADD:
    case Op::OR:
    case Op::MAX: return {smt::or_(a, b), no};
    case Op::SUB:
    case Op::XOR: return {smt::xor_(a, b), no};
    case Op::MUL:
    case Op::AND:
    case Op::MIN: return {smt::and_(a, b), no};
    case Op::MULACC: return {smt::or_(smt::and_(a, b), in[2].v), no};
    case Op::TRUNCDIV:
    case Op::FLOORDIV: return {a, smt::not_(b)};
    case Op::TRUNCMOD:
    case Op::FLOORMOD: return {ctx_.bool_val(false), smt::not_(b)};
    default: unsupported(op, Scalar::Bool);
  }
}

Enc Encoder::alu(Op op, Scalar out, std::span<const Scalar> in_types, std::span<const Enc> in) {
  const int arity = op_arity(op);
  if (arity < 0 || in.size() != static_cast<size_t>(arity) || !in_group(op, opgroup::Alu)) unsupported(op, out);
  const Scalar t0 = in_types.empty() ? out : in_types[0];
  if (op == Op::WHERE) {
    const Enc c = t0 == Scalar::Bool ? in[0] : cast(Scalar::Bool, t0, in[0]);
    return {smt::ite(c.v, in[1].v, in[2].v), smt::or_(c.poison, smt::ite(c.v, in[1].poison, in[2].poison))};
  }
  const Term poison = any_poison(ctx_, in);
  if (op == Op::CAST) {
    Enc r = cast(out, t0, in[0]);
    return {r.v, smt::or_(poison, r.poison)};
  }
  if (in_group(op, opgroup::Compare)) {
    if (is_float(t0)) return {float_compare(op, in[0].v, in[1].v), poison};
    if (!encodable(t0)) unsupported(op, t0);
    return {compare(op, t0, in[0].v, in[1].v), poison};
  }
  if (is_float(out)) {
    for (size_t i = 0; i < in.size(); ++i)
      if (const Scalar t = i < in_types.size() ? in_types[i] : out; !is_float(t)) unsupported(op, t);  // as exec_alu
    const Enc r = float_alu(op, out, in);
    return {r.v, smt::or_(poison, r.poison)};
  }
  if (!encodable(out)) unsupported(op, out);
  const Enc r = out == Scalar::Bool ? bool_alu(op, in) : out == Scalar::Index ? int_alu(op, in) : bv_alu(op, out, in);
  return {r.v, smt::or_(poison, r.poison)};
}

}  // namespace anvil::verify
