#include "cli/check_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

namespace anvil::cli {
namespace {

using Clock = std::chrono::steady_clock;

enum class State { Pending, Running, Done };

class Scheduler {
 public:
  Scheduler(std::vector<CheckTask> tasks, const Budget& budget)
      : tasks_(std::move(tasks)),
        budget_(budget),
        rows_(tasks_.size()),
        state_(tasks_.size(), State::Pending),
        started_(tasks_.size()),
        limit_(tasks_.size()),
        tty_(isatty(STDERR_FILENO) != 0) {}

  std::vector<CheckRow> run() {
    std::vector<std::thread> lanes;
    for (int i = 0; i < std::max(1, budget_.jobs); ++i) lanes.emplace_back([this] { lane(); });
    std::thread progress([this] { progress_loop(); });
    for (std::thread& t : lanes) t.join();
    {
      std::lock_guard lk(mu_);
      finished_ = true;
    }
    cv_.notify_all();
    progress.join();
    if (tty_) std::fprintf(stderr, "\r\033[K");
    return std::move(rows_);
  }

 private:
  double now() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }

  // Seconds the budget has left, less a margin for the report itself.
  double left() const { return budget_.total_s - now() - 1.0; }

  // The limit for task i if it started now (mu_ held).
  double limit_for(size_t i) const {
    const double left_now = left();
    if (!tasks_[i].elastic) return std::min(left_now, tasks_[i].seconds);
    // Lane-seconds still free: every lane until the end, less what running tasks and pending
    // fixed tasks are expected to use, shared evenly by the pending elastic tasks.
    double free = left_now * std::max(1, budget_.jobs);
    int elastic = 0;
    for (size_t j = 0; j < tasks_.size(); ++j) {
      if (state_[j] == State::Running) free -= std::max(0.0, started_[j] + expected(j) - now());
      if (state_[j] != State::Pending) continue;
      if (tasks_[j].elastic)
        ++elastic;
      else
        free -= tasks_[j].seconds;
    }
    return std::min(left_now, free / std::max(1, elastic));
  }

  double expected(size_t j) const { return tasks_[j].elastic ? limit_[j] : std::min(limit_[j], tasks_[j].seconds); }

  // Whether the task task i starts after (if any) is done.
  bool after_done(size_t i) const {
    for (size_t j = 0; j < tasks_.size(); ++j)
      if (!tasks_[i].after.empty() && tasks_[j].check == tasks_[i].after && state_[j] != State::Done) return false;
    return true;
  }

  // The next task whose lock is free and whose `after` is done, or tasks_.size() (none startable now), or -1
  // (none pending).
  long pick() const {
    bool pending = false;
    for (size_t i = 0; i < tasks_.size(); ++i) {
      if (state_[i] != State::Pending) continue;
      pending = true;
      if ((tasks_[i].lock.empty() || !locks_.count(tasks_[i].lock)) && after_done(i)) return static_cast<long>(i);
    }
    return pending ? static_cast<long>(tasks_.size()) : -1;
  }

  void lane() {
    std::unique_lock lk(mu_);
    for (;;) {
      const long i = pick();
      if (i < 0) return;
      if (static_cast<size_t>(i) == tasks_.size()) {
        cv_.wait(lk);
        continue;
      }
      const CheckTask& t = tasks_[i];
      const double limit = limit_for(i);
      if (limit < budget_.min_task_s && left() >= budget_.min_task_s &&
          std::count(state_.begin(), state_.end(), State::Running) > 0) {
        cv_.wait(lk);  // a running task may finish early and leave this one its time
        continue;
      }
      if (limit < budget_.min_task_s) {  // the budget is spent: reported, never silently dropped
        rows_[i] = {t.part, t.check, true, 0, "not run this time (budget)"};
        rows_[i].fuzz = t.part == "fuzz";
        state_[i] = State::Done;
        line(rows_[i]);
        continue;
      }
      state_[i] = State::Running;
      started_[i] = now();
      limit_[i] = limit;
      if (!t.lock.empty()) locks_.insert(t.lock);
      lk.unlock();
      if (!tty_) std::fprintf(stderr, "anvil check: %-30s started (%.0f s at most)\n", t.check.c_str(), limit);
      CheckRow row = t.run(limit);
      lk.lock();
      if (row.part.empty()) row.part = t.part;
      if (row.check.empty()) row.check = t.check;
      rows_[i] = std::move(row);
      state_[i] = State::Done;
      if (!t.lock.empty()) locks_.erase(t.lock);
      line(rows_[i]);
      cv_.notify_all();
    }
  }

  // A finished part: one plain line (above the progress line on a terminal). mu_ held.
  void line(const CheckRow& r) const {
    std::fprintf(stderr, "%sanvil check: %-30s %-7s %5.1f s  %s\n", tty_ ? "\r\033[K" : "", r.check.c_str(),
                 result_word(r), r.seconds, r.detail.c_str());
  }

  // On a terminal, one line redrawn twice a second: elapsed/budget, parts done, what is running.
  void progress_loop() {
    std::unique_lock lk(mu_);
    while (!finished_) {
      cv_.wait_for(lk, std::chrono::milliseconds(500));
      if (!tty_ || finished_) continue;
      size_t done = 0;
      std::string running;
      for (size_t i = 0; i < tasks_.size(); ++i) {
        done += state_[i] == State::Done;
        if (state_[i] == State::Running)
          running += " " + tasks_[i].check + " " + std::to_string(static_cast<int>(now() - started_[i])) + "s";
      }
      const int width = 24;
      const int filled = std::clamp(static_cast<int>(width * now() / budget_.total_s), 0, width);
      std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
      std::string text = "[" + bar + "] " + std::to_string(static_cast<int>(now())) + "/" +
                         std::to_string(static_cast<int>(budget_.total_s)) + "s  " + std::to_string(done) + "/" +
                         std::to_string(tasks_.size()) + " parts |" + running;
      if (text.size() > 150) text = text.substr(0, 147) + "...";
      std::fprintf(stderr, "\r\033[K%s", text.c_str());
    }
  }

  std::vector<CheckTask> tasks_;
  Budget budget_;
  std::vector<CheckRow> rows_;
  std::vector<State> state_;
  std::vector<double> started_, limit_;
  std::set<std::string> locks_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool finished_ = false;
  const bool tty_;
  const Clock::time_point t0_ = Clock::now();
};

}  // namespace

const char* result_word(const CheckRow& r) { return !r.ok ? "FAILED" : r.empty ? "empty" : "clean"; }

std::vector<CheckRow> run_tasks(std::vector<CheckTask> tasks, const Budget& budget) {
  return Scheduler(std::move(tasks), budget).run();
}

}  // namespace anvil::cli
