#include "engine/tensor/storage.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_map>

namespace anvil {
namespace {

struct Entry {
  std::shared_ptr<Buffer> strong;  // set until claimed
  std::weak_ptr<Buffer> weak;
};

struct Registry {
  std::mutex mu;
  std::unordered_map<int64_t, Entry> entries;
  size_t prune_at = 64;  // pruning when the map doubles keeps registration amortized O(1)
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: tensors may outlive static destruction order
  return *r;
}

void prune_locked(Registry& r) {
  for (auto it = r.entries.begin(); it != r.entries.end();) {
    if (!it->second.strong && it->second.weak.expired())
      it = r.entries.erase(it);
    else
      ++it;
  }
  r.prune_at = std::max<size_t>(64, 2 * r.entries.size());
}

}  // namespace

int64_t new_buffer_uid() {
  static std::atomic<int64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

void register_storage(int64_t uid, std::shared_ptr<Buffer> buffer) {
  // Registered storage is immutable (tensors are values; setitem and assign rebind to new storage), so
  // device runtimes may keep copies of it between runs.
  if (buffer) buffer->device.keep_between_runs();
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  Entry& e = r.entries[uid];
  e.weak = buffer;
  e.strong = std::move(buffer);
  if (r.entries.size() >= r.prune_at) prune_locked(r);
}

std::shared_ptr<Buffer> storage_of(int64_t uid) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.entries.find(uid);
  if (it == r.entries.end()) return nullptr;
  return it->second.strong ? it->second.strong : it->second.weak.lock();
}

std::shared_ptr<Buffer> claim_storage(int64_t uid) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.entries.find(uid);
  if (it == r.entries.end()) return nullptr;
  std::shared_ptr<Buffer> out = it->second.strong ? std::move(it->second.strong) : it->second.weak.lock();
  it->second.strong = nullptr;
  return out;
}

size_t live_storage_count() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  size_t n = 0;
  for (const auto& [uid, e] : r.entries) n += (e.strong || !e.weak.expired()) ? 1 : 0;
  return n;
}

}  // namespace anvil
