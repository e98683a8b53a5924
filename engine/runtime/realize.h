#pragma once
// Realizing a lazy tensor graph on the interpreter: schedule, lower each kernel to a linear
// program, run it on host Buffers (outputs from the caching allocator), and register the result's
// storage (engine/tensor/storage.h). ANVIL_DEBUG=1 prints the kernel count, 2 each program.
// An interpreter event (out of bounds, poison address) is an engine bug: ANVIL_CHECK aborts with
// the event and the program.
#include "engine/ir/uop.h"

namespace anvil {

// The value of `root` as RESHAPE(BUFFER) (or BUFFER when the shape is [count]) with registered storage.
UOp realize_graph(const UOp& root);

// Registers realize_graph as the Tensor API's "interp" backend.
void install_interp_realizer();

}  // namespace anvil
