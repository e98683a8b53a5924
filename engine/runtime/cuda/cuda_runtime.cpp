#include "engine/runtime/cuda/cuda_runtime.h"

// Only types, enums and PFN_ typedefs come from the headers: nothing here calls a CUDA function by
// name, so the engine links no CUDA library (the #defines in cuda.h that rename entry points never apply).
#include <cuda.h>
#include <cudaTypedefs.h>
#include <dlfcn.h>
#include <nvrtc.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "engine/runtime/kernel_cache.h"
#include "engine/support/check.h"
#include "engine/support/error.h"

namespace anvil {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// ---- NVRTC: plain C symbols, found with dlsym (nvrtc.h renames none of them). ----

struct Nvrtc {
  NvrtcInfo info;
  void* handle = nullptr;
  nvrtcResult (*version)(int*, int*) = nullptr;
  nvrtcResult (*num_archs)(int*) = nullptr;  // absent before NVRTC 11.2
  nvrtcResult (*archs)(int*) = nullptr;
  const char* (*error_string)(nvrtcResult) = nullptr;
  nvrtcResult (*create)(nvrtcProgram*, const char*, const char*, int, const char* const*, const char* const*) = nullptr;
  nvrtcResult (*destroy)(nvrtcProgram*) = nullptr;
  nvrtcResult (*compile)(nvrtcProgram, int, const char* const*) = nullptr;
  nvrtcResult (*log_size)(nvrtcProgram, size_t*) = nullptr;
  nvrtcResult (*log)(nvrtcProgram, char*) = nullptr;
  nvrtcResult (*ptx_size)(nvrtcProgram, size_t*) = nullptr;
  nvrtcResult (*ptx)(nvrtcProgram, char*) = nullptr;
  nvrtcResult (*cubin_size)(nvrtcProgram, size_t*) = nullptr;  // absent before NVRTC 11.1
  nvrtcResult (*cubin)(nvrtcProgram, char*) = nullptr;
  std::mutex compile_mutex;  // one compile at a time: correctness before speed
};

// Where libnvrtc may be: $ANVIL_NVRTC_PATH alone when set, else the loader's path, then the toolkit's folders.
std::vector<std::string> nvrtc_candidates() {
  const std::string forced = env_or_empty("ANVIL_NVRTC_PATH");
  if (!forced.empty()) return {forced};
  const std::vector<std::string> names = {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"};
  std::vector<std::string> out = names;
  std::vector<std::string> dirs;
  const std::string cuda_home = env_or_empty("CUDA_HOME");
  if (!cuda_home.empty()) dirs.push_back(cuda_home + "/lib64");
  dirs.push_back("/usr/local/cuda/lib64");
  for (const std::string& d : dirs)
    for (const std::string& n : names) out.push_back(d + "/" + n);
  return out;
}

template <class F>
bool nvrtc_symbol(void* handle, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  return out != nullptr;
}

void load_nvrtc(Nvrtc& n) {
  std::string tried;
  for (const std::string& path : nvrtc_candidates()) {
    n.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (n.handle) {
      n.info.path = path;
      break;
    }
    const char* why = dlerror();
    tried += "\n  " + path + ": " + (why ? why : "not found");
  }
  if (!n.handle) {
    n.info.error = "no libnvrtc (tried:" + tried + "; set ANVIL_NVRTC_PATH to the library)";
    return;
  }
  const bool all = nvrtc_symbol(n.handle, "nvrtcVersion", n.version) &&
                   nvrtc_symbol(n.handle, "nvrtcGetErrorString", n.error_string) &&
                   nvrtc_symbol(n.handle, "nvrtcCreateProgram", n.create) &&
                   nvrtc_symbol(n.handle, "nvrtcDestroyProgram", n.destroy) &&
                   nvrtc_symbol(n.handle, "nvrtcCompileProgram", n.compile) &&
                   nvrtc_symbol(n.handle, "nvrtcGetProgramLogSize", n.log_size) &&
                   nvrtc_symbol(n.handle, "nvrtcGetProgramLog", n.log) &&
                   nvrtc_symbol(n.handle, "nvrtcGetPTXSize", n.ptx_size) &&
                   nvrtc_symbol(n.handle, "nvrtcGetPTX", n.ptx);
  if (!all) {
    n.info.error = "no libnvrtc: " + n.info.path + " lacks an NVRTC entry point";
    return;
  }
  // Optional: without them every device gets sm_XY and PTX is the only output.
  nvrtc_symbol(n.handle, "nvrtcGetNumSupportedArchs", n.num_archs);
  nvrtc_symbol(n.handle, "nvrtcGetSupportedArchs", n.archs);
  if (!nvrtc_symbol(n.handle, "nvrtcGetCUBINSize", n.cubin_size) || !nvrtc_symbol(n.handle, "nvrtcGetCUBIN", n.cubin))
    n.cubin_size = nullptr;
  n.version(&n.info.major, &n.info.minor);
  int count = 0;
  if (n.num_archs && n.archs && n.num_archs(&count) == NVRTC_SUCCESS && count > 0) {
    n.info.archs.resize(static_cast<size_t>(count));
    if (n.archs(n.info.archs.data()) != NVRTC_SUCCESS) n.info.archs.clear();
  }
}

Nvrtc& nvrtc() {
  static Nvrtc* n = [] {
    auto* made = new Nvrtc;  // never freed, nor dlclosed: kernels may outlive static destruction
    load_nvrtc(*made);
    return made;
  }();
  return *n;
}

// ---- The driver: cuGetProcAddress found with dlsym, every other entry point through it. ----

struct Driver {
  CudaDeviceInfo info;
  void* handle = nullptr;
  PFN_cuGetErrorName_v6000 error_name = nullptr;
  PFN_cuGetErrorString_v6000 error_string = nullptr;
  PFN_cuInit_v2000 init = nullptr;
  PFN_cuDriverGetVersion_v2020 driver_version = nullptr;
  PFN_cuDeviceGetCount_v2000 device_count = nullptr;
  PFN_cuDeviceGet_v2000 device_get = nullptr;
  PFN_cuDeviceGetName_v2000 device_name = nullptr;
  PFN_cuDeviceGetAttribute_v2000 device_attribute = nullptr;
  PFN_cuDevicePrimaryCtxRetain_v7000 primary_retain = nullptr;
  PFN_cuCtxSetCurrent_v4000 set_current = nullptr;
  PFN_cuCtxSynchronize_v2000 synchronize = nullptr;
  PFN_cuModuleLoadData_v2000 module_load = nullptr;
  PFN_cuModuleGetFunction_v2000 module_function = nullptr;
  PFN_cuModuleUnload_v2000 module_unload = nullptr;
  PFN_cuMemAlloc_v3020 mem_alloc = nullptr;
  PFN_cuMemFree_v3020 mem_free = nullptr;
  PFN_cuMemcpyHtoD_v3020 copy_to_device = nullptr;
  PFN_cuMemcpyDtoH_v3020 copy_to_host = nullptr;
  PFN_cuLaunchKernel_v4000 launch = nullptr;
  PFN_cuEventCreate_v2000 event_create = nullptr;
  PFN_cuEventRecord_v2000 event_record = nullptr;
  PFN_cuEventSynchronize_v2000 event_synchronize = nullptr;
  PFN_cuEventElapsedTime_v2000 event_elapsed = nullptr;

  CUdevice device = 0;
  CUcontext context = nullptr;
  int max_block = 0;
  std::mutex run_mutex;                     // one run at a time on the default stream
  CUevent start = nullptr, stop = nullptr;  // around each launch (made on the first run), under run_mutex
  CudaRunStats stats;                       // under run_mutex
  CUdeviceptr vars = 0;                     // every run's vars, grown as needed; under run_mutex
  size_t vars_bytes = 0;
};

// "CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)", or the bare number before the
// error entry points are resolved.
std::string describe(const Driver& d, CUresult r) {
  const char* name = nullptr;
  const char* text = nullptr;
  if (d.error_name) d.error_name(r, &name);
  if (d.error_string) d.error_string(r, &text);
  std::string s = name ? name : "CUresult " + std::to_string(static_cast<int>(r));
  if (text) s += std::string(" (") + text + ")";
  return s;
}

// Resolves the driver's entry points; false (with info.error) when the library or one of them is missing.
bool resolve_driver(Driver& d) {
  d.handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!d.handle) {
    const char* why = dlerror();
    d.info.error = std::string("no libcuda.so.1: no NVIDIA driver (") + (why ? why : "not found") + ")";
    return false;
  }
  // CUDA 12 added symbolStatus to cuGetProcAddress as _v2; the 11.3 form has four parameters.
  auto get_v2 = reinterpret_cast<PFN_cuGetProcAddress_v12000>(dlsym(d.handle, "cuGetProcAddress_v2"));
  auto get_v1 = reinterpret_cast<PFN_cuGetProcAddress_v11030>(dlsym(d.handle, "cuGetProcAddress"));
  if (!get_v2 && !get_v1) {
    d.info.error = "libcuda.so.1 has no cuGetProcAddress: the NVIDIA driver predates CUDA 11.3";
    return false;
  }
  d.info.get_proc = get_v2 ? "cuGetProcAddress_v2" : "cuGetProcAddress";
  std::string missing;
  // The base name (no _v2 suffix): kCudaApiVersion picks the ABI, the one its PFN_..._vNNNN typedef names.
  const auto get = [&](const char* name, auto& out) {
    void* p = nullptr;
    CUresult r = CUDA_SUCCESS;
    if (get_v2) {
      CUdriverProcAddressQueryResult status = CU_GET_PROC_ADDRESS_SUCCESS;
      r = get_v2(name, &p, kCudaApiVersion, CU_GET_PROC_ADDRESS_DEFAULT, &status);
      if (status != CU_GET_PROC_ADDRESS_SUCCESS) p = nullptr;
    } else {
      r = get_v1(name, &p, kCudaApiVersion, CU_GET_PROC_ADDRESS_DEFAULT);
    }
    if (r != CUDA_SUCCESS || !p) {
      missing += std::string(missing.empty() ? "" : ", ") + name;
      return;
    }
    out = reinterpret_cast<std::remove_reference_t<decltype(out)>>(p);
  };
  get("cuGetErrorName", d.error_name);
  get("cuGetErrorString", d.error_string);
  get("cuInit", d.init);
  get("cuDriverGetVersion", d.driver_version);
  get("cuDeviceGetCount", d.device_count);
  get("cuDeviceGet", d.device_get);
  get("cuDeviceGetName", d.device_name);
  get("cuDeviceGetAttribute", d.device_attribute);
  get("cuDevicePrimaryCtxRetain", d.primary_retain);
  get("cuCtxSetCurrent", d.set_current);
  get("cuCtxSynchronize", d.synchronize);
  get("cuModuleLoadData", d.module_load);
  get("cuModuleGetFunction", d.module_function);
  get("cuModuleUnload", d.module_unload);
  get("cuMemAlloc", d.mem_alloc);
  get("cuMemFree", d.mem_free);
  get("cuMemcpyHtoD", d.copy_to_device);
  get("cuMemcpyDtoH", d.copy_to_host);
  get("cuLaunchKernel", d.launch);
  get("cuEventCreate", d.event_create);
  get("cuEventRecord", d.event_record);
  get("cuEventSynchronize", d.event_synchronize);
  get("cuEventElapsedTime", d.event_elapsed);
  if (!missing.empty()) {
    d.info.error = "libcuda.so.1 lacks " + missing + " at CUDA API version " + std::to_string(kCudaApiVersion);
    return false;
  }
  return true;
}

void probe(Driver& d) {
  if (!resolve_driver(d)) return;
  CUresult r = d.init(0);
  if (r == CUDA_ERROR_NO_DEVICE) {
    d.info.error = "no CUDA device (cuInit: " + describe(d, r) + ")";
    return;
  }
  if (r != CUDA_SUCCESS) {
    d.info.error = "cuInit failed: " + describe(d, r);
    return;
  }
  d.driver_version(&d.info.driver_version);
  int count = 0;
  r = d.device_count(&count);
  if (r != CUDA_SUCCESS || count == 0) {
    d.info.error = "no CUDA device" + (r == CUDA_SUCCESS ? std::string() : " (" + describe(d, r) + ")");
    return;
  }
  const std::string wanted = env_or_empty("ANVIL_CUDA_DEVICE");
  if (!wanted.empty()) {
    char* end = nullptr;
    const long v = std::strtol(wanted.c_str(), &end, 10);
    if (*end != '\0' || v < 0 || v >= count) {
      d.info.error =
          "no CUDA device " + wanted + " (ANVIL_CUDA_DEVICE; this machine has " + std::to_string(count) + ")";
      return;
    }
    d.info.ordinal = static_cast<int>(v);
  }
  if ((r = d.device_get(&d.device, d.info.ordinal)) != CUDA_SUCCESS) {
    d.info.error = "cuDeviceGet failed: " + describe(d, r);
    return;
  }
  char name[256] = {};
  d.device_name(name, sizeof name - 1, d.device);
  d.info.device = name;
  d.device_attribute(&d.info.major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, d.device);
  d.device_attribute(&d.info.minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, d.device);
  if (d.device_attribute(&d.max_block, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, d.device) != CUDA_SUCCESS)
    d.max_block = 1024;  // every device since compute capability 2.0
  // For the launch's one-wave grid (cuda_wave_blocks); left 0 (no cap) where the driver does not say.
  d.device_attribute(&d.info.sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, d.device);
  d.device_attribute(&d.info.threads_per_sm, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, d.device);
  d.device_attribute(&d.info.blocks_per_sm, CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR, d.device);
  const NvrtcInfo& n = nvrtc_info();
  if (!n.error.empty()) {
    d.info.error = n.error;
    return;
  }
  d.info.arch = cuda_arch_for(10 * d.info.major + d.info.minor, n.archs);
  // ANVIL_CUDA_ARCH overrides the choice, e.g. compute_90 to run the PTX path on a device NVRTC has cubins for.
  if (const std::string forced = env_or_empty("ANVIL_CUDA_ARCH"); !forced.empty()) {
    if (forced.rfind("sm_", 0) != 0 && forced.rfind("compute_", 0) != 0) {
      d.info.error = "ANVIL_CUDA_ARCH=" + forced + " is neither sm_XY nor compute_XY";
      return;
    }
    d.info.arch = forced;
  }
  if (d.info.arch.empty()) {
    d.info.error = "NVRTC " + std::to_string(n.major) + "." + std::to_string(n.minor) + " (" + n.path +
                   ") cannot compile for compute capability " + std::to_string(d.info.major) + "." +
                   std::to_string(d.info.minor) + " (" + d.info.device + ")";
    return;
  }
  if ((r = d.primary_retain(&d.context, d.device)) != CUDA_SUCCESS) {
    d.info.error = "cuDevicePrimaryCtxRetain failed: " + describe(d, r);
    return;
  }
}

Driver& driver() {
  static Driver* d = [] {
    auto* made = new Driver;  // never freed: the primary context and modules live until exit
    probe(*made);
    return made;
  }();
  return *d;
}

// Raises anvil::Error for a failed driver call.
void check(const Driver& d, CUresult r, const std::string& what) {
  if (r != CUDA_SUCCESS) (ErrorBuilder("cuda") << what << " failed: " << describe(d, r)).raise();
}

// The primary context on this thread: a context is current per thread, and realize runs kernels
// on whichever thread calls it.
void make_current(const Driver& d) { check(d, d.set_current(d.context), "cuCtxSetCurrent"); }

// Device memory freed on every path out, an Error included.
struct DeviceAllocations {
  const Driver& d;
  std::vector<CUdeviceptr> ptrs;
  ~DeviceAllocations() {
    for (CUdeviceptr p : ptrs) d.mem_free(p);
  }
  CUdeviceptr alloc(size_t bytes) {
    CUdeviceptr p = 0;
    check(d, d.mem_alloc(&p, std::max<size_t>(bytes, 1)), "cuMemAlloc of " + std::to_string(bytes) + " bytes");
    ptrs.push_back(p);
    return p;
  }
};

// A buffer's device copy kept between runs (Buffer::device). Freed on whichever thread drops the
// buffer: the context is made current there first; an error (the driver gone at exit) leaks nothing that matters.
struct CudaCopy final : DeviceCopy {
  CUdeviceptr ptr = 0;
  size_t bytes = 0;  // the host bytes it mirrors (the allocation is at least 1)
  ~CudaCopy() override {
    const Driver& d = driver();
    if (ptr && d.set_current(d.context) == CUDA_SUCCESS) d.mem_free(ptr);
  }
};

class Kernel final : public CudaKernel {
 public:
  // The module is never unloaded: the in-process cache holds every kernel until exit.
  Kernel(CUfunction fn, std::string entry) : fn_(fn), entry_(std::move(entry)) {}

  void run(std::span<Buffer* const> buffers, int64_t num_slots, const std::vector<int64_t>& vars, int64_t grid,
           int64_t block, const std::vector<int64_t>& stored) override {
    ANVIL_CHECK(num_slots >= 0 && static_cast<size_t>(num_slots) <= buffers.size())
        << "cuda: kernel " << entry_ << " takes " << num_slots << " buffers, run got " << buffers.size();
    Driver& d = driver();
    ANVIL_CHECK(grid >= 0 && grid <= INT_MAX && block >= 0 && block <= d.max_block)
        << "cuda: kernel " << entry_ << " launch of " << grid << " blocks of " << block << " threads (at most "
        << d.max_block << " a block)";
    const auto began = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(d.run_mutex);
    make_current(d);
    if (!d.start) {
      check(d, d.event_create(&d.start, CU_EVENT_DEFAULT), "cuEventCreate");
      check(d, d.event_create(&d.stop, CU_EVENT_DEFAULT), "cuEventCreate");
    }
    DeviceAllocations mem{d, {}};  // slots of buffers not kept
    std::vector<CUdeviceptr> args;
    std::vector<CudaCopy*> copies(static_cast<size_t>(num_slots), nullptr);  // null: a buffer not kept
    for (int64_t s = 0; s < num_slots; ++s) {
      const auto i = static_cast<size_t>(s);
      Buffer& b = *buffers[i];
      if (b.device.kept()) {
        std::shared_ptr<DeviceCopy>& slot = b.device.copy(DeviceRuntime::cuda);
        // Only this runtime sets its slot, so the copy is a CudaCopy.
        if (!slot || static_cast<CudaCopy&>(*slot).bytes != b.bytes.size()) {
          slot.reset();  // the old allocation first: device memory may not hold both
          auto made = std::make_shared<CudaCopy>();
          check(d, d.mem_alloc(&made->ptr, std::max<size_t>(b.bytes.size(), 1)),
                "cuMemAlloc of " + std::to_string(b.bytes.size()) + " bytes");
          made->bytes = b.bytes.size();
          slot = std::move(made);
        }
        copies[i] = static_cast<CudaCopy*>(slot.get());
        args.push_back(copies[i]->ptr);
      } else {
        args.push_back(mem.alloc(b.bytes.size()));
      }
      if (!copies[i] || !copies[i]->current) {
        if (!b.bytes.empty()) {
          check(d, d.copy_to_device(args.back(), b.bytes.data(), b.bytes.size()),
                "cuMemcpyHtoD of buffer " + std::to_string(s));
          ++d.stats.uploads;
          d.stats.upload_bytes += static_cast<int64_t>(b.bytes.size());
        }
        if (copies[i]) copies[i]->current = true;  // a slot read twice is copied in once
      }
    }
    // The kernel changes the stored copies: current again only once the host has their bytes (a kernel
    // that faults leaves them stale).
    for (int64_t s : stored)
      if (CudaCopy* c = copies[static_cast<size_t>(s)]) c->current = false;
    std::vector<long long> values(vars.begin(), vars.end());
    if (values.empty()) values.push_back(0);
    const size_t vars_bytes = values.size() * sizeof(long long);
    if (d.vars_bytes < vars_bytes) {
      if (d.vars) d.mem_free(d.vars);
      d.vars = 0;
      d.vars_bytes = 0;
      check(d, d.mem_alloc(&d.vars, vars_bytes), "cuMemAlloc of vars");
      d.vars_bytes = vars_bytes;
    }
    args.push_back(d.vars);
    check(d, d.copy_to_device(args.back(), values.data(), vars_bytes), "cuMemcpyHtoD of vars");
    std::vector<void*> params;
    for (CUdeviceptr& p : args) params.push_back(&p);
    float kernel_ms = 0;
    if (grid > 0 && block > 0) {
      check(d, d.event_record(d.start, nullptr), "cuEventRecord");
      check(d,
            d.launch(fn_, static_cast<unsigned>(grid), 1, 1, static_cast<unsigned>(block), 1, 1, 0, nullptr,
                     params.data(), nullptr),
            "cuLaunchKernel of " + entry_);
      check(d, d.event_record(d.stop, nullptr), "cuEventRecord");
    }
    check(d, d.synchronize(), "kernel " + entry_ + " (cuCtxSynchronize)");
    if (grid > 0 && block > 0) check(d, d.event_elapsed(&kernel_ms, d.start, d.stop), "cuEventElapsedTime");
    for (int64_t s : stored) {
      Buffer& b = *buffers[static_cast<size_t>(s)];
      if (!b.bytes.empty())
        check(d, d.copy_to_host(b.bytes.data(), args[static_cast<size_t>(s)], b.bytes.size()),
              "cuMemcpyDtoH of buffer " + std::to_string(s));
    }
    // The host now holds what the kernel stored: this runtime's copies equal it, every other runtime's is stale.
    for (int64_t s : stored) {
      CudaCopy* c = copies[static_cast<size_t>(s)];
      if (!c) continue;
      buffers[static_cast<size_t>(s)]->device.host_changed_except(DeviceRuntime::cuda);
      c->current = true;
    }
    ++d.stats.runs;
    d.stats.kernel_seconds += kernel_ms / 1e3;
    d.stats.run_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  }

 private:
  CUfunction fn_;
  std::string entry_;
};

std::mutex cache_mutex;
std::unordered_map<std::string, std::shared_ptr<CudaKernel>>& kernel_cache() {
  static auto* cache = new std::unordered_map<std::string, std::shared_ptr<CudaKernel>>;  // never freed, as the driver
  return *cache;
}

}  // namespace

const CudaDeviceInfo& cuda_device_info() { return driver().info; }

CudaRunStats cuda_run_stats() {
  Driver& d = driver();
  std::lock_guard<std::mutex> lock(d.run_mutex);
  return d.stats;
}

const NvrtcInfo& nvrtc_info() { return nvrtc().info; }

std::string cuda_arch_for(int cc, std::span<const int> supported) {
  if (supported.empty()) return cc > 0 ? "compute_" + std::to_string(cc) : "";
  if (std::find(supported.begin(), supported.end(), cc) != supported.end()) return "sm_" + std::to_string(cc);
  int best = 0;
  for (int a : supported)
    if (a <= cc) best = std::max(best, a);
  return best > 0 ? "compute_" + std::to_string(best) : "";
}

// The options, and why:
//   --fmad=false        no contraction of a*b+c into an fma (DESIGN.md, Numerics): the c backend's values
//   --prec-div=true, --prec-sqrt=true, --ftz=false   IEEE division, square root and denormals (NVRTC's
//                       defaults, stated so no default can drift; no --use_fast_math)
//   -default-device     the renderer's helper functions are device functions without __device__
const std::vector<std::string>& nvrtc_options() {
  static const std::vector<std::string> options = {"--fmad=false", "--prec-div=true", "--prec-sqrt=true", "--ftz=false",
                                                   "-default-device"};
  return options;
}

NvrtcImage nvrtc_compile(const std::string& source, const std::string& arch, const std::string& name) {
  Nvrtc& n = nvrtc();
  if (!n.info.error.empty()) (ErrorBuilder("cuda") << "cannot compile " << name << ": " << n.info.error).raise();
  std::lock_guard<std::mutex> lock(n.compile_mutex);
  nvrtcProgram prog = nullptr;
  nvrtcResult r = n.create(&prog, source.c_str(), (name + ".cu").c_str(), 0, nullptr, nullptr);
  if (r != NVRTC_SUCCESS)
    (ErrorBuilder("cuda") << "nvrtcCreateProgram for " << name << ": " << n.error_string(r)).raise();
  struct Destroy {
    Nvrtc& n;
    nvrtcProgram& p;
    ~Destroy() { n.destroy(&p); }
  } destroy{n, prog};
  std::vector<std::string> options = {"--gpu-architecture=" + arch};
  options.insert(options.end(), nvrtc_options().begin(), nvrtc_options().end());
  std::vector<const char*> argv;
  for (const std::string& o : options) argv.push_back(o.c_str());
  r = n.compile(prog, static_cast<int>(argv.size()), argv.data());
  NvrtcImage image;
  size_t log_size = 0;
  if (n.log_size(prog, &log_size) == NVRTC_SUCCESS && log_size > 1) {
    image.log.resize(log_size);
    n.log(prog, image.log.data());
    image.log.resize(log_size - 1);  // the terminating NUL
  }
  if (r != NVRTC_SUCCESS)
    (ErrorBuilder("cuda") << "NVRTC could not compile " << name << " for " << arch << " (" << n.error_string(r)
                          << "):\n"
                          << image.log << "\n--- source:\n"
                          << source)
        .raise();
  size_t size = 0;
  image.cubin = arch.rfind("sm_", 0) == 0 && n.cubin_size && n.cubin_size(prog, &size) == NVRTC_SUCCESS && size > 0;
  if (image.cubin) {
    image.bytes.resize(size);
    r = n.cubin(prog, image.bytes.data());
  } else {
    r = n.ptx_size(prog, &size);
    if (r == NVRTC_SUCCESS) {
      image.bytes.resize(size);  // with its NUL: cuModuleLoadData reads PTX as a C string
      r = n.ptx(prog, image.bytes.data());
    }
  }
  if (r != NVRTC_SUCCESS)
    (ErrorBuilder("cuda") << "NVRTC output of " << name << " for " << arch << ": " << n.error_string(r)).raise();
  return image;
}

std::shared_ptr<CudaKernel> cuda_build(const std::string& source, const std::string& entry, double* build_seconds) {
  if (build_seconds) *build_seconds = 0;
  Driver& d = driver();
  if (!d.info.error.empty()) (ErrorBuilder("cuda") << "no device for kernel " << entry << ": " << d.info.error).raise();
  const std::string key = kernel_cache_key(entry + '\n' + source);
  std::lock_guard<std::mutex> lock(cache_mutex);  // held through the build: two threads never build one kernel twice
  auto& cache = kernel_cache();
  if (const auto it = cache.find(key); it != cache.end()) return it->second;
  const auto start = std::chrono::steady_clock::now();
  const NvrtcImage image = nvrtc_compile(source, d.info.arch, entry);
  make_current(d);
  CUmodule module = nullptr;
  check(d, d.module_load(&module, image.bytes.data()),
        "cuModuleLoadData of " + entry + " (" + (image.cubin ? "cubin for " : "PTX for ") + d.info.arch + ")");
  CUfunction fn = nullptr;
  if (const CUresult r = d.module_function(&fn, module, entry.c_str()); r != CUDA_SUCCESS) {
    d.module_unload(module);
    check(d, r, "cuModuleGetFunction " + entry);
  }
  if (build_seconds) *build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto kernel = std::make_shared<Kernel>(fn, entry);
  cache.emplace(key, kernel);
  return kernel;
}

}  // namespace anvil
