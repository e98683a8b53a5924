#include "engine/support/guarded.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

#include "engine/support/check.h"

namespace anvil::guarded_detail {
namespace {

size_t page_size() {
  static const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return kPage;
}

// Pages that hold `bytes` (at least one, so even an empty allocation has a distinct address).
size_t data_pages(size_t bytes) { return bytes == 0 ? 1 : (bytes + page_size() - 1) / page_size(); }

}  // namespace

// Layout: [guard page][data pages, the allocation flush against their end][guard page].
void* map_guarded(size_t bytes) {
  const size_t page = page_size();
  const size_t pages = data_pages(bytes);
  const size_t total = (pages + 2) * page;
  void* base = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  auto* b = static_cast<uint8_t*>(base);
  // A refused mprotect (the process's map count is exhausted) leaves the memory usable, unguarded.
  (void)mprotect(b, page, PROT_NONE);
  (void)mprotect(b + (pages + 1) * page, page, PROT_NONE);
  return b + (pages + 1) * page - bytes;
}

void unmap_guarded(void* p, size_t bytes) {
  const size_t page = page_size();
  const size_t pages = data_pages(bytes);
  uint8_t* end = static_cast<uint8_t*>(p) + bytes;
  uint8_t* base = end - (pages + 1) * page;
  ANVIL_CHECK(reinterpret_cast<uintptr_t>(base) % page == 0) << "unmap_guarded of a pointer it did not map";
  ANVIL_CHECK(munmap(base, (pages + 2) * page) == 0) << "munmap failed";
}

}  // namespace anvil::guarded_detail
