// The engine (schedule -> lower -> interp) against ref (op by op on strided host arrays, sharing
// no scheduler, symbolic or codegen code) on random tensor programs of every dtype. The check is
// the graph fuzz target's own: leaves filled from the text (edge values included), the shared
// tolerance rule (fuzz/lib/tolerance.h), NaN and poison positions.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdlib>

#include "engine/ir/text.h"
#include "engine/runtime/realize.h"
#include "fuzz/lib/compare.h"
#include "fuzz/lib/gen_tensor.h"
#include "fuzz/lib/graph_leaves.h"
#include "fuzz/lib/graph_target.h"
#include "fuzz/lib/rc_source.h"
#include "fuzz/lib/tolerance.h"

namespace anvil {
namespace {

RC_GTEST_PROP(Engine, MatchesRefOnRandomPrograms, ()) {
  install_interp_realizer();
  // Each CTest variant (test_props, @c, @llvm: the same seed, so the same programs) checks its own
  // backend: together every backend on every program, once, not each variant all three again.
  setenv("ANVIL_FUZZ_BACKENDS", default_backend().c_str(), 0);
  fuzz::RcSource src;
  const UOp graph = fuzz::renumber_buffers(fuzz::gen_tensor_program(src).uop());
  RC_TAG(name(graph.dtype()));
  RC_PRE(fuzz::graph_acceptable(graph));
  const fuzz::Outcome out = fuzz::check_graph(graph);
  if (out.kind == fuzz::Outcome::Found) RC_FAIL(out.finding.signature.str() + ": " + out.finding.message);
  RC_ASSERT(out.kind == fuzz::Outcome::Ok);
}

// The tolerance rule: exact values pass, NaN matches only NaN, infinities match exactly, and the
// bound grows with the number of accumulated terms.
TEST(Tolerance, ScalesWithTermsAndMatchesNaNAndInf) {
  fuzz::Tolerance one{Scalar::Float32, 1, 0}, many{Scalar::Float32, 1024, 0};
  EXPECT_TRUE(one.close(1.5, 1.5));
  EXPECT_FALSE(one.close(NAN, 1.0));
  EXPECT_FALSE(one.close(1.0, NAN));
  EXPECT_TRUE(one.close(NAN, NAN));
  EXPECT_FALSE(one.close(HUGE_VAL, -HUGE_VAL));
  EXPECT_FALSE(one.close(1e38, HUGE_VAL));
  const double off = 1.0 + 1e-4;
  EXPECT_FALSE(one.close(off, 1.0));
  EXPECT_TRUE(many.close(off, 1.0));
  EXPECT_GT(fuzz::Tolerance({Scalar::Float16, 1, 0}).bound(1.0), one.bound(1.0));
}

// A device backend's own math library gets a wider bound on graphs with transcendental ops only;
// the host backends, and graphs without those ops, keep the plain one.
TEST(Tolerance, DeviceMathFactorOnlyForDeviceTranscendentals) {
  const UOp x = UOp::constant_float(dtypes::float64, 0.5);
  const UOp s = x.alu(Op::SIN);
  const UOp plain = x.alu(Op::ADD, x);
  EXPECT_EQ(fuzz::math_factor(s, "cuda"), fuzz::kDeviceMathFactor);
  EXPECT_EQ(fuzz::math_factor(s, "opencl"), fuzz::kDeviceMathFactor);
  EXPECT_EQ(fuzz::math_factor(s, "c"), 1);
  EXPECT_EQ(fuzz::math_factor(s, "llvm"), 1);
  EXPECT_EQ(fuzz::math_factor(plain, "cuda"), 1);
  const fuzz::Tolerance strict{Scalar::Float64, 1, 0}, device{Scalar::Float64, 1, 0, fuzz::kDeviceMathFactor};
  EXPECT_FALSE(strict.close(5.5203799225093393, 5.5203799225093251));  // 16 ulp: the cuda tan cell
  EXPECT_TRUE(device.close(5.5203799225093393, 5.5203799225093251));
}

// Leaf values are a function of (text uid, index, dtype) alone, and a share of them are edges.
TEST(GraphLeaves, ValuesAreDeterministicWithEdges) {
  int edges = 0;
  for (int64_t i = 0; i < 2000; ++i) {
    const Value a = fuzz::leaf_value(3, i, Scalar::Float32), b = fuzz::leaf_value(3, i, Scalar::Float32);
    EXPECT_EQ(value_bits(Scalar::Float32, a), value_bits(Scalar::Float32, b));
    edges += std::isnan(a.f) || std::isinf(a.f) || (a.f != 0 && std::fabs(a.f) < 1e-30);
  }
  EXPECT_GT(edges, 20);
  EXPECT_LT(edges, 400);
}

}  // namespace
}  // namespace anvil
