#include "engine/runtime/opencl/opencl_backend.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "engine/runtime/opencl/opencl_runtime.h"
#include "engine/runtime/opencl/render_opencl.h"
#include "engine/support/check.h"
#include "engine/support/error.h"

namespace anvil {
namespace {

// The build options, and why:
//   -cl-fp32-correctly-rounded-divide-sqrt   float32 / and sqrt as IEEE (OpenCL allows 2.5 and 3 ulp)
//   (no -cl-fast-relaxed-math, -cl-mad-enable or -cl-denorms-are-zero: NaN, -0, Inf and denormals matter;
//   contraction is off by the kernel's #pragma OPENCL FP_CONTRACT OFF)
const std::string kOptions = "-cl-fp32-correctly-rounded-divide-sqrt";

std::atomic<bool> no_fp64{false};

std::mutex stats_mutex;
OpenClBuildStats stats;

std::string unavailable() { return opencl_device_info().error; }

std::string compiler_id() {
  const OpenClDeviceInfo& i = opencl_device_info();
  return "opencl " + i.platform + "; " + i.platform_version + "; " + i.device + "; " + i.device_version + "; " +
         i.driver_version + "; " + kOptions;
}

std::string render(std::span<const UOp> program, const std::string& fn_name) { return render_opencl(program, fn_name); }

class OpenClProgram final : public Program {
 public:
  OpenClProgram(std::shared_ptr<OpenClKernel> kernel, OpenClLaunch launch, std::vector<std::string> vars,
                std::vector<int64_t> stored)
      : kernel_(std::move(kernel)), launch_(launch), vars_(std::move(vars)), stored_(std::move(stored)) {}

  void run(std::span<Buffer* const> buffers, const std::map<std::string, int64_t>& vars) override {
    const std::vector<int64_t> values = bound_vars("opencl", vars_, vars);
    kernel_->run(buffers, launch_.num_slots, values, launch_.global_size, launch_.local_size, stored_);
  }

 private:
  std::shared_ptr<OpenClKernel> kernel_;
  OpenClLaunch launch_;
  std::vector<std::string> vars_;
  std::vector<int64_t> stored_;
};

std::shared_ptr<Program> compile(std::span<const UOp> program, const std::string& source, const std::string& fn_name) {
  const OpenClDeviceInfo& info = opencl_device_info();
  if (!info.error.empty()) (ErrorBuilder("opencl") << "no device: " << info.error).raise();
  // The half helpers and float64 values compute in double: a device without cl_khr_fp64 cannot run them.
  if ((!info.fp64 || no_fp64.load()) && source.find("double") != std::string::npos)
    (ErrorBuilder("opencl") << "kernel " << fn_name << " needs cl_khr_fp64 (float64, or float16/bfloat16 emulated "
                            << "through double), which device '" << info.device << "' lacks")
        .raise();
  double seconds = 0;
  std::shared_ptr<OpenClKernel> kernel = opencl_build(source, kOptions, opencl_entry_name(fn_name), &seconds);
  {
    std::lock_guard<std::mutex> lock(stats_mutex);
    ++stats.builds;
    stats.seconds += seconds;
  }
  auto inner = std::make_shared<OpenClProgram>(std::move(kernel), opencl_launch(program), var_names(program),
                                               stored_slots(program));
  // Each slot is its own device copy: a buffer stored to and read through another slot would diverge.
  return alias_checked("opencl", "each slot is a separate device copy", program, std::move(inner));
}

}  // namespace

void opencl_pretend_no_fp64(bool on) { no_fp64.store(on); }

OpenClBuildStats opencl_build_stats() {
  std::lock_guard<std::mutex> lock(stats_mutex);
  return stats;
}

const Backend& opencl_backend() {
  static const Backend backend{"opencl", &unavailable, &render, &compile, &compiler_id, false};
  return backend;
}

}  // namespace anvil
