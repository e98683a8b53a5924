// What is particular to the opencl backend: it registers after llvm and finds PoCL here; real
// kernels (loops, register accumulators, PAD gates, softmax, matmul) give interp's values, with the
// outer loop as the NDRange where that is safe and one work-item where it is not; llvm and opencl
// kernels run in one process (issue 9: both link LLVM 15); a program the device cannot run raises
// anvil::Error; PoCL's cache sits under the kernel cache. Op x dtype conformance is
// backend_matrix_test.cpp's (Compiled/BackendMatrix.*/opencl in test_runtime).
#include "engine/runtime/opencl/opencl_backend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "engine/codegen/linearize.h"
#include "engine/codegen/opt.h"
#include "engine/runtime/backend.h"
#include "engine/runtime/device_residency_test_util.h"
#include "engine/runtime/interp/program.h"
#include "engine/runtime/kernel_cache.h"
#include "engine/runtime/opencl/opencl_runtime.h"
#include "engine/runtime/opencl/render_opencl.h"
#include "engine/schedule/graph_test_util.h"
#include "engine/schedule/schedule.h"
#include "engine/support/check.h"
#include "engine/support/error.h"
#include "engine/tensor/storage.h"

namespace anvil {
namespace {

using namespace graph_test;

const Backend& opencl() {
  const Backend* b = find_backend_named("opencl");
  ANVIL_CHECK(b != nullptr) << "opencl is not registered";
  return *b;
}

// Skips a test where this machine has no OpenCL device (the backend then says why).
#define REQUIRE_DEVICE()                                                                       \
  do {                                                                                         \
    if (!opencl().unavailable().empty()) GTEST_SKIP() << "opencl: " << opencl().unavailable(); \
  } while (0)

std::vector<std::vector<UOp>> programs_of(const std::vector<UOp>& graphs) {
  std::vector<std::vector<UOp>> out;
  for (const UOp& g : graphs)
    for (const Kernel& k : schedule({g})) out.push_back(linearize(k.ast));
  return out;
}

std::vector<std::vector<UOp>> kernel_programs() {
  UOp a = host(iota(24), {2, 3, 4}), m = host(iota(12), {3, 4});
  return programs_of({
      bin(Op::ADD, a, a),
      sum(a, {1}),
      max(a, {0, 2}),
      sum(pad(flip(a, {2}), {0, 1, 1, 0, 2, 2}), {0, 2}),
      softmax(m),
      relu(bin(Op::ADD, matmul(m, permute(m, {1, 0})), expand(host(iota(3), {1, 3}), {3, 3}))),
  });
}

// Buffers for a program's DEFINE_GLOBALs, filled with small distinct values.
std::vector<Buffer> buffers_for(const std::vector<UOp>& prog) {
  std::vector<Buffer> bufs;
  for (const UOp& u : prog) {
    if (u.op() != Op::DEFINE_GLOBAL) continue;
    const auto slot = static_cast<size_t>(u.arg_int());
    if (bufs.size() <= slot) bufs.resize(slot + 1);
    std::vector<double> v(static_cast<size_t>(u.dtype().ptr_size));
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.25 * static_cast<double>((i * 7) % 13) - 1.5;
    bufs[slot] = Buffer::from_floats(u.dtype().elem(), v);
  }
  return bufs;
}

std::vector<Buffer> run_on(const Backend& b, const std::vector<UOp>& prog, std::vector<Buffer> bufs) {
  std::vector<Buffer*> ptrs;
  for (Buffer& x : bufs) ptrs.push_back(&x);
  b.compile(prog, b.render(prog, "k"), "k")->run(ptrs, {});
  return bufs;
}

std::vector<Buffer> run_interp(const std::vector<UOp>& prog, std::vector<Buffer> bufs) {
  std::vector<Buffer*> ptrs;
  for (Buffer& x : bufs) ptrs.push_back(&x);
  EXPECT_TRUE(interp::run_program(prog, ptrs, {}).ok());
  return bufs;
}

void expect_same(const std::vector<Buffer>& got, const std::vector<Buffer>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t b = 0; b < want.size(); ++b)
    for (size_t i = 0; i < want[b].count; ++i)
      if (!want[b].poison[i])
        EXPECT_TRUE(same_value(want[b].dtype.scalar, got[b].get(i), want[b].get(i)))
            << what << ": buffer " << b << " element " << i << ": got " << got[b].get(i).f << ", interp "
            << want[b].get(i).f;
}

TEST(OpenClBackend, RegisteredAfterLlvm) {
  const auto all = all_backends();
  ASSERT_FALSE(all.empty());
  const auto it = std::find(all.begin(), all.end(), &opencl());
  ASSERT_NE(it, all.end());
  for (auto later = it + 1; later != all.end(); ++later) EXPECT_EQ((*later)->name, "cuda");  // only cuda follows
  const Backend* llvm = find_backend_named("llvm");
  if (llvm) EXPECT_LT(std::find(all.begin(), all.end(), llvm), std::find(all.begin(), all.end(), &opencl()));
}

TEST(OpenClBackend, FindsADeviceAndNamesItInTheCompilerId) {
  REQUIRE_DEVICE();
  const OpenClDeviceInfo& info = opencl_device_info();
  EXPECT_FALSE(info.device.empty());
  EXPECT_NE(opencl().compiler_id().find(info.device), std::string::npos) << opencl().compiler_id();
  EXPECT_NE(opencl().compiler_id().find(info.driver_version), std::string::npos);
}

// The kernel text keeps the numerics rules: no contraction, correctly rounded / and sqrt, no fast math.
TEST(OpenClBackend, RenderedKernelTurnsContractionOff) {
  for (const std::vector<UOp>& prog : kernel_programs()) {
    const std::string src = opencl().render(prog, "k");
    EXPECT_NE(src.find("#pragma OPENCL FP_CONTRACT OFF"), std::string::npos);
    EXPECT_NE(src.find("__kernel void anvil_k("), std::string::npos) << src;
    EXPECT_EQ(src.find("mad("), std::string::npos) << src;
    EXPECT_EQ(src.find("fma("), std::string::npos) << src;
  }
  EXPECT_NE(opencl().compiler_id().find("-cl-fp32-correctly-rounded-divide-sqrt"), std::string::npos);
  EXPECT_EQ(opencl().compiler_id().find("fast"), std::string::npos);
}

TEST(OpenClBackend, RealKernelsGiveInterpsValues) {
  REQUIRE_DEVICE();
  const OpenClBuildStats before = opencl_build_stats();
  for (const std::vector<UOp>& prog : kernel_programs()) {
    const std::vector<Buffer> in = buffers_for(prog);
    expect_same(run_on(opencl(), prog, in), run_interp(prog, in), opencl().render(prog, "k"));
  }
  EXPECT_EQ(opencl_build_stats().builds, before.builds + kernel_programs().size());
  EXPECT_GT(opencl_build_stats().seconds, before.seconds);
}

// An entry point named like an OpenCL keyword or builtin still builds: the kernel is anvil_NAME.
TEST(OpenClBackend, EntryNamesThatAreOpenClWordsBuild) {
  REQUIRE_DEVICE();
  const std::vector<UOp> prog = kernel_programs().front();
  const std::vector<Buffer> want = run_interp(prog, buffers_for(prog));
  for (const std::string name : {"kernel", "global", "sin", "anvil_kernel"}) {
    std::vector<Buffer> bufs = buffers_for(prog);
    std::vector<Buffer*> ptrs;
    for (Buffer& x : bufs) ptrs.push_back(&x);
    opencl().compile(prog, opencl().render(prog, name), name)->run(ptrs, {});
    expect_same(bufs, want, name);
  }
}

// An elementwise kernel's outer loop is the NDRange; a full reduction (its accumulator set before
// the loop, stored after it) runs in one work-item.
TEST(OpenClBackend, OuterOutputLoopBecomesWorkItems) {
  UOp a = host(iota(24), {6, 4});
  const std::vector<UOp> elementwise = programs_of({bin(Op::MUL, a, a)}).front();
  const OpenClLaunch e = opencl_launch(elementwise);
  EXPECT_TRUE(e.parallel);
  EXPECT_GT(e.global_size, 1);
  EXPECT_NE(opencl().render(elementwise, "k").find("get_global_id(0)"), std::string::npos);
  const std::vector<UOp> full = programs_of({sum(a, {0, 1})}).front();
  const OpenClLaunch f = opencl_launch(full);
  EXPECT_FALSE(f.parallel);
  EXPECT_EQ(f.global_size, 1);
  EXPECT_EQ(opencl().render(full, "k").find("get_global_id"), std::string::npos);
}

// Kernels with a GPU's actions (opt.h: grouped reduce loops, register tiles), as cuda gets them.
std::vector<std::vector<UOp>> gpu_programs() {
  const UOp rows = host(iota(8 * 1024), {8, 1024}), m = host(iota(64 * 48), {64, 48}),
            w = host(iota(48 * 32), {48, 32});
  std::vector<std::vector<UOp>> out;
  for (const UOp& g :
       {sum(rows, {1}), max(rows, {1}), sum(rows, {0, 1}), softmax(rows), sum(bin(Op::MUL, rows, rows), {1}),
        matmul(m, w), reduce(Op::ADD, UOp::make(Op::CAST, dtypes::int32, {rows}), {1}), sum(rows, {0})})
    for (const Kernel& k : schedule({g}))
      out.push_back(linearize(apply_opts(k.ast, choose_opts(k.ast, OptTarget{1, false, true}))));
  return out;
}

// Issue 9's GPU mapping on PoCL: a grouped reduction is a work-group per output whose work-items
// share the lanes through __local memory and barriers, and thread 0 stores; the result is interp's,
// bit for bit, on the same program (the combine runs in lane order in both).
TEST(OpenClBackend, GroupedReductionsRunAsWorkGroupsWithInterpsValues) {
  REQUIRE_DEVICE();
  size_t grouped = 0;
  for (const std::vector<UOp>& prog : gpu_programs()) {
    const OpenClLaunch l = opencl_launch(prog);
    const std::string src = opencl().render(prog, "k");
    if (l.blocks) {
      ++grouped;
      EXPECT_GT(l.local_size, 1) << src;
      EXPECT_EQ(l.global_size % l.local_size, 0) << src;
      EXPECT_NE(src.find("barrier(CLK_LOCAL_MEM_FENCE);"), std::string::npos) << src;
      EXPECT_NE(src.find("__local "), std::string::npos) << src;
      EXPECT_NE(src.find("if (get_local_id(0) == 0) "), std::string::npos) << src;
    }
    const std::vector<Buffer> in = buffers_for(prog);
    expect_same(run_on(opencl(), prog, in), run_interp(prog, in), src);
  }
  EXPECT_GE(grouped, 6u);  // every reduction but the column sum (8 rows: too few to group)
}

// A host tensor of `dtype` (its values come from buffers_for).
UOp typed(DType dtype, const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  const int64_t uid = new_buffer_uid();
  register_storage(uid, std::make_shared<Buffer>(dtype, static_cast<size_t>(n)));
  return UOp::make(Op::RESHAPE, dtype, {UOp::make(Op::BUFFER, dtype, {}, std::vector<int64_t>{uid, n})}, shape);
}

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Vectorized kernels (opt.h): a load or store of consecutive elements, ungated, is one vloadN /
// vstoreN (no alignment needed); broadcast, strided and gated loads go lane by lane. Interp's bits
// for every dtype's storage type (float16 as 16-bit integers, bool as bytes).
TEST(OpenClBackend, VectorizedKernelsUseVloadAndGiveInterpsValues) {
  REQUIRE_DEVICE();
  size_t vloads = 0, vstores = 0, cases = 0;
  for (DType dt : {dtypes::float32, dtypes::int32, dtypes::float16, dtypes::bool_, dtypes::float64, dtypes::uint8}) {
    const UOp x = typed(dt, {6, 16}), col = expand(typed(dt, {6, 1}), {6, 16});
    const UOp xt = permute(typed(dt, {16, 6}), {1, 0}), padded = pad(typed(dt, {6, 12}), {0, 0, 3, 1});
    const bool b = dt == dtypes::bool_;
    for (const UOp& g : {bin(b ? Op::OR : Op::ADD, x, col), bin(b ? Op::AND : Op::MUL, xt, padded)})
      for (int64_t k : {2, 4, 8}) {
        const std::vector<Kernel> ks = schedule({g});
        ASSERT_EQ(ks.size(), 1u);
        const std::vector<UOp> prog =
            linearize(apply_opt(ks[0].ast, {OptKind::Vectorize, kernel_axes(ks[0].ast)[1].id, k}));
        const std::string src = opencl().render(prog, "k");
        const std::string n = std::to_string(k);
        vloads += occurrences(src, "= vload" + n + "(0, v");
        vstores += occurrences(src, "vstore" + n + "((");
        ++cases;
        const std::vector<Buffer> in = buffers_for(prog);
        expect_same(run_on(opencl(), prog, in), run_interp(prog, in), src);
      }
  }
  EXPECT_EQ(vstores, cases);     // every store
  EXPECT_EQ(vloads, cases / 2);  // x's; not the column (one element), the transpose nor the padded columns
}

// Issue 9: llvm's ORC JIT and PoCL (which links the same LLVM 15) in one process, interleaved.
TEST(OpenClBackend, LlvmAndOpenClKernelsInOneProcess) {
  REQUIRE_DEVICE();
  const Backend* llvm = find_backend_named("llvm");
  if (!llvm) GTEST_SKIP() << "built without ANVIL_WITH_LLVM";
  for (int round = 0; round < 2; ++round)
    for (const std::vector<UOp>& prog : kernel_programs()) {
      const std::vector<Buffer> in = buffers_for(prog), want = run_interp(prog, in);
      expect_same(run_on(*llvm, prog, in), want, "llvm");
      expect_same(run_on(opencl(), prog, in), want, "opencl");
    }
}

// A device without cl_khr_fp64 cannot run float64 (or the double-based half emulation): compile
// raises anvil::Error naming the kernel, never a crash; float32 kernels still run.
TEST(OpenClBackend, ProgramNeedingMissingFp64RaisesError) {
  REQUIRE_DEVICE();
  UOp d = host(iota(8), {8}).cast(dtypes::float64);
  const std::vector<UOp> f64 = programs_of({bin(Op::ADD, d, d)}).front();
  opencl_pretend_no_fp64(true);
  try {
    opencl().compile(f64, opencl().render(f64, "k64"), "k64");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cl_khr_fp64"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("k64"), std::string::npos) << e.what();
  }
  UOp f = host(iota(8), {8});
  const std::vector<UOp> f32 = programs_of({bin(Op::ADD, f, f)}).front();
  const std::vector<Buffer> in = buffers_for(f32);
  expect_same(run_on(opencl(), f32, in), run_interp(f32, in), "float32 without fp64");
  opencl_pretend_no_fp64(false);
}

// PoCL keeps its builds under the kernel cache (set before the first OpenCL call, unless the user set it).
TEST(OpenClBackend, PoclCacheUnderKernelCache) {
  REQUIRE_DEVICE();
  const char* dir = std::getenv("POCL_CACHE_DIR");
  ASSERT_NE(dir, nullptr);
  EXPECT_EQ(std::filesystem::path(dir), kernel_cache_dir() / "pocl");
  EXPECT_TRUE(std::filesystem::is_directory(dir));
}

// Device residency (issue 9): kept buffers are copied in once and trusted while current; nothing else is.
int64_t upload_bytes() { return opencl_run_stats().upload_bytes; }

TEST(OpenClBackend, SumOfAKeptBufferCopiesItInOnce) {
  REQUIRE_DEVICE();
  residency_test::expect_sum_copies_x_in_once("opencl", &upload_bytes);
}

TEST(OpenClBackend, PoolBufferRewrittenByInterpIsCopiedInAgain) {
  REQUIRE_DEVICE();
  residency_test::expect_pool_reuse_by_a_host_backend_copies_in_again("opencl");
}

TEST(OpenClBackend, BufferCopyCarriesNoDeviceState) {
  REQUIRE_DEVICE();
  residency_test::expect_buffer_copy_has_no_device_state("opencl");
}

TEST(OpenClBackend, HandMadeBuffersAreCopiedInEveryRun) {
  REQUIRE_DEVICE();
  residency_test::expect_hand_made_buffers_copied_in_every_run(opencl(), &upload_bytes);
}

}  // namespace
}  // namespace anvil
