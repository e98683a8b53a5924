#pragma once
// The proof of one declarative rule in one dtype: the left side with fresh wildcards, the right
// side built as rule.h says (fold evaluated symbolically; a poison fold, an unbuildable literal or
// a right side of another dtype means the rule does not fire), the guard in exact integers, and
// refinement `guard ∧ ¬poison(lhs) ⇒ ¬poison(rhs) ∧ lhs = rhs` checked valid by Z3.
#include <string>
#include <vector>

#include "engine/rewrite/rule.h"
#include "verify/smt.h"

namespace anvil::verify {

enum class Verdict : uint8_t { Proved, Refuted, Unknown, Checked, NotEncoded };
const char* verdict_name(Verdict v);  // "proved", "REFUTED", "unknown", "checked", "not-encoded"

// The dtypes a domain is proved in: Index -> index; WrapInt -> int8, int16 (and with `wide`
// uint8, uint16, int32, int64); Bool -> bool; Float -> float16, bfloat16, float32, float64 (Z3's
// FP theory; float64 best effort under the rlimit). Other is not encoded (empty).
std::vector<Scalar> proof_dtypes(Domain d, bool wide);

struct ProofResult {
  Verdict verdict = Verdict::Unknown;
  std::string detail;  // counterexample, unknown reason, "vacuous: ..." for a rule that never fires
  uint64_t rlimit_used = 0;
};

// `s` is the dtype of the matched node (of a comparison: of its operands).
ProofResult prove_rule(smt::Context& ctx, const Rule& r, Scalar s, uint64_t rlimit,
                       unsigned fuse_ms = smt::Context::kDefaultFuseMs);

}  // namespace anvil::verify
