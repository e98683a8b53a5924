#include "engine/runtime/cuda/cuda_backend.h"

#include <algorithm>
#include <mutex>

#include "engine/runtime/cuda/cuda_runtime.h"
#include "engine/runtime/cuda/render_cuda.h"
#include "engine/support/check.h"
#include "engine/support/error.h"

namespace anvil {
namespace {

std::mutex stats_mutex;
CudaBuildStats stats;

std::string unavailable() { return cuda_device_info().error; }

// The device and its target, the driver, NVRTC's version and every option: what decides the binary.
std::string compiler_id() {
  const CudaDeviceInfo& i = cuda_device_info();
  if (!i.error.empty()) return "cuda (unavailable: " + i.error + ")";
  const NvrtcInfo& n = nvrtc_info();
  std::string id = "cuda " + i.device + "; " + i.arch + "; driver " + std::to_string(i.driver_version) + "; nvrtc " +
                   std::to_string(n.major) + "." + std::to_string(n.minor) + ";";
  for (const std::string& o : nvrtc_options()) id += " " + o;
  return id;
}

std::string render(std::span<const UOp> program, const std::string& fn_name) { return render_cuda(program, fn_name); }

class CudaProgram final : public Program {
 public:
  CudaProgram(std::shared_ptr<CudaKernel> kernel, CudaLaunch launch, std::vector<std::string> vars,
              std::vector<int64_t> stored)
      : kernel_(std::move(kernel)), launch_(launch), vars_(std::move(vars)), stored_(std::move(stored)) {}

  void run(std::span<Buffer* const> buffers, const std::map<std::string, int64_t>& vars) override {
    const std::vector<int64_t> values = bound_vars("cuda", vars_, vars);
    kernel_->run(buffers, launch_.num_slots, values, launch_.grid, launch_.block, stored_);
  }

 private:
  std::shared_ptr<CudaKernel> kernel_;
  CudaLaunch launch_;
  std::vector<std::string> vars_;
  std::vector<int64_t> stored_;
};

std::shared_ptr<Program> compile(std::span<const UOp> program, const std::string& source, const std::string& fn_name) {
  const CudaDeviceInfo& info = cuda_device_info();
  if (!info.error.empty()) (ErrorBuilder("cuda") << "no device for kernel " << fn_name << ": " << info.error).raise();
  double seconds = 0;
  std::shared_ptr<CudaKernel> kernel = cuda_build(source, cuda_entry_name(fn_name), &seconds);
  if (seconds > 0) {
    std::lock_guard<std::mutex> lock(stats_mutex);
    ++stats.builds;
    stats.seconds += seconds;
  }
  CudaLaunch launch = cuda_launch(program);
  if (const int64_t wave = cuda_wave_blocks(launch.block, info.sms, info.threads_per_sm, info.blocks_per_sm); wave > 0)
    launch.grid = std::min(launch.grid, wave);  // one wave of resident blocks; the loops stride over the rest
  auto inner = std::make_shared<CudaProgram>(std::move(kernel), launch, var_names(program), stored_slots(program));
  // Each slot is its own device copy: a buffer stored to and read through another slot would diverge.
  return alias_checked("cuda", "each slot is a separate device copy", program, std::move(inner));
}

}  // namespace

CudaBuildStats cuda_build_stats() {
  std::lock_guard<std::mutex> lock(stats_mutex);
  return stats;
}

const Backend& cuda_backend() {
  static const Backend backend{"cuda", &unavailable, &render, &compile, &compiler_id, true};
  return backend;
}

}  // namespace anvil
