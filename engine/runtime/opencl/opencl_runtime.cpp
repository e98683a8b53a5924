#include "engine/runtime/opencl/opencl_runtime.h"

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/kernel_cache.h"
#include "engine/support/check.h"

namespace anvil {
namespace {

std::string platform_text(cl_platform_id p, cl_platform_info what) {
  size_t n = 0;
  if (clGetPlatformInfo(p, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "";
  std::string s(n, '\0');
  if (clGetPlatformInfo(p, what, n, s.data(), nullptr) != CL_SUCCESS) return "";
  s.resize(s.find('\0') == std::string::npos ? s.size() : s.find('\0'));
  return s;
}

std::string device_text(cl_device_id d, cl_device_info what) {
  size_t n = 0;
  if (clGetDeviceInfo(d, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "";
  std::string s(n, '\0');
  if (clGetDeviceInfo(d, what, n, s.data(), nullptr) != CL_SUCCESS) return "";
  s.resize(s.find('\0') == std::string::npos ? s.size() : s.find('\0'));
  return s;
}

// The process's device, context and queue; kept until exit (ICD loaders and PoCL tear themselves down).
struct Device {
  OpenClDeviceInfo info;
  cl_device_id device = nullptr;
  cl_context context = nullptr;
  cl_command_queue queue = nullptr;
  std::mutex run_mutex;   // one queue and shared cl_kernel objects: one run at a time
  cl_mem vars = nullptr;  // every run's vars, grown as needed; under run_mutex
  size_t vars_bytes = 0;
  OpenClRunStats stats;  // under run_mutex
};

// A buffer's device copy kept between runs (Buffer::device).
struct ClCopy final : DeviceCopy {
  cl_mem mem = nullptr;
  size_t bytes = 0;  // the host bytes it mirrors (the allocation is at least 1: OpenCL has no empty buffers)
  ~ClCopy() override {
    if (mem) clReleaseMemObject(mem);
  }
};

void set_pocl_cache_dir() {
  if (std::getenv("POCL_CACHE_DIR")) return;
  const std::optional<std::filesystem::path> dir = try_kernel_cache_dir();
  if (!dir) return;  // PoCL then uses its own default
  std::error_code ec;
  std::filesystem::create_directories(*dir / "pocl", ec);
  if (!ec) setenv("POCL_CACHE_DIR", (*dir / "pocl").c_str(), 0);
}

void probe(Device& d) {
  set_pocl_cache_dir();
  cl_uint count = 0;
  if (clGetPlatformIDs(0, nullptr, &count) != CL_SUCCESS || count == 0) {
    d.info.error = "no OpenCL platform (install an ICD such as pocl-opencl-icd)";
    return;
  }
  std::vector<cl_platform_id> platforms(count);
  clGetPlatformIDs(count, platforms.data(), nullptr);
  const char* want = std::getenv("ANVIL_OPENCL_PLATFORM");
  for (cl_platform_id p : platforms) {
    const std::string name = platform_text(p, CL_PLATFORM_NAME);
    if (want && *want && name.find(want) == std::string::npos) continue;
    cl_device_id dev = nullptr;
    cl_uint n = 0;
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &dev, &n) != CL_SUCCESS || n == 0) continue;
    d.device = dev;
    d.info.platform = name;
    d.info.platform_version = platform_text(p, CL_PLATFORM_VERSION);
    break;
  }
  if (!d.device) {
    d.info.error = want && *want
                       ? "no OpenCL device on a platform named like ANVIL_OPENCL_PLATFORM=" + std::string(want)
                       : std::string("no OpenCL device on any platform");
    return;
  }
  d.info.device = device_text(d.device, CL_DEVICE_NAME);
  d.info.device_version = device_text(d.device, CL_DEVICE_VERSION);
  d.info.driver_version = device_text(d.device, CL_DRIVER_VERSION);
  d.info.fp64 = (" " + device_text(d.device, CL_DEVICE_EXTENSIONS) + " ").find(" cl_khr_fp64 ") != std::string::npos;
  cl_int err = CL_SUCCESS;
  d.context = clCreateContext(nullptr, 1, &d.device, nullptr, nullptr, &err);
  if (err != CL_SUCCESS) {
    d.info.error = "clCreateContext failed (" + std::to_string(err) + ")";
    return;
  }
  d.queue = clCreateCommandQueue(d.context, d.device, 0, &err);
  if (err != CL_SUCCESS) d.info.error = "clCreateCommandQueue failed (" + std::to_string(err) + ")";
}

Device& device() {
  static Device* d = [] {
    auto* made = new Device;  // never freed: kernels may be released during static destruction
    probe(*made);
    return made;
  }();
  return *d;
}

void check(cl_int err, const char* what) {
  ANVIL_CHECK(err == CL_SUCCESS) << "opencl: " << what << " failed (" << err << ")";
}

class Kernel final : public OpenClKernel {
 public:
  Kernel(cl_program program, cl_kernel kernel) : program_(program), kernel_(kernel) {}
  ~Kernel() override {
    clReleaseKernel(kernel_);
    clReleaseProgram(program_);
  }

  void run(std::span<Buffer* const> buffers, int64_t num_slots, const std::vector<int64_t>& vars, int64_t global_size,
           int64_t local_size, const std::vector<int64_t>& stored) override {
    ANVIL_CHECK(static_cast<size_t>(num_slots) <= buffers.size())
        << "opencl: the kernel takes " << num_slots << " buffers, run got " << buffers.size();
    Device& d = device();
    std::lock_guard<std::mutex> lock(d.run_mutex);
    std::vector<cl_mem> mems(static_cast<size_t>(num_slots), nullptr);
    std::vector<ClCopy*> copies(static_cast<size_t>(num_slots), nullptr);  // null: a buffer not kept
    std::vector<cl_mem> temporary;
    // Released on every path out (an ANVIL_CHECK aborts, but a future Error must not leak them).
    struct Release {
      std::vector<cl_mem>& m;
      ~Release() {
        for (cl_mem x : m) clReleaseMemObject(x);
      }
    } release{temporary};
    cl_int err = CL_SUCCESS;
    for (int64_t s = 0; s < num_slots; ++s) {
      const auto i = static_cast<size_t>(s);
      Buffer& b = *buffers[i];
      const size_t bytes = std::max<size_t>(b.bytes.size(), 1);  // OpenCL has no empty buffers
      if (b.device.kept()) {
        std::shared_ptr<DeviceCopy>& slot = b.device.copy(DeviceRuntime::opencl);
        // Only this runtime sets its slot, so the copy is a ClCopy.
        if (!slot || static_cast<ClCopy&>(*slot).bytes != b.bytes.size()) {
          auto made = std::make_shared<ClCopy>();
          made->mem = clCreateBuffer(d.context, CL_MEM_READ_WRITE, bytes, nullptr, &err);
          check(err, "clCreateBuffer");
          made->bytes = b.bytes.size();
          slot = std::move(made);
        }
        copies[i] = static_cast<ClCopy*>(slot.get());
        mems[i] = copies[i]->mem;
      } else {
        mems[i] = clCreateBuffer(d.context, CL_MEM_READ_WRITE, bytes, nullptr, &err);
        check(err, "clCreateBuffer");
        temporary.push_back(mems[i]);
      }
      if (!copies[i] || !copies[i]->current) {
        if (!b.bytes.empty()) {
          check(
              clEnqueueWriteBuffer(d.queue, mems[i], CL_FALSE, 0, b.bytes.size(), b.bytes.data(), 0, nullptr, nullptr),
              "clEnqueueWriteBuffer");
          ++d.stats.uploads;
          d.stats.upload_bytes += static_cast<int64_t>(b.bytes.size());
        }
        if (copies[i]) copies[i]->current = true;  // a slot read twice is uploaded once
      }
      check(clSetKernelArg(kernel_, static_cast<cl_uint>(s), sizeof(cl_mem), &mems[i]), "clSetKernelArg");
    }
    // The kernel changes the stored copies: current again only once the host has their bytes.
    for (int64_t s : stored)
      if (ClCopy* c = copies[static_cast<size_t>(s)]) c->current = false;
    std::vector<cl_long> values(vars.begin(), vars.end());
    if (values.empty()) values.push_back(0);
    const size_t vars_bytes = values.size() * sizeof(cl_long);
    if (d.vars_bytes < vars_bytes) {
      if (d.vars) clReleaseMemObject(d.vars);
      d.vars = clCreateBuffer(d.context, CL_MEM_READ_ONLY, vars_bytes, nullptr, &err);
      d.vars_bytes = err == CL_SUCCESS ? vars_bytes : 0;
      check(err, "clCreateBuffer (vars)");
    }
    check(clEnqueueWriteBuffer(d.queue, d.vars, CL_FALSE, 0, vars_bytes, values.data(), 0, nullptr, nullptr),
          "clEnqueueWriteBuffer (vars)");
    check(clSetKernelArg(kernel_, static_cast<cl_uint>(num_slots), sizeof(cl_mem), &d.vars), "clSetKernelArg");
    if (global_size > 0) {
      const size_t global = static_cast<size_t>(global_size), local = static_cast<size_t>(local_size);
      check(clEnqueueNDRangeKernel(d.queue, kernel_, 1, nullptr, &global, local_size > 0 ? &local : nullptr, 0, nullptr,
                                   nullptr),
            "clEnqueueNDRangeKernel");
    }
    for (int64_t s : stored) {
      Buffer& b = *buffers[static_cast<size_t>(s)];
      if (!b.bytes.empty())
        check(clEnqueueReadBuffer(d.queue, mems[static_cast<size_t>(s)], CL_FALSE, 0, b.bytes.size(), b.bytes.data(), 0,
                                  nullptr, nullptr),
              "clEnqueueReadBuffer");
    }
    check(clFinish(d.queue), "clFinish");
    ++d.stats.runs;
    // The host now holds what the kernel stored: this runtime's copies equal it, every other runtime's is stale.
    for (int64_t s : stored) {
      ClCopy* c = copies[static_cast<size_t>(s)];
      if (!c) continue;
      buffers[static_cast<size_t>(s)]->device.host_changed_except(DeviceRuntime::opencl);
      c->current = true;
    }
  }

 private:
  cl_program program_;
  cl_kernel kernel_;
};

}  // namespace

const OpenClDeviceInfo& opencl_device_info() { return device().info; }

OpenClRunStats opencl_run_stats() {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.run_mutex);
  return d.stats;
}

std::shared_ptr<OpenClKernel> opencl_build(const std::string& source, const std::string& options,
                                           const std::string& fn_name, double* build_seconds) {
  Device& d = device();
  ANVIL_CHECK(d.info.error.empty()) << "opencl: build without a device: " << d.info.error;
  const char* text = source.c_str();
  const size_t length = source.size();
  cl_int err = CL_SUCCESS;
  cl_program program = clCreateProgramWithSource(d.context, 1, &text, &length, &err);
  check(err, "clCreateProgramWithSource");
  const auto start = std::chrono::steady_clock::now();
  err = clBuildProgram(program, 1, &d.device, options.c_str(), nullptr, nullptr);
  if (build_seconds) *build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (err != CL_SUCCESS) {
    size_t n = 0;
    clGetProgramBuildInfo(program, d.device, CL_PROGRAM_BUILD_LOG, 0, nullptr, &n);
    std::string log(n, '\0');
    clGetProgramBuildInfo(program, d.device, CL_PROGRAM_BUILD_LOG, n, log.data(), nullptr);
    clReleaseProgram(program);
    ANVIL_CHECK(false) << "opencl: clBuildProgram failed (" << err << ") on rendered code:\n"
                       << source << "\n--- build log:\n"
                       << log;
  }
  cl_kernel kernel = clCreateKernel(program, fn_name.c_str(), &err);
  if (err != CL_SUCCESS) clReleaseProgram(program);
  check(err, "clCreateKernel");
  return std::make_shared<Kernel>(program, kernel);
}

}  // namespace anvil
