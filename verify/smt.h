#pragma once
// The one door to Z3: terms over Int, bit-vectors, Bool and IEEE floating point (FP(e, s), never
// Real), and a validity check with a resource
// limit (rlimit, never wall clock, so a verdict is the same on every machine). Nothing else
// includes z3; a Term is an opaque handle that keeps its expression alive.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace anvil::smt {

struct TermRep;
class Context;

class Term {
 public:
  Term() = default;
  explicit operator bool() const { return rep_ != nullptr; }
  const TermRep& rep() const { return *rep_; }
  std::string text() const;  // SMT-LIB, for messages
  bool is_bool() const;
  bool is_int() const;
  bool is_bv() const;
  int width() const;  // bit-vectors: their width
  bool is_fp() const;

 private:
  explicit Term(std::shared_ptr<const TermRep> rep) : rep_(std::move(rep)) {}
  std::shared_ptr<const TermRep> rep_;
  friend struct TermAccess;
};

enum class Outcome : uint8_t { Proved, Refuted, Unknown };

// A term to show in a counterexample, by label; bit-vectors print signed when `is_signed`.
struct Shown {
  std::string label;
  Term term;
  bool is_signed = true;
};

struct CheckResult {
  Outcome outcome = Outcome::Unknown;
  std::string model;         // Refuted: "label = value" pairs, comma-separated
  std::string reason;        // Unknown: Z3's reason (e.g. "max. resource limit exceeded")
  uint64_t rlimit_used = 0;  // resource units this check used
};

class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  Term int_val(__int128 v);
  Term int_var(const std::string& name);
  Term bv_val(__int128 v, int width);  // v taken mod 2^width
  Term bv_var(const std::string& name, int width);
  Term bool_val(bool v);
  Term bool_var(const std::string& name);
  // Floating point of `ebits` exponent and `sbits` significand bits (hidden bit included):
  // a value from its IEEE bit pattern (the low ebits+sbits bits; every NaN is Z3's one NaN).
  Term fp_bits(uint64_t bits, int ebits, int sbits);
  Term fp_var(const std::string& name, int ebits, int sbits);
  Term fp_nan(int ebits, int sbits);

  // Is `formula` true in every model? Its negation is checked under `rlimit` resource units.
  // `fuse_ms` only stops a search that stops counting resources (Z3's nonlinear core can); its
  // answer is unknown, as an exhausted rlimit's, so it never turns a verdict into another.
  CheckResult check_valid(const Term& formula, const std::vector<Shown>& show, uint64_t rlimit,
                          unsigned fuse_ms = kDefaultFuseMs);
  static constexpr unsigned kDefaultFuseMs = 30'000;
  // check_valid on one solver kept by this context, each call inside its own push/pop scope: a
  // fresh solver costs ~0.1-0.3 s of set-up, a scope ~10 ms. The rlimit counts from each call's
  // start; what a call learns is popped with its scope, but the solver's heuristics (activities,
  // phase) carry over, so an answer near the rlimit may depend on the calls before it in the process.
  CheckResult check_valid_reused(const Term& formula, const std::vector<Shown>& show, uint64_t rlimit,
                                 unsigned fuse_ms = kDefaultFuseMs);
  // A ground term through Z3's simplifier: Int as is, bit-vectors unsigned, Bool as 0/1;
  // nullopt when it does not simplify to a numeral.
  std::optional<__int128> eval_ground(const Term& t);

  static std::string z3_version();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  friend struct TermAccess;
};

// The value of an Int or bit-vector numeral (bit-vectors unsigned), without simplifying.
std::optional<__int128> numeral(const Term& t);

// Shared by Int and bit-vector terms (both operands of one sort).
Term add(const Term& a, const Term& b);
Term sub(const Term& a, const Term& b);
Term mul(const Term& a, const Term& b);
Term neg(const Term& a);
Term eq(const Term& a, const Term& b);
Term ite(const Term& c, const Term& a, const Term& b);
// Bool.
Term and_(const Term& a, const Term& b);
Term or_(const Term& a, const Term& b);
Term xor_(const Term& a, const Term& b);
Term not_(const Term& a);
Term implies(const Term& a, const Term& b);
Term and_all(Context& ctx, const std::vector<Term>& terms);
// Int: order and Euclidean division (SMT-LIB div/mod: 0 <= mod < |b|).
Term lt(const Term& a, const Term& b);
Term le(const Term& a, const Term& b);
Term ediv(const Term& a, const Term& b);
Term emod(const Term& a, const Term& b);
// Bit-vectors.
Term slt(const Term& a, const Term& b);
Term sle(const Term& a, const Term& b);
Term ult(const Term& a, const Term& b);
Term ule(const Term& a, const Term& b);
Term sdiv(const Term& a, const Term& b);  // truncating; INT_MIN / -1 wraps
Term srem(const Term& a, const Term& b);  // sign of the dividend
Term smod(const Term& a, const Term& b);  // sign of the divisor
Term udiv(const Term& a, const Term& b);
Term urem(const Term& a, const Term& b);
Term shl(const Term& a, const Term& b);
Term ashr(const Term& a, const Term& b);
Term lshr(const Term& a, const Term& b);
Term band(const Term& a, const Term& b);
Term bor(const Term& a, const Term& b);
Term bxor(const Term& a, const Term& b);
Term bnot(const Term& a);
Term sext(const Term& a, int extra);
Term zext(const Term& a, int extra);
Term extract(const Term& a, int hi, int lo);
// Signed bit-vector arithmetic that stays exact (no signed overflow), as a Bool.
Term add_exact(const Term& a, const Term& b);
Term sub_exact(const Term& a, const Term& b);
Term mul_exact(const Term& a, const Term& b);
// Between theories.
Term int2bv(const Term& a, int width);  // mod 2^width
Term bv2int(const Term& a, bool is_signed);
// Floating point, every rounding to nearest even. eq() above is SMT equality: NaN = NaN, -0 != +0.
Term fp_add(const Term& a, const Term& b);
Term fp_sub(const Term& a, const Term& b);
Term fp_mul(const Term& a, const Term& b);
Term fp_div(const Term& a, const Term& b);
Term fp_neg(const Term& a);
Term fp_sqrt(const Term& a);
Term fp_trunc(const Term& a);  // to an integral value toward zero
// IEEE predicates: any NaN operand makes lt/le/feq false.
Term fp_lt(const Term& a, const Term& b);
Term fp_le(const Term& a, const Term& b);
Term fp_feq(const Term& a, const Term& b);
Term fp_is_nan(const Term& a);
Term fp_is_zero(const Term& a);
Term fp_is_negative(const Term& a);  // sign bit set, NaN excluded
// Conversions: to another format, from a signed/unsigned bit-vector, and to one toward zero
// (unspecified outside the target's range and on NaN/Inf: callers saturate first).
Term fp_to_fp(const Term& a, int ebits, int sbits);
Term fp_from_bv(const Term& a, bool is_signed, int ebits, int sbits);
Term fp_to_bv(const Term& a, bool is_signed, int width);

}  // namespace anvil::smt
