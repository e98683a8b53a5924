// `anvil check`'s schedule: a task with `after` starts only when that task is done, even with a lane free;
// an opencl cache warm-up line comes before the opencl rows while PoCL's cache is cold for the seed, and
// not once a warm-up finished; the fixed shares, warm-up included, still fit the budget; a row that
// finished nothing reads "empty", not "clean".
#include "cli/check_run.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "cli/check_parts.h"

namespace anvil::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A regress run stopped at its limit is clean with XFAIL lines (expected failures), not with a FAIL line.
TEST(CheckRun, StoppedRegressIsCleanWithXfailsOnly) {
  ProcResult r;
  r.timed_out = true;
  r.output = "PASS    api/a.uop\nXFAIL   graph/b.uop  graph/mismatch/RESHAPE/c\n";
  EXPECT_TRUE(clean(r, {"FAIL ", "XPASS "}, true));
  EXPECT_FALSE(clean(r, {"FAIL ", "XPASS "}));  // anywhere in a line, XFAIL contains FAIL
  r.output += "FAIL    graph/c.uop  graph/mismatch/ADD/llvm\n";
  EXPECT_FALSE(clean(r, {"FAIL ", "XPASS "}, true));
  r.timed_out = false;
  r.exit_code = 0;
  EXPECT_TRUE(clean(r, {"FAIL "}, true));  // a run that ended says so by its exit status
}

TEST(CheckRun, AfterWaitsForItsTaskWithALaneFree) {
  std::mutex mu;
  Clock::time_point warm_end, row_start;
  std::vector<CheckTask> tasks;
  tasks.push_back({"properties", "warm-up", false, 5, "", [&](double) {
                     std::this_thread::sleep_for(std::chrono::milliseconds(400));
                     std::lock_guard lk(mu);
                     warm_end = Clock::now();
                     return CheckRow{};
                   }});
  tasks.push_back({"properties", "row", false, 5, "",
                   [&](double) {
                     std::lock_guard lk(mu);
                     row_start = Clock::now();
                     return CheckRow{};
                   },
                   "warm-up"});
  tasks.push_back({"properties", "other", false, 5, "", [](double) { return CheckRow{}; }});
  const std::vector<CheckRow> rows = run_tasks(std::move(tasks), {10, 3});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].check, "row");
  EXPECT_GE(row_start, warm_end);
}

TEST(CheckRun, EmptyRowIsNotClean) {
  CheckRow r{"properties", "edges@opencl"};
  EXPECT_STREQ(result_word(r), "clean");
  r.empty = true;
  EXPECT_STREQ(result_word(r), "empty");
  r.ok = false;
  EXPECT_STREQ(result_word(r), "FAILED");
}

struct WarmUp : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("check_run_test_" + std::to_string(::getpid()));
  CheckConfig config;
  void SetUp() override {
    fs::create_directories(dir);
    setenv("POCL_CACHE_DIR", dir.c_str(), 1);
    config.budget_s = 120;
    config.seed = "20261125";
    config.backends = {"interp", "c", "opencl"};
  }
  void TearDown() override {
    unsetenv("POCL_CACHE_DIR");
    fs::remove_all(dir);
  }
  static const CheckTask* find(const std::vector<CheckTask>& tasks, const std::string& check) {
    for (const CheckTask& t : tasks)
      if (t.check == check) return &t;
    return nullptr;
  }
};

TEST_F(WarmUp, ComesBeforeTheOpenclRowsWhileCold) {
  const std::vector<CheckTask> tasks = check_tasks(config);
  const CheckTask* warm = find(tasks, "warm-up@opencl");
  ASSERT_NE(warm, nullptr);
  EXPECT_FALSE(warm->elastic);
  EXPECT_GT(warm->seconds, find(tasks, "edges@opencl")->seconds);  // room to get past the row's own share
  EXPECT_EQ(find(tasks, "properties@opencl")->after, "warm-up@opencl");
  EXPECT_EQ(find(tasks, "edges@opencl")->after, "warm-up@opencl");
  EXPECT_EQ(find(tasks, "edges@c")->after, "");
  EXPECT_LT(warm - tasks.data(), find(tasks, "properties@interp") - tasks.data());
}

TEST_F(WarmUp, NotAgainOnceFinishedForTheSeed) {
  std::ofstream(dir / "anvil-check-warm.txt") << "edges\nproperties 1 30\n";
  EXPECT_NE(find(check_tasks(config), "warm-up@opencl"), nullptr);  // the property suites' kernels of this seed
  std::ofstream(dir / "anvil-check-warm.txt", std::ios::app) << "properties 20261125 30\n";
  EXPECT_EQ(find(check_tasks(config), "warm-up@opencl"), nullptr);
  EXPECT_EQ(find(check_tasks(config), "edges@opencl")->after, "");
  config.seed = "7";  // the property suites draw other kernels on another seed
  EXPECT_NE(find(check_tasks(config), "warm-up@opencl"), nullptr);
  config.backends = {"interp", "c"};
  EXPECT_EQ(find(check_tasks(config), "warm-up@opencl"), nullptr);
}

TEST_F(WarmUp, FixedSharesStillFitTheBudget) {
  for (const std::vector<std::string>& parts : std::vector<std::vector<std::string>>{{}, {"properties"}}) {
    config.parts = parts;
    double fixed = 0;
    const std::vector<CheckTask> tasks = check_tasks(config);
    ASSERT_NE(find(tasks, "warm-up@opencl"), nullptr);
    for (const CheckTask& t : tasks) fixed += t.elastic ? 0 : t.seconds;
    EXPECT_LE(fixed, config.budget_s * config.jobs * 1.01) << parts.size();
  }
}

}  // namespace
}  // namespace anvil::cli
