#include "engine/support/deep_stack.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/support/error.h"
#include "engine/support/thread_test_util.h"

namespace anvil {
namespace {

using testing_threads::DeathTestStyle;
using testing_threads::kThreadSanitizer;

long tid() { return syscall(SYS_gettid); }  // unlike pthread_t, never reused soon by a new thread

// Recursion that needs about depth * N bytes of stack; the frame escapes, so it is not shrunk away.
template <size_t N = 1024>
[[gnu::noinline]] int recurse(int depth) {
  char frame[N];
  frame[depth % N] = static_cast<char>(depth);
  asm volatile("" : : "r"(frame) : "memory");
  if (depth == 0) return 0;
  return recurse<N>(depth - 1) + 1 + frame[depth % N] - static_cast<char>(depth);
}

size_t thread_count_now() {
  size_t n = 0;
  DIR* dir = opendir("/proc/self/task");
  if (!dir) return 0;
  while (dirent* e = readdir(dir))
    if (e->d_name[0] != '.') ++n;
  closedir(dir);
  return n;
}

TEST(DeepStack, RunsOnAnotherThreadThatPersists) {
  long first = 0, second = 0;
  bool deep_there = false;
  run_on_deep_stack([&] {
    first = tid();
    deep_there = on_deep_stack();
  });
  run_on_deep_stack([&] { second = tid(); });
  EXPECT_NE(first, tid());
  EXPECT_EQ(first, second) << "a new thread for each call";
  EXPECT_TRUE(deep_there);
  EXPECT_FALSE(on_deep_stack());
}

// A thread the system refuses (here a stack larger than a 47-bit address space; on the GPU machine
// it was the kernel worker's RLIMIT_AS) means running inline, never an abort: start() once joined a
// thread it never created when pthread_create failed.
TEST(DeepStack, ARefusedThreadRunsInline) {
  bool ran = false, deep = true;
  run_on_deep_stack(
      [&] {
        ran = true;
        deep = on_deep_stack();
      },
      size_t{1} << 52);
  EXPECT_TRUE(ran);
  EXPECT_FALSE(deep);
}

TEST(DeepStack, RecursesFarPastTheDefaultStack) {
  int depth = 0;
  run_on_deep_stack([&] { depth = recurse(32 * 1024); });  // 32 MiB and more
  EXPECT_EQ(depth, 32 * 1024);
}

// A call that went past kDeepStackKeepBytes gives its thread (and the touched pages) back.
TEST(DeepStack, ADeepCallRetiresItsThread) {
  long before = 0, deep = 0, after = 0;
  run_on_deep_stack([&] { before = tid(); });
  run_on_deep_stack([&] {
    deep = tid();
    recurse(static_cast<int>(2 * kDeepStackKeepBytes / 1024));
  });
  run_on_deep_stack([&] { after = tid(); });
  EXPECT_EQ(before, deep);
  EXPECT_NE(deep, after);
}

[[gnu::noinline]] int recurse_then_throw(int depth) {
  char frame[4096];
  frame[depth % sizeof frame] = static_cast<char>(depth);
  asm volatile("" : : "r"(frame) : "memory");
  if (depth == 0) throw std::runtime_error("bottom");
  return recurse_then_throw(depth - 1) + 1 + frame[depth % sizeof frame] - static_cast<char>(depth);
}

// ASan unpoisons the frames an exception unwinds only within 64 MiB of the throw ("false positive
// error reports may follow"): the deep-stack thread, which runs on after catching, must clean up
// (under ASan it reported a stack-buffer-overflow in clock_gettime without that), and retire.
TEST(DeepStack, ADeepThrowLeavesNothingBehind) {
  constexpr int kDepth = 24 * 1024;  // frames of 4 KiB: past ASan's 64 MiB, in few frames (TSan's limit)
  long thrower = 0, after = 0;
  EXPECT_THROW(run_on_deep_stack([&] {
                 thrower = tid();
                 recurse_then_throw(kDepth);
               }),
               std::runtime_error);
  int depth = 0;
  run_on_deep_stack([&] {  // frames of another size: their locals fall on the old redzones
    after = tid();
    depth = recurse<6144>(kDepth * 2 / 3);
  });
  EXPECT_NE(thrower, after);
  EXPECT_EQ(depth, kDepth * 2 / 3);
}

TEST(DeepStack, ExceptionsReachTheCaller) {
  try {
    run_on_deep_stack([] { (ErrorBuilder("deep") << "thrown there").raise(); });
    ADD_FAILURE() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "thrown there");
  }
  long a = 0, b = 0;  // the thread survives a shallow throw
  run_on_deep_stack([&] { a = tid(); });
  EXPECT_THROW(run_on_deep_stack([] { throw std::runtime_error("x"); }), std::runtime_error);
  run_on_deep_stack([&] { b = tid(); });
  EXPECT_EQ(a, b);
}

TEST(DeepStack, NestedCallsRunInline) {
  long outer = 0, inner = 0;
  run_on_deep_stack([&] {
    outer = tid();
    run_on_deep_stack([&] { inner = tid(); });
  });
  EXPECT_EQ(outer, inner);
}

TEST(DeepStack, ConcurrentCallersEachHaveTheirOwnThread) {
  constexpr int kCallers = 4, kCalls = 200;
  std::vector<std::set<long>> seen(kCallers);
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  callers.reserve(kCallers);
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int i = 0; i < kCalls; ++i) {
        int out = -1;
        run_on_deep_stack([&] {
          out = c * kCalls + i;
          seen[c].insert(tid());
        });
        if (out != c * kCalls + i) ++wrong;
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(wrong.load(), 0);
  std::set<long> all;
  for (const auto& s : seen) {
    EXPECT_EQ(s.size(), 1u);
    all.insert(s.begin(), s.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kCallers));
}

TEST(DeepStack, CallerExitJoinsItsThread) {
  const size_t before = thread_count_now();
  std::thread([] { run_on_deep_stack([] {}); }).join();
  EXPECT_EQ(thread_count_now(), before);
}

// gtest's death tests fork: the child starts its own deep-stack thread (the parent's is not there).
TEST(DeepStackDeathTest, ForkedChildStartsItsOwnThread) {
  if (kThreadSanitizer) GTEST_SKIP() << "TSan stops a forked child of a threaded process from starting threads";
  DeathTestStyle style("fast");  // fork, which is what this test is about
  run_on_deep_stack([] {});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // past its spin: asleep, holding no lock
  EXPECT_EXIT(
      {
        alarm(120);  // a hang fails the test instead of the run
        int depth = 0;
        run_on_deep_stack([&] { depth = recurse(1000); });
        std::exit(depth == 1000 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace anvil
