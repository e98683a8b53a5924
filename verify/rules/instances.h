#pragma once
// What cannot be proved once for all: code rules are applied to generated expressions and each
// firing is proved equal to its input (DEFINE_VARs free within their ranges); rule sets are run
// to a fixed point on generated expressions (bounded rewriting check).
#include <string>

#include "engine/rewrite/rule.h"
#include "verify/rules/encode.h"
#include "verify/smt.h"

namespace anvil::verify {

// A pure expression DAG in the encoding; DEFINE_VARs are free values within [lo, hi].
// anvil::Error for a node the encoding does not speak (floats, memory, vectors).
Enc encode_uop(Encoder& enc, const UOp& root);

struct InstanceCheck {
  int fired = 0, proved = 0, refuted = 0, unknown = 0, skipped = 0;
  std::string counterexample;  // the first refuted instance
  uint64_t rlimit_used = 0;
};

// Tries `r` on every node of `expressions` generated expressions (seeded), up to `max_instances`
// firings, each checked for refinement under `rlimit`.
InstanceCheck check_code_rule(smt::Context& ctx, const Rule& r, int expressions, int max_instances, uint64_t seed,
                              uint64_t rlimit);

struct FixedPointCheck {
  int instances = 0, fixed_points = 0;
  int64_t max_rewrites = 0;
};
FixedPointCheck check_fixed_point(const RuleSet& set, int expressions, uint64_t seed);

}  // namespace anvil::verify
