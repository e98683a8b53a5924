// Guard pages: in test builds an access one element past a buffer's end faults.
#include "engine/support/guarded.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "engine/ir/buffer.h"

namespace anvil {
namespace {

size_t page() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

// Volatile accesses, so the compiler cannot drop or move the faulting one.
void poke(uint8_t* p) { *static_cast<volatile uint8_t*>(p) = 1; }
uint8_t peek(const uint8_t* p) { return *static_cast<const volatile uint8_t*>(p); }

TEST(Guarded, EveryByteOfTheAllocationIsUsable) {
  GuardedAllocator<uint8_t> alloc;
  for (size_t n : {size_t{0}, size_t{1}, size_t{7}, page() - 1, page(), page() + 1, 3 * page() + 5}) {
    uint8_t* p = alloc.allocate(n);
    for (size_t i = 0; i < n; ++i) poke(p + i);
    if (guarded_detail::kEnabled) EXPECT_EQ(reinterpret_cast<uintptr_t>(p + n) % page(), 0u) << n;
    alloc.deallocate(p, n);
  }
}

TEST(Guarded, ItemsizeAlignmentIsKept) {
  Buffer b(dtypes::float64, 3);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.bytes.data()) % 8, 0u);
  Buffer h(dtypes::float16, 5);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(h.bytes.data()) % 2, 0u);
}

TEST(GuardedDeathTest, OnePastTheEndFaults) {
  if (!guarded_detail::kEnabled) GTEST_SKIP() << "built without ANVIL_GUARD_PAGES";
  Buffer b(dtypes::float32, 5);
  uint8_t* end = b.bytes.data() + b.bytes.size();
  EXPECT_DEATH(poke(end), "");
  EXPECT_DEATH((void)peek(end + 3), "");
}

TEST(GuardedDeathTest, BeforeTheFirstPageFaults) {
  if (!guarded_detail::kEnabled) GTEST_SKIP() << "built without ANVIL_GUARD_PAGES";
  Buffer b(dtypes::int32, 10);
  const uintptr_t first_page = reinterpret_cast<uintptr_t>(b.bytes.data()) / page() * page();
  EXPECT_DEATH((void)peek(reinterpret_cast<const uint8_t*>(first_page - 1)), "");
}

TEST(Guarded, CopiesAndMovesKeepTheirOwnGuards) {
  Buffer a = Buffer::from(std::vector<int32_t>{1, 2, 3});
  Buffer b = a;
  Buffer c = std::move(a);
  EXPECT_EQ(b.to<int32_t>(), (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(c.to<int32_t>(), (std::vector<int32_t>{1, 2, 3}));
  if (guarded_detail::kEnabled) EXPECT_EQ(reinterpret_cast<uintptr_t>(b.bytes.data() + b.bytes.size()) % page(), 0u);
}

}  // namespace
}  // namespace anvil
