#include "engine/support/thread_pool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
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

// Sets the pool's size for one test and puts ANVIL_THREADS back in charge after it.
class ThreadCount {
 public:
  explicit ThreadCount(size_t n) { set_thread_count_for_testing(n); }
  ~ThreadCount() { set_thread_count_for_testing(0); }
};

// Waits (up to 10 s, so a broken pool fails instead of hanging) until pred holds.
template <class Pred>
bool wait_for(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(ThreadPool, EveryIndexRunsExactlyOnce) {
  for (size_t threads : {1, 2, 8}) {
    ThreadCount count(threads);
    EXPECT_EQ(thread_count(), threads);
    for (size_t n : {0, 1, 7, 1000}) {
      std::vector<std::atomic<int>> runs(n);
      parallel_for(n, [&](size_t i) { runs.at(i).fetch_add(1); });
      for (size_t i = 0; i < n; ++i)
        EXPECT_EQ(runs[i].load(), 1) << "index " << i << " of " << n << ", " << threads << " threads";
    }
  }
}

TEST(ThreadPool, OneThreadRunsEverythingOnTheCaller) {
  ThreadCount count(1);
  std::mutex mu;
  std::set<std::thread::id> ids;
  parallel_for(100, [&](size_t) {
    std::lock_guard<std::mutex> lock(mu);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(ids, std::set<std::thread::id>{std::this_thread::get_id()});
}

// Task 0 waits for task 1 to start: only a pool that really runs tasks side by side gets through.
TEST(ThreadPool, TasksRunSideBySide) {
  ThreadCount count(2);
  std::atomic<bool> second_started{false};
  std::atomic<bool> first_saw_it{false};
  parallel_for(2, [&](size_t i) {
    if (i == 1) second_started = true;
    if (i == 0) first_saw_it = wait_for([&] { return second_started.load(); });
  });
  EXPECT_TRUE(first_saw_it.load());
}

TEST(ThreadPool, FirstExceptionReachesTheCaller) {
  for (size_t threads : {1, 2, 8}) {
    ThreadCount count(threads);
    try {
      parallel_for(50, [](size_t i) {
        if (i == 7) throw std::runtime_error("task 7 failed");
      });
      ADD_FAILURE() << "no exception with " << threads << " threads";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "task 7 failed");
    }
    // Every task throws: one exception comes back, the others are dropped, nothing terminates.
    EXPECT_THROW(parallel_for(1000, [](size_t i) { throw std::out_of_range(std::to_string(i)); }), std::out_of_range);
    std::atomic<int> runs{0};  // and the pool still works afterwards
    parallel_for(100, [&](size_t) { ++runs; });
    EXPECT_EQ(runs.load(), 100);
  }
}

TEST(ThreadPool, NestedCallsRunInlineOnTheTasksThread) {
  ThreadCount count(4);
  std::vector<std::atomic<int>> runs(size_t{8} * 10);
  std::atomic<int> inline_inner{0};
  parallel_for(8, [&](size_t i) {
    const std::thread::id outer = std::this_thread::get_id();
    parallel_for(10, [&](size_t j) {
      runs.at(i * 10 + j).fetch_add(1);
      if (std::this_thread::get_id() == outer) ++inline_inner;
    });
  });
  for (auto& r : runs) EXPECT_EQ(r.load(), 1);
  EXPECT_EQ(inline_inner.load(), 80);
}

TEST(ThreadPool, ConcurrentCallersEachGetTheirOwnResult) {
  ThreadCount count(4);
  std::vector<std::thread> callers;
  callers.reserve(4);
  std::atomic<int> wrong{0};
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 50; ++round) {
        std::vector<int64_t> out(97, 0);
        parallel_for(out.size(), [&](size_t i) { out[i] = static_cast<int64_t>(i) * c + round; });
        for (size_t i = 0; i < out.size(); ++i)
          if (out[i] != static_cast<int64_t>(i) * c + round) ++wrong;
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ThreadPool, AnvilThreadsIsCheckedAndRead) {
  const char* saved = std::getenv("ANVIL_THREADS");
  const std::string before = saved ? saved : "";
  for (const char* bad : {"abc", "0", "-2", "3x", "", "99999", "1025"}) {
    if (!*bad) continue;  // empty: the same as unset
    setenv("ANVIL_THREADS", bad, 1);
    ThreadCount reread(0);
    try {
      parallel_for(4, [](size_t) {});
      ADD_FAILURE() << "ANVIL_THREADS=" << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("ANVIL_THREADS"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("positive integer"), std::string::npos) << e.what();
    }
  }
  setenv("ANVIL_THREADS", "3", 1);
  {
    ThreadCount reread(0);
    EXPECT_EQ(thread_count(), 3u);
  }
  unsetenv("ANVIL_THREADS");
  {
    ThreadCount reread(0);
    EXPECT_GE(thread_count(), 1u);
    EXPECT_LE(thread_count(), 64u);
    EXPECT_LE(thread_count(), static_cast<size_t>(std::max(1u, std::thread::hardware_concurrency())));
  }
  if (saved) setenv("ANVIL_THREADS", before.c_str(), 1);
  set_thread_count_for_testing(0);
}

// gtest's death tests fork: the child must not use the parent's workers (they are not there), and
// exit must join its own without hanging. The parent forks only once its workers have all started
// and gone to sleep: a thread still starting (ASan's allocator) at fork leaves a lock held in the
// child, and the child's own new threads then wait on it forever (seen under ctest).
TEST(ThreadPoolDeathTest, ForkedChildGetsItsOwnPoolAndExits) {
  if (kThreadSanitizer) GTEST_SKIP() << "TSan stops a forked child of a threaded process from starting threads";
  DeathTestStyle style("fast");  // fork, which is what this test is about
  ThreadCount count(4);
  std::atomic<size_t> entered{0};  // 4 tasks that each wait for all 4: every worker has started
  parallel_for(4, [&](size_t) {
    ++entered;
    wait_for([&] { return entered.load() == 4; });
  });
  ASSERT_EQ(entered.load(), 4u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // past their spin: asleep
  EXPECT_EXIT(
      {
        alarm(120);  // a hang fails the test instead of the run
        std::atomic<int> runs{0};
        parallel_for(100, [&](size_t) { ++runs; });
        std::exit(runs.load() == 100 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

// A parallel_for still running on another thread at exit is left alone, not waited for.
TEST(ThreadPoolDeathTest, ExitWhileBusyDoesNotHang) {
  DeathTestStyle style("threadsafe");  // a fresh process: no fork of a threaded one
  ThreadCount count(4);
  EXPECT_EXIT(
      {
        std::atomic<bool> started{false};
        std::thread([&] {
          parallel_for(4, [&](size_t) {
            started = true;
            std::this_thread::sleep_for(std::chrono::seconds(30));
          });
        }).detach();
        wait_for([&] { return started.load(); });
        std::exit(0);
      },
      testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace anvil
