// What is particular to the llvm backend: the rendered IR parses and verifies and carries none of
// the flags that make LLVM code partial; real kernels (loops, register accumulators, PAD gates)
// give interp's values; DEFINE_VAR binds through the vars array; two threads may compile at once.
// Op x dtype conformance is backend_matrix_test.cpp's.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "engine/codegen/linearize.h"
#include "engine/ir/text.h"
#include "engine/runtime/backend.h"
#include "engine/runtime/interp/program.h"
#include "engine/schedule/graph_test_util.h"
#include "engine/schedule/schedule.h"
#include "engine/support/check.h"

namespace anvil {
namespace {

using namespace graph_test;

const Backend& llvm() {
  const Backend* b = find_backend_named("llvm");
  ANVIL_CHECK(b != nullptr) << "llvm is not registered";
  return *b;
}

std::vector<std::vector<UOp>> kernel_programs() {
  UOp a = host(iota(24), {2, 3, 4}), m = host(iota(12), {3, 4});
  const std::vector<UOp> graphs = {
      bin(Op::ADD, a, a), sum(a, {1}),
      max(a, {0, 2}),     sum(pad(flip(a, {2}), {0, 1, 1, 0, 2, 2}), {0, 2}),
      softmax(m),         relu(bin(Op::ADD, matmul(m, permute(m, {1, 0})), expand(host(iota(3), {1, 3}), {3, 3}))),
  };
  std::vector<std::vector<UOp>> out;
  for (const UOp& g : graphs)
    for (const Kernel& k : schedule({g})) out.push_back(linearize(k.ast));
  return out;
}

// Buffers for a program's DEFINE_GLOBALs, filled with small distinct values.
std::vector<Buffer> buffers_for(const std::vector<UOp>& prog) {
  std::vector<Buffer> bufs;
  for (const UOp& u : prog) {
    if (u.op() != Op::DEFINE_GLOBAL) continue;
    const auto slot = static_cast<size_t>(u.arg_int());
    if (bufs.size() <= slot) bufs.resize(slot + 1);
    std::vector<double> v(static_cast<size_t>(u.dtype().ptr_size));
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.25 * static_cast<double>((i * 5) % 11) - 1.0;
    bufs[slot] = Buffer::from_floats(u.dtype().elem(), v);
  }
  return bufs;
}

std::vector<Buffer> run(const Backend& b, const std::vector<UOp>& prog, std::vector<Buffer> bufs,
                        const std::map<std::string, int64_t>& vars = {}) {
  std::vector<Buffer*> ptrs;
  for (Buffer& x : bufs) ptrs.push_back(&x);
  b.compile(prog, b.render(prog, "k"), "k")->run(ptrs, vars);
  return bufs;
}

TEST(LlvmBackend, RegisteredAndAvailable) {
  EXPECT_EQ(llvm().unavailable(), "");
  EXPECT_NE(llvm().compiler_id().find("llvm 15."), std::string::npos) << llvm().compiler_id();
}

// Total code only: no flag that turns an overflow or an inexact division into poison, no fast-math,
// no fused multiply-add.
TEST(LlvmBackend, RenderedIrHasNoPoisonFlags) {
  for (const std::vector<UOp>& prog : kernel_programs()) {
    const std::string ir = llvm().render(prog, "k");
    for (const char* bad : {" nsw", " nuw", " exact", " fast", " nnan", " ninf", " contract", " reassoc", "fmuladd"})
      EXPECT_EQ(ir.find(bad), std::string::npos) << bad << " in\n" << ir;
  }
}

TEST(LlvmBackend, KernelsMatchInterp) {
  for (const std::vector<UOp>& prog : kernel_programs()) {
    const std::vector<Buffer> in = buffers_for(prog);
    const std::vector<Buffer> got = run(llvm(), prog, in), want = run(*find_backend_named("interp"), prog, in);
    for (size_t b = 0; b < want.size(); ++b) {
      // softmax's EXP2 goes through the C library as interp's does, so even it is bit-exact here.
      EXPECT_EQ(got[b].bytes, want[b].bytes) << "buffer " << b << " of\n" << to_text(prog);
    }
  }
}

// out[i] = i * n for i < n: the loop bound and the value come from the vars array.
std::vector<UOp> var_program() {
  const UOp out = UOp::make(Op::DEFINE_GLOBAL, dtypes::int32.ptr(AddrSpace::Global, 16), {}, int64_t{0});
  const UOp n = UOp::var("n", 0, 16, dtypes::index), k = UOp::var("k", 0, 100, dtypes::int32);
  const UOp r = UOp::make(Op::RANGE, dtypes::index, {n}, int64_t{0});
  const UOp v = UOp::make(Op::MUL, dtypes::int32, {r.cast(dtypes::int32), k});
  const UOp st = UOp::make(Op::STORE, dtypes::void_, {UOp::make(Op::INDEX, out.dtype(), {out, r}), v});
  const UOp e = UOp::make(Op::END, dtypes::void_, {r, st});
  return {out, k, n, r, r.cast(dtypes::int32), v, st.src(0), st, e, UOp::make(Op::SINK, dtypes::void_, {e})};
}

TEST(LlvmBackend, DefineVarBindsByName) {
  const std::vector<UOp> prog = var_program();
  std::vector<Buffer> bufs = {Buffer(dtypes::int32, 16)};
  const std::vector<Buffer> got = run(llvm(), prog, bufs, {{"n", 5}, {"k", 3}});
  const std::vector<int32_t> v = got[0].to<int32_t>();
  for (int32_t i = 0; i < 16; ++i) EXPECT_EQ(v[static_cast<size_t>(i)], i < 5 ? i * 3 : 0) << i;
}

TEST(LlvmBackend, TwoThreadsCompileAtOnce) {
  const std::vector<std::vector<UOp>> progs = kernel_programs();
  std::vector<std::vector<Buffer>> results(2);
  auto work = [&](size_t t) {
    for (const std::vector<UOp>& prog : progs) results[t] = run(llvm(), prog, buffers_for(prog));
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();
  ASSERT_EQ(results[0].size(), results[1].size());
  for (size_t i = 0; i < results[0].size(); ++i) EXPECT_EQ(results[0][i].bytes, results[1][i].bytes);
}

// A kernel outlives nothing it needs: the Program keeps its code alive after others are compiled.
TEST(LlvmBackend, ProgramKeepsItsCode) {
  const std::vector<UOp> prog = var_program();
  const std::shared_ptr<Program> p = llvm().compile(prog, llvm().render(prog, "k"), "k");
  for (const std::vector<UOp>& other : kernel_programs()) run(llvm(), other, buffers_for(other));
  Buffer out(dtypes::int32, 16);
  Buffer* ptrs[] = {&out};
  p->run(ptrs, {{"n", 16}, {"k", 2}});
  EXPECT_EQ(out.to<int32_t>()[15], 30);
}

// Not a timed test (timings vary with the machine): prints what one kernel costs to schedule,
// linearize, render and compile, for the latency target (<= 20 ms in a release build).
TEST(LlvmBackend, ReportsCompileTimePerKernel) {
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  double codegen = 0, render = 0, compile = 0;
  int kernels = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const UOp m = host(iota(12), {3, 4});
    const auto t0 = Clock::now();
    std::vector<std::vector<UOp>> progs;
    for (const Kernel& k : schedule({softmax(m)})) progs.push_back(linearize(k.ast));
    const auto t1 = Clock::now();
    for (const std::vector<UOp>& prog : progs) {
      const auto r0 = Clock::now();
      const std::string ir = llvm().render(prog, "k");
      const auto r1 = Clock::now();
      ASSERT_TRUE(llvm().compile(prog, ir, "k"));
      const auto r2 = Clock::now();
      render += ms(r1 - r0);
      compile += ms(r2 - r1);
      ++kernels;
    }
    codegen += ms(t1 - t0);
  }
  std::printf("llvm: softmax, %d kernels: schedule+linearize %.2f ms, render %.2f ms, compile %.2f ms per kernel\n",
              kernels, codegen / kernels, render / kernels, compile / kernels);
}

}  // namespace
}  // namespace anvil
