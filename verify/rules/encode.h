#pragma once
// The meaning of anvil's integer and bool ALU ops in Z3, as alu.h states it: every value is a
// pair (value, poison). index is an Int kept inside int64 (leaving it is poison); int8..uint64 are
// bit-vectors of their width that wrap; bool is a Bool. Division and modulo are encoded in both
// flavours (truncating and floor) on top of SMT's Euclidean div/mod; a zero divisor is poison.
// float16/bfloat16/float32/float64 are Z3 floating point FP(5,11)/FP(8,8)/FP(8,24)/FP(11,53)
// (encode_float.cpp): round to nearest even, one NaN. exec_alu (alu.h) keeps NaN payloads and
// signs; Z3's FP theory has a single NaN, so a Float-domain proof says nothing about which NaN
// bits a rewrite yields: a rule that changes a payload is still "proved" (not checked outside Z3 yet).
#include <map>
#include <span>
#include <string>
#include <vector>

#include "engine/ir/dtype.h"
#include "engine/ir/ops.h"
#include "verify/smt.h"

namespace anvil::verify {

struct Enc {
  smt::Term v;       // Int (index), bit-vector (intN), Bool (bool), floating point (floats)
  smt::Term poison;  // Bool
};

// Scalars the encoder speaks: bool, index, int8..uint64 (the integer theory: kernels, guards,
// code-rule instances). Floats are encoded by alu() and constant()/value_var() too, for rule proofs.
bool encodable(Scalar s);
bool encodable_or_float(Scalar s);

class Encoder {
 public:
  explicit Encoder(smt::Context& ctx) : ctx_(ctx) {}
  smt::Context& ctx() { return ctx_; }

  Enc constant(Scalar s, __int128 v);                      // a value of s (wrapped for intN; floats: rounded)
  Enc float_constant(Scalar s, double v);                  // v rounded to float type s, as round_to
  smt::Term value_var(Scalar s, const std::string& name);  // a free value of s (index: within int64)
  // One ALU op (anvil::Error for one its dtype does not define, as exec_alu).
  Enc alu(Op op, Scalar out, std::span<const Scalar> in_types, std::span<const Enc> in);

  // The exact integer a value of s stands for, in the guard theory: Int when `as_int`, else a
  // 128-bit bit-vector (signed), which holds every value of every scalar.
  smt::Term exact(Scalar s, const smt::Term& v, bool as_int);
  // v in int64 (index values must stay there).
  smt::Term in_int64(const smt::Term& v);
  // The constraints on free values made so far (index variables within int64).
  const std::vector<smt::Term>& assumptions() const { return assumptions_; }
  void assume(const smt::Term& t) { assumptions_.push_back(t); }

 private:
  smt::Term bits64(const smt::Term& a);
  Enc int_alu(Op op, std::span<const Enc> in);
  Enc bv_alu(Op op, Scalar out, std::span<const Enc> in);
  Enc bool_alu(Op op, std::span<const Enc> in);
  Enc cast(Scalar to, Scalar from, const Enc& x);
  smt::Term compare(Op op, Scalar s, const smt::Term& a, const smt::Term& b);
  // encode_float.cpp
  smt::Term float_var(Scalar s, const std::string& name);
  Enc float_alu(Op op, Scalar out, std::span<const Enc> in);
  Enc float_cast(Scalar to, Scalar from, const Enc& x);
  smt::Term float_compare(Op op, const smt::Term& a, const smt::Term& b);

  smt::Context& ctx_;
  std::vector<smt::Term> assumptions_;
  std::map<std::string, smt::Term> bits64_;  // by SMT-LIB text
};

// Floor and truncating division/modulo of Ints from Euclidean div/mod (b != 0).
smt::Term int_floordiv(smt::Context& ctx, const smt::Term& a, const smt::Term& b);
smt::Term int_floormod(smt::Context& ctx, const smt::Term& a, const smt::Term& b);
smt::Term int_truncdiv(smt::Context& ctx, const smt::Term& a, const smt::Term& b);
smt::Term int_truncmod(smt::Context& ctx, const smt::Term& a, const smt::Term& b);
// Signed floor division of bit-vectors (bvsdiv is truncating).
smt::Term bv_floordiv(smt::Context& ctx, const smt::Term& a, const smt::Term& b);

}  // namespace anvil::verify
