#include "engine/runtime/backend.h"

#include <algorithm>

#include "engine/support/check.h"
#include "engine/support/env.h"

namespace anvil {

const Backend& interp_backend();  // engine/runtime/interp/interp_backend.cpp
const Backend& c_backend();       // engine/runtime/c/c_backend.cpp
#if ANVIL_WITH_LLVM
const Backend& llvm_backend();  // engine/runtime/llvm/llvm_backend.cpp
#endif
#if ANVIL_WITH_OPENCL
const Backend& opencl_backend();  // engine/runtime/opencl/opencl_backend.cpp
#endif
#if ANVIL_WITH_CUDA
const Backend& cuda_backend();  // engine/runtime/cuda/cuda_backend.cpp
#endif

namespace {

// One line per backend (DESIGN.md: adding a backend is one folder and one line here).
std::vector<const Backend*> make_registry() {
  std::vector<const Backend*> all;
  all.push_back(&interp_backend());
  all.push_back(&c_backend());
#if ANVIL_WITH_LLVM
  all.push_back(&llvm_backend());
#endif
#if ANVIL_WITH_OPENCL
  all.push_back(&opencl_backend());
#endif
#if ANVIL_WITH_CUDA
  all.push_back(&cuda_backend());
#endif
  return all;
}

class HostProgram final : public Program {
 public:
  HostProgram(HostKernelFn fn, std::vector<std::string> vars, std::shared_ptr<void> keep)
      : fn_(fn), vars_(std::move(vars)), keep_(std::move(keep)) {}

  void run(std::span<Buffer* const> buffers, const std::map<std::string, int64_t>& vars) override {
    std::vector<void*> ptrs;
    ptrs.reserve(buffers.size());
    for (Buffer* b : buffers) ptrs.push_back(b->bytes.data());
    fn_(ptrs.data(), bound_vars("run", vars_, vars).data());
  }

 private:
  HostKernelFn fn_;
  std::vector<std::string> vars_;
  std::shared_ptr<void> keep_;
};

// ANVIL_SKIP_BACKENDS (names, comma-separated) leaves compiled backends out of this process's
// registry: the gate's unit tests skip those whose whole suite runs nightly (CMakeLists.txt).
std::vector<const Backend*> without_skipped(std::vector<const Backend*> all) {
  const std::string skip = "," + env_string("ANVIL_SKIP_BACKENDS") + ",";
  std::erase_if(all, [&](const Backend* b) {
    return b->name != "interp" && skip.find("," + std::string(b->name) + ",") != std::string::npos;
  });
  return all;
}

}  // namespace

std::span<const Backend* const> all_backends() {
  static const std::vector<const Backend*> registry = without_skipped(make_registry());
  return registry;
}

const Backend* find_backend_named(std::string_view name) {
  for (const Backend* b : all_backends())
    if (b->name == name) return b;
  return nullptr;
}

std::vector<int64_t> stored_slots(std::span<const UOp> program) {
  std::vector<int64_t> out;
  for (const UOp& u : program) {
    if (u.op() != Op::STORE) continue;
    UOp p = u.src(0);
    while (p.op() == Op::INDEX || p.op() == Op::CAST) p = UOp(p.src(0));
    if (p.op() == Op::DEFINE_GLOBAL && std::find(out.begin(), out.end(), p.arg_int()) == out.end())
      out.push_back(p.arg_int());
  }
  return out;
}

std::vector<std::string> var_names(std::span<const UOp> program) {
  std::vector<std::string> names;
  for (const UOp& u : program)
    if (u.op() == Op::DEFINE_VAR) names.push_back(u.arg_var().name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::vector<int64_t> bound_vars(std::string_view backend, std::span<const std::string> names,
                                const std::map<std::string, int64_t>& vars) {
  std::vector<int64_t> values;
  values.reserve(names.size());
  for (const std::string& name : names) {
    const auto it = vars.find(name);
    ANVIL_CHECK(it != vars.end()) << backend << ": DEFINE_VAR " << name << " is not bound";
    values.push_back(it->second);
  }
  return values;
}

std::shared_ptr<Program> host_program(HostKernelFn fn, std::vector<std::string> vars, std::shared_ptr<void> keep) {
  ANVIL_CHECK(fn != nullptr) << "host_program: no function";
  return std::make_shared<HostProgram>(fn, std::move(vars), std::move(keep));
}

namespace {

class AliasChecked final : public Program {
 public:
  AliasChecked(std::string backend, std::string why, std::shared_ptr<Program> inner, std::vector<int64_t> stored)
      : backend_(std::move(backend)), why_(std::move(why)), inner_(std::move(inner)), stored_(std::move(stored)) {}

  void run(std::span<Buffer* const> buffers, const std::map<std::string, int64_t>& vars) override {
    for (int64_t w : stored_) {
      const auto wi = static_cast<size_t>(w);
      ANVIL_CHECK(wi < buffers.size()) << backend_ << ": kernel stores to buffer " << w << " of " << buffers.size();
      for (size_t j = 0; j < buffers.size(); ++j)
        ANVIL_CHECK(j == wi || buffers[j] != buffers[wi] || buffers[j]->count == 0)
            << backend_ << ": buffer " << w << " is stored to and also passed as buffer " << j << " (" << why_ << ")";
    }
    inner_->run(buffers, vars);
  }

 private:
  std::string backend_, why_;
  std::shared_ptr<Program> inner_;
  std::vector<int64_t> stored_;
};

}  // namespace

std::shared_ptr<Program> alias_checked(std::string_view backend, std::string_view why, std::span<const UOp> program,
                                       std::shared_ptr<Program> inner) {
  return std::make_shared<AliasChecked>(std::string(backend), std::string(why), std::move(inner),
                                        stored_slots(program));
}

}  // namespace anvil
