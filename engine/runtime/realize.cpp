#include "engine/runtime/realize.h"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "engine/codegen/linearize.h"
#include "engine/ir/text.h"
#include "engine/runtime/interp/program.h"
#include "engine/runtime/realize_allocator.h"
#include "engine/schedule/schedule.h"
#include "engine/support/check.h"
#include "engine/support/env.h"
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

UOp realize_graph(const UOp& root) {
  const auto start = std::chrono::steady_clock::now();
  const Schedule s = make_schedule({root});
  std::unordered_map<int64_t, std::shared_ptr<Buffer>> made;  // outputs of this schedule, by uid
  for (size_t k = 0; k < s.kernels.size(); ++k) {
    const Kernel& kernel = s.kernels[k];
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
  if (auto it = made.find(buf.arg_ints()[0]); it != made.end()) register_storage(it->first, it->second);
  return result;
}

void install_interp_realizer() { set_realizer(&realize_graph); }

}  // namespace anvil
