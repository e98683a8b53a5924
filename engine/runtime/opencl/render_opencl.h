#pragma once
// The `opencl` backend's renderer: a linear program (engine/codegen/linearize.h) as one OpenCL C
// 1.2 kernel with interp's values: the opencl dialect of the C-family renderer (render_c_family.h),
// so built from the c backend's pieces (c_alu, c_cast, c_literal and the helpers of c_prelude_for,
// adapted to OpenCL C: typedefs for <stdint.h>, __builtin_memcpy, the sin table in __constant memory).
// The rules are the c backend's: wrapping integers, guarded divisors, masked shifts, saturating
// float->int casts, no fp contraction (#pragma OPENCL FP_CONTRACT OFF); float16/bfloat16 are stored
// as 16-bit integers and computed in float32 (PoCL 3.1 has no cl_khr_fp16, so the halves are always
// emulated). The half helpers round through double, as c's do, so a program with half or float64
// values needs cl_khr_fp64.
//
// The kernel's ABI:
//   __kernel void anvil_NAME(__global uchar* b0, ..., __global uchar* bN, __global const long* vars)
// with one byte pointer per DEFINE_GLOBAL slot 0..N (cast to its element type inside) and `vars`
// holding the DEFINE_VARs sorted by name (var_names(), as the host ABI), at least one element.
//
// Execution model (find_thread_loop, shared with cuda; render_c_family.h): Threads, one work-item
// per iteration of the flattened output loop nest (get_global_id(0)); Blocks, one work-group per
// iteration of the nest (get_group_id(0)) whose work-items share the lane loops (get_local_id(0)),
// local memory (__local) and barriers (barrier(CLK_LOCAL_MEM_FENCE)); else one work-item.
#include <cstdint>
#include <span>
#include <string>

#include "engine/ir/uop.h"

namespace anvil {

struct OpenClLaunch {
  int64_t num_slots = 0;    // kernel buffer arguments, before `vars`
  int64_t global_size = 1;  // work-items (0: the loop runs no iteration, nothing is launched)
  int64_t local_size = 0;   // work-items of a work-group (Blocks: the lanes; 0: PoCL's choice)
  bool parallel = false;    // the output loop nest became get_global_id(0), or get_group_id(0) with blocks
  bool blocks = false;      // Blocks mode
};

// How the program will be launched: the loops that become the NDRange, and the slots.
OpenClLaunch opencl_launch(std::span<const UOp> program);

// The kernel's name in OpenCL C for entry point `fn_name`: prefixed with "anvil_" unless it already is,
// so no name is an OpenCL keyword or builtin ("kernel", "global", "sin").
std::string opencl_entry_name(const std::string& fn_name);

// The whole program text: pragmas, typedefs, the helpers the kernel calls, the kernel (opencl_entry_name).
std::string render_opencl(std::span<const UOp> program, const std::string& fn_name);

}  // namespace anvil
