// Bit-level ops: shifts with PyTorch's out-of-range counts, and bitcast (torch's view(dtype)).
#include "engine/tensor/float_math.h"

namespace anvil {
namespace {

using tensor_detail::cmp;
using tensor_detail::const_node;
using tensor_detail::derive;
using tensor_detail::is_number;
using tensor_detail::tensor_of;

UOp int_const(const UOp& like, int64_t v) { return const_node(like.dtype(), v, *like.shape()); }

// The IR leaves a count outside [0, bits) undefined (poison), so it is replaced before the shift.
Tensor shift(const char* op, Op alu, const Tensor& a, const Operand& b) {
  const Operand self(a);
  DType dt;
  try {
    dt = result_type({self, b});
  } catch (const Error& e) {
    throw Error(op, e.message());
  }
  if (!is_int(dt)) {
    const std::string other = is_number(b) ? "a number" : name(tensor_of(b).dtype());
    (ErrorBuilder(op) << "needs integer operands, got " << name(a.dtype()) << " and " << other).raise();
  }
  tensor_detail::Prepared p = tensor_detail::prepare(op, {&self, &b}, dt);
  const UOp &x = p.src[0], &s = p.src[1];
  const int width = bits(dt.scalar);
  const UOp in_range = cmp(Op::CMPLE, int_const(s, 0), s).alu(Op::AND, cmp(Op::CMPLT, s, int_const(s, width)));
  const UOp shifted = x.alu(alu, in_range.where(s, int_const(s, 0)));
  UOp outside = int_const(x, 0);
  if (alu == Op::SHR && !is_unsigned(dt)) outside = x.alu(Op::SHR, int_const(s, width - 1));  // the sign fill
  return derive(in_range.where(shifted, outside), p.tensors);
}

}  // namespace

Tensor Tensor::bitwise_left_shift(const Operand& o) const { return shift("bitwise_left_shift", Op::SHL, *this, o); }
Tensor Tensor::bitwise_right_shift(const Operand& o) const { return shift("bitwise_right_shift", Op::SHR, *this, o); }

Tensor Tensor::bitcast(DType dt) const {
  if (dt.is_ptr || dt.count != 1 || dt.scalar == Scalar::Void || dt.scalar == Scalar::Index)
    (ErrorBuilder("bitcast") << "a tensor's dtype must be a scalar element type, not " << name(dt)).raise();
  if (itemsize(dt) != itemsize(dtype()))
    (ErrorBuilder("bitcast") << "needs a dtype of the same item size: " << name(dtype()) << " has " << itemsize(dtype())
                             << " bytes, " << name(dt) << " has " << itemsize(dt) << " (shape " << shape_str(shape())
                             << ")")
        .raise();
  if (dt == dtype()) return *this;
  return derive(uop().bitcast(dt), {this});
}

}  // namespace anvil
