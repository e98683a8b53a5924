#pragma once
// The meaning of every ALU op on scalars: one definition, used by the interpreter (which defines
// the IR), by constant folding in the rewriter and by the Z3 encoding's self-check.
//
// Semantics (DESIGN.md, Semantics):
// - Wrapping integers (int8..uint64) wrap at their width. INT_MIN / -1 wraps to INT_MIN and
//   INT_MIN % -1 is 0; division or modulo by zero is poison.
// - index is exact: a result outside int64 is poison (the lowered kernel would overflow).
// - Shifts: a count outside [0, bits) is poison. SHR is arithmetic for signed types.
// - Floats are computed in double and rounded to the dtype after every op (float16/bfloat16 are
//   stored rounded); IEEE NaN/Inf. FDIV by zero is IEEE (±Inf/NaN), not poison.
// - CAST float -> int saturates, NaN -> 0; int -> int wraps; x -> bool is x != 0.
// - Poison in, poison out, except WHERE, which only looks at the arm it selects.
#include <span>

#include "engine/ir/uop.h"

namespace anvil {

struct Value {
  bool poison = false;
  __int128 i = 0;  // bool, integers, index: the exact value
  double f = 0;    // floats: the value, already rounded to its dtype

  static Value of_int(__int128 v) { return {false, v, 0}; }
  static Value of_float(double v) { return {false, 0, v}; }
  static Value make_poison() { return {true, 0, 0}; }
};

// `out` is the result's scalar type; `in_types` the scalar types of `in`, one per source.
Value exec_alu(Op op, Scalar out, std::span<const Scalar> in_types, std::span<const Value> in);

// Bit-level views, for BITCAST, LOAD/STORE of buffers and the text form.
uint64_t value_bits(Scalar s, const Value& v);
Value value_from_bits(Scalar s, uint64_t bits);

// The value of a scalar CONST node, and a CONST node for a value (ANVIL_CHECK: not poison).
Value const_value(const UOp& c);
UOp value_const(DType dtype, const Value& v);

// Equality of two values of one type: floats by bits, NaN equal to NaN only with the same bits.
bool same_value(Scalar s, const Value& a, const Value& b);

}  // namespace anvil
