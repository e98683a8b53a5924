// The C-family renderer's dialects (render_c_family.h) where the backends' own tests do not reach:
// the cuda dialect, which cannot run here. Every backend-matrix program is rendered as CUDA and
// compiled by nvcc when this machine has it (the text NVRTC gets on a GPU machine); its launch rule
// and ABI are checked as text. c's and opencl's texts are pinned by golden/ and run by their tests.
#include "engine/runtime/c/render_c_family.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/codegen/linearize.h"
#include "engine/codegen/opt.h"
#include "engine/runtime/backend_matrix_cases.h"
#include "engine/runtime/cuda/render_cuda.h"
#include "engine/schedule/graph_test_util.h"
#include "engine/schedule/schedule.h"

namespace anvil {
namespace {

namespace fs = std::filesystem;
using namespace graph_test;

const char* const kNvcc = "/usr/local/cuda/bin/nvcc";

std::vector<UOp> program_of(const UOp& graph) {
  const std::vector<Kernel> ks = schedule({graph});
  EXPECT_EQ(ks.size(), 1u);
  return linearize(ks.front().ast);
}

// Every program of backend_matrix_test.cpp, named.
std::vector<std::pair<std::string, std::vector<UOp>>> matrix_programs() {
  std::vector<std::pair<std::string, std::vector<UOp>>> out;
  for (Scalar s : matrix::all_scalars()) {
    out.emplace_back("alu_" + std::string(name(s)), matrix::alu_case(s).program);
    out.emplace_back("cast_" + std::string(name(s)), matrix::cast_case(s).program);
  }
  for (const matrix::StructureCase& c : matrix::structure_cases()) out.emplace_back(c.name, c.program);
  return out;
}

// nvcc's exit status on `source` (its messages in `log`), compiled as NVRTC will: device code
// only, for sm_90, no contraction. Warning 177 (a static function never called) is the macro-made
// helpers a kernel does not use.
int nvcc(const std::string& source, std::string& log, const std::string& arch = "sm_90") {
  const fs::path dir = fs::temp_directory_path() / ("anvil-render-cuda-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "k.cu") << source;
  const std::string cmd = std::string(kNvcc) + " -x cu --cubin -arch=" + arch + " --fmad=false -diag-suppress 177 -o " +
                          (dir / "k.cubin").string() + " " + (dir / "k.cu").string() + " > " + (dir / "log").string() +
                          " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(dir / "log");
  std::ostringstream s;
  s << in.rdbuf();
  log = s.str();
  fs::remove_all(dir);
  return rc;
}

// Every backend-matrix program (every ALU op and cast on every dtype, loops, reductions, gated
// loads, IF, DEFINE_VAR, vectors) renders to CUDA that nvcc compiles. One translation unit, each
// kernel's text in a namespace of its own (their helpers are static and would clash), so nvcc
// starts once.
TEST(RenderCuda, EveryBackendMatrixProgramCompilesWithNvcc) {
  if (access(kNvcc, X_OK) != 0) GTEST_SKIP() << "no " << kNvcc;
  std::string unit;
  size_t k = 0;
  for (const auto& [label, program] : matrix_programs()) {
    const std::string text = render_cuda(program, "k" + std::to_string(k));
    unit += "// " + label + "\nnamespace case" + std::to_string(k++) + " {\n" + text + "}\n";
  }
  std::string log;
  EXPECT_EQ(nvcc(unit, log), 0) << log.substr(0, 20000);
  EXPECT_EQ(log.find("warning"), std::string::npos) << log.substr(0, 20000);
  EXPECT_EQ(nvcc(unit, log, "sm_75"), 0) << log.substr(0, 20000);  // tc tiles' fallback: no mma.sync there
  EXPECT_EQ(log.find("warning"), std::string::npos) << log.substr(0, 20000);
}

// The ABI render_cuda.h promises: extern "C", anvil_ prefix, one byte pointer per slot, then vars.
TEST(RenderCuda, KernelHasTheDocumentedAbi) {
  UOp a = host(iota(6), {6}), b = host(iota(6), {6});
  const std::vector<UOp> prog = program_of(bin(Op::ADD, a, b));
  const std::string text = render_cuda(prog, "add");
  EXPECT_NE(text.find("extern \"C\" __global__ void anvil_add(unsigned char* b0, unsigned char* b1, unsigned char* "
                      "b2, const long long* vars) {"),
            std::string::npos)
      << text;
  EXPECT_EQ(cuda_entry_name("anvil_add"), "anvil_add");
  EXPECT_EQ(render_cuda(prog, "anvil_add"), text);
  EXPECT_EQ(text.find("#include"), std::string::npos) << "NVRTC has no host headers";
}

// An elementwise kernel's outer loop is the grid, blocks of 256 (or the whole extent when smaller),
// guarded; a full reduction (accumulator before the loop, store after it) runs in one thread.
TEST(RenderCuda, OuterOutputLoopBecomesThreads) {
  UOp small = host(iota(24), {6, 4});
  const CudaLaunch e = cuda_launch(program_of(bin(Op::MUL, small, small)));
  EXPECT_TRUE(e.parallel);
  EXPECT_EQ(e.num_slots, 2);
  EXPECT_GT(e.block, 1);
  EXPECT_LE(e.block, 256);
  EXPECT_EQ(e.grid, 1);

  UOp big = host(iota(1000), {1000});
  const std::vector<UOp> prog = program_of(bin(Op::MUL, big, big));
  const CudaLaunch l = cuda_launch(prog);
  ASSERT_TRUE(l.parallel);
  const int64_t extent = find_thread_loop(prog).extent;
  EXPECT_EQ(l.block, std::min<int64_t>(256, extent));
  EXPECT_EQ(l.grid, (extent + l.block - 1) / l.block);
  EXPECT_GE(l.grid * l.block, extent);
  const std::string text = render_cuda(prog, "k");
  EXPECT_NE(text.find("blockIdx.x * blockDim.x + threadIdx.x); "), std::string::npos) << text;
  EXPECT_NE(text.find(" < (long long)" + std::to_string(extent) + ";"), std::string::npos) << "the guard idx < extent\n"
                                                                                           << text;

  const std::vector<UOp> full = program_of(sum(small, {0, 1}));
  const CudaLaunch f = cuda_launch(full);
  EXPECT_FALSE(f.parallel);
  EXPECT_EQ(f.grid, 1);
  EXPECT_EQ(f.block, 1);
  EXPECT_EQ(render_cuda(full, "k").find("threadIdx"), std::string::npos);
}

// Kernels with a GPU's actions (opt.h), as the cuda backend gets them.
std::vector<UOp> gpu_program(const UOp& graph, size_t kernel = 0) {
  const std::vector<Kernel> ks = schedule({graph});
  EXPECT_LT(kernel, ks.size());
  const UOp& ast = ks[std::min(kernel, ks.size() - 1)].ast;
  return linearize(apply_opts(ast, choose_opts(ast, OptTarget{1, false, true})));
}

// A matmul's output loops (a 4 x 4 register tile each) are one flat index, columns varying fastest
// (a sum of 30 is no tc action's: it steps by 16).
TEST(RenderCuda, OutputLoopNestIsOneFlatIndex) {
  const std::vector<UOp> prog = gpu_program(matmul(host(iota(256 * 30), {256, 30}), host(iota(30 * 512), {30, 512})));
  const ThreadLoop t = find_thread_loop(prog);
  ASSERT_TRUE(t.parallel);
  EXPECT_FALSE(t.blocks);
  ASSERT_EQ(t.nest.size(), 2u);
  EXPECT_EQ(t.sizes, (std::vector<int64_t>{64, 128}));
  EXPECT_EQ(t.extent, 64 * 128);
  const CudaLaunch l = cuda_launch(prog);
  EXPECT_EQ(l.block, 256);
  EXPECT_EQ(l.block * l.grid, 64 * 128);
  const std::string text = render_cuda(prog, "k");
  EXPECT_NE(text.find("(thread_iter / 128)"), std::string::npos) << text;
  EXPECT_NE(text.find("(thread_iter % 128)"), std::string::npos) << text;
}

// A grouped reduction: a block per output row, its threads the lanes (block-strided), partial
// results in shared memory, a barrier before the combine, which thread 0 runs and shares through
// shared memory, thread 0's store, and a barrier before the block's next row. A full reduction is one block.
TEST(RenderCuda, GroupedReductionIsABlockPerOutput) {
  const UOp rows = host(iota(8 * 1024), {8, 1024});
  const std::vector<UOp> prog = gpu_program(sum(rows, {1}));
  const ThreadLoop t = find_thread_loop(prog);
  ASSERT_TRUE(t.blocks);
  EXPECT_EQ(t.lanes, 32);  // 1024 a row: 32 lanes of 32 (opt.h's heuristic)
  EXPECT_EQ(t.extent, 8);
  const CudaLaunch l = cuda_launch(prog);
  EXPECT_TRUE(l.blocks);
  EXPECT_EQ(l.block, 32);
  EXPECT_EQ(l.grid, 8);
  const std::string text = render_cuda(prog, "k");
  for (const char* piece : {"__shared__ float ", "for (long long block_iter = (long long)(blockIdx.x); ",
                            " = (int64_t)(threadIdx.x); ", " += (int64_t)(blockDim.x)) {", "__syncthreads();",
                            "if (threadIdx.x == 0) v", "if (threadIdx.x == 0) {", "_all = ", "[0] = v"})
    EXPECT_NE(text.find(piece), std::string::npos) << piece << "\n" << text;
  const size_t barrier = text.find("__syncthreads();");
  EXPECT_NE(text.find("__syncthreads();", barrier + 1), std::string::npos) << "a barrier ends each row\n" << text;

  const std::vector<UOp> full = gpu_program(sum(rows, {0, 1}));
  const CudaLaunch f = cuda_launch(full);
  EXPECT_TRUE(f.blocks);
  EXPECT_EQ(f.grid, 1);
  EXPECT_EQ(f.block, 32);  // the innermost reduce loop (1024) is grouped: 32 lanes
}

// A host buffer of `dt` (zeros: rendering never reads it) and its float32 value, as a half matmul's operand.
UOp widened_half(DType dt, const Shape& shape) {
  const int64_t uid = new_buffer_uid(), n = shape_numel(shape);
  register_storage(uid, std::make_shared<Buffer>(dt, static_cast<size_t>(n)));
  const UOp b = UOp::make(Op::BUFFER, dt, {}, std::vector<int64_t>{uid, n});
  return UOp::make(Op::CAST, dtypes::float32, {UOp::make(Op::RESHAPE, dt, {b}, shape)});
}

// A float16 contraction (64 x 32 @ 32 x 48, stored as float16): the heuristic's tc action makes
// 4 x 3 tiles of 16 x 16, each a warp's; its sum steps by 16 through mma.sync, two m16n8k16 each;
// each thread stores its 8 elements. Without tensor cores (opencl) the tiles are ordinary loops.
// A float16 contraction whose A is a slice of rows of 40 from column 1 (64 x 32 @ 32 x 64).
UOp unaligned_halves() {
  return matmul(shrink(widened_half(dtypes::float16, {64, 40}), {0, 64, 1, 33}),
                widened_half(dtypes::float16, {32, 64}));
}

TEST(RenderCuda, TensorCoreTileIsAWarpOfMma) {
  const UOp mm = UOp::make(Op::CAST, dtypes::float16,
                           {matmul(widened_half(dtypes::float16, {64, 32}), widened_half(dtypes::float16, {32, 48}))});
  const std::vector<UOp> prog = gpu_program(mm);
  const ThreadLoop t = find_thread_loop(prog, true);
  ASSERT_TRUE(t.warps);
  EXPECT_FALSE(t.blocks);
  EXPECT_EQ(t.extent, 4 * 3);
  EXPECT_NE(t.tile.k_outer, 0u);  // 32 = 2 steps of 16
  const CudaLaunch l = cuda_launch(prog);
  EXPECT_EQ(l.block, 128);
  EXPECT_EQ(l.grid, 3);
  const std::string text = render_cuda(prog, "k");
  for (const char* piece : {"warp_iter = (long long)(((long long)blockIdx.x * blockDim.x + threadIdx.x) / 32)",
                            "mma_lane = (int64_t)(threadIdx.x % 32)", "#if __CUDA_ARCH__ >= 800",
                            "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", "#else", "anvil_d2hbits("})
    EXPECT_NE(text.find(piece), std::string::npos) << piece << "\n" << text;
  EXPECT_EQ(text.find("thread_iter"), std::string::npos) << text;
  // A's pairs along the sum are adjacent (row-major): one 32-bit load each; B's are a row apart.
  EXPECT_NE(text.find("mma_a[mma_i][0] = *(const uint32_t*)&"), std::string::npos) << text;
  EXPECT_NE(text.find("mma_b[mma_j][0][0] = ((uint32_t)"), std::string::npos) << text;
  EXPECT_FALSE(find_thread_loop(prog).warps);  // opencl's rule: ordinary loops

  const UOp bf = matmul(widened_half(dtypes::bfloat16, {16, 64}), widened_half(dtypes::bfloat16, {64, 16}));
  const CudaLaunch one = cuda_launch(gpu_program(bf));  // a single tile: one warp
  EXPECT_EQ(one.block, 32);
  EXPECT_EQ(one.grid, 1);
  const std::string bf_text = render_cuda(gpu_program(bf), "k");
  EXPECT_NE(bf_text.find("m16n8k16.row.col.f32.bf16.bf16.f32"), std::string::npos) << bf_text;
  // float32 operands: 3xTF32 (a high and a low tf32 part of each, three m16n8k8 products per pair).
  const std::string f32_text =
      render_cuda(gpu_program(matmul(host(iota(64 * 32), {64, 32}), host(iota(32 * 48), {32, 48}))), "k");
  for (const char* piece : {"auto mma_split = [](float x, uint32_t& hi, uint32_t& lo)",
                            "m16n8k8.row.col.f32.tf32.tf32.f32", "\"r\"(mma_al[mma_i][0])", "\"r\"(mma_bl[mma_h][0])"})
    EXPECT_NE(f32_text.find(piece), std::string::npos) << piece << "\n" << f32_text;
  EXPECT_FALSE(find_thread_loop(gpu_program(matmul(host(iota(64 * 32), {64, 32}), host(iota(32 * 48), {32, 48}))), true)
                   .tile.staged);  // 3 tile columns: no pairs of warps along them
  // 4 x 4 tiles (of 32 x 32) of float32: blocks of 2 x 2 warps, staged through shared memory. A steps
  // by one along the sum (a row of 20 words a tile row), B along its columns (a row of 2 x 32 + 8
  // words a step).
  const std::vector<UOp> staged_prog =
      gpu_program(matmul(host(iota(128 * 32), {128, 32}), host(iota(32 * 128), {32, 128})));
  const ThreadLoop st = find_thread_loop(staged_prog, true);
  ASSERT_TRUE(st.warps && st.tile.staged);
  EXPECT_EQ(st.sizes, (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(st.tile.wm, 2);
  EXPECT_EQ(st.tile.share_m, 0u);
  EXPECT_EQ(st.tile.share_n, 1u);
  const CudaLaunch sl = cuda_launch(staged_prog);
  EXPECT_EQ(sl.block, 128);
  EXPECT_EQ(sl.grid, 4);
  const std::string staged = render_cuda(staged_prog, "k");
  for (const char* piece :
       {"for (long long block_iter = (long long)(blockIdx.x); block_iter < (long long)4; block_iter += "
        "(long long)(gridDim.x)) {",
        "warp_iter = 0 + (2 * (block_iter / 1 % 2) + mma_wid % 2) * 1 + (2 * (block_iter / 2 % 2) + mma_wid / 2) * 4;",
        "__shared__ uint32_t mma_sah[1280], mma_sal[1280];", "__shared__ uint32_t mma_sbh[1152], mma_sbl[1152];",
        "mma_sah[(mma_r) * 20 + mma_k] = mma_h;", "mma_sbh[(mma_k) * 72 + mma_r] = mma_h;",
        "mma_ah[mma_i][0] = mma_sah[((mma_wid / 2 * 32 + (16 * mma_i + mma_g))) * 20 + (mma_kk + mma_lane % 4)];",
        "__syncthreads();"})
    EXPECT_NE(staged.find(piece), std::string::npos) << piece << "\n" << staged;
  // Halves staged: 16-bit elements, a pair along the sum one word where A steps by one along it, two
  // halves put together for B.
  const std::string staged_half = render_cuda(
      gpu_program(matmul(widened_half(dtypes::float16, {64, 32}), widened_half(dtypes::float16, {32, 64}))), "k");
  for (const char* piece : {"__shared__ __align__(16) uint16_t mma_sa[", "*(uint4*)&mma_sa[(mma_r) * 24 + mma_k] = *(",
                            "mma_a[mma_i][0] = *(const uint32_t*)&mma_sa[", "mma_b[mma_j][0][0] = ((uint32_t)mma_sb[",
                            "m16n8k16.row.col.f32.f16.f16.f32"})
    EXPECT_NE(staged_half.find(piece), std::string::npos) << piece << "\n" << staged_half;
  // Halves in rows of 40, A a slice of them from column 1: not 16-byte aligned, so A is staged one
  // element a thread (B still 8).
  const std::string unaligned = render_cuda(gpu_program(unaligned_halves()), "k");
  EXPECT_NE(unaligned.find("  mma_sa[(mma_r) * 24 + mma_k] = v"), std::string::npos) << unaligned;
  EXPECT_NE(unaligned.find("*(uint4*)&mma_sb[(mma_k) * 72 + mma_r] = *("), std::string::npos) << unaligned;
  // A sum of 30 does not step by 16: a register tile, as before.
  EXPECT_FALSE(
      find_thread_loop(gpu_program(matmul(host(iota(64 * 30), {64, 30}), host(iota(30 * 48), {30, 48}))), true).warps);
}

// A launch's grid is capped at one wave of resident blocks (the kernels' loops stride over the rest).
TEST(RenderCuda, OneWaveOfResidentBlocks) {
  EXPECT_EQ(cuda_wave_blocks(256, 132, 2048, 32), 132 * 8);  // an H100, blocks of 256: the thread limit
  EXPECT_EQ(cuda_wave_blocks(32, 132, 2048, 32), 132 * 32);  // small blocks: the block limit
  EXPECT_EQ(cuda_wave_blocks(1024, 132, 2048, 32), 132 * 2);
  EXPECT_EQ(cuda_wave_blocks(256, 0, 0, 0), 0);         // the device did not say: no cap
  EXPECT_EQ(cuda_wave_blocks(4096, 132, 2048, 32), 0);  // a block no SM holds
}

// The GPU actions' programs compile with nvcc, as NVRTC will build them.
TEST(RenderCuda, GpuActionProgramsCompileWithNvcc) {
  if (access(kNvcc, X_OK) != 0) GTEST_SKIP() << "no " << kNvcc;
  const UOp rows = host(iota(8 * 1024), {8, 1024}), m = host(iota(64 * 48), {64, 48}),
            w = host(iota(48 * 32), {48, 32});
  std::string unit;
  size_t k = 0;
  const UOp half_mm =
      UOp::make(Op::CAST, dtypes::float16,
                {bin(Op::MAX, matmul(widened_half(dtypes::float16, {32, 48}), widened_half(dtypes::float16, {48, 32})),
                     full(0, {32, 32}))});
  const UOp bf_mm = matmul(widened_half(dtypes::bfloat16, {16, 16}), widened_half(dtypes::bfloat16, {16, 64}));
  const UOp staged_mm =
      matmul(host(iota(128 * 32), {128, 32}), host(iota(32 * 128), {32, 128}));  // 2 x 2 warps a block
  const UOp staged_half = matmul(widened_half(dtypes::bfloat16, {64, 32}), widened_half(dtypes::bfloat16, {32, 64}));
  for (const UOp& g : {sum(rows, {1}), max(rows, {1}), sum(rows, {0, 1}), softmax(rows), matmul(m, w),
                       reduce(Op::ADD, UOp::make(Op::CAST, dtypes::int32, {rows}), {1}), half_mm, bf_mm, staged_mm,
                       staged_half, unaligned_halves()})
    for (size_t i = 0; i < schedule({g}).size(); ++i, ++k) {
      const std::string n = std::to_string(k);
      unit += "namespace case" + n + " {\n" + render_cuda(gpu_program(g, i), "k" + n) + "}\n";
    }
  std::string log;
  EXPECT_EQ(nvcc(unit, log), 0) << log.substr(0, 20000);
  EXPECT_EQ(log.find("warning"), std::string::npos) << log.substr(0, 20000);
  EXPECT_EQ(nvcc(unit, log, "sm_75"), 0) << log.substr(0, 20000);  // tc tiles' fallback: no mma.sync there
  EXPECT_EQ(log.find("warning"), std::string::npos) << log.substr(0, 20000);
}

// The program of `graph` (one kernel) with its innermost output loop vectorized by `k`.
std::vector<UOp> vectorized_program(const UOp& graph, int64_t k) {
  const std::vector<Kernel> ks = schedule({graph});
  EXPECT_EQ(ks.size(), 1u);
  const std::vector<KernelAxis> axes = kernel_axes(ks.front().ast);
  int64_t inner = 0;
  for (const KernelAxis& a : axes)
    if (!a.reduce) inner = a.id;
  return linearize(apply_opt(ks.front().ast, {OptKind::Vectorize, inner, k}));
}

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A K-lane access of consecutive elements is one float4 (int4, ushort4...) access where its element
// offset is a multiple of the vector's lanes, two for 8 lanes; lane by lane where it may not be
// (rows of 17), where it is gated, and where no CUDA vector type fits.
TEST(RenderCuda, ConsecutiveLanesAreAlignedVectorAccesses) {
  const UOp x = host(iota(6 * 16), {6, 16});
  const std::string four = render_cuda(vectorized_program(bin(Op::ADD, x, x), 4), "k");
  EXPECT_EQ(occurrences(four, "*(const float4*)(v"), 1u) << four;  // x + x loads x once
  EXPECT_EQ(occurrences(four, "*(float4*)(v"), 1u) << four;
  EXPECT_NE(four.find(".w"), std::string::npos) << four;
  const std::string eight = render_cuda(vectorized_program(bin(Op::ADD, x, x), 8), "k");
  EXPECT_EQ(occurrences(eight, "*(const float4*)(v"), 2u) << eight;
  EXPECT_EQ(occurrences(eight, "= make_float4("), 2u) << eight;
  const std::string two = render_cuda(vectorized_program(bin(Op::ADD, x, x), 2), "k");
  EXPECT_EQ(occurrences(two, "*(const float2*)(v"), 1u) << two;

  const UOp odd = shrink(host(iota(6 * 17), {6, 17}), {0, 6, 0, 16});  // element offset 17 * row + col
  const std::string unaligned = render_cuda(vectorized_program(bin(Op::ADD, odd, x), 4), "k");
  EXPECT_EQ(occurrences(unaligned, "*(const float4*)(v"), 1u) << unaligned;  // x's; odd's goes lane by lane
  EXPECT_EQ(occurrences(unaligned, "*(float4*)(v"), 1u) << unaligned;
  const std::string gated = render_cuda(vectorized_program(pad(host(iota(4 * 16), {4, 16}), {1, 1, 0, 0}), 4), "k");
  EXPECT_EQ(occurrences(gated, "*(const float4*)(v"), 0u) << gated;  // a gated load
  EXPECT_EQ(occurrences(gated, "*(float4*)(v"), 1u) << gated;

  const UOp ints = UOp::make(Op::CAST, dtypes::int32, {x}), halves = UOp::make(Op::CAST, dtypes::float16, {x});
  EXPECT_EQ(occurrences(render_cuda(vectorized_program(ints, 4), "k"), "= make_int4("), 1u);
  const std::string h = render_cuda(vectorized_program(halves, 4), "k");
  EXPECT_EQ(occurrences(h, "*(ushort4*)(v"), 1u) << h;  // float16 stored as 16-bit integers
  EXPECT_NE(h.find("anvil_d2hbits("), std::string::npos) << h;
}

// The vectorized programs of several dtypes and access kinds compile with nvcc.
TEST(RenderCuda, VectorizedProgramsCompileWithNvcc) {
  if (access(kNvcc, X_OK) != 0) GTEST_SKIP() << "no " << kNvcc;
  const UOp x = host(iota(6 * 16), {6, 16}), col = expand(host(iota(6), {6, 1}), {6, 16});
  const UOp odd = shrink(host(iota(6 * 17), {6, 17}), {0, 6, 0, 16}),
            padded = pad(host(iota(6 * 12), {6, 12}), {0, 0, 3, 1});
  std::string unit;
  size_t n = 0;
  for (const UOp& g : {bin(Op::ADD, x, col), bin(Op::MUL, odd, padded)})
    for (DType dt : {dtypes::float32, dtypes::int32, dtypes::float16, dtypes::bool_, dtypes::float64, dtypes::int8})
      for (int64_t k : {2, 4, 8}) {
        const std::string name = std::to_string(n++);
        const std::vector<UOp> prog = vectorized_program(UOp::make(Op::CAST, dt, {g}), k);
        unit += "namespace case" + name + " {\n" + render_cuda(prog, "k" + name) + "}\n";
      }
  EXPECT_NE(unit.find("make_double2("), std::string::npos);
  EXPECT_NE(unit.find("make_char4("), std::string::npos);
  EXPECT_NE(unit.find("*(const float4*)("), std::string::npos);
  std::string log;
  EXPECT_EQ(nvcc(unit, log), 0) << log.substr(0, 20000);
  EXPECT_EQ(log.find("warning"), std::string::npos) << log.substr(0, 20000);
}

}  // namespace
}  // namespace anvil
