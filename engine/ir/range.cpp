#include "engine/ir/range.h"

#include <algorithm>
#include <initializer_list>
#include <limits>

#include "engine/support/check.h"
#include "engine/support/mutant.h"

namespace anvil {
namespace {

constexpr __int128 kMax128 = std::numeric_limits<__int128>::max();
constexpr __int128 kMin128 = std::numeric_limits<__int128>::min();

__int128 sat_add(__int128 a, __int128 b) {
  __int128 r;
  if (__builtin_add_overflow(a, b, &r)) return a > 0 ? kMax128 : kMin128;
  return r;
}

__int128 sat_mul(__int128 a, __int128 b) {
  __int128 r;
  if (__builtin_mul_overflow(a, b, &r)) return ((a < 0) != (b < 0)) ? kMin128 : kMax128;
  return r;
}

__int128 sat_neg(__int128 a) { return a == kMin128 ? kMax128 : -a; }

Interval full(Scalar s) { return {int_min(s), int_max(s)}; }

Interval fit(Scalar s, Interval r) {
  if (r.lo >= int_min(s) && r.hi <= int_max(s)) return r;
  return full(s);
}

Interval hull(std::initializer_list<__int128> values) {
  auto [lo, hi] = std::minmax(values);
  return {lo, hi};
}

Interval range_of(const UOp& u) { return {u.vmin(), u.vmax()}; }

// Division over a divisor interval of one sign: quotients are monotone in each argument there,
// so the corners bound them (floor and trunc are monotone too).
template <class Div>
void div_corners(Interval a, __int128 b1, __int128 b2, Div div, __int128& lo, __int128& hi) {
  for (__int128 x : {a.lo, a.hi})
    for (__int128 y : {b1, b2}) {
      __int128 q = div(x, y);
      lo = std::min(lo, q);
      hi = std::max(hi, q);
    }
}

template <class Div>
Interval div_range(Scalar s, Interval a, Interval b, Div div) {
  __int128 lo = kMax128, hi = kMin128;
  if (b.lo <= -1) div_corners(a, b.lo, std::min<__int128>(b.hi, -1), div, lo, hi);
  if (b.hi >= 1) div_corners(a, std::max<__int128>(b.lo, 1), b.hi, div, lo, hi);
  if (lo > hi) return full(s);  // the divisor is always zero: always poison
  return fit(s, {lo, hi});
}

// Saturating C division: kMin128 / -1 cannot arise from in-range operands, but stay total.
__int128 trunc_div(__int128 a, __int128 b) { return (a == kMin128 && b == -1) ? kMax128 : a / b; }

Interval truncmod_range(Scalar s, Interval a, Interval b) {
  if (b.lo == 0 && b.hi == 0) return full(s);
  const __int128 m = std::max(b.lo < 0 ? sat_neg(b.lo) : b.lo, b.hi < 0 ? sat_neg(b.hi) : b.hi) - 1;
  if (b.lo == b.hi && ((a.lo >= 0) || (a.hi <= 0)) && trunc_div(a.lo, b.lo) == trunc_div(a.hi, b.lo))
    return {a.lo % b.lo, a.hi % b.lo};  // one period, one sign: exact
  if (a.lo >= 0) return {0, std::min(a.hi, m)};
  if (a.hi <= 0) return {std::max(a.lo, -m), 0};
  return {std::max(a.lo, -m), std::min(a.hi, m)};
}

Interval floormod_range(Scalar s, Interval a, Interval b) {
  if (b.lo == 0 && b.hi == 0) return full(s);
  if (b.lo == b.hi && floor_div(a.lo, b.lo) == floor_div(a.hi, b.lo))
    return hull({floor_mod(a.lo, b.lo), floor_mod(a.hi, b.lo)});  // one period: exact
  // Each sign of divisor separately (a zero divisor is poison): positive b gives [0, b-1], and no
  // more than a when a is already non-negative; negative b gives [b+1, 0], mirrored.
  __int128 lo = kMax128, hi = kMin128;
  if (b.hi >= 1) {
    lo = std::min<__int128>(lo, 0);
    hi = std::max(hi, a.lo >= 0 ? std::min(a.hi, b.hi - 1) : b.hi - 1);
  }
  if (b.lo <= -1) {
    lo = std::min(lo, a.hi <= 0 ? std::max(a.lo, b.lo + 1) : b.lo + 1);
    hi = std::max<__int128>(hi, 0);
  }
  return {lo, hi};
}

__int128 all_ones_above(__int128 v) {  // the smallest 2^k - 1 >= v, for v >= 0
  __int128 r = 0;
  while (r < v) r = r * 2 + 1;
  return r;
}

Interval bitwise_range(Op op, Scalar s, Interval a, Interval b) {
  if (s == Scalar::Bool) {
    if (op == Op::AND) return {a.lo & b.lo, a.hi & b.hi};
    if (op == Op::OR) return {a.lo | b.lo, a.hi | b.hi};
    if (a.lo == a.hi && b.lo == b.hi) return {a.lo ^ b.lo, a.lo ^ b.lo};
    return {0, 1};
  }
  if (op == Op::AND) {
    if (a.lo >= 0 && b.lo >= 0) return {0, std::min(a.hi, b.hi)};
    if (a.lo >= 0) return {0, a.hi};
    if (b.lo >= 0) return {0, b.hi};
    return full(s);
  }
  if (a.lo >= 0 && b.lo >= 0) return fit(s, {0, all_ones_above(std::max(a.hi, b.hi))});
  return full(s);
}

Interval compare_range(Op op, Interval a, Interval b) {
  switch (op) {
    case Op::CMPLT:
      if (a.hi < b.lo) return {1, 1};
      if (a.lo >= b.hi) return {0, 0};
      break;
    case Op::CMPLE:
      if (a.hi <= b.lo) return {1, 1};
      if (a.lo > b.hi) return {0, 0};
      break;
    case Op::CMPEQ:
    case Op::CMPNE: {
      bool always_eq = a.lo == a.hi && b.lo == b.hi && a.lo == b.lo;
      bool never_eq = a.hi < b.lo || b.hi < a.lo;
      if (always_eq || never_eq) {
        __int128 v = (always_eq == (op == Op::CMPEQ)) ? 1 : 0;
        return {v, v};
      }
      break;
    }
    default: break;
  }
  return {0, 1};
}

Interval shift_range(Op op, Scalar s, Interval a, Interval b) {
  if (b.lo != b.hi || b.lo < 0 || b.lo >= bits(s)) return full(s);
  const int c = static_cast<int>(b.lo);
  if (op == Op::SHL)
    return fit(s, {sat_mul(a.lo, static_cast<__int128>(1) << c), sat_mul(a.hi, static_cast<__int128>(1) << c)});
  return {a.lo >> c, a.hi >> c};  // arithmetic shift of the wide value is floor division
}

Interval cast_range(Scalar to, const UOp& x) {
  if (!is_intlike(x.dtype())) return full(to);
  Interval r = range_of(x);
  if (to == Scalar::Bool) {
    if (r.lo == 0 && r.hi == 0) return {0, 0};
    if (r.lo > 0 || r.hi < 0) return {1, 1};
    return {0, 1};
  }
  return fit(to, r);
}

}  // namespace

__int128 floor_div(__int128 a, __int128 b) {
  __int128 q = trunc_div(a, b);
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

__int128 floor_mod(__int128 a, __int128 b) {
  __int128 r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

Interval node_range(Op op, DType dtype, const std::vector<UOp>& src, const Arg& arg) {
  if (!is_intlike(dtype)) return {0, 0};
  const Scalar s = dtype.scalar;
  auto a = [&] { return range_of(src[0]); };
  auto b = [&] { return range_of(src[1]); };
  auto int_sources = [&] {
    for (const UOp& x : src)
      if (!is_intlike(x.dtype())) return false;
    return true;
  };
  switch (op) {
    case Op::CONST: {
      const int64_t* raw = std::get_if<int64_t>(&arg);
      if (!raw) return full(s);  // a malformed constant: the validators report it; stay total here
      __int128 v = s == Scalar::UInt64 ? static_cast<__int128>(static_cast<uint64_t>(*raw)) : *raw;
      return {v, v};
    }
    case Op::DEFINE_VAR: {
      const VarArg* v = std::get_if<VarArg>(&arg);
      if (!v || v->lo > v->hi) return full(s);
      return {v->lo, v->hi};
    }
    case Op::RANGE:
    case Op::SPECIAL: return {0, std::max<__int128>(0, src[0].vmax() - 1)};
    case Op::CAST: return cast_range(s, src[0]);
    case Op::CMPLT:
    case Op::CMPLE:
    case Op::CMPEQ:
    case Op::CMPNE: return int_sources() ? compare_range(op, a(), b()) : Interval{0, 1};
    case Op::WHERE: {
      Interval c = range_of(src[0]), x = range_of(src[1]), y = range_of(src[2]);
      if (c.lo == 1) return x;
      if (c.hi == 0) return y;
      return {std::min(x.lo, y.lo), std::max(x.hi, y.hi)};
    }
    default: break;
  }
  if (!in_group(op, opgroup::Alu) || !int_sources()) return full(s);
  switch (op) {
    case Op::ADD: return fit(s, {sat_add(a().lo, b().lo), sat_add(a().hi, b().hi)});
    case Op::SUB:
      if (ANVIL_MUTANT(5)) return fit(s, {sat_add(a().lo, sat_neg(b().lo)), sat_add(a().hi, sat_neg(b().hi))});
      return fit(s, {sat_add(a().lo, sat_neg(b().hi)), sat_add(a().hi, sat_neg(b().lo))});
    case Op::NEG: return s == Scalar::Bool ? full(s) : fit(s, {sat_neg(a().hi), sat_neg(a().lo)});
    case Op::MUL:
    case Op::MULACC: {
      Interval x = a(), y = b();
      Interval p = hull({sat_mul(x.lo, y.lo), sat_mul(x.lo, y.hi), sat_mul(x.hi, y.lo), sat_mul(x.hi, y.hi)});
      if (op == Op::MULACC) p = {sat_add(p.lo, src[2].vmin()), sat_add(p.hi, src[2].vmax())};
      return fit(s, p);
    }
    case Op::MAX: return {std::max(a().lo, b().lo), std::max(a().hi, b().hi)};
    case Op::MIN: return {std::min(a().lo, b().lo), std::min(a().hi, b().hi)};
    case Op::TRUNCDIV: return div_range(s, a(), b(), trunc_div);
    case Op::FLOORDIV: return div_range(s, a(), b(), floor_div);
    case Op::TRUNCMOD: return truncmod_range(s, a(), b());
    case Op::FLOORMOD: return floormod_range(s, a(), b());
    case Op::AND:
    case Op::OR:
    case Op::XOR: return bitwise_range(op, s, a(), b());
    case Op::SHL:
    case Op::SHR: return shift_range(op, s, a(), b());
    case Op::NOT: {
      Interval x = a();
      if (s == Scalar::Bool) return {1 - x.hi, 1 - x.lo};
      if (is_unsigned(s)) return {int_max(s) - x.hi, int_max(s) - x.lo};
      return fit(s, {-x.hi - 1, -x.lo - 1});
    }
    default: return full(s);
  }
}

}  // namespace anvil
