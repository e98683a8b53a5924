// Kernel actions (engine/codegen/opt.h): each one, and the heuristic's choice, against the kernel
// as scheduled, on every backend. The metamorphic oracle of DESIGN.md at kernel level: the same
// inputs, with and without actions, give the same bits (unroll of a float sum: within rounding).
#include "engine/codegen/opt.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/codegen/linearize.h"
#include "engine/ir/text.h"
#include "engine/runtime/backend.h"
#include "engine/runtime/opt_test_util.h"
#include "engine/runtime/realize.h"
#include "engine/runtime/search.h"
#include "engine/schedule/graph_test_util.h"
#include "engine/schedule/schedule.h"
#include "engine/support/error.h"
#include "engine/tensor/storage.h"
#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

using namespace graph_test;
using namespace opt_test;

std::vector<float> floats_of(const std::vector<uint8_t>& bytes) {
  std::vector<float> f(bytes.size() / 4);
  std::memcpy(f.data(), bytes.data(), f.size() * 4);
  return f;
}

// A 12x8 @ 8x16 matmul: output loops 0 (rows), 1 (columns), reduce loop 2.
std::vector<Kernel> matmul_kernels() {
  return schedule({matmul(host(iota(96), {12, 8}), host(iota(128, 0.5f), {8, 16}))});
}

std::vector<Kernel> matmul_kernels_sized(int64_t m, int64_t k, int64_t n) {
  return schedule({matmul(host(iota(m * k, 0.125f), {m, k}), host(iota(k * n, 0.5f), {k, n}))});
}

TEST(Opt, TextRoundTrips) {
  const std::vector<Opt> opts = {{OptKind::Thread, 0, 2}, {OptKind::Upcast, 1, 4}, {OptKind::Unroll, 2, 8},
                                 {OptKind::Split, 0, 3},  {OptKind::Swap, 0, 1},   {OptKind::Group, 2, 256},
                                 {OptKind::Tc, 2, 16}};
  const std::string text = to_string(opts);
  EXPECT_EQ(text, "thread 0 2, upcast 1 4, unroll 2 8, split 0 3, swap 0 1, group 2 256, tc 2 16");
  EXPECT_EQ(parse_opts(text), opts);
  EXPECT_TRUE(parse_opts("").empty());
  EXPECT_THROW(parse_opts("tile 0 2"), Error);
  EXPECT_THROW(parse_opts("upcast 0"), Error);
  EXPECT_THROW(parse_opts("upcast 0 2 9"), Error);
  EXPECT_THROW(parse_opts("upcast 0 2,,unroll 1 2"), Error);
}

TEST(Opt, KernelAxesListOutputLoopsThenReduceLoops) {
  const std::vector<KernelAxis> axes = kernel_axes(only_kernel(matmul_kernels()).ast);
  ASSERT_EQ(axes.size(), 3u);
  EXPECT_FALSE(axes[0].reduce);
  EXPECT_EQ(axes[0].size, 12);
  EXPECT_EQ(axes[1].size, 16);
  EXPECT_TRUE(axes[2].reduce);
  EXPECT_EQ(axes[2].size, 8);
}

TEST(Opt, ActionsThatDoNotApplyRaiseNamingTheAction) {
  const UOp ast = only_kernel(matmul_kernels()).ast;
  const int64_t red = kernel_axes(ast)[2].id;
  auto message = [&](const Opt& o) { return refusal(ast, o); };
  EXPECT_NE(message({OptKind::Upcast, 0, 5}).find("does not divide"), std::string::npos);
  EXPECT_NE(message({OptKind::Upcast, red, 4}).find("reduce loop"), std::string::npos);
  EXPECT_NE(message({OptKind::Unroll, 0, 4}).find("output loop"), std::string::npos);
  EXPECT_NE(message({OptKind::Upcast, 99, 2}).find("no loop 99"), std::string::npos);
  EXPECT_NE(message({OptKind::Upcast, 0, 1}).find("factor"), std::string::npos);
  EXPECT_NE(message({OptKind::Swap, 0, 0}).find("itself"), std::string::npos);
  EXPECT_NE(message({OptKind::Split, 0, 12}).find("only 12"), std::string::npos);
  const UOp threaded = apply_opt(ast, {OptKind::Thread, 0, 2});
  EXPECT_EQ(thread_chunks(threaded), 2);
  EXPECT_THROW(apply_opt(threaded, {OptKind::Thread, 1, 2}), Error);
}

// Every action that keeps values keeps every bit, on every backend; unroll of a float sum differs
// by rounding only, of an int sum and of max not at all.
TEST(Opt, EachActionKeepsTheValuesOnEveryBackend) {
  const Kernel mm = only_kernel(matmul_kernels());
  const int64_t red = kernel_axes(mm.ast)[2].id;
  const std::vector<std::vector<Opt>> exact = {
      {{OptKind::Upcast, 1, 16}}, {{OptKind::Upcast, 1, 4}, {OptKind::Upcast, 0, 3}},
      {{OptKind::Split, 0, 4}},   {{OptKind::Split, red, 2}},
      {{OptKind::Swap, 0, 1}},    {{OptKind::Thread, 0, 3}, {OptKind::Upcast, 1, 8}},
      {{OptKind::Thread, 1, 16}}, {{OptKind::Split, 1, 4}, {OptKind::Swap, 0, 3}, {OptKind::Upcast, 0, 2}},
  };
  for (const Backend* b : all_backends()) {
    if (!b->unavailable().empty()) continue;
    const std::vector<uint8_t> want = run(*all_backends()[0], mm, mm.ast);
    for (const std::vector<Opt>& opts : exact) {
      const UOp ast = apply_opts(mm.ast, opts);
      EXPECT_EQ(run(*b, mm, ast), want) << b->name << ": " << to_string(opts) << "\n" << to_text(linearize(ast));
    }
    const std::vector<float> got = floats_of(run(*b, mm, apply_opt(mm.ast, {OptKind::Unroll, red, 4})));
    const std::vector<float> ref = floats_of(want);
    ASSERT_EQ(got.size(), ref.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], ref[i], 1e-4 * (1 + std::fabs(ref[i]))) << b->name;
  }
}

TEST(Opt, UnrollOfMaxAndOfIntegersIsExact) {
  const UOp x = host(iota(64 * 8), {8, 64});
  for (const UOp& g : {max(x, {1}), reduce(Op::ADD, UOp::make(Op::CAST, dtypes::int32, {x}), {1})}) {
    const Kernel k = only_kernel(schedule({g}));
    const int64_t red = kernel_axes(k.ast).back().id;
    for (const Backend* b : all_backends()) {
      if (!b->unavailable().empty()) continue;
      EXPECT_EQ(run(*b, k, apply_opt(k.ast, {OptKind::Unroll, red, 8})), run(*b, k, k.ast)) << b->name;
      EXPECT_EQ(run(*b, k, apply_opt(k.ast, {OptKind::Unroll, red, 64})), run(*b, k, k.ast)) << b->name;
    }
  }
}

// A reduce nested in the loop of another (a sum of row maxima): unroll of either loop.
TEST(Opt, UnrollAroundANestedReduce) {
  const UOp x = host(iota(100 * 10), {100, 10});
  const Kernel k = only_kernel(schedule({sum(max(x, {1}), {0})}));
  const std::vector<KernelAxis> axes = kernel_axes(k.ast);
  ASSERT_EQ(axes.size(), 2u);
  const std::vector<uint8_t> want = run(*all_backends()[0], k, k.ast);
  for (const KernelAxis& a : axes)
    for (int64_t f : {2, 5, 10}) {
      if (a.size % f) continue;
      const UOp ast = apply_opt(k.ast, {OptKind::Unroll, a.id, f});
      EXPECT_NEAR(floats_of(run(*all_backends()[0], k, ast))[0], floats_of(want)[0], 1e-3)
          << "unroll " << a.id << " " << f << "\n"
          << to_text(linearize(ast));
    }
}

// The heuristic's actions on kernels of every shape class keep values on every backend.
TEST(Opt, HeuristicActionsKeepTheValues) {
  const UOp a = host(iota(64 * 48), {64, 48}), m = host(iota(48 * 32, 0.125f), {48, 32});
  const UOp big = host(iota(1 << 15), {128, 256});
  const std::vector<UOp> graphs = {
      bin(Op::ADD, big, big),
      sum(big, {1}),
      sum(big, {0, 1}),
      softmax(a),
      layernorm(a),
      matmul(a, m),
      relu(matmul(permute(m, {1, 0}), permute(a, {1, 0}))),
      sum(pad(flip(a, {1}), {1, 1, 0, 16}), {0}),
      // a reduce nested in another's loop (an MLP's two layers fused), rows a multiple of 4
      matmul(relu(matmul(host(iota(100 * 48), {100, 48}), m)), host(iota(32 * 10), {32, 10})),
      sum(host(iota(100 * 10), {100, 10}), {0}),
  };
  size_t with_opts = 0;
  for (const UOp& g : graphs) {
    std::map<int64_t, std::shared_ptr<Buffer>> made;  // the schedule's buffers, as scheduled
    for (const Kernel& k : schedule({g})) {
      const std::vector<float> want = floats_of(run(*all_backends()[0], k, k.ast, &made));
      for (const OptTarget& target : {OptTarget{1}, OptTarget{2}, OptTarget{1, false, true}}) {
        const std::vector<Opt> opts =
            choose_opts(k.ast, OptTarget{target.threads, host_opt_target(1).wide_vectors, target.gpu});
        with_opts += !opts.empty();
        const UOp ast = apply_opts(k.ast, opts);
        for (const Backend* b : all_backends()) {
          if (!b->unavailable().empty()) continue;
          std::map<int64_t, std::shared_ptr<Buffer>> inputs = made;
          const std::vector<float> got = floats_of(run(*b, k, ast, &inputs));
          ASSERT_EQ(got.size(), want.size());
          for (size_t i = 0; i < got.size(); ++i)
            ASSERT_NEAR(got[i], want[i], 1e-3 * (1 + std::fabs(want[i])))
                << b->name << " " << to_string(opts) << " element " << i;
        }
      }
    }
  }
  EXPECT_GT(with_opts, 10u);  // the heuristic acts on most of these kernels
}

TEST(Opt, HeuristicThreadsTheOuterLoopAndTilesMatmul) {
  const UOp a = host(iota(256 * 128), {256, 128}), m = host(iota(128 * 64), {128, 64});
  const Kernel k = only_kernel(schedule({matmul(a, m)}));
  const std::vector<Opt> opts = choose_opts(k.ast, 2);
  ASSERT_FALSE(opts.empty());
  EXPECT_EQ(opts[0].kind, OptKind::Thread) << to_string(opts);
  EXPECT_EQ(thread_chunks(apply_opts(k.ast, opts)), 2);
  size_t upcasts = 0;
  for (const Opt& o : opts) upcasts += o.kind == OptKind::Upcast;
  EXPECT_EQ(upcasts, 2u) << to_string(opts);
  EXPECT_TRUE(choose_opts(k.ast, 1).size() == 2u) << to_string(choose_opts(k.ast, 1));  // no thread action
}

// group R K: lane c reduces elements c, c + K, c + 2K... of loop R in order, then the lanes combine
// in lane order. Pinned against that fold computed here, on values whose float sum depends on the order.
TEST(Opt, GroupReducesEachLaneThenCombinesInLaneOrder) {
  std::vector<float> v(64);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = (i % 3 == 0 ? 1e8f : 1.0f) * (i % 2 ? -1.0f : 1.0f) + 0.25f * static_cast<float>(i);
  const Kernel k = only_kernel(schedule({sum(host(v, {64}), {0})}));
  const int64_t red = kernel_axes(k.ast).back().id;
  for (int64_t lanes : {4, 16, 64}) {
    float want = 0;
    for (int64_t c = 0; c < lanes; ++c) {
      float part = 0;
      for (int64_t r = c; r < 64; r += lanes) part += v[static_cast<size_t>(r)];
      want += part;
    }
    const UOp ast = apply_opt(k.ast, {OptKind::Group, red, lanes});
    for (const Backend* b : all_backends()) {
      if (!b->unavailable().empty()) continue;
      EXPECT_EQ(floats_of(run(*b, k, ast))[0], want) << b->name << " group " << lanes << "\n"
                                                     << to_text(linearize(ast));
    }
  }
}

// Grouping keeps an integer sum and a max exactly, and every backend gives one float sum's bits.
TEST(Opt, GroupKeepsExactReductionsAndAgreesAcrossBackends) {
  const UOp x = host(iota(8 * 256, 0.37f), {8, 256});
  for (const UOp& g : {max(x, {1}), reduce(Op::ADD, UOp::make(Op::CAST, dtypes::int32, {x}), {1}), sum(x, {1}),
                       sum(x, {0, 1}), softmax(x)}) {
    std::map<int64_t, std::shared_ptr<Buffer>> made;
    for (const Kernel& k : schedule({g})) {
      const std::vector<KernelAxis> axes = kernel_axes(k.ast);
      std::map<int64_t, std::shared_ptr<Buffer>> plain = made;
      const std::vector<uint8_t> ungrouped = run(*all_backends()[0], k, k.ast, &plain);
      if (axes.empty() || !axes.back().reduce) {
        made = plain;
        continue;
      }
      const UOp ast = apply_opt(k.ast, {OptKind::Group, axes.back().id, 32});
      std::map<int64_t, std::shared_ptr<Buffer>> first = made;
      const std::vector<uint8_t> want = run(*all_backends()[0], k, ast, &first);
      const bool exact =
          k.ast.src(0).src(1).dtype() == dtypes::int32 || (g.op() == Op::REDUCE_AXIS && g.arg_reduce().op == Op::MAX);
      if (exact) EXPECT_EQ(want, ungrouped);
      for (const Backend* b : all_backends()) {
        if (!b->unavailable().empty()) continue;
        std::map<int64_t, std::shared_ptr<Buffer>> inputs = made;
        EXPECT_EQ(run(*b, k, ast, &inputs), want) << b->name << "\n" << to_text(linearize(ast));
      }
      made = first;
    }
  }
}

TEST(Opt, GroupRefusesWhatItCannotGroup) {
  const UOp ast = only_kernel(matmul_kernels()).ast;  // output loops 0 and 1, reduce loop 2 of 8
  const int64_t red = kernel_axes(ast)[2].id;
  EXPECT_THROW(apply_opt(ast, {OptKind::Group, 0, 4}), Error);       // an output loop
  EXPECT_THROW(apply_opt(ast, {OptKind::Group, red, 3}), Error);     // 3 does not divide 8
  EXPECT_THROW(apply_opt(ast, {OptKind::Group, red, 2048}), Error);  // more lanes than a block has threads
  const UOp grouped = apply_opt(ast, {OptKind::Group, red, 4});
  EXPECT_THROW(apply_opt(grouped, {OptKind::Group, red, 2}), Error);              // grouped already
  EXPECT_THROW(apply_opt(grouped, {OptKind::Unroll, lane_axis(red), 2}), Error);  // no action on lanes
  bool lanes = false;
  for (const KernelAxis& a : kernel_axes(grouped)) lanes = lanes || (a.reduce && a.id == lane_axis(red) && a.size == 4);
  EXPECT_TRUE(lanes);
  EXPECT_EQ(apply_opt(grouped, {OptKind::Split, 0, 4}).op(), Op::SINK);  // split's new loop is not a lane id
}

// A GPU's actions: 4 lanes of the innermost loop for elementwise work (16-byte accesses), a group of the reduce loop
// when the outputs are few (about as many lanes as elements a lane), a 4 x 4 register tile for a
// contraction with outputs to spare.
TEST(Opt, GpuHeuristicGroupsFewOutputReductionsAndTilesContractions) {
  const OptTarget gpu{1, false, true};
  const UOp big = host(iota(1 << 15), {128, 256});
  const Kernel add = only_kernel(schedule({bin(Op::ADD, big, big)}));  // 4 lanes of its innermost loop
  EXPECT_EQ(choose_opts(add.ast, gpu), (std::vector<Opt>{{OptKind::Vectorize, kernel_axes(add.ast).back().id, 4}}));
  const UOp odd = host(iota(100 * 10), {100, 10});  // no loop 4 divides
  EXPECT_TRUE(choose_opts(only_kernel(schedule({bin(Op::ADD, odd, odd)})).ast, gpu).empty());
  const Kernel rows = only_kernel(schedule({sum(big, {1})}));  // 256 a row: 32 lanes of 8
  EXPECT_EQ(choose_opts(rows.ast, gpu), (std::vector<Opt>{{OptKind::Group, kernel_axes(rows.ast).back().id, 32}}));
  const Kernel wide = only_kernel(schedule({max(host(iota(1 << 21), {32, 1 << 16}), {1})}));  // 256 lanes of 256
  EXPECT_EQ(choose_opts(wide.ast, gpu), (std::vector<Opt>{{OptKind::Group, kernel_axes(wide.ast).back().id, 256}}));
  // A float32 contraction whose sum steps by 16: tensor cores (3xTF32, 32 x 32 warp tiles in pairs); one
  // that does not: a register tile.
  const Kernel mm = only_kernel(schedule({matmul(host(iota(256 * 64), {256, 64}), host(iota(64 * 256), {64, 256}))}));
  EXPECT_EQ(choose_opts(mm.ast, gpu), (std::vector<Opt>{{OptKind::Tc, kernel_axes(mm.ast).back().id, 32}}));
  const Kernel mm30 = only_kernel(schedule({matmul(host(iota(256 * 30), {256, 30}), host(iota(30 * 256), {30, 256}))}));
  const std::vector<KernelAxis> axes = kernel_axes(mm30.ast);
  EXPECT_EQ(choose_opts(mm30.ast, gpu),
            (std::vector<Opt>{{OptKind::Upcast, axes[1].id, 4}, {OptKind::Upcast, axes[0].id, 4}}));
  for (const Opt& o : choose_opts(rows.ast, gpu)) EXPECT_NE(o.kind, OptKind::Thread);
}

// A matmul of realized float16 (or bfloat16) operands as the Tensor API schedules it: one kernel,
// a float32 sum of widened products, rounded back on its store (and a relu after, when asked).
struct HalfMatmul {
  std::vector<Tensor> inputs;  // keep their storage alive
  Kernel kernel;
};
// `widened`: the operands are cast to float32 first, so the float32 sum is stored as it is.
HalfMatmul half_matmul(DType dt, int64_t m, int64_t k, int64_t n, bool transposed_b = false, bool relu = false,
                       bool widened = false) {
  install_interp_realizer();
  Tensor a = Tensor::from(iota(m * k, 0.1f, -0.55f), Shape{m, k}).to(dt);  // sums whose order shows
  Tensor b = Tensor::from(iota(k * n, 0.37f, -2.1f), transposed_b ? Shape{n, k} : Shape{k, n}).to(dt);
  a.realize(), b.realize();
  const Tensor rhs = transposed_b ? b.permute({1, 0}) : b;
  Tensor out = widened ? a.to(dtypes::float32).matmul(rhs.to(dtypes::float32)) : a.matmul(rhs);
  if (relu) out = out.relu();
  return {{a, b}, only_kernel(schedule({out.uop()}))};
}

std::vector<float> halves_of(const std::vector<uint8_t>& bytes, DType dt) {
  if (dt == dtypes::float32) return floats_of(bytes);
  std::vector<float> f(bytes.size() / 2);
  for (size_t i = 0; i < f.size(); ++i) {
    const auto h = static_cast<uint16_t>(bytes[2 * i] | bytes[2 * i + 1] << 8);
    f[i] = dt == dtypes::bfloat16 ? bf16_to_f32(h) : f16_to_f32(h);
  }
  return f;
}

// tc tiles a contraction of halves or floats: a host runs the same sum in the same order (every bit),
// a GPU on its tensor cores (within rounding of the float32 sum, 3xTF32's parts for float32 operands,
// then the half rounding of the store).
TEST(Opt, TcTilesContractionsAndKeepsTheirBitsOnHosts) {
  struct Case {
    DType dt;
    int64_t m, k, n;
    bool transposed, relu, widened;
    int64_t warp_tile;
  };
  for (const Case& c : {Case{dtypes::float16, 32, 48, 32, false, false, true, 16},
                        Case{dtypes::float16, 32, 48, 32, false, false, false, 32},
                        Case{dtypes::bfloat16, 16, 16, 48, false, true, false, 16},
                        Case{dtypes::float16, 48, 32, 16, true, true, false, 16},
                        Case{dtypes::bfloat16, 64, 32, 128, false, false, true, 64},
                        Case{dtypes::float32, 32, 64, 48, false, false, false, 16},
                        Case{dtypes::float32, 64, 32, 64, true, true, false, 32},
                        // staged (2 x 2 warps share their operands): A and B row-major, then B transposed
                        Case{dtypes::float32, 64, 48, 64, false, false, false, 16},
                        Case{dtypes::float32, 128, 32, 64, true, false, false, 32},
                        Case{dtypes::bfloat16, 64, 32, 64, true, false, false, 16},
                        Case{dtypes::float16, 128, 32, 64, false, true, true, 32}}) {
    const HalfMatmul mm = half_matmul(c.dt, c.m, c.k, c.n, c.transposed, c.relu, c.widened);
    const DType out = c.widened ? dtypes::float32 : c.dt;
    const std::vector<KernelAxis> axes = kernel_axes(mm.kernel.ast);
    const Opt tc{OptKind::Tc, axes.back().id, c.warp_tile};
    const UOp ast = apply_opt(mm.kernel.ast, tc);
    std::vector<int64_t> tiles;
    for (const KernelAxis& a : kernel_axes(ast))
      if (is_tile_axis(a.id)) tiles.push_back(a.size);
    EXPECT_EQ(tiles, (std::vector<int64_t>{c.warp_tile, c.warp_tile, 16}));
    const std::vector<uint8_t> want = run(*all_backends()[0], mm.kernel, mm.kernel.ast);
    const std::vector<float> want_f = halves_of(want, out);
    for (const Backend* b : all_backends()) {
      if (!b->unavailable().empty()) continue;
      const std::vector<uint8_t> got = run(*b, mm.kernel, ast);
      if (!b->gpu) {
        EXPECT_EQ(got, want) << b->name << " " << to_string(tc) << " " << c.m << "x" << c.k << "x" << c.n;
        continue;
      }
      const std::vector<float> got_f = halves_of(got, out);
      ASSERT_EQ(got_f.size(), want_f.size());
      // One rounding of a half store; for float32 (3xTF32 on a GPU) the tolerance rule's bound.
      const double ulp = out == dtypes::bfloat16 ? 0x1p-7 : out == dtypes::float16 ? 0x1p-10 : 0x1p-22 * (c.k + 1);
      for (size_t i = 0; i < got_f.size(); ++i)
        EXPECT_NEAR(got_f[i], want_f[i], 2 * ulp * (1 + std::fabs(want_f[i])))
            << b->name << " " << to_string(tc) << " " << c.m << "x" << c.k << "x" << c.n << " element " << i;
    }
  }
  // A slice of rows of 49: staged one element a thread (not 16-byte aligned), on every backend.
  const Kernel sliced =
      only_kernel(schedule({matmul(shrink(host(iota(64 * 49, 0.1f, -0.55f), {64, 49}), {0, 64, 1, 49}),
                                   host(iota(48 * 64, 0.37f, -2.1f), {48, 64}))}));
  const UOp sliced_tc = apply_opt(sliced.ast, {OptKind::Tc, kernel_axes(sliced.ast).back().id, 16});
  const std::vector<float> want = floats_of(run(*all_backends()[0], sliced, sliced.ast));
  for (const Backend* b : all_backends()) {
    if (!b->unavailable().empty()) continue;
    const std::vector<float> got = floats_of(run(*b, sliced, sliced_tc));
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_NEAR(got[i], want[i], 2 * 0x1p-22 * 49 * (1 + std::fabs(want[i]))) << b->name << " sliced element " << i;
  }
}

TEST(Opt, TcRefusesWhatIsNotAContraction) {
  const UOp f32 = only_kernel(matmul_kernels_sized(32, 32, 32)).ast;
  EXPECT_EQ(refusal(f32, {OptKind::Tc, 2, 16}), "no error");  // float32 operands: 3xTF32 on a GPU
  const UOp maxima = only_kernel(schedule({max(host(iota(32 * 32), {32, 32}), {1})})).ast;
  EXPECT_NE(refusal(maxima, {OptKind::Tc, 1, 16}).find("float32 sum of products"), std::string::npos);
  const HalfMatmul mm = half_matmul(dtypes::float16, 32, 48, 32);
  const UOp& ast = mm.kernel.ast;
  EXPECT_NE(refusal(ast, {OptKind::Tc, 2, 8}).find("16, 32 or 64"), std::string::npos);
  EXPECT_NE(refusal(ast, {OptKind::Tc, 0, 16}).find("output loop"), std::string::npos);
  const UOp tiled = apply_opt(ast, {OptKind::Tc, 2, 16});
  EXPECT_NE(refusal(tiled, {OptKind::Tc, 2, 16}).find("tc comes first"), std::string::npos);
  EXPECT_NE(refusal(tiled, {OptKind::Upcast, tile_axis_m, 2}).find("tile"), std::string::npos);
  EXPECT_NE(refusal(apply_opt(ast, {OptKind::Upcast, 0, 2}), {OptKind::Tc, 2, 16}).find("tc comes first"),
            std::string::npos);
  const HalfMatmul odd = half_matmul(dtypes::float16, 24, 48, 32);  // rows not a multiple of 16
  EXPECT_NE(refusal(odd.kernel.ast, {OptKind::Tc, 2, 16}).find("the tile's rows and columns"), std::string::npos);
  const HalfMatmul short_sum = half_matmul(dtypes::float16, 32, 40, 32);
  EXPECT_NE(refusal(short_sum.kernel.ast, {OptKind::Tc, 2, 16}).find("steps by 16"), std::string::npos);
  EXPECT_NE(refusal(ast, {OptKind::Tc, 2, 64}).find("the tile's rows and columns"), std::string::npos);  // 32 x 32
}

TEST(Opt, GpuHeuristicPutsContractionsOnTensorCores) {
  const OptTarget gpu{1, false, true};
  auto tc = [&](const UOp& ast) { return choose_opts(ast, gpu); };
  auto want = [&](const UOp& ast, int64_t w) { return std::vector<Opt>{{OptKind::Tc, kernel_axes(ast).back().id, w}}; };
  // 32 x 32 tiles that pair up along both output loops: staged by blocks of 2 x 2 warps.
  const HalfMatmul mm = half_matmul(dtypes::bfloat16, 64, 32, 64);
  EXPECT_EQ(tc(mm.kernel.ast), want(mm.kernel.ast, 32));
  for (const Opt& o : choose_opts(mm.kernel.ast, OptTarget{2})) EXPECT_NE(o.kind, OptKind::Tc);  // a host has none
  const UOp f32 = only_kernel(matmul_kernels_sized(64, 32, 128)).ast;
  EXPECT_EQ(tc(f32), want(f32, 32));
  // Where they do not pair up (3 or 127 tiles of 32 rows): 16 x 16.
  const UOp odd = only_kernel(matmul_kernels_sized(96, 32, 64)).ast;
  EXPECT_EQ(tc(odd), want(odd, 16));
  const HalfMatmul unpaired = half_matmul(dtypes::float16, 4064, 32, 1024);
  EXPECT_EQ(tc(unpaired.kernel.ast), want(unpaired.kernel.ast, 16));
}

// The two kernels of a small convolution stack as the bench runs it (conv 3->16, relu, conv 16->32,
// 3x3 windows, padding 1): the second loads the first's output through a gate (the padding).
struct ConvStack {
  std::vector<Tensor> inputs;  // keep their storage alive
  std::vector<Kernel> kernels;
};
ConvStack conv_kernels(int64_t batch, int64_t hw) {
  const Tensor x = Tensor::from(iota(batch * 3 * hw * hw, 0.01f), Shape{batch, 3, hw, hw});
  const Tensor w1 = Tensor::from(iota(16 * 27, 0.02f), Shape{16, 3, 3, 3}), b1 = Tensor::from(iota(16, 0.1f));
  const Tensor w2 = Tensor::from(iota(32 * 144, 0.003f), Shape{32, 16, 3, 3}), b2 = Tensor::from(iota(32, 0.1f));
  return {{x, w1, b1, w2, b2}, schedule({conv2d(conv2d(x, w1, b1, 1, 1).relu(), w2, b2, 1, 1).uop()})};
}

bool avx512() {  // as the heuristic decides its tile sizes
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

size_t gated_divmods(const UOp& ast) {
  size_t n = 0;
  for (const UOp& u : ast.toposort())
    if (u.op() == Op::INDEX && u.src().size() == 3)
      for (const UOp& i : u.src(1).toposort())
        n += i.op() == Op::FLOORDIV || i.op() == Op::FLOORMOD || i.op() == Op::TRUNCDIV || i.op() == Op::TRUNCMOD;
  return n;
}

// A padded window's index loses the div/mod the movement ops left in it, and every value stays.
TEST(Opt, GatedIndicesLoseTheirDivModAndKeepTheValues) {
  size_t before = 0;
  std::map<int64_t, std::shared_ptr<Buffer>> made;
  const ConvStack conv = conv_kernels(1, 4);
  for (const Kernel& k : conv.kernels) {
    const UOp simple = simplify_gated_indices(k.ast);
    before += gated_divmods(k.ast);
    EXPECT_EQ(gated_divmods(simple), 0u) << to_text(simple);
    std::map<int64_t, std::shared_ptr<Buffer>> raw = made;
    const std::vector<uint8_t> want = run(*all_backends()[0], k, k.ast, &raw);
    for (const Backend* b : all_backends()) {
      if (!b->unavailable().empty()) continue;
      std::map<int64_t, std::shared_ptr<Buffer>> inputs = made;
      EXPECT_EQ(run(*b, k, simple, &inputs), want) << b->name << "\n" << to_text(linearize(simple));
    }
    made = raw;
  }
  EXPECT_GT(before, 0u);  // the scheduler still leaves them: the test sees the simplification act
}

// A convolution's tile: output channels (whose copies share the gated, activated input) on the
// long side, output columns (contiguous stores) upcast last; bit for bit on every backend.
TEST(Opt, HeuristicTilesConvolutionChannelsByColumns) {
  const ConvStack conv = conv_kernels(1, 8);
  const std::vector<Kernel>& ks = conv.kernels;
  ASSERT_EQ(ks.size(), 2u);
  const std::vector<KernelAxis> axes = kernel_axes(ks[1].ast);  // channel, row, column; c, kh, kw (batch 1)
  ASSERT_EQ(axes.size(), 6u);
  const std::vector<Opt> opts = choose_opts(ks[1].ast, 1);
  const std::vector<Opt> want_opts = {{OptKind::Upcast, axes[0].id, avx512() ? 32 : 16},
                                      {OptKind::Upcast, axes[2].id, avx512() ? 8 : 4}};
  EXPECT_EQ(opts, want_opts) << to_string(opts);
  std::map<int64_t, std::shared_ptr<Buffer>> made;
  for (const Kernel& k : ks) {
    std::map<int64_t, std::shared_ptr<Buffer>> raw = made;
    const std::vector<uint8_t> want = run(*all_backends()[0], k, k.ast, &raw);
    for (size_t threads : {1, 2}) {
      const UOp ast = apply_opts(k.ast, choose_opts(k.ast, threads));
      for (const Backend* b : all_backends()) {
        if (!b->unavailable().empty()) continue;
        std::map<int64_t, std::shared_ptr<Buffer>> inputs = made;
        EXPECT_EQ(run(*b, k, ast, &inputs), want) << b->name << " " << to_string(choose_opts(k.ast, threads));
      }
    }
    made = raw;
  }
}

// A 2048 matmul streams a 16 MB B per row tile: the heuristic splits the row-tile loop so 32 row
// tiles run inside each column tile (a B panel read once serves 32 of them); 1024 (4 MB) is not
// split. The same actions on a smaller matmul of the same structure keep every bit.
TEST(Opt, HeuristicBlocksALargeMatmul) {
  auto mm = [](int64_t m, int64_t k, int64_t n) {
    return only_kernel(schedule({matmul(host(std::vector<float>(static_cast<size_t>(m * k)), {m, k}),
                                        host(std::vector<float>(static_cast<size_t>(k * n)), {k, n}))}));
  };
  auto splits = [](const std::vector<Opt>& opts) {
    return std::count_if(opts.begin(), opts.end(), [](const Opt& o) { return o.kind == OptKind::Split; });
  };
  const std::vector<Opt> big = choose_opts(mm(2048, 2048, 2048).ast, 2);
  ASSERT_EQ(splits(big), 1) << to_string(big);
  EXPECT_EQ(big.back(), (Opt{OptKind::Split, 0, 32})) << to_string(big);
  EXPECT_EQ(big[0].kind, OptKind::Thread) << to_string(big);
  EXPECT_EQ(splits(choose_opts(mm(1024, 1024, 1024).ast, 2)), 0);
  EXPECT_EQ(splits(choose_opts(mm(2048, 2048, 2048).ast, 1)), 1);

  const Kernel small = only_kernel(matmul_kernels_sized(1024, 8, 64));
  const std::vector<uint8_t> want = run(*all_backends()[0], small, small.ast);
  for (const Backend* b : all_backends()) {
    if (!b->unavailable().empty()) continue;
    const UOp ast = apply_opts(small.ast, big);  // thread 0 2, upcast 0 8, upcast 1 32, split 0 32
    EXPECT_EQ(run(*b, small, ast), want) << b->name << " " << to_string(big) << "\n" << to_text(linearize(ast));
  }
}

// Both operands row-major along the reduce loop (x @ W^T with a small W): accumulators along k, no
// tile; a transposing copy: 16 x 4 blocks; a 784-column weight gradient: 16 x 16 (16 vector
// accumulators when a row takes one vector). Each list keeps the values on every backend.
TEST(Opt, HeuristicDotProductsTransposesAndNarrowTiles) {
  const OptTarget wide{1, true}, narrow{1, false};
  const UOp x = host(iota(128 * 256), {128, 256}), w = host(iota(10 * 256, 0.125f), {10, 256});
  const Kernel dot = only_kernel(schedule({matmul(x, permute(w, {1, 0}))}));
  EXPECT_EQ(choose_opts(dot.ast, wide), (std::vector<Opt>{{OptKind::Unroll, 2, 16}}))
      << to_string(choose_opts(dot.ast, wide));
  EXPECT_EQ(choose_opts(dot.ast, narrow), (std::vector<Opt>{{OptKind::Unroll, 2, 8}}));
  const Kernel tr = only_kernel(schedule({un(Op::CONTIGUOUS, permute(host(iota(256 * 784), {256, 784}), {1, 0}))}));
  EXPECT_EQ(choose_opts(tr.ast, wide), (std::vector<Opt>{{OptKind::Upcast, 0, 16}, {OptKind::Upcast, 1, 4}}));
  const UOp g = host(iota(128 * 256), {128, 256}), in = host(iota(128 * 784, 0.125f), {128, 784});
  const Kernel grad = only_kernel(schedule({matmul(permute(g, {1, 0}), in)}));
  EXPECT_EQ(choose_opts(grad.ast, wide), (std::vector<Opt>{{OptKind::Upcast, 0, 16}, {OptKind::Upcast, 1, 16}}))
      << to_string(choose_opts(grad.ast, wide));
  for (const Kernel* k : {&dot, &tr})
    for (const OptTarget& t : {wide, narrow}) {
      const std::vector<Opt> opts = choose_opts(k->ast, t);
      const std::vector<uint8_t> want = run(*all_backends()[0], *k, k->ast);
      for (const Backend* b : all_backends()) {
        if (!b->unavailable().empty()) continue;
        EXPECT_EQ(run(*b, *k, apply_opts(k->ast, opts)), want) << b->name << " " << to_string(opts);
      }
    }
}

// Random action lists (any kind, loop and factor that applies) keep the values of kernels of every
// shape class, on interp: the actions are checked as a system, not one at a time.
TEST(Opt, RandomActionListsKeepTheValues) {
  const UOp a = host(iota(12 * 20), {12, 20}), m = host(iota(20 * 8, 0.125f), {20, 8});
  const std::vector<UOp> graphs = {
      sum(max(host(iota(24 * 10), {24, 10}), {1}), {0}),
      softmax(a),
      layernorm(a),
      matmul(relu(matmul(a, m)), host(iota(8 * 6), {8, 6})),
      sum(pad(flip(a, {1}), {1, 1, 0, 4}), {0}),
      relu(bin(Op::ADD, matmul(a, m), expand(host(iota(8), {1, 8}), {12, 8}))),
  };
  const Backend& interp = *all_backends()[0];
  uint64_t state = 12345;
  auto next = [&](int64_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int64_t>((state >> 33) % static_cast<uint64_t>(n));
  };
  size_t applied = 0;
  for (const UOp& g : graphs) {
    std::map<int64_t, std::shared_ptr<Buffer>> made;
    for (const Kernel& k : schedule({g})) {
      const std::vector<float> want = floats_of(run(interp, k, k.ast, &made));
      for (int trial = 0; trial < 12; ++trial) {
        UOp ast = k.ast;
        std::vector<Opt> opts;
        for (int n = 0; n < 3; ++n) {
          const std::vector<KernelAxis> axes = kernel_axes(ast);
          if (axes.empty()) break;
          const KernelAxis& ax = axes[static_cast<size_t>(next(static_cast<int64_t>(axes.size())))];
          const auto kind = static_cast<OptKind>(next(5));
          const KernelAxis& other = axes[static_cast<size_t>(next(static_cast<int64_t>(axes.size())))];
          const int64_t amount = kind == OptKind::Swap ? other.id : 2 + next(std::max<int64_t>(ax.size - 1, 1));
          try {
            ast = apply_opt(ast, {kind, ax.id, amount});
            opts.push_back({kind, ax.id, amount});
          } catch (const Error&) {
          }
        }
        applied += opts.size();
        std::map<int64_t, std::shared_ptr<Buffer>> inputs = made;
        const std::vector<float> got = floats_of(run(interp, k, ast, &inputs));
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i)
          ASSERT_NEAR(got[i], want[i], 1e-3 * (1 + std::fabs(want[i]))) << to_string(opts) << " element " << i << "\n"
                                                                        << to_text(k.ast);
      }
    }
  }
  EXPECT_GT(applied, 60u);
}

// Graphs that went wrong while the actions were written (found by examples/fashion_mnist): a row
// count of one-hot rows, and two fused linear layers, against host arithmetic.
TEST(OptRealize, GraphsMatchHostArithmetic) {
  install_interp_realizer();  // and the backend ANVIL_BACKEND names (test_runtime@c, @llvm)
  for (int64_t b : {50, 64, 100, 128}) {
    std::vector<int64_t> y(static_cast<size_t>(b));
    for (int64_t i = 0; i < b; ++i) y[static_cast<size_t>(i)] = i % 10;
    const Tensor target = Tensor::from(y);
    const Tensor hit = target.unsqueeze(1).eq(Tensor::arange(10).reshape({1, 10}));
    EXPECT_EQ(hit.any(1).to(dtypes::float32).sum().to_vector<float>()[0], static_cast<float>(b)) << b;

    const std::vector<float> xs = iota(b * 96), w1s = iota(32 * 96, 0.125f), w2s = iota(10 * 32, 0.5f, -2.0f);
    const Tensor x = Tensor::from(xs, Shape{b, 96}), w1 = Tensor::from(w1s, Shape{32, 96}),
                 w2 = Tensor::from(w2s, Shape{10, 32});
    const std::vector<float> got = x.linear(w1).relu().linear(w2).to_vector<float>();
    for (int64_t r = 0; r < b; ++r)
      for (int64_t o = 0; o < 10; ++o) {
        double want = 0;
        for (int64_t j = 0; j < 32; ++j) {
          double h = 0;
          for (int64_t k = 0; k < 96; ++k) h += double(xs[size_t(r * 96 + k)]) * w1s[size_t(j * 96 + k)];
          want += std::max(h, 0.0) * w2s[size_t(o * 32 + j)];
        }
        ASSERT_NEAR(got[size_t(r * 10 + o)], want, 1e-3 * (1 + std::fabs(want)))
            << "rows " << b << " at " << r << "," << o;
      }
  }
}

// The bench's convolution stack (gated indices simplified, channel x column tiles) through the
// Tensor API against host arithmetic; under ANVIL_CHECK_OOB=1 every access of it is proved in bounds.
TEST(OptRealize, ConvolutionMatchesHostArithmetic) {
  install_interp_realizer();
  const int64_t n = 2, hw = 8;
  const std::vector<float> xs = iota(n * 3 * hw * hw, 0.01f), w1s = iota(16 * 27, 0.02f), b1s = iota(16, 0.1f),
                           w2s = iota(32 * 144, 0.003f), b2s = iota(32, 0.1f);
  const Tensor x = Tensor::from(xs, Shape{n, 3, hw, hw}), w1 = Tensor::from(w1s, Shape{16, 3, 3, 3}),
               b1 = Tensor::from(b1s), w2 = Tensor::from(w2s, Shape{32, 16, 3, 3}), b2 = Tensor::from(b2s);
  const std::vector<float> got = conv2d(conv2d(x, w1, b1, 1, 1).relu(), w2, b2, 1, 1).to_vector<float>();
  // conv with a 3x3 window and padding 1, in double
  auto conv = [&](const std::vector<double>& in, int64_t ci, const std::vector<float>& w, const std::vector<float>& b,
                  int64_t co) {
    std::vector<double> out(static_cast<size_t>(n * co * hw * hw));
    for (int64_t i = 0; i < n; ++i)
      for (int64_t o = 0; o < co; ++o)
        for (int64_t y = 0; y < hw; ++y)
          for (int64_t xx = 0; xx < hw; ++xx) {
            double acc = b[size_t(o)];
            for (int64_t c = 0; c < ci; ++c)
              for (int64_t ky = 0; ky < 3; ++ky)
                for (int64_t kx = 0; kx < 3; ++kx) {
                  const int64_t iy = y + ky - 1, ix = xx + kx - 1;
                  if (iy < 0 || iy >= hw || ix < 0 || ix >= hw) continue;
                  acc += in[size_t(((i * ci + c) * hw + iy) * hw + ix)] * w[size_t(((o * ci + c) * 3 + ky) * 3 + kx)];
                }
            out[size_t(((i * co + o) * hw + y) * hw + xx)] = acc;
          }
    return out;
  };
  std::vector<double> h = conv(std::vector<double>(xs.begin(), xs.end()), 3, w1s, b1s, 16);
  for (double& v : h) v = std::max(v, 0.0);
  const std::vector<double> want = conv(h, 16, w2s, b2s, 32);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], 1e-3 * (1 + std::fabs(want[i]))) << "element " << i;
}

TEST(Search, CandidatesStartWithTheHeuristicAndAllApply) {
  const Kernel k = only_kernel(matmul_kernels());
  const std::vector<std::vector<Opt>> c = search_candidates(k.ast, 2, 6);
  ASSERT_EQ(c.size(), 6u);
  EXPECT_EQ(c[0], choose_opts(k.ast, 2));
  for (const std::vector<Opt>& opts : c) EXPECT_NO_THROW(apply_opts(k.ast, opts)) << to_string(opts);
}

// The search keeps one of its candidates, writes it to the cache, and a second search of the same
// kernel reads it back instead of timing again.
TEST(Search, KeepsACandidateAndCachesTheChoice) {
  const Kernel k = only_kernel(schedule({matmul(host(iota(24 * 40), {24, 40}), host(iota(40 * 32), {40, 32}))}));
  for (const Backend* b : all_backends()) {
    if (!b->unavailable().empty() || b->name == "interp") continue;
    const SearchStats before = search_stats();
    const std::vector<Opt> chosen = search_opts(*b, k.ast, 2, 4);
    const std::vector<std::vector<Opt>> c = search_candidates(k.ast, 2, 4);
    EXPECT_NE(std::find(c.begin(), c.end(), chosen), c.end()) << to_string(chosen);
    EXPECT_EQ(search_opts(*b, k.ast, 2, 4), chosen);
    const SearchStats after = search_stats();
    EXPECT_EQ(after.cache_hits - before.cache_hits, after.searched - before.searched == 1 ? 1u : 2u);
    const std::vector<float> got = floats_of(run(*b, k, apply_opts(k.ast, chosen)));
    const std::vector<float> want = floats_of(run(*all_backends()[0], k, k.ast));
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4 * (1 + std::fabs(want[i])));
  }
}

}  // namespace
}  // namespace anvil
