#include "engine/support/thread_pool.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "engine/support/error.h"
#include "engine/support/spin.h"

namespace anvil {
namespace {

constexpr size_t kDefaultMaxThreads = 64;

std::atomic<size_t> g_count_override{0};  // set_thread_count_for_testing
std::atomic<size_t> g_count_from_env{0};  // 0: not read yet (a malformed value is never cached)

thread_local bool t_in_task = false;  // on a worker, or a caller running its share: nested calls run inline

size_t cpus_available() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    if (const int n = CPU_COUNT(&set); n > 0) return static_cast<size_t>(n);
  }
  const unsigned n = std::thread::hardware_concurrency();  // more CPUs than a cpu_set_t holds, or unknown
  return n > 0 ? n : 1;
}

size_t count_from_env() {
  const char* value = std::getenv("ANVIL_THREADS");
  if (!value || !*value) return std::min(cpus_available(), kDefaultMaxThreads);
  char* end = nullptr;
  errno = 0;
  const long long parsed = std::strtoll(value, &end, 10);
  if (end == value || *end != '\0' || errno != 0 || parsed < 1 || static_cast<uint64_t>(parsed) > kMaxThreads)
    (ErrorBuilder("env") << "ANVIL_THREADS must be a positive integer of at most " << kMaxThreads
                         << " (threads for parallel loops, 1: no worker threads), got '" << value << "'")
        .raise();
  return static_cast<size_t>(parsed);
}

// Runs fn(i) for i in order on this thread; the first exception skips the rest, as in the pool.
void run_inline(size_t n, const std::function<void(size_t)>& fn) {
  for (size_t i = 0; i < n; ++i) fn(i);
}

// The workers and one job at a time. Lives until exit (Reaper) and is never freed while a thread
// might still touch it: a forked child or a pool busy at exit leaks it instead.
//
// A job is published as (generation << 32 | n) and fn, read by workers without a lock as a
// sequence lock; an index is claimed by a compare-exchange on (generation << 32 | next index), so a
// worker that read an earlier job claims nothing of a later one. The caller waits for n finished
// tasks only, never for a worker that woke too late to claim one.
class Pool {
 public:
  explicit Pool(size_t workers) : workers_(workers) {}

  Pool* left_behind = nullptr;  // chains a forked child's parent pools

  // Runs fn over [0, n) on the workers and this thread; false (nothing run) when another call
  // owns the workers, the pool has stopped or n does not fit a claim.
  bool try_run(size_t n, const std::function<void(size_t)>& fn) {
    if (n >= kIndexMask) return false;
    std::unique_lock<std::mutex> own(busy_, std::try_to_lock);
    if (!own.owns_lock()) return false;
    start_workers();
    uint32_t gen = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return false;
      if (++generation_ == kIndexMask) generation_ = 1;  // 0: no job yet; all ones: kWriting
      gen = generation_;
      error_ = nullptr;
      finished_.store(0);
      claim_.store(uint64_t{gen} << 32);
      job_.store(kWriting);  // a worker reading fn_ from here on reads job_ again and retries
      fn_.store(&fn);
      job_.store((uint64_t{gen} << 32) | n);
    }
    const size_t helpers = std::min(n - 1, threads_.size());
    for (size_t i = 0; i < helpers; ++i) wake_.notify_one();  // no system call while none sleeps
    t_in_task = true;
    drain(gen, &fn, n);
    t_in_task = false;
    std::exception_ptr error;
    {
      if (!spin_until([&] { return finished_.load() == n; })) {
        std::unique_lock<std::mutex> lock(mu_);
        done_.wait(lock, [&] { return finished_.load() == n; });
      }
      std::lock_guard<std::mutex> lock(mu_);
      error = std::exchange(error_, nullptr);
    }
    if (error) std::rethrow_exception(error);
    return true;
  }

  // Stops and joins the workers if no call owns them (from the owner itself: never). Exit and tests.
  void stop_if_idle() {
    if (t_in_task) return;  // exit() from inside a task: its caller owns the pool
    std::unique_lock<std::mutex> own(busy_, std::try_to_lock);
    if (!own.owns_lock()) return;  // a call in flight at exit: leave its threads running
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      stopping_.store(true);
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

 private:
  static constexpr uint64_t kIndexMask = 0xffffffff;
  static constexpr uint64_t kWriting = ~uint64_t{0};  // job_ while the caller writes a job

  // Starts the workers on first use; a thread the system refuses just means fewer helpers.
  void start_workers() {
    if (started_ || stopping_.load()) return;  // stopped: at exit, nothing joins new threads
    started_ = true;
    threads_.reserve(workers_);
    for (size_t i = 0; i < workers_; ++i) {
      try {
        threads_.emplace_back([this] { work(); });
      } catch (const std::system_error&) {
        break;
      }
    }
  }

  // Takes the next index of job `gen`; false when that job has none left (or is over).
  bool claim(uint32_t gen, size_t n, size_t& index) {
    uint64_t c = claim_.load();
    for (;;) {
      if ((c >> 32) != gen || (c & kIndexMask) >= n) return false;
      if (claim_.compare_exchange_weak(c, c + 1)) {
        index = c & kIndexMask;
        return true;
      }
    }
  }

  // Counts `count` tasks of job `gen` done; the last wakes the caller.
  void finish(size_t count, size_t n) {
    if (finished_.fetch_add(count) + count != n) return;
    std::lock_guard<std::mutex> lock(mu_);  // the caller checks finished_ under mu_ before it sleeps
    done_.notify_one();
  }

  // Runs the indices it claims. After a throw, the unclaimed rest is skipped (counted as finished).
  void drain(uint32_t gen, const std::function<void(size_t)>* fn, size_t n) {
    size_t i = 0;
    while (claim(gen, n, i)) {
      try {
        (*fn)(i);  // fn is alive: the caller waits for this index to finish
      } catch (...) {
        size_t skipped = 0;
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (!error_) error_ = std::current_exception();
        }
        uint64_t c = claim_.load();
        while ((c >> 32) == gen && (c & kIndexMask) < n) {
          if (claim_.compare_exchange_weak(c, (uint64_t{gen} << 32) | n)) {
            skipped = n - (c & kIndexMask);
            break;
          }
        }
        finish(1 + skipped, n);
        return;
      }
      finish(1, n);
    }
  }

  void work() {
    t_in_task = true;
    uint64_t seen = 0;  // the generation of the last job this worker read
    for (;;) {
      if (!spin_until([&] { return (job_.load() >> 32) != seen || stopping_.load(); })) {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      }
      if (stopping_.load()) return;
      const uint64_t job = job_.load();
      if (job == kWriting) continue;
      const std::function<void(size_t)>* fn = fn_.load();
      if (job_.load() != job) continue;  // a newer job is being written: read again
      seen = job >> 32;
      drain(static_cast<uint32_t>(seen), fn, job & kIndexMask);
    }
  }

  const size_t workers_;
  std::mutex busy_;                   // held by the parallel_for that owns the workers
  bool started_ = false;              // guarded by busy_
  std::vector<std::thread> threads_;  // guarded by busy_

  std::mutex mu_;
  std::condition_variable wake_;  // workers: a job was published, or stop
  std::condition_variable done_;  // the caller: the last task finished
  bool stop_ = false;             // guarded by mu_, as are the two below
  uint32_t generation_ = 0;       // the last job's, for sleeping workers
  std::exception_ptr error_;
  std::atomic<bool> stopping_{false};  // stop_, for spinning workers
  std::atomic<uint64_t> job_{0};       // generation << 32 | n, or kWriting; written under mu_
  std::atomic<const std::function<void(size_t)>*> fn_{nullptr};
  std::atomic<uint64_t> claim_{0};   // generation << 32 | next index
  std::atomic<size_t> finished_{0};  // tasks of the current job done (or skipped)
};

std::atomic<Pool*> g_pool{nullptr};

Pool* g_left_in_child = nullptr;  // the parents' pools a forked child keeps (reachable, for LSan)

// A forked child has none of the parent's threads and maybe a lock held by one: start afresh.
void forget_pool_in_child() {
  if (Pool* old = g_pool.exchange(nullptr, std::memory_order_relaxed))
    old->left_behind = std::exchange(g_left_in_child, old);
}

// Joins the idle workers at exit: a function-local static made with the first pool, so it is
// destroyed before any static built earlier, which tasks may use.
struct Reaper {
  Reaper() { pthread_atfork(nullptr, nullptr, &forget_pool_in_child); }
  ~Reaper() {
    if (Pool* pool = g_pool.load(std::memory_order_acquire)) pool->stop_if_idle();
  }
};

Pool* the_pool(size_t threads) {
  if (Pool* pool = g_pool.load(std::memory_order_acquire)) return pool;
  static Reaper reaper;
  auto* made = new Pool(threads - 1);
  Pool* expected = nullptr;
  if (g_pool.compare_exchange_strong(expected, made, std::memory_order_acq_rel)) return made;
  delete made;  // another thread's pool won; ours started no thread
  return expected;
}

}  // namespace

size_t thread_count() {
  if (const size_t n = g_count_override.load(std::memory_order_relaxed)) return n;
  if (const size_t n = g_count_from_env.load(std::memory_order_relaxed)) return n;
  const size_t n = count_from_env();
  g_count_from_env.store(n, std::memory_order_relaxed);
  return n;
}

void parallel_for(size_t n, const std::function<void(size_t)>& fn) {
  const size_t threads = thread_count();  // first: a malformed ANVIL_THREADS raises on every call
  if (n <= 1 || threads == 1 || t_in_task) return run_inline(n, fn);
  if (!the_pool(threads)->try_run(n, fn)) run_inline(n, fn);
}

void set_thread_count_for_testing(size_t n) {
  g_count_override.store(n, std::memory_order_relaxed);
  g_count_from_env.store(0, std::memory_order_relaxed);  // read ANVIL_THREADS again
  if (Pool* pool = g_pool.exchange(nullptr, std::memory_order_acq_rel)) {
    pool->stop_if_idle();
    delete pool;  // no thread is inside parallel_for (the contract), so none holds it
  }
}

}  // namespace anvil
