// Rule proofs: known-good rules are proved, deliberately wrong ones refuted with a counterexample
// that names the dtype, and the whole rule table has no refuted rule and at most 10% unknown.
#include "verify/rules/prove_rule.h"

#include <gtest/gtest.h>

#include "verify/rules/verify_rules.h"

namespace anvil::verify {
namespace {

constexpr uint64_t kRlimit = 20'000'000;

ProofResult prove(const Rule& r, Scalar s) {
  smt::Context ctx;
  return prove_rule(ctx, r, s, kRlimit);
}

TEST(ProveRule, KnownGoodRulesAreProved) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  const Rule good[] = {
      rule(x + 0, x),
      rule((x + c0) + c1, x + fold(c0 + c1)),
      rule(floordiv(x, c0) * c0 + floormod(x, c0), x, when(c0 != 0)),
      rule(truncdiv(x, c0), floordiv(x, c0), when(vmin(x) >= 0 && c0 > 0)),
      rule(max_(x, y), x, when(vmin(x) >= vmax(y))),
  };
  for (const Rule& r : good)
    for (Scalar s : {Scalar::Index, Scalar::Int8, Scalar::UInt8}) {
      const ProofResult p = prove(r, s);
      EXPECT_EQ(p.verdict, Verdict::Proved) << r.name << " in " << name(s) << ": " << p.detail;
    }
  EXPECT_EQ(prove(good[1], Scalar::Int16).verdict, Verdict::Proved);
}

TEST(ProveRule, FloordivTimesDivisorIsNotX) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  for (Scalar s : {Scalar::Index, Scalar::Int8}) {
    const ProofResult p = prove(rule(floordiv(x, c0) * c0, x), s);
    ASSERT_EQ(p.verdict, Verdict::Refuted) << name(s);
    EXPECT_NE(p.detail.find(name(s) + ": "), std::string::npos) << p.detail;  // the width is named
    EXPECT_NE(p.detail.find("c0 = "), std::string::npos) << p.detail;
  }
}

TEST(ProveRule, XPlusOneGreaterThanXWrapsInWrapInt) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  const Rule r = rule(lt(x, x + 1), 1, kIntDomains);
  EXPECT_EQ(prove(r, Scalar::Index).verdict, Verdict::Proved);  // leaving int64 is poison
  const ProofResult p = prove(r, Scalar::Int8);
  ASSERT_EQ(p.verdict, Verdict::Refuted);
  EXPECT_NE(p.detail.find("x = 127"), std::string::npos) << p.detail;  // the one value that wraps
}

TEST(ProveRule, TruncdivIsNotFloordivWithoutASignGuard) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  for (Scalar s : {Scalar::Index, Scalar::Int16}) {
    const ProofResult p = prove(rule(truncdiv(x, c0), floordiv(x, c0)), s);
    ASSERT_EQ(p.verdict, Verdict::Refuted) << name(s);
    // Only a quotient that is negative and inexact differs: x and c0 of opposite signs.
    const bool x_negative = p.detail.find("x = -") != std::string::npos;
    const bool c0_negative = p.detail.find("c0 = -") != std::string::npos;
    EXPECT_NE(x_negative, c0_negative) << p.detail;
  }
}

TEST(ProveRule, ADivisorThatMayBeZeroMakesTheRightSidePoison) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  // floordiv(x * 0, y) => 0 drops the poison of y == 0, which refinement allows; a right side that
  // divides by y where the left side never did must fail, with y = 0 as the counterexample.
  EXPECT_EQ(prove(rule(floordiv(x * 0, y), 0), Scalar::Index).verdict, Verdict::Proved);
  const ProofResult p = prove(rule(x * 0 + y * 0, floordiv(x * 0, y)), Scalar::Int8);
  ASSERT_EQ(p.verdict, Verdict::Refuted) << p.detail;
  EXPECT_NE(p.detail.find("y = 0"), std::string::npos) << p.detail;
}

TEST(ProveRule, ALiteralTheDtypeCannotHoldNeverFires) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  const ProofResult p = prove(rule(x - y, x + y * -1, when(no_overflow(y * -1))), Scalar::UInt8);
  EXPECT_EQ(p.verdict, Verdict::Proved);
  EXPECT_NE(p.detail.find("vacuous"), std::string::npos) << p.detail;
}

TEST(VerifyRules, WholeTableHasNoRefutedRuleAndFewUnknowns) {
  VerifyOptions opt;  // the CLI's rlimit; a shorter fuse and fewer instances keep the gate quick under ASan
  opt.fuse_ms = 5'000;
  opt.code_expressions = 60;
  opt.termination_expressions = 60;
  const RulesReport report = verify_rules(opt);
  const Summary sum = summarize(report);
  for (const RuleRow& row : report.rows)
    EXPECT_NE(row.verdict, Verdict::Refuted) << row.set << ": " << row.rule << " [" << row.domain << "] " << row.detail;
  EXPECT_GT(sum.proved, 0);
  EXPECT_LE(sum.unknown * 10, sum.total_proof_rows()) << summary_text(report);
  for (const TerminationRow& t : report.termination) EXPECT_EQ(t.fixed_points, t.instances) << t.set;
  std::printf("%s", summary_text(report).c_str());
}

// Floats in Z3's FP theory (encode_float.cpp): IEEE identities hold, integer ones that ±0, NaN,
// Inf or rounding break are refuted with the float that breaks them.
TEST(ProveRule, FloatRulesInTheFloatingPointTheory) {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  // (x + y => y + x is valid too but costs ~10 s in float16 and exhausts the rlimit in float32.)
  const Rule good[] = {rule(x * 1, x, Domain::Float),
                       rule(max_(x, x), x, Domain::Float),
                       rule(min_(x, y), min_(y, x), Domain::Float),
                       rule(neg(neg(x)), x, Domain::Float),
                       rule(x - y, x + neg(y), Domain::Float),
                       rule(lt(x, y), lt(neg(y), neg(x)), Domain::Float),
                       rule(neg(max_(x, y)), min_(neg(x), neg(y)), Domain::Float)};  // ±0 and NaN too
  for (const Rule& r : good)
    for (Scalar s : {Scalar::Float16, Scalar::BFloat16}) {
      const ProofResult p = prove(r, s);
      EXPECT_EQ(p.verdict, Verdict::Proved) << r.name << " in " << name(s) << ": " << p.detail;
    }
  for (int i : {1, 2, 3, 5, 6})  // no arithmetic: cheap in float32 too
    EXPECT_EQ(prove(good[i], Scalar::Float32).verdict, Verdict::Proved) << good[i].name;
  struct Bad {
    Rule r;
    const char* why;  // a piece of the counterexample
  };
  const Bad bad[] = {{rule(x + 0, x, Domain::Float), "x = -0"},  // -0 + 0 is +0
                     {rule(eq(x, x), 1, Domain::Float), "x = NaN"},
                     {rule(x * 0, 0, Domain::Float), "x = "},
                     {rule(max_(x, y), where_(lt(x, y), y, x), Domain::Float), "x = "},
                     {rule((x + c0) + c1, x + fold(c0 + c1), Domain::Float), "c1 = "}};
  for (const Bad& b : bad)
    for (Scalar s : {Scalar::Float16, Scalar::Float32}) {
      const ProofResult p = prove(b.r, s);
      ASSERT_EQ(p.verdict, Verdict::Refuted) << b.r.name << " in " << name(s) << ": " << p.detail;
      EXPECT_NE(p.detail.find(name(s) + ": "), std::string::npos) << p.detail;
      EXPECT_NE(p.detail.find(b.why), std::string::npos) << p.detail;
    }
  EXPECT_EQ(prove(good[1], Scalar::Float64).verdict, Verdict::Proved);
}

}  // namespace
}  // namespace anvil::verify
