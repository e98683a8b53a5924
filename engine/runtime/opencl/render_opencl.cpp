// The opencl dialect of the C-family renderer (render_c_family.h): a __kernel with one __global byte
// pointer per slot, the thread mapping of find_thread_loop (work-items, or work-groups sharing lanes), and the
// c prelude's helpers adapted to OpenCL C behind a header of pragmas and <stdint.h> names.
#include "engine/runtime/opencl/render_opencl.h"

#include <cstdint>
#include <regex>

#include "engine/runtime/c/render_c.h"
#include "engine/runtime/c/render_c_family.h"
#include "engine/support/check.h"

namespace anvil {
namespace {

// What every kernel starts with: the <stdint.h> and <stdint.h>-limit names the c pieces use, and
// the C math names OpenCL spells as overloads.
std::string header() {
  return "#pragma OPENCL FP_CONTRACT OFF\n#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n" +
         stdint_names({"char", "short", "int", "long", "uchar", "ushort", "uint", "ulong"}, "L") +
         "#define sqrtf sqrt\n#define truncf trunc\n";
}

// c_prelude_for's helpers as OpenCL C: no #includes, memcpy as the builtin (private pointers), no
// variable named `half`, and the sin table in __constant memory (OpenCL C 1.2 has no other program-scope variables).
std::string opencl_helpers(const std::string& kernel, const std::string& fn_name) {
  std::string text = c_prelude_for(kernel, fn_name);
  text = std::regex_replace(text, std::regex("#include <[a-z.]+>\n"), "");
  text = std::regex_replace(text, std::regex("\\bmemcpy\\("), "__builtin_memcpy(");
  text = std::regex_replace(text, std::regex("\\bhalf\\b"), "half_");  // `half` is an OpenCL C type name
  text = std::regex_replace(text, std::regex("static const double anvil_sin_tab"), "__constant double anvil_sin_tab");
  text = std::regex_replace(text, std::regex("const double\\* (\\w+) = anvil_sin_tab"),
                            "__constant double* $1 = anvil_sin_tab");
  // A helper this adaptation does not know would fail to build: an engine bug to fix here.
  ANVIL_CHECK(text.find("static const") == std::string::npos && text.find("#include") == std::string::npos)
      << "opencl: the c prelude has a construct render_opencl.cpp does not adapt:\n"
      << text;
  return text;
}

// OpenCL C's `long long` is 128 bits wide: the c pieces' ULL literals and __builtin_clzll become
// their 64-bit `long` spellings.
std::string opencl_dialect(const std::string& text) {
  std::string out = std::regex_replace(text, std::regex("\\b(0x[0-9a-fA-F]+|[0-9]+)ULL\\b"), "$1UL");
  return std::regex_replace(out, std::regex("__builtin_clzll\\("), "__builtin_clzl(");
}

// The NDRange has exactly `extent` work-items: no guard.
std::string finish(const std::string& function, const std::string& entry) {
  return header() + opencl_dialect(opencl_helpers(function, entry) + function);
}

// The NDRange covers every iteration exactly: no strides.
constexpr ThreadedSpelling kOpenCl{"opencl",
                                   "__kernel void ",
                                   "__global uchar*",
                                   "__global const long*",
                                   "__global ",
                                   "/* barrier: one work-item orders nothing */\n",
                                   "long",
                                   "get_global_id(0)",
                                   "",
                                   "get_group_id(0)",
                                   "",
                                   "get_local_id(0)",
                                   "get_local_size(0)",
                                   "barrier(CLK_LOCAL_MEM_FENCE);",
                                   "__local ",
                                   finish,
                                   VectorMemory::OpenCl};

}  // namespace

OpenClLaunch opencl_launch(std::span<const UOp> program) {
  const ThreadLoop t = find_thread_loop(program);
  ANVIL_CHECK(t.extent <= INT64_MAX / t.lanes) << "opencl: " << t.extent << " work-groups of " << t.lanes;
  if (t.blocks) return OpenClLaunch{t.num_slots, t.extent * t.lanes, t.lanes, t.parallel, true};
  return OpenClLaunch{t.num_slots, t.parallel ? t.extent : 1, 0, t.parallel, false};
}

std::string opencl_entry_name(const std::string& fn_name) { return prefixed_entry_name(fn_name); }

std::string render_opencl(std::span<const UOp> program, const std::string& fn_name) {
  return render_c_family(program, opencl_entry_name(fn_name), ThreadedDialect(program, kOpenCl));
}

}  // namespace anvil
