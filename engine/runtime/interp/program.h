#pragma once
// The reference interpreter of linearized kernels: runs a program (UOps in execution order) on
// host buffers, op by op, with the exact semantics of each dtype (exec_alu). It defines the IR
// that every compiled backend is judged against.
//
// Undefined behaviour of the program (an out-of-bounds access, poison used as an address, a
// branch condition or a loop bound) is reported as an Event and the offending access skipped;
// the interpreter itself never crashes, never has host UB and never hangs (a step limit). A
// malformed program (a node before its sources, END without its RANGE, a missing buffer, ...)
// is an anvil::Error (op "interp").
//
// Meaning of the pieces:
// - RANGE(end) ... END: the nodes between run once per value 0..end-1 (none if end <= 0). IF(c) ...
//   ENDIF: the nodes between run when c is true. SINK ends the run; BARRIER does nothing.
// - Each node has one current value (per lane), set each time it runs. A node may occur more than
//   once (hash-consing makes two loads of one address one node): every occurrence runs again.
// - The structure rules are those of validate_program (engine/ir/spec.h), plus repeats: sources
//   come earlier, blocks nest, no value that depends on a loop variable is used after its END. A
//   value used after a block that never ran (an IF not taken, an empty loop) is poison.
// - INDEX(ptr, idx[, gate]) addresses element ptr+idx (lanes: idx's lanes, or consecutive from a
//   scalar idx); a false gate skips that lane. LOAD of a skipped lane gives the alternative (or
//   poison without one); an out-of-bounds or poison-addressed lane gives poison and an Event.
// - LOAD(INDEX[, alternative][, deps...]): trailing void sources (a STORE, an END) are ordering
//   edges only, so a load before a loop and the same load after its END are distinct nodes.
// - Poison stored to memory marks the element (Buffer::poison) and reads back as poison. A
//   DEFINE_LOCAL / DEFINE_REG is fresh for every run and starts all poison (uninitialized).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/ir/alu.h"
#include "engine/ir/buffer.h"
#include "engine/ir/uop.h"

namespace anvil::interp {

// Host buffers are engine/ir/buffer.h's; the interpreter reads and writes them in place.
using Buffer = anvil::Buffer;

enum class EventKind {
  OutOfBounds,    // a load or store lane outside its buffer
  PoisonAddress,  // a load or store whose index or gate is poison
  PoisonBranch,   // an IF on poison
  PoisonBound,    // a RANGE whose end is poison
  StepLimit,      // the run stopped after max_steps nodes
};
std::string_view event_kind_name(EventKind kind);

struct Event {
  EventKind kind;
  UOp at;              // the node that did it (LOAD, STORE, IF, RANGE, or the next node at the step limit)
  std::string detail;  // buffer, element, lane and the loop variables' values
};

struct RunResult {
  std::vector<Event> events;  // the first kMaxEvents; event_count counts all
  uint64_t event_count = 0;
  uint64_t steps = 0;  // nodes executed
  bool ok() const { return event_count == 0; }
};

inline constexpr size_t kMaxEvents = 64;
inline constexpr uint64_t kDefaultMaxSteps = uint64_t{1} << 26;

// Runs `program` (execution order) on `buffers` (DEFINE_GLOBAL arg n is buffers[n]; its pointer
// dtype must name the buffer's dtype and, if ptr_size >= 0, its count). `vars` binds DEFINE_VARs
// by name (within their declared range). Writes results into the buffers.
RunResult run_program(std::span<const UOp> program, std::span<Buffer* const> buffers,
                      const std::map<std::string, int64_t>& vars = {}, uint64_t max_steps = kDefaultMaxSteps);

}  // namespace anvil::interp
