#pragma once
// The `cuda` backend's renderer: a linear program (engine/codegen/linearize.h) as one CUDA C++ kernel
// for NVRTC with interp's values: the cuda dialect of the C-family renderer (render_c_family.h), the
// c backend's expressions and helpers as device code (no host headers: it declares the <stdint.h>
// names itself; float16/bfloat16 emulated as in opencl, no cuda_fp16.h). The runtime
// (cuda_runtime.h) and the backend (cuda_backend.cpp) rely only on what is declared here.
//
// Compile with --fmad=false: CUDA has no FP_CONTRACT pragma, and a fused a*b+c would not round twice
// as interp does. Never --use_fast_math (IEEE division and sqrt are NVRTC's default).
//
// The kernel's ABI:
//   extern "C" __global__ void anvil_NAME(unsigned char* b0, ..., unsigned char* bN, const long long* vars)
// with one byte pointer per DEFINE_GLOBAL slot 0..N and `vars` holding the DEFINE_VARs sorted by name
// (var_names(), as the host ABI), at least one element, in device memory.
#include <cstdint>
#include <span>
#include <string>

#include "engine/ir/uop.h"

namespace anvil {

struct CudaLaunch {
  int64_t num_slots = 0;  // kernel buffer arguments, before `vars`
  int64_t grid = 1;       // blocks (0: nothing is launched)
  int64_t block = 1;      // threads per block
  bool parallel = false;  // the output loop nest became blockIdx.x * blockDim.x + threadIdx.x (grid-stride, guarded)
  bool blocks = false;    // lanes: the nest became blockIdx.x (grid-stride), the lanes threadIdx.x (block-stride)
};

// How the program will be launched: grid and block sizes, and the slots, by find_thread_loop's rule
// (render_c_family.h). Threads: blocks of 256 threads (the extent when smaller), grid =
// ceil(extent / block) capped at 2^31 - 1 (the kernel's loop strides over the rest). Blocks: one
// block of `lanes` threads per iteration of the nest (at most 2^31 - 1 blocks, striding). Warps (a tc
// action's tile): a warp per iteration of the nest, blocks of 4 warps (fewer when the nest is
// smaller), grid = ceil(extent / warps a block), striding. Else one thread.
CudaLaunch cuda_launch(std::span<const UOp> program);

// The most blocks of `block` threads a device keeps resident at once (one wave): `sms` times the
// blocks an SM holds (by its thread and block limits); 0 when the device did not say. Every launch's
// loops stride (grid-stride over threads or blocks), so any grid is correct: a grid capped at one
// wave measured 2,028 -> 2,238 GB/s for a 16M fused elementwise kernel and 532 -> 597 GB/s for
// softmax on an H100 (bench/results/cuda-h100.md), against a block per 256 elements.
int64_t cuda_wave_blocks(int64_t block, int sms, int threads_per_sm, int blocks_per_sm);

// The kernel's name for entry point `fn_name`: prefixed with "anvil_" unless it already is.
std::string cuda_entry_name(const std::string& fn_name);

// The whole program text: the helpers the kernel calls and the kernel (cuda_entry_name), extern "C".
std::string render_cuda(std::span<const UOp> program, const std::string& fn_name);

}  // namespace anvil
