#include "engine/ir/uop.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

namespace anvil {
namespace {

TEST(UOp, HashConsing) {
  UOp x = UOp::var("x", 0, 10);
  UOp a = x * 4 + 3;
  UOp b = x * 4 + 3;
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == x * 4 + 2);
}

TEST(UOp, ConstantsCompareByBits) {
  UOp pz = UOp::constant_float(dtypes::float32, 0.0);
  UOp nz = UOp::constant_float(dtypes::float32, -0.0);
  EXPECT_FALSE(pz == nz);
  UOp n1 = UOp::constant_float(dtypes::float32, std::nan(""));
  UOp n2 = UOp::constant_float(dtypes::float32, std::nan(""));
  EXPECT_TRUE(n1 == n2);
}

TEST(UOp, LongChainFreesWithoutRecursion) {
  size_t before = UOp::live_count();
  {
    UOp x = UOp::var("chain", 0, 1);
    for (int i = 0; i < 1000000; ++i) x = x + 1;
    EXPECT_GE(UOp::live_count(), before + 1000000);
  }
  EXPECT_EQ(UOp::live_count(), before);
}

TEST(UOp, ThreadsGetTheSameNodes) {
  constexpr int kThreads = 8;
  std::vector<std::vector<UOp>> built(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        UOp x = UOp::var("t", 0, 100);
        UOp e = x;
        for (int i = 0; i < 50; ++i) e = (e * 3 + i).floormod(UOp::constant(dtypes::index, 7 + round));
        built[t].push_back(e);
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 1; t < kThreads; ++t)
    for (size_t i = 0; i < built[0].size(); ++i) ASSERT_TRUE(built[t][i] == built[0][i]);
}

TEST(UOp, Ranges) {
  UOp x = UOp::var("x", 0, 3);
  UOp y = UOp::var("y", 0, 4);
  UOp e = x * 4 + y;
  EXPECT_EQ(e.vmin(), 0);
  EXPECT_EQ(e.vmax(), 16);
  EXPECT_EQ(e.floormod(4).vmax(), 3);
  UOp u = UOp::constant(dtypes::uint64, -1);
  EXPECT_EQ(u.vmax(), (static_cast<__int128>(1) << 64) - 1);
  UOp big = u + u;  // wraps
  EXPECT_EQ(big.vmin(), 0);
  EXPECT_EQ(big.vmax(), (static_cast<__int128>(1) << 64) - 1);
}

}  // namespace
}  // namespace anvil
