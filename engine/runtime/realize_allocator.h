#pragma once
// A caching allocator of host Buffers: a buffer whose last owner lets go goes back to a pool keyed by
// (dtype, count), and the next request of that kind reuses it, so a repeated workload does not
// allocate fresh memory each time. Thread-safe; the pool keeps at most a bounded number of bytes.
#include <cstdint>
#include <memory>

#include "engine/ir/buffer.h"

namespace anvil {

struct PoolStats {
  uint64_t fresh = 0;   // buffers allocated from the system
  uint64_t reused = 0;  // requests served from the pool
  uint64_t pooled = 0;  // buffers waiting in the pool now
};

// A zero-initialized-or-reused buffer (contents unspecified, no poison); returns to the pool when freed.
// Kept between runs (Buffer::device): its bytes must change only through a backend's run; a reused
// one comes with its device copies stale (kept for reuse of their memory).
std::shared_ptr<Buffer> pool_allocate(DType dtype, size_t count);
PoolStats pool_stats();
void pool_clear();  // frees every pooled buffer

}  // namespace anvil
