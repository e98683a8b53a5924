// What is particular to the cuda backend. Everywhere: it registers after opencl; without a driver, a
// device or NVRTC it is listed but unavailable with a reason that says which, and realizing on it
// raises anvil::Error instead of crashing; NVRTC (where installed, with or without a GPU) compiles with
// the backend's options (no contraction) and reports a bad kernel with its log. On a GPU: kernels run
// with buffers and vars copied to the device and back, real kernels give interp's values, and llvm, c
// and cuda kernels run in one process. Op x dtype conformance is backend_matrix_test.cpp's, built into
// this binary too (Compiled/BackendMatrix.*/cuda).
#include "engine/runtime/cuda/cuda_backend.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/codegen/linearize.h"
#include "engine/runtime/backend.h"
#include "engine/runtime/cuda/cuda_runtime.h"
#include "engine/runtime/cuda/render_cuda.h"
#include "engine/runtime/device_residency_test_util.h"
#include "engine/runtime/interp/program.h"
#include "engine/runtime/realize.h"
#include "engine/schedule/graph_test_util.h"
#include "engine/schedule/schedule.h"
#include "engine/support/check.h"
#include "engine/support/error.h"
#include "engine/tensor/storage.h"

namespace anvil {
namespace {

using namespace graph_test;

const Backend& cuda() {
  const Backend* b = find_backend_named("cuda");
  ANVIL_CHECK(b != nullptr) << "cuda is not registered";
  return *b;
}

bool available() { return cuda().unavailable().empty(); }

// Skips a test where this machine cannot run CUDA kernels (the backend then says why).
#define REQUIRE_DEVICE()                                                \
  do {                                                                  \
    if (!available()) GTEST_SKIP() << "cuda: " << cuda().unavailable(); \
  } while (0)

// Skips a test where NVRTC is not installed (it needs no driver or device).
#define REQUIRE_NVRTC()                                                              \
  do {                                                                               \
    if (!nvrtc_info().error.empty()) GTEST_SKIP() << "cuda: " << nvrtc_info().error; \
  } while (0)

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

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

std::vector<Buffer> run_on(const Backend& b, const std::vector<UOp>& prog, std::vector<Buffer> bufs,
                           const std::string& name = "k") {
  std::vector<Buffer*> ptrs;
  for (Buffer& x : bufs) ptrs.push_back(&x);
  b.compile(prog, b.render(prog, name), name)->run(ptrs, {});
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

// A hand-written kernel of the backend's ABI: b0[i] = b1[i] * vars[0] + vars[1] for i < vars[2], one
// thread per element. It checks the runtime (copies, vars, grid and block) apart from the renderer.
const char* const kAxpbSource = R"(
extern "C" __global__ void anvil_axpb(unsigned char* b0, unsigned char* b1, const long long* vars) {
  long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i < vars[2]) ((long long*)b0)[i] = ((const long long*)b1)[i] * vars[0] + vars[1];
}
)";

// a * b + c in float32: with contraction on, NVRTC would emit one fma.
const char* const kMulAddSource = R"(
float mul_add(float a, float b, float c) { return a * b + c; }
extern "C" __global__ void anvil_mul_add(unsigned char* b0, unsigned char* b1, const long long* vars) {
  const float* in = (const float*)b1;
  ((float*)b0)[threadIdx.x] = mul_add(in[0], in[1], in[2]);
}
)";

// The architecture NVRTC compiles the tests' kernels for without a device: an H100's, or what NVRTC
// offers nearest below it.
std::string test_arch() { return cuda_arch_for(90, nvrtc_info().archs); }

// ---- everywhere ----

TEST(CudaBackend, RegisteredLastAfterOpenClAndLlvm) {
  const auto all = all_backends();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back()->name, "cuda");  // the explicit registry's last line
  for (const char* before : {"interp", "c", "llvm", "opencl"})
    if (const Backend* b = find_backend_named(before))
      EXPECT_LT(std::find(all.begin(), all.end(), b), std::find(all.begin(), all.end(), &cuda())) << before;
  EXPECT_FALSE(cuda().compiler_id().empty());
}

// The reason names what is missing, checked apart from the backend: a machine where libcuda.so.1
// does not load has no NVIDIA driver, whatever else it has.
TEST(CudaBackend, UnavailableWithoutTheDriverAndSaysSo) {
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (driver) {
    dlclose(driver);
    GTEST_SKIP() << "this machine has libcuda.so.1";
  }
  const std::string why = cuda().unavailable();
  EXPECT_TRUE(contains(why, "no libcuda.so.1: no NVIDIA driver")) << why;
  EXPECT_TRUE(contains(cuda().compiler_id(), "unavailable")) << cuda().compiler_id();
  EXPECT_EQ(cuda_device_info().device, "");
}

// Listed always (built in), installed for the Tensor API only where usable.
TEST(CudaBackend, ListedButInstalledOnlyWhereUsable) {
  ASSERT_NE(find_backend_named("cuda"), nullptr);
  const std::vector<std::string> installed = install_backends();
  EXPECT_EQ(std::find(installed.begin(), installed.end(), "cuda") != installed.end(), available())
      << cuda().unavailable();
}

// Realizing on an unavailable backend is an anvil::Error naming cuda, never a crash; compiling says why.
TEST(CudaBackend, RealizeWithoutADeviceRaisesError) {
  if (available()) GTEST_SKIP() << "cuda is usable here";
  UOp a = host(iota(8), {8});
  EXPECT_THROW(realize_graph_on(cuda(), bin(Op::ADD, a, a), {}), Error);
  const std::vector<UOp> prog = programs_of({bin(Op::ADD, a, a)}).front();
  try {
    cuda().compile(prog, "", "k");
    ADD_FAILURE() << "compile without a device raised nothing";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "cuda")) << e.what();
    EXPECT_TRUE(contains(e.what(), cuda().unavailable())) << e.what();
  }
  EXPECT_THROW(cuda_build(kAxpbSource, "anvil_axpb"), Error);
}

TEST(CudaBackend, ArchitectureIsTheDevicesCubinElsePtxBelowIt) {
  const std::vector<int> nvrtc13 = {75, 80, 86, 87, 89, 90, 100, 120};
  EXPECT_EQ(cuda_arch_for(90, nvrtc13), "sm_90");
  EXPECT_EQ(cuda_arch_for(88, nvrtc13), "compute_87");  // a device newer than this NVRTC knows: PTX
  EXPECT_EQ(cuda_arch_for(130, nvrtc13), "compute_120");
  EXPECT_EQ(cuda_arch_for(70, nvrtc13), "");       // older than NVRTC supports
  EXPECT_EQ(cuda_arch_for(86, {}), "compute_86");  // an NVRTC that cannot list its targets: PTX
}

// Run as test_runtime_cuda_no_nvrtc (ANVIL_NVRTC_PATH names no file): the override is the only place
// looked, and its absence is a reason, never a crash.
TEST(CudaUnavailable, MissingNvrtcIsAReason) {
  const char* forced = std::getenv("ANVIL_NVRTC_PATH");
  if (!forced || std::strstr(forced, "nonexistent") == nullptr)
    GTEST_SKIP() << "run with ANVIL_NVRTC_PATH=/nonexistent/... (ctest: test_runtime_cuda_no_nvrtc)";
  EXPECT_TRUE(contains(nvrtc_info().error, "no libnvrtc")) << nvrtc_info().error;
  EXPECT_TRUE(contains(nvrtc_info().error, forced)) << nvrtc_info().error;
  EXPECT_FALSE(cuda().unavailable().empty());
  EXPECT_THROW(nvrtc_compile(kAxpbSource, "sm_90", "anvil_axpb"), Error);
  UOp a = host(iota(8), {8});
  EXPECT_THROW(realize_graph_on(cuda(), bin(Op::ADD, a, a), {}), Error);
}

// ---- where NVRTC is installed (no GPU needed) ----

TEST(CudaNvrtc, CompilesACubinOrPtx) {
  REQUIRE_NVRTC();
  const std::string arch = test_arch();
  ASSERT_FALSE(arch.empty()) << "NVRTC " << nvrtc_info().major << "." << nvrtc_info().minor;
  const NvrtcImage cubin = nvrtc_compile(kAxpbSource, arch, "anvil_axpb");
  if (arch.rfind("sm_", 0) == 0) {
    EXPECT_TRUE(cubin.cubin);
    EXPECT_EQ(cubin.bytes.substr(0, 4),
              "\x7f"
              "ELF");
  }
  const NvrtcImage ptx = nvrtc_compile(kAxpbSource, "compute_" + arch.substr(arch.find('_') + 1), "anvil_axpb");
  EXPECT_FALSE(ptx.cubin);
  EXPECT_TRUE(contains(ptx.bytes, ".entry anvil_axpb")) << ptx.bytes;
  EXPECT_EQ(ptx.bytes.back(), '\0');  // cuModuleLoadData reads PTX as a C string
}

// --fmad=false: a * b + c stays a rounded multiply and a rounded add (the c backend's values), even in
// a helper that -default-device made a device function.
TEST(CudaNvrtc, NoContraction) {
  REQUIRE_NVRTC();
  const std::string arch = test_arch();
  const NvrtcImage ptx = nvrtc_compile(kMulAddSource, "compute_" + arch.substr(arch.find('_') + 1), "anvil_mul_add");
  EXPECT_TRUE(contains(ptx.bytes, "mul.rn.f32")) << ptx.bytes;
  EXPECT_TRUE(contains(ptx.bytes, "add.rn.f32")) << ptx.bytes;
  EXPECT_FALSE(contains(ptx.bytes, "fma.rn.f32")) << ptx.bytes;
  for (const char* option : {"--fmad=false", "-default-device", "--prec-div=true", "--ftz=false"})
    EXPECT_NE(std::find(nvrtc_options().begin(), nvrtc_options().end(), option), nvrtc_options().end()) << option;
}

TEST(CudaNvrtc, CompileErrorRaisesErrorWithTheLog) {
  REQUIRE_NVRTC();
  const std::string bad =
      "extern \"C\" __global__ void anvil_bad(unsigned char* b0, const long long* vars) {\n"
      "  b0[0] = undefined_thing;\n}\n";
  try {
    nvrtc_compile(bad, test_arch(), "anvil_bad");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_TRUE(contains(what, "anvil_bad")) << what;
    EXPECT_TRUE(contains(what, "undefined_thing")) << what;  // NVRTC's log names the identifier
    EXPECT_TRUE(contains(what, "error")) << what;
  }
}

// The renderer's kernels compile with NVRTC here, before any GPU sees them.
TEST(CudaNvrtc, RenderedKernelsCompile) {
  REQUIRE_NVRTC();
  for (const std::vector<UOp>& prog : kernel_programs()) {
    std::string src;
    try {
      src = cuda().render(prog, "k");
    } catch (const Error& e) {
      if (contains(e.what(), "stub")) GTEST_SKIP() << e.what();  // the runtime helper's placeholder renderer
      throw;
    }
    EXPECT_TRUE(contains(src, "anvil_k")) << src;
    EXPECT_NO_THROW(nvrtc_compile(src, test_arch(), "anvil_k")) << src;
  }
}

// ---- on a GPU ----

TEST(CudaDevice, FindsADeviceAndNamesItInTheCompilerId) {
  REQUIRE_DEVICE();
  const CudaDeviceInfo& info = cuda_device_info();
  EXPECT_FALSE(info.device.empty());
  EXPECT_GT(info.major, 0);
  EXPECT_GT(info.driver_version, 0);
  EXPECT_FALSE(info.arch.empty());
  // What the one-wave grid is sized by (cuda_wave_blocks).
  EXPECT_GT(info.sms, 0);
  EXPECT_GE(info.threads_per_sm, 1024);
  EXPECT_GT(info.blocks_per_sm, 0);
  if (const char* forced = std::getenv("ANVIL_CUDA_ARCH")) EXPECT_EQ(info.arch, forced);
  const std::string id = cuda().compiler_id();
  for (const std::string& part : {info.device, info.arch, std::string("--fmad=false")})
    EXPECT_TRUE(contains(id, part)) << id << " lacks " << part;
}

// The runtime alone: buffers and vars reach the device, grid x block threads run, stored slots come back
// and the others are left alone; a second build of the same text is the cached kernel.
TEST(CudaDevice, HandWrittenKernelSeesBuffersAndVars) {
  REQUIRE_DEVICE();
  const int64_t n = 1000;
  Buffer out(dtypes::int64, n), in(dtypes::int64, n);
  for (int64_t i = 0; i < n; ++i) in.set(i, Value::of_int(i - 7));
  Buffer* slots[] = {&out, &in};
  std::shared_ptr<CudaKernel> k = cuda_build(kAxpbSource, "anvil_axpb");
  k->run(slots, 2, {3, 5, n - 1}, 8, 128, {0});
  for (int64_t i = 0; i < n - 1; ++i) ASSERT_EQ(out.get(i).i, (i - 7) * 3 + 5) << i;
  EXPECT_EQ(out.get(n - 1).i, 0);  // past vars[2]: the host's zero, copied there and back
  EXPECT_EQ(in.get(0).i, -7);
  k->run(slots, 2, {1, 0, n}, 0, 128, {0});  // no blocks: nothing runs, the copy back is the same data
  EXPECT_EQ(out.get(0).i, -16);
  EXPECT_EQ(cuda_build(kAxpbSource, "anvil_axpb"), k);
}

TEST(CudaDevice, KernelCompileErrorRaisesErrorWithTheLog) {
  REQUIRE_DEVICE();
  try {
    cuda_build("extern \"C\" __global__ void anvil_bad(const long long* vars) { undefined_thing(); }", "anvil_bad");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "undefined_thing")) << e.what();
  }
  // A kernel the module does not have: the driver's error, as an Error.
  EXPECT_THROW(cuda_build(kAxpbSource, "anvil_not_there"), Error);
}

TEST(CudaDevice, RealKernelsGiveInterpsValues) {
  REQUIRE_DEVICE();
  const CudaBuildStats before = cuda_build_stats();
  for (const std::vector<UOp>& prog : kernel_programs()) {
    const std::vector<Buffer> in = buffers_for(prog);
    expect_same(run_on(cuda(), prog, in), run_interp(prog, in), cuda().render(prog, "k"));
  }
  EXPECT_GT(cuda_build_stats().builds, before.builds);
  EXPECT_GT(cuda_build_stats().seconds, before.seconds);
}

// An entry point named like a CUDA keyword or builtin still builds: the kernel is anvil_NAME.
TEST(CudaDevice, EntryNamesThatAreCudaWordsBuild) {
  REQUIRE_DEVICE();
  const std::vector<UOp> prog = kernel_programs().front();
  const std::vector<Buffer> want = run_interp(prog, buffers_for(prog));
  for (const std::string name : {"kernel", "__global__", "sin", "anvil_kernel", "threadIdx"})
    expect_same(run_on(cuda(), prog, buffers_for(prog), name), want, name);
}

// Issue 9: llvm's ORC JIT, c's dlopened kernels and the CUDA driver in one process, interleaved.
TEST(CudaDevice, HostBackendsAndCudaInOneProcess) {
  REQUIRE_DEVICE();
  std::vector<const Backend*> hosts;
  for (const char* name : {"c", "llvm"})
    if (const Backend* b = find_backend_named(name); b && b->unavailable().empty()) hosts.push_back(b);
  if (hosts.empty()) GTEST_SKIP() << "neither c nor llvm is usable here";
  for (int round = 0; round < 2; ++round)
    for (const std::vector<UOp>& prog : kernel_programs()) {
      const std::vector<Buffer> in = buffers_for(prog), want = run_interp(prog, in);
      for (const Backend* h : hosts) expect_same(run_on(*h, prog, in), want, std::string(h->name));
      expect_same(run_on(cuda(), prog, in), want, "cuda");
    }
}

std::vector<float> values_of(UOp realized) {
  while (realized.op() == Op::RESHAPE) realized = UOp(realized.src(0));
  std::shared_ptr<Buffer> b = storage_of(realized.arg_ints()[0]);
  EXPECT_TRUE(b);
  return b ? b->to<float>() : std::vector<float>{};
}

// Through realize, as ANVIL_BACKEND=cuda would: the same values as interp (exp2 within 1e-6).
TEST(CudaDevice, RealizeOnCudaMatchesInterp) {
  REQUIRE_DEVICE();
  UOp m = host(iota(12), {3, 4});
  const std::vector<float> want = values_of(realize_graph(softmax(m)));
  const std::vector<float> got = values_of(realize_graph_on(cuda(), softmax(m), {}));
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6f) << i;
}

// Device residency (issue 9): kept buffers are copied in once and trusted while current; nothing else is.
int64_t upload_bytes() { return cuda_run_stats().upload_bytes; }

TEST(CudaDevice, SumOfAKeptBufferCopiesItInOnce) {
  REQUIRE_DEVICE();
  residency_test::expect_sum_copies_x_in_once("cuda", &upload_bytes);
}

TEST(CudaDevice, PoolBufferRewrittenByInterpIsCopiedInAgain) {
  REQUIRE_DEVICE();
  residency_test::expect_pool_reuse_by_a_host_backend_copies_in_again("cuda");
}

TEST(CudaDevice, BufferCopyCarriesNoDeviceState) {
  REQUIRE_DEVICE();
  residency_test::expect_buffer_copy_has_no_device_state("cuda");
}

TEST(CudaDevice, HandMadeBuffersAreCopiedInEveryRun) {
  REQUIRE_DEVICE();
  residency_test::expect_hand_made_buffers_copied_in_every_run(cuda(), &upload_bytes);
}

}  // namespace
}  // namespace anvil
