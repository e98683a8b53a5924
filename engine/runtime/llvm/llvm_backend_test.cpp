// What is particular to the llvm backend: the rendered IR parses and verifies and carries none of
// the flags that make LLVM code partial; real kernels (loops, register accumulators, PAD gates)
// give interp's values; DEFINE_VAR binds through the vars array; two threads may compile at once.
// Op x dtype conformance is backend_matrix_test.cpp's.
#include "engine/runtime/llvm/llvm_backend.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/codegen/linearize.h"
#include "engine/ir/text.h"
#include "engine/runtime/backend.h"
#include "engine/runtime/interp/program.h"
#include "engine/runtime/kernel_cache.h"
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

// A BITCAST sees NaN payloads: in a kernel with one, float ops give interp's NaN bits (the first
// NaN operand quieted, else +qNaN; x86 itself makes -qNaN and may swap operands).
TEST(LlvmBackend, NanPayloadsMatchInterpWhereABitcastSeesThem) {
  const UOp a = host(iota(8), {8}), b = host(iota(8), {8});
  const UOp g = bin(Op::MUL, bin(Op::ADD, a, b), a).bitcast(dtypes::int32);
  const std::vector<uint32_t> abits = {0x7f800000u, 0x7fa00001u, 0x3f800000u, 0xffc00abcu,
                                       0x7f800000u, 0x00000000u, 0xff812345u, 0x7fc00010u};
  const std::vector<uint32_t> bbits = {0xff800000u, 0x3f800000u, 0x7fc12345u, 0x7f900002u,
                                       0x7f800000u, 0x7f800000u, 0x3f800000u, 0xffc00020u};
  for (const Kernel& k : schedule({g})) {
    const std::vector<UOp> prog = linearize(k.ast);
    std::vector<Buffer> bufs = buffers_for(prog);
    for (Buffer& buf : bufs) {
      if (buf.dtype.scalar != Scalar::Float32 || buf.count != 8) continue;
      const std::vector<uint32_t>& bits = &buf == &bufs.back() ? bbits : abits;
      std::memcpy(buf.bytes.data(), bits.data(), buf.bytes.size());
    }
    const std::vector<Buffer> got = run(llvm(), prog, bufs), want = run(*find_backend_named("interp"), prog, bufs);
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_EQ(got[i].bytes, want[i].bytes) << "buffer " << i << " of\n" << to_text(prog);
  }
}

// Without a BITCAST no payload is observable: no fix-up, so LLVM may vectorize the float ops.
TEST(LlvmBackend, NoNanFixUpWithoutBitcast) {
  for (const std::vector<UOp>& prog : kernel_programs()) {
    const std::string ir = llvm().render(prog, "k");
    EXPECT_EQ(ir.find("@anvil.fixnan"), std::string::npos) << ir;
  }
}

// Buffer arguments are noalias: a stored buffer passed in a second slot is refused, not miscompiled.
TEST(LlvmBackend, StoredBufferMustNotAliasAnother) {
  const std::vector<UOp> prog = kernel_programs()[0];  // a + a: stores slot 0, loads slot 1
  const std::string ir = llvm().render(prog, "k");
  EXPECT_NE(ir.find("ptr noalias %g0, ptr noalias %g1"), std::string::npos) << ir;
  const std::shared_ptr<Program> p = llvm().compile(prog, ir, "k");
  std::vector<Buffer> bufs = buffers_for(prog);
  ASSERT_EQ(bufs.size(), 2u);
  std::vector<Buffer*> aliased = {&bufs[0], &bufs[0]};
  EXPECT_DEATH(p->run(aliased, {}), "noalias");
}

// ANVIL_CACHE_DIR pointed at a fresh, empty folder for one test, then restored.
class ScopedCacheDir {
 public:
  ScopedCacheDir() {
    if (const char* d = std::getenv("ANVIL_CACHE_DIR")) old_ = d;
    dir_ = std::filesystem::temp_directory_path() / ("anvil-llvm-cache-test-" + kernel_cache_unique_suffix());
    std::filesystem::create_directories(dir_);
    setenv("ANVIL_CACHE_DIR", dir_.c_str(), 1);
  }
  ~ScopedCacheDir() {
    if (old_) {
      setenv("ANVIL_CACHE_DIR", old_->c_str(), 1);
    } else {
      unsetenv("ANVIL_CACHE_DIR");
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::vector<std::filesystem::path> entries() const {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_))
      if (e.path().filename().string().rfind("llvm-", 0) == 0 && e.path().extension() == ".o") out.push_back(e.path());
    return out;
  }

 private:
  std::filesystem::path dir_;
  std::optional<std::string> old_;
};

LlvmCacheStats delta(const LlvmCacheStats& a, const LlvmCacheStats& b) {
  return {b.hits - a.hits, b.misses - a.misses, b.corrupt - a.corrupt};
}

// A fresh JIT (a new JITDylib) loading a kernel compiled before links the cached object without
// parsing or optimizing, and computes the same bytes.
TEST(LlvmBackend, DiskCacheHitGivesTheSameResults) {
  ScopedCacheDir cache;
  const std::vector<std::vector<UOp>> progs = kernel_programs();
  const std::vector<UOp>& prog = progs[4];  // softmax's first kernel: a reduce
  const LlvmCacheStats s0 = llvm_cache_stats();
  const std::vector<Buffer> first = run(llvm(), prog, buffers_for(prog));
  const LlvmCacheStats s1 = llvm_cache_stats();
  EXPECT_EQ(delta(s0, s1).misses, 1u);
  EXPECT_EQ(delta(s0, s1).hits, 0u);
  ASSERT_EQ(cache.entries().size(), 1u);
  const std::vector<Buffer> second = run(llvm(), prog, buffers_for(prog));
  const LlvmCacheStats s2 = llvm_cache_stats();
  EXPECT_EQ(delta(s1, s2).hits, 1u);
  EXPECT_EQ(delta(s1, s2).misses, 0u);
  ASSERT_EQ(first.size(), second.size());
  for (size_t b = 0; b < first.size(); ++b) EXPECT_EQ(first[b].bytes, second[b].bytes) << "buffer " << b;
}

// Run as a second process by the test below (skipped otherwise): the parent's kernel is a hit here.
TEST(LlvmBackend, SecondProcessChild) {
  if (!std::getenv("ANVIL_LLVM_CACHE_CHILD")) GTEST_SKIP() << "run by SecondProcessHitsTheCache";
  const std::vector<UOp> prog = kernel_programs()[4];
  const std::vector<Buffer> got = run(llvm(), prog, buffers_for(prog));
  const LlvmCacheStats s = llvm_cache_stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 0u);
  const std::vector<Buffer> want = run(*find_backend_named("interp"), prog, buffers_for(prog));
  for (size_t b = 0; b < want.size(); ++b) EXPECT_EQ(got[b].bytes, want[b].bytes) << "buffer " << b;
}

TEST(LlvmBackend, SecondProcessHitsTheCache) {
  ScopedCacheDir cache;
  const std::vector<UOp> prog = kernel_programs()[4];
  run(llvm(), prog, buffers_for(prog));
  ASSERT_EQ(cache.entries().size(), 1u);
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string cmd =
      "ANVIL_LLVM_CACHE_CHILD=1 '" + exe + "' --gtest_filter=LlvmBackend.SecondProcessChild > /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

// A damaged entry (truncated, a flipped bit in the code or the header, empty, foreign) is noticed,
// compiled again and replaced: never linked, never a crash.
TEST(LlvmBackend, CorruptCacheEntryIsCompiledAgain) {
  ScopedCacheDir cache;
  const std::vector<UOp> prog = kernel_programs()[1];
  const std::vector<Buffer> want = run(llvm(), prog, buffers_for(prog));
  ASSERT_EQ(cache.entries().size(), 1u);
  const std::filesystem::path entry = cache.entries()[0];
  const std::string good = *kernel_cache_read(entry);
  const std::vector<std::pair<const char*, std::string>> damaged = {
      {"truncated", good.substr(0, good.size() / 2)},
      {"payload bit",
       [&] {
         std::string d = good;
         d[d.size() - 100] = static_cast<char>(d[d.size() - 100] ^ 0x10);
         return d;
       }()},
      {"header bit",
       [&] {
         std::string d = good;
         d[30] = static_cast<char>(d[30] ^ 0x01);
         return d;
       }()},
      {"empty", ""},
      {"foreign",
       "\x7f"
       "ELF not really an object file"},
  };
  for (const auto& [what, bytes] : damaged) {
    ASSERT_TRUE(kernel_cache_write_atomic(entry, bytes));
    const LlvmCacheStats s0 = llvm_cache_stats();
    const std::vector<Buffer> got = run(llvm(), prog, buffers_for(prog));
    const LlvmCacheStats s1 = llvm_cache_stats();
    EXPECT_EQ(delta(s0, s1).corrupt, 1u) << what;
    EXPECT_EQ(delta(s0, s1).hits, 0u) << what;
    for (size_t b = 0; b < want.size(); ++b) EXPECT_EQ(got[b].bytes, want[b].bytes) << what << ", buffer " << b;
    EXPECT_EQ(*kernel_cache_read(entry), good) << what << ": the entry was not replaced";
  }
}

// No cache folder can be made (a path under a file): kernels still compile and run, uncached.
TEST(LlvmBackend, UnwritableCacheDirStillCompiles) {
  const char* old = std::getenv("ANVIL_CACHE_DIR");
  const std::string saved = old ? old : "";
  setenv("ANVIL_CACHE_DIR", "/dev/null/anvil-cache", 1);
  const std::vector<UOp> prog = kernel_programs()[1];
  const LlvmCacheStats s0 = llvm_cache_stats();
  const std::vector<Buffer> got = run(llvm(), prog, buffers_for(prog));
  const std::vector<Buffer> want = run(*find_backend_named("interp"), prog, buffers_for(prog));
  EXPECT_EQ(delta(s0, llvm_cache_stats()).misses, 1u);
  for (size_t b = 0; b < want.size(); ++b) EXPECT_EQ(got[b].bytes, want[b].bytes) << "buffer " << b;
  if (old) {
    setenv("ANVIL_CACHE_DIR", saved.c_str(), 1);
  } else {
    unsetenv("ANVIL_CACHE_DIR");
  }
}

// Code for one CPU must not load on another: the key names the host CPU and every feature LLVM
// compiles for (x86-64 always has sse2; avx2 where /proc/cpuinfo lists it).
TEST(LlvmBackend, CacheKeyNamesCpuAndFeatures) {
  const std::string id = llvm().compiler_id();
  EXPECT_NE(id.find("cpu="), std::string::npos) << id;
  EXPECT_EQ(id.find("cpu= "), std::string::npos) << id;
#if defined(__x86_64__)
  EXPECT_NE(id.find("+sse2,"), std::string::npos) << id;
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("flags", 0) == 0) break;
  if (line.find(" avx2") != std::string::npos) EXPECT_NE(id.find("+avx2,"), std::string::npos) << id;
#endif
}

// Not a timed test (timings vary with the machine): prints what one kernel costs to schedule,
// linearize, render and compile, for the latency target (<= 20 ms in a release build).
TEST(LlvmBackend, ReportsCompileTimePerKernel) {
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  double codegen = 0, render = 0, compile = 0;
  int kernels = 0;
  for (int rep = 0; rep < 3; ++rep) {
    ScopedCacheDir cache;  // an empty disk cache: every compile is a miss
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
