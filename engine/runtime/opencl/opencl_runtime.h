#pragma once
// The OpenCL runtime under the `opencl` backend: one device (the first platform's first device, or
// the first whose platform name contains $ANVIL_OPENCL_PLATFORM), one context and one in-order
// queue for the process, made on first use. The OpenCL headers stay inside this folder: callers
// see plain C++ types only.
//
// Before the first OpenCL call, POCL_CACHE_DIR is set (only when unset) to "pocl" under
// kernel_cache_dir(), so PoCL keeps the kernels it compiles across runs.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/ir/buffer.h"

namespace anvil {

struct OpenClDeviceInfo {
  std::string error;  // "" when a device is usable, else why not
  std::string platform, platform_version, device, device_version, driver_version;
  bool fp64 = false;  // cl_khr_fp64
};

// The process's device, probed once; never throws or aborts (a missing platform is `error`).
const OpenClDeviceInfo& opencl_device_info();

// A built kernel. run() uploads every slot, launches `global_size` work-items (none when 0) in
// work-groups of `local_size` (0: the implementation's choice), and downloads the slots in `stored`; concurrent runs
// are serialized (one queue, one cl_kernel). A slot whose buffer is kept between runs (Buffer::device) keeps
// its device copy on the buffer and is uploaded only when that copy is not current.
class OpenClKernel {
 public:
  virtual ~OpenClKernel() = default;
  virtual void run(std::span<Buffer* const> buffers, int64_t num_slots, const std::vector<int64_t>& vars,
                   int64_t global_size, int64_t local_size, const std::vector<int64_t>& stored) = 0;
};

// What the kernel runs of this process did: `uploads` host->device copies of slots, `upload_bytes` their bytes.
struct OpenClRunStats {
  int64_t runs = 0;
  int64_t uploads = 0;
  int64_t upload_bytes = 0;
};
OpenClRunStats opencl_run_stats();

// Builds `source` with `options` for the device and finds kernel `fn_name`. A build failure is an
// engine bug (ANVIL_CHECK with the source and PoCL's log). Sets `build_seconds` to the build time.
std::shared_ptr<OpenClKernel> opencl_build(const std::string& source, const std::string& options,
                                           const std::string& fn_name, double* build_seconds = nullptr);

}  // namespace anvil
