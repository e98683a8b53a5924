#pragma once
// A backend as realize sees it: a name, whether it can run here, a renderer (linear program ->
// source text) and a compiler (source -> something that runs on host buffers). interp is one too:
// its "source" is the program's .uop text and its "compiler" keeps the UOps.
//
// The contract every backend keeps (DESIGN.md, "Semantics"): the same values as interp
// (engine/runtime/interp/program.h) on every program linearize() emits, exactly for integers
// and bools, within the tolerance table for transcendental float ops; total code only (guarded
// divisors, masked shifts, saturating float->int casts, wrapping integers, no fp contraction).
//
// ABI of host-code backends (c, llvm): the rendered function is
//   void NAME(void* const* buffers, const int64_t* vars)
// where buffers[n] is DEFINE_GLOBAL slot n's first byte and vars holds the program's DEFINE_VARs
// sorted by name (var_names() gives the order). HostFunction wraps such a pointer.
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ir/buffer.h"
#include "engine/ir/uop.h"

namespace anvil {

// A compiled kernel. run() may be called many times, concurrently (realize shares one per kernel).
class Program {
 public:
  virtual ~Program() = default;
  // DEFINE_GLOBAL slot n is buffers[n] (dtype and count already checked by realize); `vars` binds
  // every DEFINE_VAR by name, within its range.
  virtual void run(std::span<Buffer* const> buffers, const std::map<std::string, int64_t>& vars) = 0;
};

struct Backend {
  std::string_view name;
  // "" when usable on this machine, else why not ("no C compiler found", "libcuda.so absent").
  std::string (*unavailable)();
  // The kernel as source text: what ANVIL_DEBUG=2 prints and golden kernels store. `fn_name` is
  // the entry point's name.
  std::string (*render)(std::span<const UOp> program, const std::string& fn_name);
  // Compiles rendered source (the program is passed too, for backends that run it directly). A
  // compiler failure on rendered code is an engine bug: ANVIL_CHECK with the source.
  std::shared_ptr<Program> (*compile)(std::span<const UOp> program, const std::string& source,
                                      const std::string& fn_name);
  // What besides the source decides the binary (compiler path, version, flags); part of cache keys.
  std::string (*compiler_id)();
  // A GPU: kernels get the GPU actions (OptTarget::gpu: grouped reductions, no thread chunks), and
  // the renderer maps output loops and lanes to the device's threads.
  bool gpu = false;
};

// The explicit registry: interp first, then each compiled backend built in (ANVIL_WITH_*), less
// those named in ANVIL_SKIP_BACKENDS (comma-separated; the gate's unit tests skip opencl so).
std::span<const Backend* const> all_backends();
const Backend* find_backend_named(std::string_view name);  // nullptr if not built in

// The DEFINE_VAR names of a program, sorted: the order of the `vars` array in the host ABI.
std::vector<std::string> var_names(std::span<const UOp> program);

// The values of `names` in `vars`, in that order: what Program::run passes a kernel. An unbound name is an
// ANVIL_CHECK naming `backend`.
std::vector<int64_t> bound_vars(std::string_view backend, std::span<const std::string> names,
                                const std::map<std::string, int64_t>& vars);

// The DEFINE_GLOBAL slots a program stores to, each once, in first-store order: what a device
// backend copies back after a run, and what alias_checked guards.
std::vector<int64_t> stored_slots(std::span<const UOp> program);

// A Program around a host function of the ABI above; `keep` owns whatever holds the code
// (a dlopen handle, an LLJIT) and is destroyed after the last run.
using HostKernelFn = void (*)(void* const*, const int64_t*);
std::shared_ptr<Program> host_program(HostKernelFn fn, std::vector<std::string> vars, std::shared_ptr<void> keep);

// `inner` behind a check that no buffer the program stores to is also passed in another slot
// (ANVIL_CHECK naming `backend` and `why`): what c's restrict and llvm's noalias assume.
std::shared_ptr<Program> alias_checked(std::string_view backend, std::string_view why, std::span<const UOp> program,
                                       std::shared_ptr<Program> inner);

}  // namespace anvil
