#pragma once
// The cuda backend (cuda_backend.cpp): CUDA C (render_cuda.h) compiled by NVRTC for the process's
// NVIDIA device and run through the driver API (cuda_runtime.h; both libraries loaded at run time),
// with buffers copied to the device and back around each run. Where there is no driver, no device
// or no NVRTC, unavailable() says which.
#include <cstdint>

#include "engine/runtime/backend.h"

namespace anvil {

const Backend& cuda_backend();

// What this process's builds cost, for tests and ANVIL_DEBUG: builds (cache hits excluded), and their
// total seconds.
struct CudaBuildStats {
  uint64_t builds = 0;
  double seconds = 0;
};
CudaBuildStats cuda_build_stats();

}  // namespace anvil
