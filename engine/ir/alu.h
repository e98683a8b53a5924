#pragma once
// The meaning of every ALU op on scalars: one definition, used by the interpreter (which defines
// the IR), by constant folding in the rewriter and by the Z3 encoding's self-check.
//
// Semantics (DESIGN.md, Semantics):
// - Wrapping integers (int8..uint64) wrap at their width. INT_MIN / -1 wraps to INT_MIN and
//   INT_MIN % -1 is 0; division or modulo by zero is poison (TRUNC/FLOOR DIV/MOD alike).
// - index is exact: a result outside int64 is poison (the lowered kernel would overflow). MULACC
//   on index is MUL then ADD: a product outside int64 is poison even if the sum would fit.
// - Shifts: a count outside [0, bits) is poison. SHR is arithmetic for signed types, logical for
//   unsigned. Shifts of bool are errors.
// - bool: NOT is logical; other integer ops compute on 0/1 and then take x != 0 (ADD is OR, MUL AND).
// - Floats are computed in double and rounded to the dtype after every op (float16/bfloat16 are
//   stored rounded); IEEE NaN/Inf. FDIV by zero is IEEE (±Inf/NaN), not poison. MULACC rounds
//   a*b, then the sum. A NaN result carries the first NaN operand's payload, quieted; a NaN made
//   from non-NaNs (0/0, inf-inf, sqrt(-1)) is the canonical +qNaN (0x7ff8...). NEG only flips the sign.
// - MAX/MIN on floats are IEEE 754-2019 maximum/minimum: a NaN operand gives NaN (as PyTorch's
//   maximum/minimum), and -0.0 < +0.0, so max(-0.0, +0.0) = +0.0 and min(-0.0, +0.0) = -0.0.
// - Comparisons on floats are IEEE: any NaN compares false, except CMPNE, which is true.
// - CAST float -> int truncates and saturates to the target's range (index: int64's), NaN -> 0;
//   int -> int wraps (to index: poison outside int64); x -> bool is x != 0 (NaN is true);
//   bool -> x is 0/1; int -> float rounds to nearest even once (never through double);
//   float -> float rounds to nearest even.
// - BITCAST (scalars) needs equal widths; bits read as bool are true when nonzero.
// - Poison in, poison out, except WHERE, which only looks at the arm it selects (and its condition).
// - Integer operands are first brought into their type (wrapped; index outside int64: poison);
//   float operands must already be rounded to theirs. An op its dtype does not define (FDIV on
//   ints, AND on floats, ...), a wrong operand count or a non-ALU op throws anvil::Error ("alu").
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

// `out` is the result's scalar type; `in_types` the scalar types of `in`, one per source (CAST and
// BITCAST read the source type from it; a missing entry means `out`). Also runs BITCAST.
Value exec_alu(Op op, Scalar out, std::span<const Scalar> in_types, std::span<const Value> in);

// Bit-level views, for BITCAST, LOAD/STORE of buffers and the text form: the low bits(s) bits, as
// stored little-endian. Exact both ways for every pattern (NaN payloads, signaling ones too),
// except bool, which reads any nonzero byte as true.
// value_bits of poison is 0.
uint64_t value_bits(Scalar s, const Value& v);
Value value_from_bits(Scalar s, uint64_t bits);

// The value of a scalar CONST node, and a CONST node for a value (ANVIL_CHECK: not poison).
Value const_value(const UOp& c);
UOp value_const(DType dtype, const Value& v);

// Equality of two values of one type: floats by bits, NaN equal to NaN only with the same bits.
bool same_value(Scalar s, const Value& a, const Value& b);

}  // namespace anvil
