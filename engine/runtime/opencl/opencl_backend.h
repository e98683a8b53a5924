#pragma once
// The opencl backend (opencl_backend.cpp): OpenCL C (render_opencl.h) built for the process's
// OpenCL device (opencl_runtime.h; PoCL on the CPU in CI) and run with buffers copied to the
// device and back around each run. PoCL caches what it builds in POCL_CACHE_DIR.
#include "engine/runtime/backend.h"

namespace anvil {

const Backend& opencl_backend();

// Tests: behave as on a device without cl_khr_fp64 (a program that needs it raises anvil::Error).
void opencl_pretend_no_fp64(bool on);

// What this process's builds cost, for tests and ANVIL_DEBUG: builds, and their total seconds.
struct OpenClBuildStats {
  uint64_t builds = 0;
  double seconds = 0;
};
OpenClBuildStats opencl_build_stats();

}  // namespace anvil
