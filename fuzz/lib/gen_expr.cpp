#include "fuzz/lib/gen_expr.h"

#include <algorithm>
#include <array>

#include "engine/support/check.h"

namespace anvil::fuzz {
namespace {

constexpr std::array<int64_t, 9> kDivisors = {2, 3, 4, 5, 6, 8, 12, 16, 64};

int64_t clamp_to(DType d, __int128 v) {
  return static_cast<int64_t>(std::clamp<__int128>(v, std::max<__int128>(int_min(d.scalar), INT64_MIN),
                                                   std::min<__int128>(int_max(d.scalar), INT64_MAX)));
}

UOp gen_var(Source& src, DType dtype, int index) {
  int64_t lo, hi;
  switch (src.choose(5)) {
    case 0: lo = 0, hi = src.range(0, 16); break;                        // a loop variable
    case 1: lo = src.range(-10, 10), hi = lo + src.range(0, 20); break;  // small, maybe negative
    case 2: lo = src.range(-1000, 0), hi = src.range(0, 1000); break;    // straddles zero
    case 3: lo = hi = src.range(-5, 5); break;                           // a singleton
    default: lo = src.range(-1000000000, 1000000), hi = lo + src.range(0, 2000000000); break;
  }
  lo = clamp_to(dtype, lo);
  hi = std::max(lo, clamp_to(dtype, hi));
  return UOp::var("v" + std::to_string(index), lo, hi, dtype);
}

UOp gen_bool(Source& src, const std::vector<UOp>& vars, DType dtype, int depth);

UOp gen_leaf(Source& src, const std::vector<UOp>& vars, DType dtype) {
  if (!vars.empty() && src.chance(65)) return vars[src.choose(vars.size())];
  return gen_int_const(src, dtype);
}

UOp gen_int(Source& src, const std::vector<UOp>& vars, DType dtype, int depth) {
  if (depth <= 0 || (depth <= 5 && src.chance(10 + 8 * (5 - depth)))) return gen_leaf(src, vars, dtype);
  auto sub = [&] { return gen_int(src, vars, dtype, depth - 1); };
  auto divisor = [&]() -> UOp {
    if (src.chance(15)) return sub();  // may be zero: poison, which the checks allow
    int64_t c = kDivisors[src.choose(kDivisors.size())];
    return UOp::constant(dtype, src.chance(15) ? -c : c);
  };
  switch (src.choose(13)) {
    case 0: return sub() + sub();
    case 1: return sub() - sub();
    case 2: return sub() * (src.chance(70) ? gen_int_const(src, dtype) : sub());
    case 3: return sub().floordiv(divisor());
    case 4: return sub().floormod(divisor());
    case 5: return sub().truncdiv(divisor());
    case 6: return sub().truncmod(divisor());
    case 7: return src.chance(50) ? sub().max(sub()) : sub().min(sub());
    case 8: return gen_bool(src, vars, dtype, depth - 1).where(sub(), sub());
    case 9: {  // what a reshape produces: x*c + (y mod c), later split by //c and %c
      UOp c = UOp::constant(dtype, kDivisors[src.choose(kDivisors.size())]);
      UOp inner = sub() * c + sub().floormod(c);
      return src.chance(50) ? inner.floordiv(c) : inner.floormod(c);
    }
    case 10: return gen_bool(src, vars, dtype, depth - 1).cast(dtype);
    case 11: {
      static constexpr std::array<Op, 3> kBitOps = {Op::AND, Op::OR, Op::XOR};
      return sub().alu(kBitOps[src.choose(kBitOps.size())], sub());
    }
    default: {
      if (dtype.scalar == Scalar::Index) return -sub();
      Op shift = src.chance(50) ? Op::SHL : Op::SHR;
      return sub().alu(shift, UOp::constant(dtype, src.range(0, bits(dtype.scalar) - 1)));
    }
  }
}

UOp gen_bool(Source& src, const std::vector<UOp>& vars, DType dtype, int depth) {
  if (depth <= 0 || src.chance(10)) return UOp::constant(dtypes::bool_, src.range(0, 1));
  auto cmp_side = [&] { return gen_int(src, vars, dtype, depth - 1); };
  switch (src.choose(7)) {
    case 0: return cmp_side().lt(cmp_side());
    case 1: return cmp_side().le(cmp_side());
    case 2: return cmp_side().eq(cmp_side());
    case 3: return cmp_side().ne(cmp_side());
    case 4: return gen_bool(src, vars, dtype, depth - 1).alu(Op::NOT);
    case 5:
      return gen_bool(src, vars, dtype, depth - 1)
          .alu(src.chance(50) ? Op::AND : Op::OR, gen_bool(src, vars, dtype, depth - 1));
    default: return cmp_side().lt(gen_int_const(src, dtype));
  }
}

}  // namespace

UOp gen_int_const(Source& src, DType dtype) {
  switch (src.choose(6)) {
    case 0: return UOp::constant(dtype, kDivisors[src.choose(kDivisors.size())]);
    case 1:
      return UOp::constant(
          dtype, src.chance(50) ? clamp_to(dtype, int_min(dtype.scalar)) : clamp_to(dtype, int_max(dtype.scalar)));
    case 2: return UOp::constant(dtype, src.range(-1000, 1000));
    default: return UOp::constant(dtype, src.range(-8, 8));
  }
}

UOp gen_int_subexpr(Source& src, const std::vector<UOp>& vars, DType dtype, int depth) {
  return gen_int(src, vars, dtype, depth);
}

GeneratedExpr gen_int_expr(Source& src, const ExprOptions& opt) {
  static constexpr std::array<Scalar, 7> kWrapping = {Scalar::Int8,   Scalar::UInt8, Scalar::Int16, Scalar::Int32,
                                                      Scalar::UInt32, Scalar::Int64, Scalar::UInt64};
  DType dtype = dtypes::index;
  if (opt.wrapping_types && src.chance(30)) dtype = DType(kWrapping[src.choose(kWrapping.size())]);
  GeneratedExpr out;
  const int nvars = static_cast<int>(src.range(1, opt.max_vars));
  for (int i = 0; i < nvars; ++i) out.vars.push_back(gen_var(src, dtype, i));
  out.expr = gen_int(src, out.vars, dtype, opt.max_depth);
  return out;
}

std::map<std::string, int64_t> gen_point(Source& src, const std::vector<UOp>& vars) {
  std::map<std::string, int64_t> point;
  for (const UOp& v : vars) {
    const VarArg& a = v.arg_var();
    switch (src.choose(4)) {
      case 0: point[a.name] = a.lo; break;
      case 1: point[a.name] = a.hi; break;
      default: point[a.name] = src.range(a.lo, a.hi); break;
    }
  }
  return point;
}

std::vector<UOp> vars_of(const UOp& expr) {
  std::vector<UOp> vars;
  for (const UOp& u : expr.toposort())
    if (u.op() == Op::DEFINE_VAR) vars.push_back(u);
  return vars;
}

}  // namespace anvil::fuzz
