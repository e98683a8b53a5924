// Elementwise math composites: tan, round, isnan/isinf/isfinite, pow and lerp.
#include <cmath>
#include <limits>

#include "engine/tensor/float_math.h"

namespace anvil {
namespace {

using tensor_detail::abs_of;
using tensor_detail::c_like;
using tensor_detail::cast_to;
using tensor_detail::cmp;
using tensor_detail::compute_dtype;
using tensor_detail::const_node;
using tensor_detail::derive;
using tensor_detail::float_apply;
using tensor_detail::is_number;
using tensor_detail::tensor_of;

constexpr double kInf = std::numeric_limits<double>::infinity();

UOp floor_of(const UOp& x) {
  const UOp t = x.alu(Op::TRUNC);
  return cmp(Op::CMPLT, x, t).where(t - c_like(x, 1), t);
}

// PyTorch's result_type, with errors naming `op`.
DType result_dtype(const char* op, const Operand& a, const Operand& b) {
  try {
    return result_type({a, b});
  } catch (const Error& e) {
    throw Error(op, e.message());
  }
}

// The sign bit of a float: x < 0, or x is -0.0 (1 / -0.0 = -inf).
UOp sign_bit(const UOp& x) {
  const UOp zero = c_like(x, 0);
  const UOp neg_zero = cmp(Op::CMPEQ, x, zero).alu(Op::AND, cmp(Op::CMPLT, x.alu(Op::RECIP), zero));
  return cmp(Op::CMPLT, x, zero).alu(Op::OR, neg_zero);
}

// std::pow's meaning for floats: |x|^y as exp2(y * log2|x|), then the sign, NaN and 1 cases of C's pow.
UOp float_pow(const UOp& x, const UOp& y) {
  const UOp one = c_like(x, 1), zero = c_like(x, 0), inf = c_like(x, kInf);
  const UOp mag = (y * abs_of(x).alu(Op::LOG2)).alu(Op::EXP2);
  const UOp y_int = cmp(Op::CMPEQ, y.alu(Op::TRUNC), y);  // false for NaN, true for +-inf
  const UOp half_y = y * c_like(y, 0.5);
  const UOp odd = y_int.alu(Op::AND, cmp(Op::CMPNE, half_y.alu(Op::TRUNC), half_y));
  UOp r = sign_bit(x).alu(Op::AND, odd).where(-mag, mag);
  // A finite negative base with a non-integer exponent has no real power.
  const UOp finite_neg = cmp(Op::CMPLT, x, zero).alu(Op::AND, cmp(Op::CMPLT, -inf, x));
  r = finite_neg.alu(Op::AND, y_int.alu(Op::NOT)).where(c_like(x, std::nan("")), r);
  // x^0 = 1 and 1^y = 1 even for NaN; (-1)^+-inf = 1.
  const UOp minus_one_inf = cmp(Op::CMPEQ, x, -one).alu(Op::AND, cmp(Op::CMPEQ, abs_of(y), inf));
  const UOp is_one = cmp(Op::CMPEQ, y, zero).alu(Op::OR, cmp(Op::CMPEQ, x, one)).alu(Op::OR, minus_one_inf);
  return is_one.where(one, r);
}

// PyTorch's special exponents (pow_out and its CPU kernels): exactly these values use simpler math.
UOp float_pow_number(const UOp& x, double e) {
  if (e == 0) return c_like(x, 1);
  if (e == 1) return x;
  if (e == 0.5) return x.alu(Op::SQRT);
  if (e == -0.5) return x.alu(Op::SQRT).alu(Op::RECIP);
  if (e == -1) return x.alu(Op::RECIP);
  if (e == 2) return x * x;
  if (e == 3) return x * x * x;
  if (e == -2) return (x * x).alu(Op::RECIP);
  return float_pow(x, c_like(x, e));
}

UOp int_const(const UOp& like, int64_t v) { return const_node(like.dtype(), v, *like.shape()); }

// x^e for a known e >= 0 by repeated squaring; integer multiplication wraps.
UOp int_pow_number(const UOp& x, uint64_t e) {
  UOp result = int_const(x, 1), base = x;
  for (; e != 0; e >>= 1) {
    if (e & 1) result = result * base;
    if (e > 1) base = base * base;
  }
  return result;
}

// x^y for an integer tensor y: every bit of y selects a square; a negative y gives PyTorch's CPU value.
UOp int_pow_tensor(const UOp& x, const UOp& y) {
  const DType dt = x.dtype();
  const int nbits = bits(dt.scalar) - (is_unsigned(dt) ? 0 : 1);
  UOp result = int_const(x, 1), base = x;
  for (int i = 0; i < nbits; ++i) {
    const UOp bit = cmp(Op::CMPNE, y.alu(Op::SHR, int_const(y, i)).alu(Op::AND, int_const(y, 1)), int_const(y, 0));
    result = bit.where(result * base, result);
    if (i + 1 < nbits) base = base * base;
  }
  if (is_unsigned(dt)) return result;
  const UOp one = int_const(x, 1), zero = int_const(x, 0), minus_one = int_const(x, -1);
  const UOp y_odd = cmp(Op::CMPNE, y.alu(Op::AND, one), zero);
  const UOp negative =
      cmp(Op::CMPEQ, x, one).where(one, cmp(Op::CMPEQ, x, minus_one).where(y_odd.where(minus_one, one), zero));
  return cmp(Op::CMPLT, y, zero).where(negative, result);
}

Tensor pow_of(const Operand& base, const Operand& exponent) {
  const DType dt = result_dtype("pow", base, exponent);
  if (is_bool(dt)) (ErrorBuilder("pow") << "not supported for bool tensors (PyTorch has no bool kernel)").raise();
  const bool number_exp = is_number(exponent);
  const Number e = number_exp ? std::get<Number>(exponent.v) : Number(0);
  if (is_float(dt)) {
    const DType cdt = compute_dtype(dt);
    tensor_detail::Prepared p = tensor_detail::prepare("pow", {&base, &exponent}, cdt);
    const UOp out = number_exp ? float_pow_number(p.src[0], e.as_double()) : float_pow(p.src[0], p.src[1]);
    return derive(cast_to(out, dt), p.tensors);
  }
  if (number_exp && e.i < 0)
    (ErrorBuilder("pow") << "integers to negative integer powers are not allowed (" << name(dt) << " tensor ** " << e.i
                         << "); use a float tensor")
        .raise();
  tensor_detail::Prepared p = tensor_detail::prepare("pow", {&base, &exponent}, dt);
  const UOp out =
      number_exp ? int_pow_number(p.src[0], static_cast<uint64_t>(e.i)) : int_pow_tensor(p.src[0], p.src[1]);
  return derive(out, p.tensors);
}

}  // namespace

Tensor Tensor::tan() const { return float_apply(*this, tensor_detail::tan_of); }

Tensor Tensor::round() const {
  if (is_bool(dtype())) (ErrorBuilder("round") << "not supported for bool tensors").raise();
  if (!is_float(dtype())) return *this;
  return float_apply(*this, [](const UOp& x) {
    const UOp f = floor_of(x), d = x - f, half = c_like(x, 0.5);
    const UOp half_f = f * half;
    const UOp f_odd = cmp(Op::CMPNE, half_f.alu(Op::TRUNC), half_f);
    const UOp up = cmp(Op::CMPLT, half, d).alu(Op::OR, cmp(Op::CMPEQ, d, half).alu(Op::AND, f_odd));
    const UOp r = up.where(f + c_like(x, 1), f);
    return cmp(Op::CMPEQ, r, c_like(x, 0)).where(x * c_like(x, 0), r);  // a zero keeps x's sign, as rint
  });
}

Tensor Tensor::isnan() const {
  if (!is_float(dtype())) return derive(const_node(dtypes::bool_, false, shape()), {this});
  return derive(cmp(Op::CMPNE, uop(), uop()), {this});
}

Tensor Tensor::isinf() const {
  if (!is_float(dtype())) return derive(const_node(dtypes::bool_, false, shape()), {this});
  return derive(cmp(Op::CMPEQ, abs_of(uop()), c_like(uop(), kInf)), {this});
}

Tensor Tensor::isfinite() const {
  if (!is_float(dtype())) return derive(const_node(dtypes::bool_, true, shape()), {this});
  return derive(cmp(Op::CMPLT, abs_of(uop()), c_like(uop(), kInf)), {this});  // false for NaN
}

Tensor Tensor::pow(const Operand& exponent) const { return pow_of(*this, exponent); }
Tensor pow(const Tensor& base, const Operand& exponent) { return pow_of(base, exponent); }
Tensor pow(Number base, const Tensor& exponent) { return pow_of(base, exponent); }

Tensor Tensor::lerp(const Tensor& end, const Operand& weight) const {
  if (!is_float(dtype())) (ErrorBuilder("lerp") << "needs a float tensor, got " << name(dtype())).raise();
  if (end.dtype() != dtype())
    (ErrorBuilder("lerp") << "end must have the input's dtype " << name(dtype()) << ", got " << name(end.dtype()))
        .raise();
  if (!is_number(weight) && tensor_of(weight).dtype() != dtype())
    (ErrorBuilder("lerp") << "weight must have the input's dtype " << name(dtype()) << ", got "
                          << name(tensor_of(weight).dtype()))
        .raise();
  const Operand self(*this), end_op(end);
  tensor_detail::Prepared p = tensor_detail::prepare("lerp", {&self, &end_op, &weight}, compute_dtype(dtype()));
  const UOp &s = p.src[0], &e = p.src[1], &w = p.src[2];
  const UOp diff = e - s;
  // As PyTorch: from the nearer end, so lerp(a, b, 1) is exactly b.
  const UOp small = cmp(Op::CMPLT, abs_of(w), c_like(w, 0.5));
  return derive(cast_to(small.where(s + w * diff, e - diff * (c_like(w, 1) - w)), dtype()), p.tensors);
}

}  // namespace anvil
