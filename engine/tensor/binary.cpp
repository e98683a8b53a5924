// Binary and ternary elementwise ops: promotion (PyTorch's result_type), broadcasting, and the
// arithmetic, comparison, logical and bitwise families.
#include <optional>

#include "engine/tensor/graph.h"

namespace anvil {
namespace {

using tensor_detail::cast_to;
using tensor_detail::const_node;
using tensor_detail::derive;
using tensor_detail::is_number;
using tensor_detail::prepare;
using tensor_detail::tensor_of;

DType number_dtype(const Number& n) {
  switch (n.kind) {
    case Number::Kind::Bool: return dtypes::bool_;
    case Number::Kind::Int: return dtypes::int64;
    default: return dtypes::float32;  // PyTorch's default float dtype
  }
}

// PyTorch's combine_categories: the lower-priority group counts only when its category is higher.
std::optional<DType> combine(const std::optional<DType>& higher, const std::optional<DType>& lower) {
  if (!higher) return lower;
  if (!lower || is_float(*higher)) return higher;
  if (is_bool(*higher) || is_float(*lower)) return promote(*higher, *lower);
  return higher;
}

DType result_type_for(const char* op, const std::vector<const Operand*>& operands) {
  try {
    std::optional<DType> dim, zero, wrapped;
    auto add = [](std::optional<DType>& acc, DType d) { acc = acc ? promote(*acc, d) : d; };
    for (const Operand* o : operands) {
      if (is_number(*o))
        add(wrapped, number_dtype(std::get<Number>(o->v)));
      else
        add(tensor_of(*o).ndim() == 0 ? zero : dim, tensor_of(*o).dtype());
    }
    return combine(dim, combine(zero, wrapped)).value_or(dtypes::float32);
  } catch (const Error& e) {
    throw Error(op, e.message());
  }
}

Tensor elementwise(const char* op, Op alu, const Operand& a, const Operand& b, DType dtype, DType out) {
  tensor_detail::Prepared p = prepare(op, {&a, &b}, dtype);
  return derive(UOp::make(alu, out, p.src), p.tensors);
}

Tensor arith(const char* op, Op alu, const Operand& a, const Operand& b) {
  const DType dt = result_type_for(op, {&a, &b});
  return elementwise(op, alu, a, b, dt, dt);
}

void no_bool(const char* op, DType dt, const char* hint) {
  if (is_bool(dt)) (ErrorBuilder(op) << "not supported for bool tensors" << hint).raise();
}

Tensor compare(const char* op, Op alu, const Tensor& a, const Operand& b, bool swap) {
  const Operand self(a);
  const DType dt = result_type_for(op, {&self, &b});
  tensor_detail::Prepared p = prepare(op, {&self, &b}, dt);
  if (swap) std::swap(p.src[0], p.src[1]);
  return derive(UOp::make(alu, dtypes::bool_, p.src), p.tensors);
}

Tensor bitwise(const char* op, Op alu, const Tensor& a, const Operand& b) {
  const Operand self(a);
  const DType dt = result_type_for(op, {&self, &b});
  if (is_float(dt)) {
    const std::string other = is_number(b) ? "a number" : name(tensor_of(b).dtype());
    (ErrorBuilder(op) << "needs integer or bool operands, got " << name(a.dtype()) << " and " << other).raise();
  }
  return elementwise(op, alu, a, b, dt, dt);
}

// Integer division and modulo by zero are defined as 0 (PyTorch raises on data we cannot see).
UOp guarded_int(Op alu, const UOp& x, const UOp& d) {
  const UOp is_zero = UOp::make(Op::CMPEQ, dtypes::bool_, {d, const_node(d.dtype(), 0, *d.shape())});
  const UOp safe_d = is_zero.where(const_node(d.dtype(), 1, *d.shape()), d);
  return is_zero.where(const_node(d.dtype(), 0, *d.shape()), x.alu(alu, safe_d));
}

UOp float_floor(const UOp& q) {
  const UOp t = q.alu(Op::TRUNC);
  return UOp::make(Op::CMPLT, dtypes::bool_, {q, t}).where(t - const_node(q.dtype(), 1, *q.shape()), t);
}

Tensor divmod(const char* op, const Tensor& a, const Operand& b, bool mod) {
  const Operand self(a);
  const DType dt = result_type_for(op, {&self, &b});
  no_bool(op, dt, "");
  // float16/bfloat16 compute in float32 and round once, as PyTorch's kernels do.
  const bool half = dt.scalar == Scalar::Float16 || dt.scalar == Scalar::BFloat16;
  tensor_detail::Prepared p = prepare(op, {&self, &b}, half ? DType(dtypes::float32) : dt);
  const UOp &x = p.src[0], &d = p.src[1];
  UOp out;
  if (is_float(dt)) {
    const UOp q = float_floor(x.alu(Op::FDIV, d));
    out = cast_to(mod ? x - q * d : q, dt);
  } else {
    out = guarded_int(mod ? Op::FLOORMOD : Op::FLOORDIV, x, d);
  }
  return derive(out, p.tensors);
}

bool is_bool_operand(const Operand& o) {
  return is_number(o) ? std::get<Number>(o.v).kind == Number::Kind::Bool : is_bool(tensor_of(o).dtype());
}

// PyTorch refuses any bool operand of a subtraction, even where the result would be an integer.
Tensor sub_of(const Operand& a, const Operand& b) {
  if (is_bool_operand(a) && is_bool_operand(b)) no_bool("sub", dtypes::bool_, "; use logical_xor");
  if (is_bool_operand(a) || is_bool_operand(b))
    (ErrorBuilder("sub") << "not supported with a bool operand; to invert a mask use logical_not").raise();
  return arith("sub", Op::SUB, a, b);
}

// True division: integer and bool operands divide as float32.
Tensor div_of(const Operand& a, const Operand& b) {
  DType dt = result_type_for("div", {&a, &b});
  if (!is_float(dt)) dt = dtypes::float32;
  return elementwise("div", Op::FDIV, a, b, dt, dt);
}

// PyTorch's clamp as selects, so the gradient matches it: x gets all of it on lo <= x <= hi (bounds
// included), a bound where it is the value. Ties keep x (its -0.0), a NaN x or bound gives NaN, and
// lo > hi gives hi. x * 0 stands for x where x is NaN: the same value, with no gradient.
UOp clamp_of(const UOp& x, const UOp* lo, const UOp* hi) {
  auto lt = [](const UOp& a, const UOp& b) { return UOp::make(Op::CMPLT, dtypes::bool_, {a, b}); };
  auto le = [](const UOp& a, const UOp& b) { return UOp::make(Op::CMPLE, dtypes::bool_, {a, b}); };
  const UOp zero = const_node(x.dtype(), 0, *x.shape());
  UOp inside, out = x * zero;
  if (lo) {
    inside = le(*lo, x);
    out = lt(x, *lo).where(*lo, out);
  }
  if (hi) {
    inside = lo ? inside.alu(Op::AND, le(x, *hi)) : le(x, *hi);
    const UOp above = lo ? lt(*hi, x).alu(Op::OR, lt(*hi, *lo)) : lt(*hi, x);
    out = above.where(*hi, out);
  }
  if (is_float(x.dtype())) {
    out = UOp::make(Op::CMPNE, dtypes::bool_, {x, x}).where(x * zero, out);  // NaN stays NaN, even when lo > hi
    if (lo) out = UOp::make(Op::CMPNE, dtypes::bool_, {*lo, *lo}).where(*lo, out);
    if (hi) out = UOp::make(Op::CMPNE, dtypes::bool_, {*hi, *hi}).where(*hi, out);
  }
  return inside.where(x, out);
}

}  // namespace

DType result_type(const std::vector<Operand>& operands) {
  std::vector<const Operand*> ps;
  ps.reserve(operands.size());
  for (const Operand& o : operands) ps.push_back(&o);
  return result_type_for("result_type", ps);
}

Tensor Tensor::add(const Operand& o) const { return arith("add", Op::ADD, *this, o); }
Tensor Tensor::sub(const Operand& o) const { return sub_of(*this, o); }
Tensor Tensor::mul(const Operand& o) const { return arith("mul", Op::MUL, *this, o); }
Tensor Tensor::div(const Operand& o) const { return div_of(*this, o); }
Tensor Tensor::floor_divide(const Operand& o) const { return divmod("floor_divide", *this, o, false); }
Tensor Tensor::remainder(const Operand& o) const { return divmod("remainder", *this, o, true); }
Tensor Tensor::maximum(const Operand& o) const { return arith("maximum", Op::MAX, *this, o); }
Tensor Tensor::minimum(const Operand& o) const { return arith("minimum", Op::MIN, *this, o); }

Tensor Tensor::clamp(std::optional<Operand> lo, std::optional<Operand> hi) const {
  if (!lo && !hi) (ErrorBuilder("clamp") << "at least one of min and max must be given").raise();
  const Operand self(*this);
  std::vector<const Operand*> all{&self};
  if (lo) all.push_back(&*lo);
  if (hi) all.push_back(&*hi);
  const DType dt = result_type_for("clamp", all);
  no_bool("clamp", dt, "");  // PyTorch has no bool kernel for clamp
  tensor_detail::Prepared p = prepare("clamp", all, dt);
  const UOp& x = p.src[0];
  const UOp* l = lo ? &p.src[1] : nullptr;
  const UOp* h = hi ? &p.src[lo ? 2 : 1] : nullptr;
  return derive(clamp_of(x, l, h), p.tensors);
}

Tensor Tensor::lt(const Operand& o) const { return compare("lt", Op::CMPLT, *this, o, false); }
Tensor Tensor::le(const Operand& o) const { return compare("le", Op::CMPLE, *this, o, false); }
Tensor Tensor::gt(const Operand& o) const { return compare("gt", Op::CMPLT, *this, o, true); }
Tensor Tensor::ge(const Operand& o) const { return compare("ge", Op::CMPLE, *this, o, true); }
Tensor Tensor::eq(const Operand& o) const { return compare("eq", Op::CMPEQ, *this, o, false); }
Tensor Tensor::ne(const Operand& o) const { return compare("ne", Op::CMPNE, *this, o, false); }

Tensor Tensor::logical_and(const Operand& o) const {
  return elementwise("logical_and", Op::AND, *this, o, dtypes::bool_, dtypes::bool_);
}
Tensor Tensor::logical_or(const Operand& o) const {
  return elementwise("logical_or", Op::OR, *this, o, dtypes::bool_, dtypes::bool_);
}
Tensor Tensor::logical_xor(const Operand& o) const {
  return elementwise("logical_xor", Op::CMPNE, *this, o, dtypes::bool_, dtypes::bool_);
}
Tensor Tensor::bitwise_and(const Operand& o) const { return bitwise("bitwise_and", Op::AND, *this, o); }
Tensor Tensor::bitwise_or(const Operand& o) const { return bitwise("bitwise_or", Op::OR, *this, o); }
Tensor Tensor::bitwise_xor(const Operand& o) const { return bitwise("bitwise_xor", Op::XOR, *this, o); }

Tensor Tensor::where(const Operand& a, const Operand& b) const {
  if (!is_bool(dtype()))
    (ErrorBuilder("where") << "the condition must be a bool tensor, got " << name(dtype())).raise();
  const DType dt = result_type_for("where", {&a, &b});
  tensor_detail::Prepared p = prepare("where", {&a, &b}, dt);
  const Shape shape = tensor_detail::broadcast_shape("where", this->shape(), p.shape);
  p.tensors.push_back(*this);
  const UOp cond = tensor_detail::broadcast_to(uop(), shape);
  const UOp x = tensor_detail::broadcast_to(p.src[0], shape), y = tensor_detail::broadcast_to(p.src[1], shape);
  return derive(cond.where(x, y), p.tensors);
}

Tensor where(const Tensor& cond, const Operand& a, const Operand& b) { return cond.where(a, b); }

Tensor operator+(const Tensor& a, const Operand& b) { return a.add(b); }
Tensor operator-(const Tensor& a, const Operand& b) { return a.sub(b); }
Tensor operator*(const Tensor& a, const Operand& b) { return a.mul(b); }
Tensor operator/(const Tensor& a, const Operand& b) { return a.div(b); }
Tensor operator+(Number a, const Tensor& b) { return b.add(a); }
Tensor operator*(Number a, const Tensor& b) { return b.mul(a); }
Tensor operator-(Number a, const Tensor& b) { return sub_of(a, b); }
Tensor operator/(Number a, const Tensor& b) { return div_of(a, b); }

}  // namespace anvil
