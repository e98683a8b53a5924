#include "engine/runtime/realize.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "engine/codegen/linearize.h"
#include "engine/ir/text.h"
#include "engine/runtime/interp/program.h"
#include "engine/runtime/kernel_check.h"
#include "engine/runtime/realize_allocator.h"
#include "engine/schedule/schedule.h"
#include "engine/support/breadcrumb.h"
#include "engine/support/check.h"
#include "engine/support/deep_stack.h"
#include "engine/support/env.h"
#include "engine/support/error.h"
#include "engine/tensor/storage.h"
#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

constexpr size_t kMaxCachedPrograms = 4096;
// Kernels are finite by construction; the interpreter's default limit guards fuzzed programs.
constexpr uint64_t kMaxSteps = uint64_t{1} << 44;

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

std::string events_text(const interp::RunResult& r) {
  std::ostringstream os;
  os << r.event_count << " interpreter event(s):";
  for (const interp::Event& e : r.events)
    os << "\n  " << interp::event_kind_name(e.kind) << " at " << e.at.brief() << ": " << e.detail;
  return os.str();
}

}  // namespace

namespace {

// Deeper graphs raise instead of overflowing even the deep stack (a pass recurses per level).
constexpr size_t kMaxGraphDepth = 100000;

size_t graph_depth(const UOp& root) {
  std::unordered_map<UOp, size_t, UOpHash> depth;
  size_t deepest = 0;
  for (const UOp& u : root.toposort()) {  // sources come first
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

UOp realize_here(const UOp& root) {
  const auto start = std::chrono::steady_clock::now();
  breadcrumb::Scope crumb("schedule", op_name(root.op()).data(), "-");
  const Schedule s = make_schedule({root});
  std::unordered_map<int64_t, std::shared_ptr<Buffer>> made;  // outputs of this schedule, by uid
  for (size_t k = 0; k < s.kernels.size(); ++k) {
    const Kernel& kernel = s.kernels[k];
    breadcrumb::Scope kernel_crumb("lower", kernel_op_name(kernel.ast), "interp");
    if (const KernelChecker check = kernel_checker()) check(kernel.ast);  // e.g. bounds proofs (ANVIL_CHECK_OOB)
    const std::vector<UOp> program = program_for(kernel.ast);
    if (debug_level() >= 2) std::fprintf(stderr, "kernel %zu:\n%s\n", k, to_text(program).c_str());
    std::vector<std::shared_ptr<Buffer>> held;
    std::vector<interp::Buffer*> slots;
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
    breadcrumb::g_slot.stage.store("interp", std::memory_order_relaxed);
    const interp::RunResult r = interp::run_program(program, slots, {}, kMaxSteps);
    ANVIL_CHECK(r.ok()) << "realize: kernel " << k << " misbehaved: " << events_text(r) << "\n" << to_text(program);
  }
  if (debug_level() >= 1) {
    const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;
    std::fprintf(stderr, "realize: %zu kernel(s) in %.3f ms\n", s.kernels.size(), ms.count());
  }
  const UOp result = s.results.at(0);
  UOp buf = result;
  while (buf.op() == Op::RESHAPE) buf = UOp(buf.src(0));  // a copy first: src(0) lives in the node being replaced
  const int64_t uid = buf.arg_ints()[0];
  if (auto it = made.find(uid); it != made.end()) {
    register_storage(uid, it->second);
  } else if (buf.arg_ints()[1] == 0 && !storage_of(uid)) {  // no elements: the schedule ran no kernel
    register_storage(uid, std::make_shared<Buffer>(buf.dtype(), 0));
  }
  return result;
}

}  // namespace

UOp realize_graph(const UOp& root) {
  if (const size_t depth = graph_depth(root); depth > kMaxGraphDepth)
    (ErrorBuilder("realize") << "the graph is " << depth << " ops deep; at most " << kMaxGraphDepth
                             << " are supported (realize() an intermediate tensor)")
        .raise();
  UOp out;
  run_on_deep_stack([&] { out = realize_here(root); });
  return out;
}

void install_interp_realizer() { register_backend("interp", &realize_graph); }

}  // namespace anvil
