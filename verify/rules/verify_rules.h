#pragma once
// `anvil verify rules`: a verdict for every rule of every set in all_rule_sets(), per proof dtype
// of its domain (declarative rules proved, code rules checked on generated instances), cached
// by rule text, dtype and Z3 version; and a bounded rewriting check per rule set.
#include <cstdint>
#include <string>
#include <vector>

#include "verify/rules/prove_rule.h"
#include "verify/rules/termination.h"

namespace anvil::verify {

struct VerifyOptions {
  bool wide = false;             // also uint8, uint16, int32, int64 (best effort)
  std::string cache_path;        // empty: no cache
  uint64_t rlimit = 20'000'000;  // per declarative proof
  uint64_t instance_rlimit = 4'000'000;
  unsigned fuse_ms = smt::Context::kDefaultFuseMs;  // see smt.h: only for searches that stop counting
  int code_expressions = 200;                       // generated expressions a code rule is tried on
  int max_instances = 25;                           // instances checked per code rule
  int termination_expressions = 300;
  uint64_t seed = 20261125;
  bool progress = false;  // a line on stderr per verdict
};

struct RuleRow {
  std::string set, rule, domain, location;  // domain: the proof dtype ("index", "int8"), or "instances"
  Verdict verdict = Verdict::Unknown;
  std::string detail;
  uint64_t rlimit_used = 0;
  double seconds = 0;
  bool cached = false;
};

// Per rule set: a reduction order (termination.h) when one orders every rule; and, always,
// graph_rewrite with the set on generated expressions: every run must reach a fixed point (a
// second run changes nothing) within the driver's bound (a loop aborts the driver).
struct TerminationRow {
  std::string set;
  OrderResult order;
  int instances = 0, fixed_points = 0;
  int64_t max_rewrites = 0;
};

struct RulesReport {
  std::vector<RuleRow> rows;
  std::vector<TerminationRow> termination;
  std::string z3_version;
  double seconds = 0;
};

RulesReport verify_rules(const VerifyOptions& opt);

struct Summary {
  int proved = 0, vacuous = 0, refuted = 0, unknown = 0, checked = 0, not_encoded = 0;
  int total_proof_rows() const { return proved + refuted + unknown + checked; }
};
Summary summarize(const RulesReport& r);
// Counts per verdict per dtype, the unknown share, and every refuted rule with its counterexample.
std::string summary_text(const RulesReport& r);

}  // namespace anvil::verify
