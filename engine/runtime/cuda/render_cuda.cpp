// The cuda dialect of the C-family renderer (render_c_family.h): CUDA C++ for NVRTC, which has no
// host headers, so the kernel brings its own <stdint.h> names and the two <math.h> macros the
// helpers use; NVRTC provides the math functions (sqrt, trunc, ldexp, exp2, log2, sin, signbit) and
// memcpy in device code. The values are the c backend's: wrapping integers, guarded divisors, masked
// shifts, saturating float->int casts, float16/bfloat16 stored as 16-bit integers and computed in
// float32 (emulated like opencl: no cuda_fp16.h), rounded after every op.
//
// No contraction: CUDA C++ has no FP_CONTRACT pragma, so the compiler must be given --fmad=false
// (the backend's NVRTC options), and never --use_fast_math (IEEE / and sqrt are NVRTC's default).
#include "engine/runtime/cuda/render_cuda.h"

#include <algorithm>
#include <regex>

#include "engine/runtime/c/render_c.h"
#include "engine/runtime/c/render_c_family.h"
#include "engine/support/check.h"

namespace anvil {
namespace {

constexpr int64_t kBlock = 256;           // threads per block of a parallel loop
constexpr int64_t kWarpsPerBlock = 4;     // Warps mode: a block of 128 threads
constexpr int64_t kMaxGrid = 2147483647;  // gridDim.x's limit: the loop strides over what is left

const char* const kMath = R"CU(#ifndef NAN
#define NAN __int_as_float(0x7fc00000)
#endif
#ifndef HUGE_VALF
#define HUGE_VALF __int_as_float(0x7f800000)
#endif
)CU";

// What every kernel starts with. `_Bool` is C's; CUDA C++ spells it bool. NAN and HUGE_VALF are
// <math.h>'s, which nvcc (not NVRTC) includes.
std::string header() {
  return "/* CUDA C++ for NVRTC; compile with --fmad=false (a*b+c rounds twice, as interp). */\n#define _Bool bool\n" +
         stdint_names({"signed char", "short", "int", "long long", "unsigned char", "unsigned short", "unsigned int",
                       "unsigned long long"},
                      "LL") +
         kMath;
}

// c_prelude_for's helpers as device code: no #includes, every function and the sin table
// __device__, clz as CUDA's intrinsic, and no variable named `half` (cuda_fp16.h's type, should a
// later kernel include it).
std::string cuda_helpers(const std::string& kernel, const std::string& entry) {
  std::string text = c_prelude_for(kernel, entry);
  text = std::regex_replace(text, std::regex("#include <[a-z.]+>\n"), "");
  text = std::regex_replace(text, std::regex("\\bstatic (inline|const)\\b"), "static __device__ $1");
  text = std::regex_replace(text, std::regex("__builtin_clzll\\("), "__clzll((long long)");
  text = std::regex_replace(text, std::regex("\\bhalf\\b"), "half_");
  // A construct this adaptation does not know would fail to build: an engine bug to fix here.
  ANVIL_CHECK(text.find("#include") == std::string::npos && text.find("__builtin") == std::string::npos)
      << "cuda: the c prelude has a construct render_cuda.cpp does not adapt:\n"
      << text;
  return text;
}

std::string finish(const std::string& function, const std::string& entry) {
  return header() + cuda_helpers(function, entry) + function;
}

// Buffers are not __restrict__: that lets loads go through the read-only cache, which realize's
// aliasing check would then have to guard as it does for c; left for when it is measured.
// Threads and blocks stride over the iterations the capped grid does not cover.
constexpr ThreadedSpelling kCuda{"cuda",
                                 "extern \"C\" __global__ void ",
                                 "unsigned char*",
                                 "const long long*",
                                 "",
                                 "/* barrier: one thread orders nothing */\n",
                                 "long long",
                                 "(long long)blockIdx.x * blockDim.x + threadIdx.x",
                                 "(long long)gridDim.x * blockDim.x",
                                 "blockIdx.x",
                                 "gridDim.x",
                                 "threadIdx.x",
                                 "blockDim.x",
                                 "__syncthreads();",
                                 "__shared__ ",
                                 finish,
                                 VectorMemory::Cuda,
                                 true};

}  // namespace

CudaLaunch cuda_launch(std::span<const UOp> program) {
  const ThreadLoop t = find_thread_loop(program, true);
  CudaLaunch l;
  l.num_slots = t.num_slots;
  l.parallel = t.parallel;
  l.blocks = t.blocks;
  if (t.blocks) {  // a block per iteration of the nest, a thread per lane
    l.block = t.lanes;
    l.grid = std::min(t.extent, kMaxGrid);
    return l;
  }
  if (t.warps) {  // a warp per iteration of the nest (one when it is empty), kWarpsPerBlock to a block
    // Staged: always 2 x 2 warps (the nest's extent is a multiple of 4), which share shared memory.
    l.block = t.tile.staged ? 32 * kWarpsPerBlock : 32 * std::clamp<int64_t>(t.extent, 1, kWarpsPerBlock);
    l.grid = std::min((t.extent + l.block / 32 - 1) / (l.block / 32), kMaxGrid);
    return l;
  }
  if (!t.parallel) return l;
  l.block = std::clamp<int64_t>(t.extent, 1, kBlock);
  l.grid = std::min((t.extent + l.block - 1) / l.block, kMaxGrid);
  return l;
}

int64_t cuda_wave_blocks(int64_t block, int sms, int threads_per_sm, int blocks_per_sm) {
  if (block < 1 || sms < 1 || threads_per_sm < block || blocks_per_sm < 1) return 0;
  return int64_t{sms} * std::min<int64_t>(blocks_per_sm, threads_per_sm / block);
}

std::string cuda_entry_name(const std::string& fn_name) { return prefixed_entry_name(fn_name); }

std::string render_cuda(std::span<const UOp> program, const std::string& fn_name) {
  return render_c_family(program, cuda_entry_name(fn_name), ThreadedDialect(program, kCuda));
}

}  // namespace anvil
