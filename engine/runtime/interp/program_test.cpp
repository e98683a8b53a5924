#include "engine/runtime/interp/program.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "engine/support/error.h"

namespace anvil::interp {
namespace {

// Builders for hand-written linear programs.
UOp global(int64_t slot, DType elem, int64_t n) {
  return UOp::make(Op::DEFINE_GLOBAL, elem.ptr(AddrSpace::Global, n), {}, slot);
}
UOp reg(int64_t slot, DType elem, int64_t n) {
  return UOp::make(Op::DEFINE_REG, elem.ptr(AddrSpace::Reg, n), {}, slot);
}
UOp idx(int64_t v) { return UOp::constant(dtypes::index, v); }
UOp range(const UOp& end, int64_t axis) { return UOp::make(Op::RANGE, dtypes::index, {end}, axis); }
UOp end(const UOp& r, std::vector<UOp> inside = {}) {
  inside.insert(inside.begin(), r);
  return UOp::make(Op::END, dtypes::void_, inside);
}
UOp index(const UOp& ptr, const UOp& i) { return UOp::make(Op::INDEX, ptr.dtype(), {ptr, i}); }
UOp index(const UOp& ptr, const UOp& i, const UOp& gate) { return UOp::make(Op::INDEX, ptr.dtype(), {ptr, i, gate}); }
UOp load(const UOp& at) { return UOp::make(Op::LOAD, at.dtype().elem(), {at}); }
UOp load(const UOp& at, const UOp& alt) { return UOp::make(Op::LOAD, alt.dtype(), {at, alt}); }
UOp load_vec(const UOp& at, int n) { return UOp::make(Op::LOAD, at.dtype().elem().vec(n), {at}); }
UOp store(const UOp& at, const UOp& v) { return UOp::make(Op::STORE, dtypes::void_, {at, v}); }
UOp sink(std::vector<UOp> src) { return UOp::make(Op::SINK, dtypes::void_, std::move(src)); }
UOp if_(const UOp& c) { return UOp::make(Op::IF, dtypes::void_, {c}); }
UOp endif(const UOp& i) { return UOp::make(Op::ENDIF, dtypes::void_, {i}); }

RunResult run(const std::vector<UOp>& prog, std::vector<Buffer*> bufs, const std::map<std::string, int64_t>& vars = {},
              uint64_t max_steps = kDefaultMaxSteps) {
  return run_program(prog, bufs, vars, max_steps);
}

TEST(Program, ElementwiseAddFloat32) {
  Buffer out(dtypes::float32, 4);
  Buffer a = Buffer::from<float>({1.5f, -2.0f, 1e30f, 0.1f});
  Buffer b = Buffer::from<float>({2.25f, 2.0f, 1e30f, 0.2f});
  UOp g0 = global(0, dtypes::float32, 4), g1 = global(1, dtypes::float32, 4), g2 = global(2, dtypes::float32, 4);
  UOp n = idx(4), r = range(n, 0);
  UOp x = load(index(g1, r)), y = load(index(g2, r));
  UOp st = store(index(g0, r), x + y);
  std::vector<UOp> prog = {
      g0, g1, g2, n, r, index(g1, r), x, index(g2, r), y, x + y, index(g0, r), st, end(r, {st}), sink({end(r, {st})})};
  RunResult res = run(prog, {&out, &a, &b});
  EXPECT_TRUE(res.ok());
  EXPECT_EQ(out.to<float>(), (std::vector<float>{3.75f, 0.0f, 2e30f, 0.1f + 0.2f}));
  EXPECT_EQ(out.poison_count(), 0u);
  EXPECT_EQ(res.steps, 5 + 4 * 8u);  // globals, n and r once; 7 body nodes and END per iteration
}

TEST(Program, SumReductionWithRegisterAccumulator) {
  Buffer out(dtypes::float32, 1);
  Buffer in = Buffer::from<float>({1, 2, 3, 4, 5});
  UOp g0 = global(0, dtypes::float32, 1), g1 = global(1, dtypes::float32, 5);
  UOp acc = reg(0, dtypes::float32, 1);
  UOp zero = UOp::constant_float(dtypes::float32, 0.0), i0 = idx(0), n = idx(5), r = range(n, 0);
  UOp at = index(acc, i0);
  UOp init = store(at, zero);
  UOp x = load(index(g1, r));
  UOp sum = load(at) + x;
  UOp upd = store(at, sum);
  // LOAD(at) occurs twice: inside the loop, and after it (one node, hash-consed; each occurrence runs).
  std::vector<UOp> prog = {g0,
                           g1,
                           acc,
                           zero,
                           i0,
                           n,
                           at,
                           init,
                           r,
                           index(g1, r),
                           x,
                           load(at),
                           sum,
                           upd,
                           end(r, {upd}),
                           load(at),
                           index(g0, i0),
                           store(index(g0, i0), load(at))};
  prog.push_back(sink({prog.back()}));
  RunResult res = run(prog, {&out, &in});
  EXPECT_TRUE(res.ok());
  EXPECT_EQ(out.to<float>(), std::vector<float>{15});
}

TEST(Program, LoadOrderedAfterEndIsADistinctNode) {
  // The in-loop read of the accumulator and the read after END differ by an ordering source.
  Buffer out(dtypes::int32, 1);
  Buffer in = Buffer::from<int32_t>({4, 5, 6});
  UOp g0 = global(0, dtypes::int32, 1), g1 = global(1, dtypes::int32, 3), acc = reg(0, dtypes::int32, 1);
  UOp zero = UOp::constant(dtypes::int32, 0), i0 = idx(0), n = idx(3), r = range(n, 0);
  UOp at = index(acc, i0);
  UOp init = store(at, zero);
  UOp cur = UOp::make(Op::LOAD, dtypes::int32, {at, init});
  UOp x = load(index(g1, r));
  UOp upd = store(at, cur + x);
  UOp done = end(r, {upd});
  UOp result = UOp::make(Op::LOAD, dtypes::int32, {at, done});
  ASSERT_NE(cur, result);
  UOp st = store(index(g0, i0), result);
  std::vector<UOp> prog = {g0,           g1, acc, zero,    i0,  n,    at,     init,          r,
                           index(g1, r), x,  cur, cur + x, upd, done, result, index(g0, i0), st};
  prog.push_back(sink({st}));
  RunResult res = run(prog, {&out, &in});
  EXPECT_TRUE(res.ok());
  EXPECT_EQ(out.to<int32_t>(), std::vector<int32_t>{15});
}

TEST(Program, LocalScratchAndBarrier) {
  // Reverse through a local buffer: store in order, BARRIER (a no-op here), read back reversed.
  Buffer in = Buffer::from<int16_t>({1, 2, 3});
  Buffer out(dtypes::int16, 3);
  UOp g0 = global(0, dtypes::int16, 3), g1 = global(1, dtypes::int16, 3);
  UOp lds = UOp::make(Op::DEFINE_LOCAL, dtypes::int16.ptr(AddrSpace::Local, 3), {}, int64_t{0});
  UOp n = idx(3), two = idx(2), r = range(n, 0), q = range(n, 1);
  UOp st = store(index(lds, r), load(index(g1, r)));
  UOp bar = UOp::make(Op::BARRIER, dtypes::void_, {end(r, {st})});
  UOp back = load(index(lds, two - q));
  UOp st2 = store(index(g0, q), back);
  std::vector<UOp> prog = {g0,
                           g1,
                           lds,
                           n,
                           two,
                           r,
                           index(g1, r),
                           load(index(g1, r)),
                           index(lds, r),
                           st,
                           end(r, {st}),
                           bar,
                           q,
                           two - q,
                           index(lds, two - q),
                           back,
                           index(g0, q),
                           st2,
                           end(q, {st2})};
  EXPECT_TRUE(run(prog, {&out, &in}).ok());
  EXPECT_EQ(out.to<int16_t>(), (std::vector<int16_t>{3, 2, 1}));
}

TEST(Program, UninitializedScratchIsPoison) {
  Buffer out(dtypes::int32, 1);
  UOp g0 = global(0, dtypes::int32, 1), acc = reg(0, dtypes::int32, 1), i0 = idx(0);
  UOp at = index(acc, i0), out_at = index(g0, i0);
  std::vector<UOp> prog = {g0, acc, i0, at, load(at), out_at, store(out_at, load(at))};
  EXPECT_TRUE(run(prog, {&out}).ok());
  EXPECT_EQ(out.poison_count(), 1u);
}

TEST(Program, Nested2DLoopWithPadGate) {
  // out[i][j] = (1 <= j < 4) ? in[i][j-1] : 0 for a 2x3 input padded by one column each side: 2x5.
  Buffer in = Buffer::from<int32_t>({1, 2, 3, 4, 5, 6});
  Buffer out(dtypes::int32, 10);
  UOp g0 = global(0, dtypes::int32, 10), g1 = global(1, dtypes::int32, 6);
  UOp two = idx(2), five = idx(5), three = idx(3), one = idx(1), four = idx(4);
  UOp i = range(two, 0), j = range(five, 1);
  UOp valid = UOp::make(Op::AND, dtypes::bool_, {one.le(j), j.lt(four)});
  UOp src_idx = i * 3 + (j - 1);  // negative or past the row when gated off: never touched
  UOp gated = index(g1, src_idx, valid);
  UOp zero = UOp::constant(dtypes::int32, 0);
  UOp v = load(gated, zero);
  UOp dst = index(g0, i * 5 + j);
  UOp st = store(dst, v);
  std::vector<UOp> prog = {g0,    g1, two,       five,       three, one,   four,         zero,
                           i,     j,  one.le(j), j.lt(four), valid, i * 3, j - 1,        src_idx,
                           gated, v,  i * 5,     i * 5 + j,  dst,   st,    end(j, {st}), end(i, {end(j, {st})})};
  RunResult res = run(prog, {&out, &in});
  EXPECT_TRUE(res.ok()) << (res.events.empty() ? "" : res.events[0].detail);
  EXPECT_EQ(out.to<int32_t>(), (std::vector<int32_t>{0, 1, 2, 3, 0, 0, 4, 5, 6, 0}));
}

TEST(Program, DroppedGateIsOutOfBounds) {
  Buffer in = Buffer::from<int32_t>({1, 2, 3});
  Buffer out(dtypes::int32, 5);
  UOp g0 = global(0, dtypes::int32, 5), g1 = global(1, dtypes::int32, 3);
  UOp five = idx(5), one = idx(1), j = range(five, 7);
  UOp x = load(index(g1, j - one));
  UOp st = store(index(g0, j), x);
  std::vector<UOp> prog = {g0, g1, five, one, j, j - one, index(g1, j - one), x, index(g0, j), st, end(j, {st})};
  RunResult res = run(prog, {&out, &in});
  EXPECT_FALSE(res.ok());
  ASSERT_EQ(res.event_count, 2u);  // j = 0 reads element -1, j = 4 reads element 3
  EXPECT_EQ(res.events[0].kind, EventKind::OutOfBounds);
  EXPECT_TRUE(res.events[0].at == x);
  EXPECT_NE(res.events[0].detail.find("element -1"), std::string::npos) << res.events[0].detail;
  EXPECT_NE(res.events[0].detail.find("r7=0"), std::string::npos) << res.events[0].detail;
  EXPECT_NE(res.events[1].detail.find("r7=4"), std::string::npos) << res.events[1].detail;
  // The skipped loads are poison, and so are the stores of them.
  EXPECT_EQ(out.poison, (std::vector<uint8_t>{1, 0, 0, 0, 1}));
  EXPECT_EQ(out.ints(), (std::vector<int64_t>{0, 1, 2, 3, 0}));
}

TEST(Program, OutOfBoundsWriteIsReportedAndNotPerformed) {
  Buffer out = Buffer::from<int8_t>({9, 9});
  UOp g0 = global(0, dtypes::int8, 2);
  UOp three = idx(3), r = range(three, 0);
  UOp v = UOp::constant(dtypes::int8, 1);
  UOp st = store(index(g0, r), v);
  std::vector<UOp> prog = {g0, three, r, v, index(g0, r), st, end(r, {st})};
  RunResult res = run(prog, {&out});
  ASSERT_EQ(res.event_count, 1u);
  EXPECT_EQ(res.events[0].kind, EventKind::OutOfBounds);
  EXPECT_TRUE(res.events[0].at == st);
  EXPECT_EQ(out.to<int8_t>(), (std::vector<int8_t>{1, 1}));
}

TEST(Program, VectorLoadChecksEveryLane) {
  Buffer in = Buffer::from<float>({1, 2, 3, 4, 5});
  Buffer out(dtypes::float32, 8);
  UOp g0 = global(0, dtypes::float32, 8), g1 = global(1, dtypes::float32, 5);
  UOp two = idx(2), r = range(two, 0), four = idx(4);
  UOp base = r * 4;  // lanes 4..7 of the second iteration: 5, 6, 7 are out of bounds
  UOp v = load_vec(index(g1, base), 4);
  UOp st = store(index(g0, base), v);
  std::vector<UOp> prog = {g0, g1, two, four, r, base, index(g1, base), v, index(g0, base), st, end(r, {st})};
  RunResult res = run(prog, {&out, &in});
  EXPECT_EQ(res.event_count, 3u);
  EXPECT_EQ(out.poison, (std::vector<uint8_t>{0, 0, 0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(out.floats()[4], 5.0);
}

TEST(Program, Int8Wraps) {
  Buffer a = Buffer::from<int8_t>({127, -128, 100});
  Buffer out(dtypes::int8, 3);
  UOp g0 = global(0, dtypes::int8, 3), g1 = global(1, dtypes::int8, 3);
  UOp n = idx(3), r = range(n, 0);
  UOp x = load(index(g1, r));
  UOp y = x + x + UOp::constant(dtypes::int8, 1);
  UOp st = store(index(g0, r), y);
  std::vector<UOp> prog = {g0, g1,           n,  r,           index(g1, r), x, x + x, UOp::constant(dtypes::int8, 1),
                           y,  index(g0, r), st, end(r, {st})};
  EXPECT_TRUE(run(prog, {&out, &a}).ok());
  EXPECT_EQ(out.to<int8_t>(), (std::vector<int8_t>{-1, 1, -55}));
}

TEST(Program, Float16StorageRounds) {
  Buffer a = Buffer::from_floats(dtypes::float16, std::vector<double>{2048, 65504, 0.1});
  EXPECT_EQ(a.floats()[2], static_cast<double>(f16_to_f32(f64_to_f16(0.1))));  // stored rounded
  Buffer out(dtypes::float16, 3);
  UOp g0 = global(0, dtypes::float16, 3), g1 = global(1, dtypes::float16, 3);
  UOp n = idx(3), r = range(n, 0), one = UOp::constant_float(dtypes::float16, 1.0),
      big = UOp::constant_float(dtypes::float16, 16.0);
  UOp x = load(index(g1, r));
  UOp y = x + one;
  UOp z = y + big;
  UOp st = store(index(g0, r), z);
  std::vector<UOp> prog = {g0, g1, n, r, one, big, index(g1, r), x, y, z, index(g0, r), st, end(r, {st})};
  EXPECT_TRUE(run(prog, {&out, &a}).ok());
  // 2048 + 1 rounds to 2048 (a tie, to even) before + 16; 65504 + 1 + 16 overflows to inf.
  std::vector<double> got = out.floats();
  EXPECT_EQ(got[0], 2064.0);
  EXPECT_TRUE(std::isinf(got[1]));
  EXPECT_EQ(got[2], static_cast<double>(f16_to_f32(f64_to_f16(f16_to_f32(f64_to_f16(a.floats()[2] + 1)) + 16.0))));
}

TEST(Program, PoisonStoreMarksTheMask) {
  Buffer a = Buffer::from<int32_t>({6, 7, 8});
  Buffer b = Buffer::from<int32_t>({2, 0, 4});
  Buffer out = Buffer::from<int32_t>({5, 5, 5});
  UOp g0 = global(0, dtypes::int32, 3), g1 = global(1, dtypes::int32, 3), g2 = global(2, dtypes::int32, 3);
  UOp n = idx(3), r = range(n, 0);
  UOp x = load(index(g1, r)), y = load(index(g2, r));
  UOp q = x.truncdiv(y);  // 7 / 0 is poison
  UOp st = store(index(g0, r), q);
  std::vector<UOp> prog = {g0, g1, g2, n, r, index(g1, r), x, index(g2, r), y, q, index(g0, r), st, end(r, {st})};
  RunResult res = run(prog, {&out, &a, &b});
  EXPECT_TRUE(res.ok());  // poison stored is not an event: it is data, and marked
  EXPECT_EQ(out.poison, (std::vector<uint8_t>{0, 1, 0}));
  EXPECT_EQ(out.ints(), (std::vector<int64_t>{3, 0, 2}));
  EXPECT_TRUE(out.get(1).poison);
}

TEST(Program, PoisonAddressIsReported) {
  Buffer a = Buffer::from<int32_t>({1, 2});
  Buffer out = Buffer::from<int32_t>({0});
  UOp g0 = global(0, dtypes::int32, 1), g1 = global(1, dtypes::int32, 2);
  UOp zero = idx(0), one = idx(1);
  UOp bad = one.truncdiv(zero);  // poison
  UOp x = load(index(g1, bad));
  UOp st = store(index(g0, zero), x);
  std::vector<UOp> prog = {g0, g1, zero, one, bad, index(g1, bad), x, index(g0, zero), st};
  RunResult res = run(prog, {&out, &a});
  ASSERT_EQ(res.event_count, 1u);
  EXPECT_EQ(res.events[0].kind, EventKind::PoisonAddress);
  EXPECT_TRUE(res.events[0].at == x);
  EXPECT_EQ(out.poison_count(), 1u);
  // A poison index behind a false gate touches nothing and reports nothing.
  UOp off = UOp::constant(dtypes::bool_, 0);
  UOp y = load(index(g1, bad, off), UOp::constant(dtypes::int32, 42));
  UOp st2 = store(index(g0, zero), y);
  std::vector<UOp> prog2 = {
      g0, g1, zero, one, bad, off, index(g1, bad, off), UOp::constant(dtypes::int32, 42), y, index(g0, zero), st2};
  EXPECT_TRUE(run(prog2, {&out, &a}).ok());
  EXPECT_EQ(out.ints(), std::vector<int64_t>{42});
}

TEST(Program, PoisonBranchAndPoisonBound) {
  Buffer out = Buffer::from<int32_t>({0});
  UOp g0 = global(0, dtypes::int32, 1);
  UOp zero = idx(0), one = idx(1);
  UOp bad = one.floormod(zero);
  UOp cond = bad.lt(one);
  UOp c7 = UOp::constant(dtypes::int32, 7);
  UOp st = store(index(g0, zero), c7);
  UOp i = if_(cond);
  std::vector<UOp> prog = {g0, zero, one, bad, cond, i, c7, index(g0, zero), st, endif(i)};
  RunResult res = run(prog, {&out});
  ASSERT_EQ(res.event_count, 1u);
  EXPECT_EQ(res.events[0].kind, EventKind::PoisonBranch);
  EXPECT_EQ(out.ints(), std::vector<int64_t>{0});  // the branch was skipped
  UOp r = range(bad, 0);
  std::vector<UOp> loop = {g0, zero, one, bad, r, c7, index(g0, zero), st, end(r, {st})};
  res = run(loop, {&out});
  ASSERT_EQ(res.event_count, 1u);
  EXPECT_EQ(res.events[0].kind, EventKind::PoisonBound);
  EXPECT_EQ(out.ints(), std::vector<int64_t>{0});
}

TEST(Program, IfRunsOnlyWhenTrue) {
  Buffer out = Buffer::from<int32_t>({0, 0, 0, 0});
  UOp g0 = global(0, dtypes::int32, 4);
  UOp n = idx(4), two = idx(2), r = range(n, 0);
  UOp cond = r.lt(two);
  UOp v = UOp::constant(dtypes::int32, 3);
  UOp st = store(index(g0, r), v);
  UOp i = if_(cond);
  std::vector<UOp> prog = {g0, n, two, v, r, cond, i, index(g0, r), st, endif(i), end(r, {endif(i)})};
  EXPECT_TRUE(run(prog, {&out}).ok());
  EXPECT_EQ(out.ints(), (std::vector<int64_t>{3, 3, 0, 0}));
}

TEST(Program, ValuesOfBlocksThatDidNotRunArePoison) {
  // As engine/ir/spec.cpp allows: a value that does not depend on a loop variable may be used after
  // its block. If the block never ran (a false IF, an empty loop), that value is poison.
  Buffer out = Buffer::from<int32_t>({0, 0});
  UOp g0 = global(0, dtypes::int32, 2);
  UOp zero = idx(0), one = idx(1), f = UOp::constant(dtypes::bool_, 0);
  UOp c5 = UOp::constant(dtypes::int32, 5), c6 = UOp::constant(dtypes::int32, 6);
  UOp i = if_(f), r = range(zero, 0);
  UOp s0 = store(index(g0, zero), c5), s1 = store(index(g0, one), c6);
  std::vector<UOp> prog = {g0, zero, one, f, i, c5, endif(i), r, c6, end(r), index(g0, zero), s0, index(g0, one), s1};
  EXPECT_TRUE(run(prog, {&out}).ok());
  EXPECT_EQ(out.poison, (std::vector<uint8_t>{1, 1}));
  UOp t = UOp::constant(dtypes::bool_, 1), it = if_(t), two = idx(2), r2 = range(two, 0);
  std::vector<UOp> ran = {g0, zero,           one, t, it, c5, endif(it), two, r2, c6, end(r2), index(g0, zero),
                          s0, index(g0, one), s1};
  EXPECT_TRUE(run(ran, {&out}).ok());
  EXPECT_EQ(out.ints(), (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(out.poison_count(), 0u);
}

TEST(Program, StepLimit) {
  Buffer out = Buffer::from<int64_t>({0});
  UOp g0 = global(0, dtypes::int64, 1);
  UOp n = UOp::var("n", 0, INT64_MAX);
  UOp r = range(n, 0), zero = idx(0);
  UOp v = r.cast(dtypes::int64);
  UOp st = store(index(g0, zero), v);
  std::vector<UOp> prog = {g0, n, zero, r, v, index(g0, zero), st, end(r, {st})};
  RunResult res = run(prog, {&out}, {{"n", INT64_MAX}}, 10000);
  ASSERT_EQ(res.event_count, 1u);
  EXPECT_EQ(res.events[0].kind, EventKind::StepLimit);
  EXPECT_EQ(res.steps, 10000u);
  EXPECT_GT(out.ints()[0], 1000);
}

TEST(Program, VariablesBindByName) {
  Buffer out(dtypes::int32, 10);
  UOp g0 = global(0, dtypes::int32, 10);
  UOp n = UOp::var("n", 1, 10);
  UOp r = range(n, 0);
  UOp v = r.cast(dtypes::int32) * UOp::constant(dtypes::int32, 2);
  UOp st = store(index(g0, r), v);
  std::vector<UOp> prog = {g0,           n,  r,           r.cast(dtypes::int32), UOp::constant(dtypes::int32, 2), v,
                           index(g0, r), st, end(r, {st})};
  EXPECT_TRUE(run(prog, {&out}, {{"n", 3}}).ok());
  EXPECT_EQ(out.ints(), (std::vector<int64_t>{0, 2, 4, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_THROW(run(prog, {&out}, {}), Error);           // unbound
  EXPECT_THROW(run(prog, {&out}, {{"n", 11}}), Error);  // outside its declared range
}

TEST(Program, VectorizeGepAndBitcast) {
  Buffer out(dtypes::uint32, 2);
  UOp g0 = global(0, dtypes::uint32, 2);
  UOp a = UOp::constant_float(dtypes::float16, 1.0), b = UOp::constant_float(dtypes::float16, -2.0);
  UOp vec = UOp::make(Op::VECTORIZE, dtypes::float16.vec(2), {a, b});
  UOp as_u32 = vec.bitcast(dtypes::uint32);  // lanes regroup: 0xc000 << 16 | 0x3c00
  UOp lane1 = UOp::make(Op::GEP, dtypes::float16, {vec}, int64_t{1});
  UOp lane_bits = lane1.bitcast(dtypes::uint16).cast(dtypes::uint32);
  UOp zero = idx(0), one = idx(1);
  UOp s0 = store(index(g0, zero), as_u32), s1 = store(index(g0, one), lane_bits);
  std::vector<UOp> prog = {g0,
                           a,
                           b,
                           vec,
                           as_u32,
                           lane1,
                           lane1.bitcast(dtypes::uint16),
                           lane_bits,
                           zero,
                           one,
                           index(g0, zero),
                           s0,
                           index(g0, one),
                           s1,
                           sink({s0, s1})};
  EXPECT_TRUE(run(prog, {&out}).ok());
  EXPECT_EQ(out.to<uint32_t>(), (std::vector<uint32_t>{0xc0003c00u, 0xc000u}));
}

TEST(Program, VectorAluPerLane) {
  Buffer out(dtypes::int32, 4);
  UOp g0 = global(0, dtypes::int32, 4);
  std::vector<UOp> lanes;
  for (int v : {INT32_MAX, -1, 5, INT32_MIN}) lanes.push_back(UOp::constant(dtypes::int32, v));
  UOp vec = UOp::make(Op::VECTORIZE, dtypes::int32.vec(4), lanes);
  UOp ones = UOp::constant(dtypes::int32.vec(4), 1);
  UOp sum = vec + ones;
  UOp zero = idx(0);
  UOp st = store(index(g0, zero), sum);
  std::vector<UOp> prog = {g0};
  for (const UOp& l : lanes) prog.push_back(l);
  for (const UOp& u : {vec, ones, sum, zero, index(g0, zero), st}) prog.push_back(u);
  EXPECT_TRUE(run(prog, {&out}).ok());
  EXPECT_EQ(out.to<int32_t>(), (std::vector<int32_t>{INT32_MIN, 0, 6, INT32_MIN + 1}));
}

TEST(Program, MalformedProgramsAreErrors) {
  Buffer f32(dtypes::float32, 4), i32(dtypes::int32, 4);
  UOp g0 = global(0, dtypes::float32, 4);
  UOp n = idx(4), r = range(n, 0), zero = idx(0);
  UOp x = load(index(g0, r));
  UOp st = store(index(g0, zero), x);
  auto bad = [&](const std::vector<UOp>& prog, std::vector<Buffer*> bufs, const char* why) {
    EXPECT_THROW(run(prog, bufs), Error) << why;
  };
  bad({g0, n, end(r)}, {&f32}, "END of a RANGE never opened");
  bad({g0, n, r}, {&f32}, "RANGE without END");
  bad({g0, r, n, end(r)}, {&f32}, "a source before its definition");
  bad({g0, n, r, index(g0, r), x, end(r), zero, index(g0, zero), st}, {&f32}, "a loop value used after its END");
  bad({g0}, {}, "missing buffer slot");
  bad({g0}, {nullptr}, "null buffer");
  bad({g0}, {&i32}, "wrong dtype");
  Buffer short_buf(dtypes::float32, 3);
  bad({g0}, {&short_buf}, "wrong size");
  Buffer broken(dtypes::float32, 4);
  broken.bytes.resize(3);
  bad({g0}, {&broken}, "bytes do not match the count");
  UOp i = if_(UOp::constant(dtypes::bool_, 1));
  bad({g0, n, r, UOp::constant(dtypes::bool_, 1), i, end(r), endif(i)}, {&f32}, "blocks that do not nest");
  bad({g0, sink({}), n}, {&f32}, "nodes after SINK");
  bad({UOp::make(Op::SPECIAL, dtypes::index, {n}, std::string("gidx0"))}, {}, "SPECIAL");
  bad({n, UOp::make(Op::SPECIAL, dtypes::index, {n}, std::string("gidx0"))}, {}, "SPECIAL");
  bad({n, UOp::make(Op::RESHAPE, dtypes::index, {n}, std::vector<int64_t>{1})}, {}, "a tensor op");
  UOp fl = UOp::constant_float(dtypes::float32, 1.0);
  bad({fl, UOp::make(Op::SHL, dtypes::float32, {fl, fl})}, {}, "an op its dtype does not define");
  bad({g0, fl, fl.cast(dtypes::int32), store(g0, fl.cast(dtypes::int32))}, {&f32}, "storing another dtype");
  UOp nolane = UOp::make(Op::GEP, dtypes::float32, {fl}, int64_t{3});
  bad({fl, nolane}, {}, "GEP out of the vector");
  bad({UOp::make(Op::DEFINE_GLOBAL, dtypes::float32.ptr(), {}, std::string("x"))}, {&f32}, "a slot that is not an int");
}

TEST(Program, GatedLoadWithoutAlternativeIsPoison) {
  Buffer in = Buffer::from<int32_t>({1});
  Buffer out = Buffer::from<int32_t>({0});
  UOp g0 = global(0, dtypes::int32, 1), g1 = global(1, dtypes::int32, 1), zero = idx(0);
  UOp off = UOp::constant(dtypes::bool_, 0);
  UOp x = load(index(g1, zero, off));
  UOp st = store(index(g0, zero), x);
  std::vector<UOp> prog = {g0, g1, zero, off, index(g1, zero, off), x, index(g0, zero), st};
  EXPECT_TRUE(run(prog, {&out, &in}).ok());
  EXPECT_EQ(out.poison_count(), 1u);
}

TEST(Program, CopyKeepsEveryBit) {
  // A copy kernel moves NaN payloads (signaling ones too), -0.0 and denormals unchanged.
  const std::vector<uint32_t> bits = {0x7f800001u, 0xffc12345u, 0x80000000u, 0x00000001u, 0x7f800000u};
  Buffer in(dtypes::float32, bits.size());
  std::memcpy(in.bytes.data(), bits.data(), in.bytes.size());
  Buffer out(dtypes::float32, bits.size());
  const int64_t n = static_cast<int64_t>(bits.size());
  UOp g0 = global(0, dtypes::float32, n), g1 = global(1, dtypes::float32, n), e = idx(n), r = range(e, 0);
  UOp x = load(index(g1, r));
  UOp st = store(index(g0, r), x);
  EXPECT_TRUE(run({g0, g1, e, r, index(g1, r), x, index(g0, r), st, end(r, {st})}, {&out, &in}).ok());
  EXPECT_EQ(out.bytes, in.bytes);
}

TEST(Program, BoolBuffers) {
  Buffer a = Buffer::from<bool>({true, false, true});
  Buffer out(dtypes::bool_, 3);
  UOp g0 = global(0, dtypes::bool_, 3), g1 = global(1, dtypes::bool_, 3), n = idx(3), r = range(n, 0);
  UOp x = load(index(g1, r));
  UOp y = x.alu(Op::NOT);
  UOp st = store(index(g0, r), y);
  EXPECT_TRUE(run({g0, g1, n, r, index(g1, r), x, y, index(g0, r), st, end(r, {st})}, {&out, &a}).ok());
  EXPECT_EQ(out.to<bool>(), (std::vector<bool>{false, true, false}));
  EXPECT_THROW(out.to<int8_t>(), Error);
  EXPECT_THROW(out.get(3), Error);
}

TEST(Program, EventsAreCapped) {
  Buffer out(dtypes::int32, 1);
  UOp g0 = global(0, dtypes::int32, 1);
  UOp n = idx(1000), r = range(n, 0), c = UOp::constant(dtypes::int32, 1), one = idx(1);
  UOp st = store(index(g0, r + one), c);
  std::vector<UOp> prog = {g0, n, one, c, r, r + one, index(g0, r + one), st, end(r, {st})};
  RunResult res = run(prog, {&out});
  EXPECT_EQ(res.event_count, 1000u);
  EXPECT_EQ(res.events.size(), kMaxEvents);
}

}  // namespace
}  // namespace anvil::interp
