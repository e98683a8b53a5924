#pragma once
// Runs a function on a thread with a large stack and waits for it. Graph passes recurse once per
// level of the graph; a user's 100,000-op chain must not overflow the caller's 8 MiB stack. The
// stack is reserved address space; only the pages a pass touches are committed.
#include <cstddef>
#include <functional>

namespace anvil {

constexpr size_t kDeepStackBytes = size_t{1} << 30;

// Calls fn on a thread with `stack_bytes` of stack; an exception fn throws is rethrown here.
void run_on_deep_stack(const std::function<void()>& fn, size_t stack_bytes = kDeepStackBytes);

}  // namespace anvil
