#include "engine/runtime/realize_allocator.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

namespace anvil {
namespace {

constexpr size_t kMaxPooledBytes = size_t{1} << 28;

using Key = std::tuple<int, int, size_t>;  // scalar, lanes, count

struct Pool {
  std::mutex mu;
  std::map<Key, std::vector<std::unique_ptr<Buffer>>> free;
  size_t bytes = 0;
  PoolStats stats;
};

// Never destroyed: buffers may be freed during static destruction, after a static pool would be gone.
Pool& pool() {
  static Pool* p = new Pool;
  return *p;
}

Key key_of(const Buffer& b) { return {static_cast<int>(b.dtype.scalar), b.dtype.count, b.count}; }

void give_back(Buffer* raw) {
  std::unique_ptr<Buffer> b(raw);
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  if (p.bytes + b->bytes.size() > kMaxPooledBytes) return;  // freed for real
  p.bytes += b->bytes.size();
  ++p.stats.pooled;
  p.free[key_of(*b)].push_back(std::move(b));
}

}  // namespace

std::shared_ptr<Buffer> pool_allocate(DType dtype, size_t count) {
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mu);
    auto it = p.free.find(Key{static_cast<int>(dtype.scalar), dtype.count, count});
    if (it != p.free.end() && !it->second.empty()) {
      std::unique_ptr<Buffer> b = std::move(it->second.back());
      it->second.pop_back();
      p.bytes -= b->bytes.size();
      --p.stats.pooled;
      ++p.stats.reused;
      std::fill(b->poison.begin(), b->poison.end(), 0);
      // Its next writer may be a host backend, which never marks device copies: stale from here on.
      b->device.host_changed();
      return std::shared_ptr<Buffer>(b.release(), give_back);
    }
    ++p.stats.fresh;
  }
  // Realize's outputs change only through a backend's run, and a device run marks the copies it makes stale
  // or current: device runtimes may keep copies between runs.
  auto fresh = std::shared_ptr<Buffer>(new Buffer(dtype, count), give_back);
  fresh->device.keep_between_runs();
  return fresh;
}

PoolStats pool_stats() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  return p.stats;
}

void pool_clear() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  p.free.clear();
  p.bytes = 0;
  p.stats.pooled = 0;
}

}  // namespace anvil
