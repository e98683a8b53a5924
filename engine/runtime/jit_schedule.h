#pragma once
// Between realize and the JIT (jit.cpp): the schedule a realize runs. With no Jit active on this
// thread it is make_schedule(roots); inside a Jit call it may be a captured schedule replayed
// with this graph's buffers.
#include <functional>
#include <vector>

#include "engine/ir/uop.h"
#include "engine/schedule/schedule.h"

namespace anvil::jit_detail {

struct State;
// The Jit call active on this thread, or nullptr. Read it before realize moves to its deep stack
// (another thread).
State* active();
// `before_scheduling` runs when the roots are scheduled (not replayed): checks only passes need.
Schedule schedule_for_realize(State* jit, const std::vector<UOp>& roots,
                              const std::function<void()>& before_scheduling);

}  // namespace anvil::jit_detail
