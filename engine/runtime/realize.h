#pragma once
// Realizing a lazy tensor graph on a backend (engine/runtime/backend.h): schedule, lower each
// kernel to a linear program, compile it (once per kernel structure and backend in a process),
// run it on host Buffers (outputs from the caching allocator), and register the result's storage
// (engine/tensor/storage.h). ANVIL_DEBUG=1 prints the kernel count, 2 each kernel's source.
// An interpreter event (out of bounds, poison address) is an engine bug: ANVIL_CHECK aborts with
// the event and the program.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/ir/uop.h"

namespace anvil {

struct Backend;

// The value of `root` as RESHAPE(BUFFER) (or BUFFER when the shape is [count]) with registered
// storage. `vars` binds the kernels' DEFINE_VARs by name.
UOp realize_graph_on(const Backend& backend, const UOp& root, const std::map<std::string, int64_t>& vars);
UOp realize_graph(const UOp& root);  // on interp
// Several roots in one schedule: a subgraph they share (a forward pass feeding the loss and the
// gradients) is computed once. Results in the order of `roots`.
std::vector<UOp> realize_graphs_on(const Backend& backend, const std::vector<UOp>& roots,
                                   const std::map<std::string, int64_t>& vars);

// Registers "interp" with the Tensor API, and the backend ANVIL_BACKEND names when it is another
// built-in one (so a test binary run with ANVIL_BACKEND=c runs on c); Error if that one is
// unavailable here.
void install_interp_realizer();
// Registers every built-in backend usable here; returns their names in registry order.
std::vector<std::string> install_backends();

// Kernels compiled so far in this process, on any backend (a cache hit does not count).
uint64_t compile_count();

}  // namespace anvil
