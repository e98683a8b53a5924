#pragma once
// One process-wide thread pool for parallel outer loops (a kernel's THREAD chunks, issue 7).
//
// - Size: ANVIL_THREADS (a positive integer, at most kMaxThreads), read at first use; unset means the
//   CPUs this process may run on (sched_getaffinity), at most 64. ANVIL_THREADS=1 starts no worker
//   thread at all. A malformed value raises anvil::Error naming ANVIL_THREADS at every use.
// - Workers (thread_count() - 1 of them; the caller is one more) start lazily at the first
//   parallel_for that needs them, persist, and are joined at exit once idle. A pool still busy at
//   exit (a detached thread inside parallel_for) is left running rather than waited for.
// - After a job, a worker spins ~50 us (yielding to others) before it sleeps, and so does a caller
//   waiting for the last task: kernels of one step come back to back, and a futex wake costs more.
// - Workers have the default thread stack: they run kernels (loops), never recursive graph passes,
//   which run on the deep stack (deep_stack.h).
// - Concurrent parallel_for calls from different threads are safe: one call at a time owns the
//   workers; a call that finds them busy runs its indices on its own thread, so no caller waits
//   for another's work.
// - A parallel_for inside a task (nested) runs its indices inline on that thread: no deadlock.
// - fork: a child process gets a fresh pool on its first parallel_for (it never touches the
//   parent's threads or locks). The fuzz worker forks and execs before any thread starts anyway.
#include <cstddef>
#include <functional>

namespace anvil {

constexpr size_t kMaxThreads = 1024;

// The number of threads a parallel_for spreads over, the caller included (>= 1).
size_t thread_count();

// Calls fn(i) for every i in [0, n), each exactly once, on the pool and the calling thread; returns
// when all have finished. The first exception any fn throws is rethrown here after every task that
// started has finished; indices not yet started when it was thrown are skipped; later exceptions
// are dropped.
void parallel_for(size_t n, const std::function<void(size_t)>& fn);

// Tests only: overrides thread_count() (0: read ANVIL_THREADS again) and stops the current workers.
// Must not run while any thread is inside parallel_for.
void set_thread_count_for_testing(size_t n);

}  // namespace anvil
