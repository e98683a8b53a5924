#pragma once
// Between realize and the JIT (jit.cpp): the schedule a realize runs. With no Jit active on this
// thread it is make_schedule({root}); inside a Jit call it may be a captured schedule replayed
// with this graph's buffers.
#include "engine/ir/uop.h"
#include "engine/schedule/schedule.h"

namespace anvil::jit_detail {

struct State;
// The Jit call active on this thread, or nullptr. Read it before realize moves to its deep stack
// (another thread).
State* active();
Schedule schedule_for_realize(State* jit, const UOp& root);

}  // namespace anvil::jit_detail
