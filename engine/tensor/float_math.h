#pragma once
// Internal UOp builders for float composites (exp, log, expm1, log1p, sigmoid, tanh) shared by
// math.cpp, activation.cpp and statistics.cpp. Not part of the public API.
#include <cmath>
#include <functional>

#include "engine/tensor/graph.h"

namespace anvil::tensor_detail {

constexpr double kLog2E = 1.4426950408889634074;
constexpr double kLn2 = 0.69314718055994530942;

// A constant shaped and typed like `like`.
inline UOp c_like(const UOp& like, double v) { return const_node(like.dtype(), v, *like.shape()); }
inline UOp cmp(Op op, const UOp& a, const UOp& b) { return UOp::make(op, dtypes::bool_, {a, b}); }
inline UOp fdiv(const UOp& a, const UOp& b) { return a.alu(Op::FDIV, b); }
inline UOp abs_of(const UOp& x) { return x.max(-x); }
inline UOp exp_of(const UOp& x) { return (x * c_like(x, kLog2E)).alu(Op::EXP2); }
inline UOp log_of(const UOp& x) { return x.alu(Op::LOG2) * c_like(x, kLn2); }
inline UOp sigmoid_of(const UOp& x) { return (c_like(x, 1) + exp_of(-x)).alu(Op::RECIP); }
inline UOp tanh_of(const UOp& x) { return c_like(x, 2) * sigmoid_of(c_like(x, 2) * x) - c_like(x, 1); }

// exp(x) - 1 without cancellation near 0 (Kahan: the rounding error of u cancels in (u - 1) / log u).
// Where a select discards the general form, its input is swapped for a harmless one (u = 2), so the
// discarded branch's gradient is 0 * finite rather than 0 * inf = NaN (PyTorch: elu'(0) = alpha).
inline UOp expm1_of(const UOp& x) {
  const UOp u = exp_of(x), one = c_like(x, 1), um1 = u - one;
  const UOp special = cmp(Op::CMPEQ, u, one)
                          .alu(Op::OR, cmp(Op::CMPEQ, u, c_like(x, HUGE_VAL)))
                          .alu(Op::OR, cmp(Op::CMPEQ, u, c_like(x, 0)));
  const UOp us = special.where(c_like(x, 2), u);
  const UOp general = fdiv((us - one) * x, log_of(us));
  const UOp big = cmp(Op::CMPEQ, u, c_like(x, HUGE_VAL)).where(u, general);  // inf / inf would be NaN
  const UOp tiny = cmp(Op::CMPEQ, um1, c_like(x, -1)).where(c_like(x, -1), big);
  return cmp(Op::CMPEQ, u, one).where(x, tiny);
}

// log(1 + x) without losing a small x (the same trick: x * log(u) / (u - 1) with u = 1 + x).
inline UOp log1p_of(const UOp& x) {
  const UOp one = c_like(x, 1), u = one + x;
  const UOp special = cmp(Op::CMPEQ, u, one).alu(Op::OR, cmp(Op::CMPEQ, u, c_like(x, HUGE_VAL)));
  const UOp us = special.where(c_like(x, 2), u);
  const UOp general = fdiv(x * log_of(us), us - one);
  const UOp big = cmp(Op::CMPEQ, u, c_like(x, HUGE_VAL)).where(u, general);
  return cmp(Op::CMPEQ, u, one).where(x, big);
}

// cos x = 1 - 2 sin^2(x/2): x/2 is exact, so a large |x| keeps its accuracy (pi/2 - x would round
// it away). Narrower floats compute in float64, so the cancellation near cos x = 0 stays below their ulp.
inline DType trig_dtype(DType d) { return d.scalar == Scalar::Float64 ? d : DType(dtypes::float64); }
inline UOp cos_wide(const UOp& w) {
  const UOp s = (w * c_like(w, 0.5)).alu(Op::SIN);
  return c_like(w, 1) - c_like(w, 2) * (s * s);
}
inline UOp cos_of(const UOp& x) { return cast_to(cos_wide(cast_to(x, trig_dtype(x.dtype()))), x.dtype()); }
inline UOp tan_of(const UOp& x) {
  const UOp w = cast_to(x, trig_dtype(x.dtype()));
  return cast_to(fdiv(w.alu(Op::SIN), cos_wide(w)), x.dtype());
}

// The dtype a float op computes in: float16/bfloat16 in float32 (rounded once at the end, as
// PyTorch's kernels), int and bool in float32 (PyTorch's default float).
inline DType compute_dtype(DType d) {
  if (!is_float(d) || d.scalar == Scalar::Float16 || d.scalar == Scalar::BFloat16) return dtypes::float32;
  return d;
}
inline DType float_result(DType d) { return is_float(d) ? d : DType(dtypes::float32); }

// Applies `fn` to t's graph in its compute dtype and casts to the float result dtype.
inline Tensor float_apply(const Tensor& t, const std::function<UOp(const UOp&)>& fn) {
  return derive(cast_to(fn(cast_to(t.uop(), compute_dtype(t.dtype()))), float_result(t.dtype())), {&t});
}

}  // namespace anvil::tensor_detail
