#include "engine/runtime/realize.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "engine/codegen/linearize.h"
#include "engine/codegen/opt.h"
#include "engine/ir/shape.h"
#include "engine/ir/text.h"
#include "engine/runtime/backend.h"
#include "engine/runtime/jit_schedule.h"
#include "engine/runtime/kernel_check.h"
#include "engine/runtime/realize_allocator.h"
#include "engine/runtime/search.h"
#include "engine/schedule/schedule.h"
#include "engine/support/breadcrumb.h"
#include "engine/support/check.h"
#include "engine/support/deep_stack.h"
#include "engine/support/env.h"
#include "engine/support/error.h"
#include "engine/support/thread_pool.h"
#include "engine/tensor/storage.h"
#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

constexpr size_t kMaxCachedPrograms = 4096;

// Lowering is paid once per kernel structure: ASTs name slots and sizes, never buffer uids.
std::vector<UOp> program_for(const UOp& ast) {
  static std::mutex mu;
  static auto* cache = new std::unordered_map<UOp, std::vector<UOp>, UOpHash>;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = cache->find(ast); it != cache->end()) return it->second;
  }
  std::vector<UOp> program = linearize(ast);
  std::lock_guard<std::mutex> lock(mu);
  if (cache->size() >= kMaxCachedPrograms) cache->clear();
  cache->emplace(ast, program);
  return program;
}

// Compiling is paid once per (kernel structure, backend) in a process; backends keep their own
// disk caches keyed by source and compiler. Counts are for tests and ANVIL_DEBUG.
struct CompiledKey {
  UOp ast;
  std::string backend;
  bool operator==(const CompiledKey&) const = default;
};
struct CompiledKeyHash {
  size_t operator()(const CompiledKey& k) const { return UOpHash{}(k.ast) ^ std::hash<std::string>{}(k.backend); }
};

std::mutex g_compiled_mu;
std::atomic<uint64_t> g_compile_count{0};

std::shared_ptr<Program> compiled_for(const Backend& backend, const UOp& ast, size_t index) {
  static auto* cache = new std::unordered_map<CompiledKey, std::shared_ptr<Program>, CompiledKeyHash>;
  CompiledKey key{ast, std::string(backend.name)};
  {
    std::lock_guard<std::mutex> lock(g_compiled_mu);
    if (auto it = cache->find(key); it != cache->end()) return it->second;
  }
  const std::vector<UOp> program = program_for(ast);
  const std::string fn_name = "anvil_kernel";
  const std::string source = backend.render(program, fn_name);
  if (debug_level() >= 2) std::fprintf(stderr, "kernel %zu (%s):\n%s\n", index, key.backend.c_str(), source.c_str());
  std::shared_ptr<Program> compiled = backend.compile(program, source, fn_name);
  ANVIL_CHECK(compiled) << backend.name << ": compile returned nothing for\n" << source;
  g_compile_count.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(g_compiled_mu);
  if (cache->size() >= kMaxCachedPrograms) cache->clear();
  cache->emplace(std::move(key), compiled);
  return compiled;
}

// A kernel as it runs: the scheduled AST with the actions the heuristic chose (engine/codegen/opt.h),
// once per kernel structure; with ANVIL_SEARCH=N, the fastest of N candidates timed on the backend
// (engine/runtime/search.h), once per kernel structure and backend. ANVIL_NOOPT=1 runs kernels as
// scheduled (the metamorphic oracle).
struct Optimized {
  UOp ast;
  int64_t chunks = 1;  // thread chunks: run once per value of kThreadVar
};

Optimized optimized(const Backend& backend, const UOp& ast) {
  static std::mutex mu;
  static auto* cache = new std::unordered_map<CompiledKey, Optimized, CompiledKeyHash>;
  static const bool noopt = env_int("ANVIL_NOOPT", 0) != 0;
  static const int64_t search = env_int("ANVIL_SEARCH", 0);
  // Search times host candidates (thread chunks, CPU tiles): a GPU keeps the GPU heuristic's actions.
  const bool searched = !noopt && search > 0 && backend.name != "interp" && !backend.gpu;
  // Actions depend on the backend only through its target (host or GPU), unless searched on it.
  const CompiledKey key{ast, searched ? std::string(backend.name) : backend.gpu ? std::string("gpu") : std::string()};
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = cache->find(key); it != cache->end()) return it->second;
  }
  Optimized o{ast, 1};
  if (!noopt) {
    const std::vector<Opt> opts =
        searched ? search_opts(backend, ast, thread_count(), static_cast<size_t>(search))
                 : choose_opts(ast, backend.gpu ? OptTarget{1, false, true} : host_opt_target(thread_count()));
    o.ast = apply_opts(ast, opts);
    o.chunks = thread_chunks(o.ast);
    if (debug_level() >= 2 && !opts.empty()) std::fprintf(stderr, "opts: %s\n", to_string(opts).c_str());
  }
  std::lock_guard<std::mutex> lock(mu);
  if (cache->size() >= kMaxCachedPrograms) cache->clear();
  cache->emplace(key, o);
  return o;
}

}  // namespace

namespace {

constexpr size_t kMaxGraphDepth = 100000;

size_t graph_depth(const std::vector<UOp>& roots) {
  std::unordered_map<UOp, size_t, UOpHash> depth;
  size_t deepest = 0;
  for (const UOp& u : UOp::make(Op::SINK, dtypes::void_, roots).toposort()) {  // sources come first
    size_t d = 1;
    for (const UOp& s : u.src()) d = std::max(d, depth.at(s) + 1);
    depth.emplace(u, d);
    deepest = std::max(deepest, d);
  }
  return deepest;
}

// The op a kernel computes, for crash reports: the value its STORE writes (SINK(STORE(at, value))).
const char* kernel_op_name(const UOp& ast) {
  UOp u = ast;
  while ((u.op() == Op::SINK || u.op() == Op::STORE) && !u.src().empty()) u = UOp(u.src().back());
  return op_name(u.op()).data();
}

// A kernel's buffers for ANVIL_DEBUG=3: each slot's dtype and element count, outputs first.
std::string kernel_shape(const Kernel& k) {
  std::ostringstream os;
  for (size_t i = 0; i < k.buffers.size(); ++i)
    os << (i ? (i == k.n_outputs ? " <- " : ", ") : "") << name(k.buffers[i].dtype()) << "["
       << k.buffers[i].arg_ints()[1] << "]";
  return os.str();
}

// The kernel checker (e.g. bounds proofs, ANVIL_CHECK_OOB) sees each kernel structure once per checker.
void check_once(const UOp& ast) {
  const KernelChecker check = kernel_checker();
  if (!check) return;
  static std::mutex mu;
  static KernelChecker checked_by = nullptr;
  static auto* checked = new std::unordered_set<UOp, UOpHash>;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (checked_by != check) checked->clear(), checked_by = check;
    if (checked->contains(ast)) return;
  }
  check(ast);
  std::lock_guard<std::mutex> lock(mu);
  if (checked->size() >= kMaxCachedPrograms) checked->clear();
  if (checked_by == check) checked->insert(ast);
}

// A symbolic root's value lives at the front of a buffer sized for its vars' upper bounds
// (schedule.h): Tensor storage holds exactly its elements, so those are copied to a buffer of their own.
UOp exact_copy(const UOp& root, const UOp& big, const std::shared_ptr<Buffer>& from) {
  ANVIL_CHECK(root.shape()) << "realize: a symbolic root without a shape: " << root.brief();
  const int64_t count = shape_numel(*root.shape());
  ANVIL_CHECK(from && from->count >= static_cast<size_t>(count))
      << "realize: the symbolic result's buffer is missing or smaller than " << count << " (" << big.brief() << ")";
  auto exact = std::make_shared<Buffer>(from->dtype, static_cast<size_t>(count));
  const size_t bytes = static_cast<size_t>(count) * static_cast<size_t>(itemsize(from->dtype));
  if (bytes) std::memcpy(exact->bytes.data(), from->bytes.data(), bytes);
  std::copy_n(from->poison.begin(), count, exact->poison.begin());
  const int64_t uid = new_buffer_uid();
  register_storage(uid, exact);
  const UOp leaf = UOp::make(Op::BUFFER, from->dtype, {}, std::vector<int64_t>{uid, count});
  if (*root.shape() == Shape{count}) return leaf;
  return UOp::make(Op::RESHAPE, from->dtype, {leaf}, *root.shape());
}

// The vars a run binds: the caller's and the schedule's (BIND values); one name, one value.
std::map<std::string, int64_t> merged_vars(const std::map<std::string, int64_t>& given,
                                           const std::map<std::string, int64_t>& scheduled) {
  std::map<std::string, int64_t> all = given;
  for (const auto& [name, value] : scheduled) {
    const auto [it, fresh] = all.emplace(name, value);
    if (!fresh && it->second != value)
      (ErrorBuilder("realize") << "var " << name << " is bound to " << it->second << " and to " << value).raise();
  }
  return all;
}

// A root's realized value: its result graph with the storage registered under the result's uid.
UOp registered_result(const UOp& root, const UOp& result,
                      const std::unordered_map<int64_t, std::shared_ptr<Buffer>>& made) {
  UOp buf = result;
  bool prefix = false;  // a symbolic result: the first `count` elements of an upper-bound buffer
  while (buf.op() == Op::RESHAPE || buf.op() == Op::SHRINK) {
    prefix = prefix || buf.op() == Op::SHRINK;
    buf = UOp(buf.src(0));  // a copy first: src(0) lives in the node being replaced
  }
  const int64_t uid = buf.arg_ints()[0];
  if (prefix) return exact_copy(root, buf, made.count(uid) ? made.at(uid) : storage_of(uid));
  if (auto it = made.find(uid); it != made.end()) {
    register_storage(uid, it->second);
  } else if (buf.arg_ints()[1] == 0 && !storage_of(uid)) {  // no elements: the schedule ran no kernel
    register_storage(uid, std::make_shared<Buffer>(buf.dtype(), 0));
  }
  return result;
}

std::vector<UOp> realize_here(const Backend& backend, const std::vector<UOp>& roots,
                              const std::map<std::string, int64_t>& given_vars, jit_detail::State* jit) {
  const auto start = std::chrono::steady_clock::now();
  breadcrumb::Scope crumb("schedule", op_name(roots.at(0).op()).data(), "-");
  // Deeper graphs raise instead of overflowing even the deep stack: scheduling recurses per level (a
  // JIT replay does not, and skips the walk).
  const Schedule s = jit_detail::schedule_for_realize(jit, roots, [&] {
    if (const size_t depth = graph_depth(roots); depth > kMaxGraphDepth)
      (ErrorBuilder("realize") << "the graph is " << depth << " ops deep; at most " << kMaxGraphDepth
                               << " are supported (realize() an intermediate tensor)")
          .raise();
  });
  const std::map<std::string, int64_t> vars = merged_vars(given_vars, s.vars);
  std::unordered_map<int64_t, std::shared_ptr<Buffer>> made;  // outputs of this schedule, by uid
  for (size_t k = 0; k < s.kernels.size(); ++k) {
    const Kernel& kernel = s.kernels[k];
    const std::string backend_name(backend.name);
    breadcrumb::Scope kernel_crumb("lower", kernel_op_name(kernel.ast), backend_name.c_str());
    const Optimized opt = optimized(backend, kernel.ast);
    check_once(opt.ast);
    const std::shared_ptr<Program> compiled = compiled_for(backend, opt.ast, k);
    std::vector<std::shared_ptr<Buffer>> held;
    std::vector<Buffer*> slots;
    for (size_t i = 0; i < kernel.buffers.size(); ++i) {
      const UOp& b = kernel.buffers[i];
      const int64_t uid = b.arg_ints()[0];
      std::shared_ptr<Buffer> buf;
      if (i < kernel.n_outputs) {
        buf = pool_allocate(b.dtype(), static_cast<size_t>(b.arg_ints()[1]));
        made[uid] = buf;
      } else if (auto it = made.find(uid); it != made.end()) {
        buf = it->second;
      } else {
        buf = storage_of(uid);
      }
      ANVIL_CHECK(buf) << "realize: no storage for buffer uid " << uid << " (" << b.brief() << ")";
      held.push_back(buf);
      slots.push_back(buf.get());
    }
    breadcrumb::g_slot.stage.store("run", std::memory_order_relaxed);
    const auto kernel_start = std::chrono::steady_clock::now();
    if (opt.chunks == 1) {
      compiled->run(slots, vars);
    } else {
      parallel_for(static_cast<size_t>(opt.chunks), [&](size_t t) {
        std::map<std::string, int64_t> chunk_vars = vars;
        chunk_vars[std::string(kThreadVar)] = static_cast<int64_t>(t);
        compiled->run(slots, chunk_vars);
      });
    }
    if (debug_level() >= 3) {  // each kernel's wall time, for finding the slow one (ANVIL_DEBUG=3)
      const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - kernel_start;
      std::fprintf(stderr, "  kernel %2zu %-10s %8.3f ms  %zu chunk(s)  %s\n", k, kernel_op_name(kernel.ast),
                   ms.count(), static_cast<size_t>(opt.chunks), kernel_shape(kernel).c_str());
    }
  }
  if (debug_level() >= 1) {
    const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;
    std::fprintf(stderr, "realize: %zu kernel(s) on %s in %.3f ms\n", s.kernels.size(),
                 std::string(backend.name).c_str(), ms.count());
  }
  std::vector<UOp> out;
  for (size_t i = 0; i < roots.size(); ++i) out.push_back(registered_result(roots[i], s.results.at(i), made));
  return out;
}

}  // namespace

std::vector<UOp> realize_graphs_on(const Backend& backend, const std::vector<UOp>& roots,
                                   const std::map<std::string, int64_t>& vars) {
  if (roots.empty()) return {};
  std::vector<UOp> out;
  jit_detail::State* const jit = jit_detail::active();  // thread-local: read before the deep stack
  run_on_deep_stack([&] { out = realize_here(backend, roots, vars, jit); });
  return out;
}

UOp realize_graph_on(const Backend& backend, const UOp& root, const std::map<std::string, int64_t>& vars) {
  return realize_graphs_on(backend, {root}, vars).at(0);
}

UOp realize_graph(const UOp& root) { return realize_graph_on(*find_backend_named("interp"), root, {}); }

uint64_t compile_count() { return g_compile_count.load(std::memory_order_relaxed); }

namespace {

// Realizer is a plain function pointer: one per registry position.
template <size_t I>
UOp realize_nth(const UOp& root) {
  return realize_graph_on(*all_backends()[I], root, {});
}
template <size_t I>
std::vector<UOp> realize_nth_all(const std::vector<UOp>& roots) {
  return realize_graphs_on(*all_backends()[I], roots, {});
}
template <size_t... I>
constexpr std::array<Realizer, sizeof...(I)> realizers(std::index_sequence<I...>) {
  return {&realize_nth<I>...};
}
template <size_t... I>
constexpr std::array<MultiRealizer, sizeof...(I)> multi_realizers(std::index_sequence<I...>) {
  return {&realize_nth_all<I>...};
}
constexpr size_t kMaxBackends = 8;

}  // namespace

namespace {

// Registers backend i when it is usable here; returns whether it was.
bool install_nth(size_t i) {
  static constexpr std::array<Realizer, kMaxBackends> by_index = realizers(std::make_index_sequence<kMaxBackends>{});
  static constexpr std::array<MultiRealizer, kMaxBackends> all_by_index =
      multi_realizers(std::make_index_sequence<kMaxBackends>{});
  const std::span<const Backend* const> all = all_backends();
  ANVIL_CHECK(all.size() <= kMaxBackends) << "install_backends: raise kMaxBackends to " << all.size();
  if (!all[i]->unavailable().empty()) return false;
  register_backend(std::string(all[i]->name), by_index[i], all_by_index[i]);
  return true;
}

}  // namespace

void install_interp_realizer() {
  register_backend("interp", &realize_graph, [](const std::vector<UOp>& roots) {
    return realize_graphs_on(*find_backend_named("interp"), roots, {});
  });
  const std::string wanted = default_backend();
  const std::span<const Backend* const> all = all_backends();
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i]->name == wanted && wanted != "interp" && !install_nth(i))
      (ErrorBuilder("backend") << "ANVIL_BACKEND names '" << wanted
                               << "', which is unavailable here: " << all[i]->unavailable())
          .raise();
}

std::vector<std::string> install_backends() {
  std::vector<std::string> installed;
  for (size_t i = 0; i < all_backends().size(); ++i)
    if (install_nth(i)) installed.emplace_back(all_backends()[i]->name);
  return installed;
}

}  // namespace anvil
