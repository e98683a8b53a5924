// Bounds proofs of kernels: hand-built wrong kernels are caught with a counterexample, and the
// kernels the scheduler makes for padded, flipped and reshaped views are proved.
#include "verify/oob/prove_kernel.h"

#include <gtest/gtest.h>

#include "engine/codegen/opt.h"
#include "engine/runtime/realize.h"
#include "engine/schedule/schedule.h"
#include "engine/tensor/tensor.h"

namespace anvil::verify {
namespace {

UOp iconst(int64_t v) { return UOp::constant(dtypes::index, v); }
UOp range(int64_t axis, int64_t end) { return UOp::make(Op::RANGE, dtypes::index, {iconst(end)}, axis); }
UOp global(int64_t slot, int64_t size) {
  return UOp::make(Op::DEFINE_GLOBAL, dtypes::float32.ptr(AddrSpace::Global, size), {}, slot);
}

// SINK(STORE(out[r0], LOAD(in[idx] if gate))) with out of `n` elements and in of `in_size`.
UOp copy_kernel(int64_t n, int64_t in_size, const UOp& idx, const UOp& gate = UOp()) {
  const UOp r = range(0, n), in = global(1, in_size), out = global(0, n);
  std::vector<UOp> at{in, idx};
  std::vector<UOp> load_src;
  if (gate) at.push_back(gate);
  load_src.push_back(UOp::make(Op::INDEX, in.dtype(), at));
  if (gate) load_src.push_back(UOp::constant(dtypes::float32, 0));
  const UOp load = UOp::make(Op::LOAD, dtypes::float32, load_src);
  const UOp store = UOp::make(Op::STORE, dtypes::void_, {UOp::make(Op::INDEX, out.dtype(), {out, r}), load});
  return UOp::make(Op::SINK, dtypes::void_, {store});
}

TEST(ProveKernel, OnePastTheEndIsRefutedWithItsCounterexample) {
  const UOp r = range(0, 5);
  const std::vector<std::string> f = prove_kernel_bounds(copy_kernel(5, 4, r));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("buffer slot 1 (4 elements)"), std::string::npos) << f[0];
  EXPECT_NE(f[0].find("r0 = 4"), std::string::npos) << f[0];
}

TEST(ProveKernel, UngatedPadLoadIsRefutedAndTheGatedOneProved) {
  const UOp r = range(0, 6);
  const UOp idx = r - 1;  // PAD (1, 1) of a 4-element buffer
  const std::vector<std::string> ungated = prove_kernel_bounds(copy_kernel(6, 4, idx));
  ASSERT_EQ(ungated.size(), 1u);
  EXPECT_NE(ungated[0].find("counterexample"), std::string::npos) << ungated[0];
  const UOp gate = iconst(1).le(r).alu(Op::AND, r.lt(5));
  const uint64_t finite_before = oob_stats().by_finite;
  EXPECT_TRUE(prove_kernel_bounds(copy_kernel(6, 4, idx, gate)).empty());
  EXPECT_GT(oob_stats().by_finite, finite_before);  // intervals alone cannot use a gate; 6 points can
}

TEST(ProveKernel, GatedLoadOverTooManyPointsGoesToZ3) {
  const int64_t n = int64_t{1} << 20;  // beyond kMaxFinitePoints
  const UOp r = range(0, n + 2);
  const UOp idx = r - 1;
  const UOp gate = iconst(1).le(r).alu(Op::AND, r.lt(n + 1));
  const uint64_t z3_before = oob_stats().by_z3;
  EXPECT_TRUE(prove_kernel_bounds(copy_kernel(n + 2, n, idx, gate)).empty());
  EXPECT_GT(oob_stats().by_z3, z3_before);
  const std::vector<std::string> f = prove_kernel_bounds(copy_kernel(n + 2, n, idx, iconst(1).le(r)));
  ASSERT_EQ(f.size(), 1u) << "the gate lets r0 = n + 1 through";
  EXPECT_NE(f[0].find("counterexample"), std::string::npos) << f[0];
}

TEST(ProveKernel, IndexOverflowIsRefutedThoughTheFinalRangeLooksFine) {
  const UOp r = range(0, 4);
  const UOp idx = (r * (int64_t{1} << 62)).floormod(4);  // r * 2^62 leaves int64 at r = 2
  const std::vector<std::string> f = prove_kernel_bounds(copy_kernel(4, 4, idx));
  ASSERT_EQ(f.size(), 1u) << "an overflowing index must not pass";
  EXPECT_NE(f[0].find("counterexample"), std::string::npos) << f[0];
}

TEST(ProveKernel, InBoundsKernelIsProvedByIntervalsAndCached) {
  const UOp k = copy_kernel(7, 7, range(0, 7));
  const OobStats before = oob_stats();
  EXPECT_TRUE(prove_kernel_bounds(k).empty());
  EXPECT_TRUE(prove_kernel_bounds(k).empty());
  const OobStats after = oob_stats();
  EXPECT_EQ(after.by_z3, before.by_z3);
  EXPECT_GE(after.kernels_cached, before.kernels_cached + 1);
}

// SINK(STORE(out[idx], 1.0)), out of `n` elements; the loops are the RANGEs of idx.
UOp store_kernel(int64_t n, const UOp& idx) {
  const UOp out = global(0, n);
  const UOp store = UOp::make(Op::STORE, dtypes::void_,
                              {UOp::make(Op::INDEX, out.dtype(), {out, idx}), UOp::constant(dtypes::float32, 1)});
  return UOp::make(Op::SINK, dtypes::void_, {store});
}

TEST(ProveKernelStores, HalvedStoreIndexCollidesAndNamesTwoLoopPoints) {
  const UOp r = range(0, 8);
  const std::vector<std::string> f = prove_kernel_bounds(store_kernel(4, r.floordiv(2)));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("STORE to buffer slot 0"), std::string::npos) << f[0];
  EXPECT_NE(f[0].find("collide"), std::string::npos) << f[0];
  EXPECT_NE(f[0].find("r0'"), std::string::npos) << f[0];  // the second loop point
}

TEST(ProveKernelStores, StoreSkippingElementZeroNamesTheMissedElement) {
  const UOp r = range(0, 5);
  const std::vector<std::string> f = prove_kernel_stores(store_kernel(6, r + 1));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("element 0 is never written"), std::string::npos) << f[0];
}

TEST(ProveKernelStores, StoreIgnoringALoopVariableCollides) {
  const UOp r0 = range(0, 3), r1 = range(1, 4);
  // out[r0] = in[r0 * 4 + r1]: r1 is an output loop the store index forgets.
  const UOp in = global(1, 12), out = global(0, 3);
  const UOp load = UOp::make(Op::LOAD, dtypes::float32, {UOp::make(Op::INDEX, in.dtype(), {in, r0 * 4 + r1})});
  const UOp store = UOp::make(Op::STORE, dtypes::void_, {UOp::make(Op::INDEX, out.dtype(), {out, r0}), load});
  const std::vector<std::string> f = prove_kernel_stores(UOp::make(Op::SINK, dtypes::void_, {store}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("collide"), std::string::npos) << f[0];
}

TEST(ProveKernelStores, NonAffineBijectionIsProvedByZ3) {
  const UOp r0 = range(0, 3), r1 = range(1, 4);
  // (r0*4 + r1) reversed through floormod: a permutation of [0, 12) intervals cannot see.
  const UOp idx = (r0 * 4 + r1 + 5).floormod(12);
  const uint64_t z3_before = oob_stats().stores_by_z3;
  const std::vector<std::string> f = prove_kernel_stores(store_kernel(12, idx));
  EXPECT_TRUE(f.empty()) << f.front();
  EXPECT_GT(oob_stats().stores_by_z3, z3_before);
}

// Kernels after actions (engine/codegen/opt.h): several STOREs to one buffer (an upcast tile) and
// stores cut into thread chunks are proved together: every element written exactly once.
UOp stores_kernel(int64_t n, const std::vector<UOp>& idx) {
  const UOp out = global(0, n);
  std::vector<UOp> stores;
  for (const UOp& i : idx)
    stores.push_back(UOp::make(Op::STORE, dtypes::void_,
                               {UOp::make(Op::INDEX, out.dtype(), {out, i}), UOp::constant(dtypes::float32, 1)}));
  return UOp::make(Op::SINK, dtypes::void_, stores);
}

TEST(ProveKernelStores, UpcastCopiesTogetherCoverTheOutput) {
  const UOp r = range(0, 3);
  EXPECT_TRUE(prove_kernel_stores(stores_kernel(12, {r * 4, r * 4 + 1, r * 4 + 2, r * 4 + 3})).empty());
  const std::vector<std::string> twice =
      prove_kernel_stores(stores_kernel(12, {r * 4, r * 4 + 1, 1 + r * 4, r * 4 + 3}));
  ASSERT_EQ(twice.size(), 1u);
  EXPECT_NE(twice[0].find("element 1 is written twice"), std::string::npos) << twice[0];
  const std::vector<std::string> gap = prove_kernel_stores(stores_kernel(12, {r * 4, r * 4 + 1, r * 4 + 3}));
  ASSERT_EQ(gap.size(), 1u);
  EXPECT_NE(gap[0].find("element 2 is never written"), std::string::npos) << gap[0];
}

TEST(ProveKernelStores, ThreadChunksTogetherCoverTheOutput) {
  const UOp t = UOp::var(std::string(kThreadVar), 0, 3), r = range(0, 5);
  EXPECT_TRUE(prove_kernel_bounds(stores_kernel(20, {t * 5 + r})).empty());
  const std::vector<std::string> f = prove_kernel_bounds(stores_kernel(20, {t * 4 + r}));  // chunks overlap
  ASSERT_FALSE(f.empty());
  EXPECT_NE(f.back().find("written twice"), std::string::npos) << f.back();
}

// K-lane accesses (vectorize): a load is in bounds only if its last lane is, a store covers K
// elements, so K-lane stores that overlap collide.
TEST(ProveKernel, VectorAccessesAreProvedLaneByLane) {
  const UOp r = range(0, 4), in = global(1, 16), out = global(0, 16);
  auto kernel = [&](const UOp& load_idx, const UOp& store_idx, const UOp& o) {
    const UOp load = UOp::make(Op::LOAD, dtypes::float32.vec(4), {UOp::make(Op::INDEX, in.dtype(), {in, load_idx})});
    return UOp::make(Op::SINK, dtypes::void_,
                     {UOp::make(Op::STORE, dtypes::void_, {UOp::make(Op::INDEX, o.dtype(), {o, store_idx}), load})});
  };
  EXPECT_TRUE(prove_kernel_bounds(kernel(r * 4, r * 4, out)).empty());
  const std::vector<std::string> past = prove_kernel_bounds(kernel(r * 4 + 1, r * 4, out));  // lane 3 reads in[16]
  ASSERT_EQ(past.size(), 1u);
  EXPECT_NE(past[0].find("buffer slot 1 (16 elements)"), std::string::npos) << past[0];
  const std::vector<std::string> overlap = prove_kernel_bounds(kernel(r * 4, r * 2, global(0, 10)));
  ASSERT_EQ(overlap.size(), 1u);
  EXPECT_NE(overlap[0].find("collide"), std::string::npos) << overlap[0];

  install_interp_realizer();
  const Tensor a = Tensor::arange(96).reshape({6, 16});
  for (const Tensor& v : {a + a, a.pad({{0, 0}, {2, 2}}).shrink({{0, 6}, {0, 16}}), a.reshape({16, 6}).permute({1, 0})})
    for (const Kernel& k : schedule({v.uop()}))
      for (int64_t f : {2, 4, 8}) {
        const std::vector<std::string> found =
            prove_kernel_bounds(apply_opt(k.ast, {OptKind::Vectorize, kernel_axes(k.ast).back().id, f}));
        EXPECT_TRUE(found.empty()) << found.front();
      }
}

TEST(ProveKernel, SchedulerKernelsOfViewsAreProved) {
  install_interp_realizer();
  const Tensor a = Tensor::arange(24).reshape({2, 3, 4});
  const Tensor views[] = {
      a.pad({{1, 2}, {0, 1}, {3, 0}}),
      a.flip({0, 2}).permute({2, 0, 1}).pad({{0, 1}, {2, 2}, {1, 1}}),
      a.shrink({{0, 2}, {1, 3}, {1, 4}}).reshape({2, 6}).pad({{1, 1}, {0, 3}}).sum(1),
      a.reshape({6, 4}).expand({2, 6, 4}).pad({{0, 0}, {1, 0}, {0, 2}}).flip({1}),
      a.permute({2, 0, 1}).contiguous().sum({0, 2}),
  };
  const uint64_t stores_before = oob_stats().stores;
  for (const Tensor& v : views)
    for (const Kernel& k : schedule({v.uop()})) {
      const std::vector<std::string> f = prove_kernel_bounds(k.ast);
      EXPECT_TRUE(f.empty()) << f.front();
    }
  EXPECT_GT(oob_stats().stores, stores_before);
}

}  // namespace
}  // namespace anvil::verify
