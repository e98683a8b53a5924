// Floats in Z3's floating-point theory, as alu.h defines them: exec_alu computes in double and
// rounds to the dtype after every op, which equals one correctly rounded op in the dtype (double
// has at least 2p+2 significand bits for every narrower p), so each op is one FP op with RNE.
#include <cmath>

#include "engine/ir/alu.h"
#include "engine/support/error.h"
#include "verify/rules/encode.h"

namespace anvil::verify {
namespace {

using smt::Term;

[[noreturn]] void unsupported(Op op, Scalar s) {
  (ErrorBuilder("encode") << op_name(op) << " is not encoded on " << name(s)).raise();
}

struct Format {
  int ebits, sbits;
};

Format format(Scalar s) {
  switch (s) {
    case Scalar::Float16: return {5, 11};
    case Scalar::BFloat16: return {8, 8};
    case Scalar::Float32: return {8, 24};
    case Scalar::Float64: return {11, 53};
    default: unsupported(Op::CAST, s);
  }
}

}  // namespace

Term Encoder::float_var(Scalar s, const std::string& name) {
  const Format f = format(s);
  return ctx_.fp_var(name, f.ebits, f.sbits);
}

Enc Encoder::float_constant(Scalar s, double v) {
  const Format f = format(s);
  return {ctx_.fp_bits(value_bits(s, Value::of_float(round_to(s, v))), f.ebits, f.sbits), ctx_.bool_val(false)};
}

Term Encoder::float_compare(Op op, const Term& a, const Term& b) {
  switch (op) {
    case Op::CMPLT: return smt::fp_lt(a, b);
    case Op::CMPLE: return smt::fp_le(a, b);
    case Op::CMPEQ: return smt::fp_feq(a, b);
    default: return smt::not_(smt::fp_feq(a, b));  // CMPNE: true when either is NaN
  }
}

Enc Encoder::float_cast(Scalar to, Scalar from, const Enc& x) {
  if (to == from) return x;
  if (is_float(from) && is_float(to)) {
    const Format f = format(to);
    return {smt::fp_to_fp(x.v, f.ebits, f.sbits), x.poison};
  }
  if (is_float(to)) {
    const Format f = format(to);
    if (from == Scalar::Bool) return {smt::ite(x.v, float_constant(to, 1).v, float_constant(to, 0).v), x.poison};
    if (from == Scalar::Index) return {smt::fp_from_bv(smt::int2bv(x.v, 64), true, f.ebits, f.sbits), x.poison};
    if (!is_int(from)) unsupported(Op::CAST, from);
    return {smt::fp_from_bv(x.v, !is_unsigned(from), f.ebits, f.sbits), x.poison};
  }
  // float -> bool: x != 0, NaN included.
  if (to == Scalar::Bool) return {smt::not_(smt::fp_is_zero(x.v)), x.poison};
  if (!is_int(to)) unsupported(Op::CAST, to);
  // float -> int: toward zero, saturating at the target's limits (index: int64's), NaN -> 0.
  const Scalar bv = to == Scalar::Index ? Scalar::Int64 : to;
  const int b = bits(bv);
  const bool uns = is_unsigned(bv);
  const Term hi = float_constant(from, std::ldexp(1.0, uns ? b : b - 1)).v;  // the first value past the top
  const Term lo = float_constant(from, uns ? 0.0 : -std::ldexp(1.0, b - 1)).v;
  const Term t = smt::fp_trunc(x.v);
  Term r = smt::ite(
      smt::fp_is_nan(x.v), ctx_.bv_val(0, b),
      smt::ite(smt::fp_le(hi, t), ctx_.bv_val(int_max(bv), b),
               smt::ite(smt::fp_le(t, lo), ctx_.bv_val(uns ? 0 : int_min(bv), b), smt::fp_to_bv(x.v, !uns, b))));
  if (to == Scalar::Index) r = smt::bv2int(r, true);
  return {r, x.poison};
}

Enc Encoder::float_alu(Op op, Scalar out, std::span<const Enc> in) {
  const Term& a = in[0].v;
  const Term b = in.size() > 1 ? in[1].v : a;
  const Term no = ctx_.bool_val(false);
  const Format f = format(out);
  const Term nan = ctx_.fp_nan(f.ebits, f.sbits);
  switch (op) {
    case Op::NEG: return {smt::fp_neg(a), no};
    case Op::RECIP: return {smt::fp_div(float_constant(out, 1).v, a), no};
    case Op::SQRT: return {smt::fp_sqrt(a), no};
    case Op::TRUNC: return {smt::fp_trunc(a), no};
    case Op::ADD: return {smt::fp_add(a, b), no};
    case Op::SUB: return {smt::fp_sub(a, b), no};
    case Op::MUL: return {smt::fp_mul(a, b), no};
    case Op::FDIV: return {smt::fp_div(a, b), no};
    case Op::MULACC: return {smt::fp_add(smt::fp_mul(a, b), in[2].v), no};  // rounds twice
    case Op::MAX:
    case Op::MIN: {
      // IEEE 754-2019 maximum/minimum: NaN propagates; of two equal values (only ±0 differ) max
      // takes b when a is -0 and min takes b when a is +0, as alu.cpp's float_max.
      const bool want_max = op == Op::MAX;
      const Term a_wins = want_max ? smt::fp_lt(b, a) : smt::fp_lt(a, b);
      const Term b_wins = want_max ? smt::fp_lt(a, b) : smt::fp_lt(b, a);
      const Term tie = want_max ? smt::ite(smt::fp_is_negative(a), b, a) : smt::ite(smt::fp_is_negative(a), a, b);
      const Term r =
          smt::ite(smt::or_(smt::fp_is_nan(a), smt::fp_is_nan(b)), nan, smt::ite(a_wins, a, smt::ite(b_wins, b, tie)));
      return {r, no};
    }
    default: unsupported(op, out);  // EXP2, LOG2, SIN: no FP-theory counterpart; bitwise ops: not on floats
  }
}

}  // namespace anvil::verify
