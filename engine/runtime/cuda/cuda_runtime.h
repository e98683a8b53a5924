#pragma once
// The CUDA runtime under the `cuda` backend: the driver (libcuda.so.1) and NVRTC (libnvrtc), both
// loaded with dlopen on first use, so the engine links no CUDA library and a machine without a GPU
// only reports the backend unavailable. The CUDA headers stay inside this folder: callers see plain
// C++ types only.
//
// Driver entry points are resolved through cuGetProcAddress (found with dlsym) at one explicit ABI
// version, kCudaApiVersion: CUDA 13's cuda.h maps plain names to newer ABIs with #defines (cuCtxSynchronize
// now takes a context), so dlsym("cuCtxSynchronize") would not say which signature it has.
//
// One device (ordinal 0, or $ANVIL_CUDA_DEVICE), its primary context (made current on every thread
// that builds or runs), made on first use and kept until exit. NVRTC is looked for as $ANVIL_NVRTC_PATH
// alone when that is set, else as libnvrtc.so.13, .so.12, .so on the loader's path, then in
// $CUDA_HOME/lib64 and /usr/local/cuda/lib64. $ANVIL_CUDA_ARCH (sm_XY or compute_XY) overrides the
// target cuda_arch_for picks, so the PTX path can be run on a device NVRTC makes cubins for.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/ir/buffer.h"

namespace anvil {

// The driver ABI every entry point is resolved at (CUDA 12.0's).
inline constexpr int kCudaApiVersion = 12000;

struct CudaDeviceInfo {
  std::string error;         // "" when a device is usable, else why not
  std::string device;        // its name, e.g. "NVIDIA H100 80GB HBM3"
  int ordinal = 0;           // the device number
  int major = 0, minor = 0;  // compute capability
  int driver_version = 0;    // cuDriverGetVersion: 13000 for CUDA 13.0
  std::string arch;          // NVRTC's target: "sm_90" (a cubin), or "compute_XY" (PTX the driver compiles)
  std::string get_proc;      // how entry points were resolved: "cuGetProcAddress_v2" or "cuGetProcAddress"
  int sms = 0;               // multiprocessors
  int threads_per_sm = 0;    // resident threads an SM holds
  int blocks_per_sm = 0;     // resident blocks an SM holds
};

// The process's device, probed once (with NVRTC); never throws or aborts (what is missing is `error`).
const CudaDeviceInfo& cuda_device_info();

// NVRTC on its own, usable without a driver or device (a GPU-less machine can still compile).
struct NvrtcInfo {
  std::string error;  // "" when libnvrtc is loaded, else why not
  std::string path;   // the file dlopen took
  int major = 0, minor = 0;
  std::vector<int> archs;  // the compute capabilities it can make a cubin for, as 10 * major + minor
};
const NvrtcInfo& nvrtc_info();

// The NVRTC target for a device of compute capability `cc` (10 * major + minor): "sm_CC" when NVRTC
// makes cubins for it, else PTX for the newest virtual architecture not above it ("compute_XY"),
// which the driver compiles on load; "" when NVRTC supports nothing as old (or `supported` is empty
// and cc is not positive). An empty `supported` (an NVRTC older than 11.2, which cannot list its
// targets) gives compute_CC: PTX, which every NVRTC makes.
std::string cuda_arch_for(int cc, std::span<const int> supported);

// The NVRTC options besides --gpu-architecture, and why (cuda_runtime.cpp).
const std::vector<std::string>& nvrtc_options();

// What NVRTC made: a cubin, or PTX text (NUL-terminated), and its log.
struct NvrtcImage {
  std::string bytes;
  bool cubin = false;
  std::string log;
};

// Compiles `source` for `arch` ("sm_XY" gives a cubin, "compute_XY" PTX). A compile error raises
// anvil::Error naming `name` with NVRTC's log; so does a missing NVRTC.
NvrtcImage nvrtc_compile(const std::string& source, const std::string& arch, const std::string& name);

// A loaded kernel. run() copies every slot to device memory, launches `grid` blocks of `block`
// threads (none when either is 0), waits, and copies back the slots in `stored`; `vars` go to the
// device as one array (at least one element). A slot whose buffer is kept between runs (Buffer::device)
// keeps its device copy on the buffer and is copied in only when that copy is not current. Runs are serialized. A
// driver error (a fault in the kernel, out of memory) raises anvil::Error with the driver's error name and string.
class CudaKernel {
 public:
  virtual ~CudaKernel() = default;
  virtual void run(std::span<Buffer* const> buffers, int64_t num_slots, const std::vector<int64_t>& vars, int64_t grid,
                   int64_t block, const std::vector<int64_t>& stored) = 0;
};

// What the kernel runs of this process took: `kernel_seconds` between CUDA events recorded just
// before and after each launch (the device's time for the kernel alone, buffers already there),
// `run_seconds` the whole CudaKernel::run on the host (allocation, copies in and out, launch, wait);
// `uploads` the host->device copies of slots, `upload_bytes` their bytes.
struct CudaRunStats {
  int64_t runs = 0;
  double kernel_seconds = 0;
  double run_seconds = 0;
  int64_t uploads = 0;
  int64_t upload_bytes = 0;
};
CudaRunStats cuda_run_stats();

// Compiles `source` with NVRTC for the device, loads it and finds kernel `entry`. Cached in-process
// by a hash of (source, entry): a second build of the same text returns the same kernel. Raises
// anvil::Error without a device, on a compile error (with NVRTC's log) or a load error.
// `build_seconds` is set to the time spent (0 on a cache hit).
std::shared_ptr<CudaKernel> cuda_build(const std::string& source, const std::string& entry,
                                       double* build_seconds = nullptr);

}  // namespace anvil
