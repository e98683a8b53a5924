#pragma once
// An allocator that, in test builds (ANVIL_GUARD_PAGES), places every allocation flush against an
// inaccessible page, so a kernel that reads or writes one element past a buffer's end faults at
// once instead of touching a neighbour. A second inaccessible page sits before the allocation's
// first page, so far-negative offsets fault too. Elsewhere it is std::allocator.
//
// The end is exact, so an allocation is aligned only to the largest power of two dividing its size
// (a buffer of count * itemsize bytes stays aligned to its itemsize).
#include <cstddef>
#include <memory>
#include <new>

namespace anvil {

namespace guarded_detail {
void* map_guarded(size_t bytes);            // throws std::bad_alloc when the system refuses
void unmap_guarded(void* p, size_t bytes);  // p and bytes as returned from / passed to map_guarded
constexpr bool kEnabled =
#ifdef ANVIL_GUARD_PAGES
    true;
#else
    false;
#endif
}  // namespace guarded_detail

template <class T>
struct GuardedAllocator {
  using value_type = T;

  GuardedAllocator() = default;
  template <class U>
  GuardedAllocator(const GuardedAllocator<U>& /*other*/) {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t n) {
    if constexpr (!guarded_detail::kEnabled) return std::allocator<T>().allocate(n);
    return static_cast<T*>(guarded_detail::map_guarded(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) {
    if constexpr (!guarded_detail::kEnabled) return std::allocator<T>().deallocate(p, n);
    guarded_detail::unmap_guarded(p, n * sizeof(T));
  }
  template <class U>
  bool operator==(const GuardedAllocator<U>& /*other*/) const {
    return true;
  }
};

}  // namespace anvil
