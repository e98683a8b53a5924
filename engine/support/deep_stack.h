#pragma once
// Runs a function on a thread with a large stack and waits for it. Graph passes recurse once per
// level of the graph; a user's 100,000-op chain must not overflow the caller's 8 MiB stack. The
// stack is reserved address space; only the pages a pass touches are committed.
//
// Each calling thread keeps one persistent deep-stack thread (started at its first call, joined
// when the calling thread exits), so a call costs a hand-off, not a thread's creation: a JIT replay
// realizes often. A call that used more than kDeepStackKeepBytes of it retires that thread
// afterwards, giving the touched pages back (and, under ASan, any poison left by unwinding).
// A call made on a deep stack already runs inline, on what is left of that stack. After fork, a
// child starts its own thread. Waiting for a call to return, and for the next one, spins ~50 us
// before it sleeps: a JIT replay realizes back to back.
#include <cstddef>
#include <functional>

namespace anvil {

constexpr size_t kDeepStackBytes = size_t{1} << 30;
constexpr size_t kDeepStackKeepBytes = size_t{8} << 20;

// Calls fn on a thread with at least `stack_bytes` of stack; an exception fn throws is rethrown here.
void run_on_deep_stack(const std::function<void()>& fn, size_t stack_bytes = kDeepStackBytes);

// Whether this thread is a deep-stack thread (for tests).
bool on_deep_stack();

}  // namespace anvil
