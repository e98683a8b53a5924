#include "engine/support/deep_stack.h"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "engine/support/check.h"
#include "engine/support/spin.h"

#if defined(__SANITIZE_ADDRESS__)
#define ANVIL_DEEP_STACK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ANVIL_DEEP_STACK_ASAN 1
#endif
#endif
#ifdef ANVIL_DEEP_STACK_ASAN
#include <sanitizer/asan_interface.h>

#include <vector>
#endif

namespace anvil {
namespace {

constexpr size_t kProbeBytes = size_t{64} << 10;  // pages just past the kept part, checked after a call

thread_local bool t_on_deep_stack = false;
std::atomic<uint64_t> g_fork_generation{0};  // bumped in a forked child: older threads are not there

void count_fork_in_child() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

// One persistent thread with a large stack, serving one calling thread: it runs the functions the
// caller hands it, one at a time, while the caller waits.
class DeepThread {
 public:
  // A started thread, or nullptr when the system refuses one (address space or thread limits).
  static DeepThread* start(size_t stack_bytes) {
    static const int registered = pthread_atfork(nullptr, nullptr, &count_fork_in_child);
    (void)registered;
    auto* t = new DeepThread(stack_bytes);
    pthread_attr_t attr;
    ANVIL_CHECK(pthread_attr_init(&attr) == 0);
    ANVIL_CHECK(pthread_attr_setstacksize(&attr, stack_bytes) == 0) << "stack size " << stack_bytes;
    const int rc = pthread_create(&t->thread_, &attr, &DeepThread::main, t);
    pthread_attr_destroy(&attr);
    if (rc == 0) {
      t->started_ = true;
      return t;
    }
    delete t;  // no thread to stop or join
    return nullptr;
  }

  // Stops and joins the thread; the caller is not inside run(), so it is idle.
  ~DeepThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      stopping_.store(true);
    }
    wake_.notify_one();
    if (started_) ANVIL_CHECK(pthread_join(thread_, nullptr) == 0);
  }

  // Runs fn there and waits. `deep`: the call went past kDeepStackKeepBytes, retire the thread.
  struct Outcome {
    std::exception_ptr error;
    bool deep = false;
  };
  Outcome run(const std::function<void()>& fn) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_.store(&fn);
    }
    wake_.notify_one();  // no system call while the thread spins
    const auto returned = [&] { return fn_.load() == nullptr; };
    std::unique_lock<std::mutex> lock(mu_, std::defer_lock);
    if (!spin_until(returned)) {
      lock.lock();
      done_cv_.wait(lock, returned);
    } else {
      lock.lock();
    }
    return {std::exchange(error_, nullptr), went_deep_};
  }

  size_t stack_bytes() const { return stack_bytes_; }
  uint64_t fork_generation() const { return fork_generation_; }

 private:
  explicit DeepThread(size_t stack_bytes)
      : stack_bytes_(stack_bytes), fork_generation_(g_fork_generation.load(std::memory_order_relaxed)) {}

  static void* main(void* self) {
    static_cast<DeepThread*>(self)->loop();
    return nullptr;
  }

  void loop() {
    t_on_deep_stack = true;
    const char* low = nullptr;
    const char* const top = stack_bounds(low);
    std::unique_lock<std::mutex> lock(mu_, std::defer_lock);
    for (;;) {
      spin_until([&] { return fn_.load() != nullptr || stopping_.load(); });
      lock.lock();
      wake_.wait(lock, [&] { return stop_ || fn_.load() != nullptr; });
      if (stop_) return;
      const std::function<void()>* fn = fn_.load();
      lock.unlock();
      std::exception_ptr error;
      try {
        (*fn)();
      } catch (...) {
        error = std::current_exception();
        if (touched_below(top)) unpoison_unwound_stack(low);
      }
      // fn forked and this is the child: no caller waits here; end, as a fresh thread would.
      if (g_fork_generation.load(std::memory_order_relaxed) != fork_generation_) return;
      const bool deep = touched_below(top);
      lock.lock();
      error_ = error;
      went_deep_ = deep;
      fn_.store(nullptr);
      lock.unlock();
      done_cv_.notify_one();
    }
  }

  // The highest address of this thread's stack (and its lowest, in `low`), or nullptr when unknown.
  static const char* stack_bounds(const char*& low_out) {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return nullptr;
    void* low = nullptr;
    size_t size = 0;
    const bool ok = pthread_attr_getstack(&attr, &low, &size) == 0;
    pthread_attr_destroy(&attr);
    low_out = static_cast<const char*>(low);
    return ok ? low_out + size : nullptr;
  }

  // ASan unpoisons the frames an exception unwinds only when it was thrown within 64 MiB of the
  // stack's top: a deeper throw leaves their redzones poisoned, and the next uninstrumented frame
  // there (libc's, libstdc++'s) reports a false overflow. Unpoisons the used stack below this frame.
  [[gnu::noinline]] static void unpoison_unwound_stack(const char* low) {
#ifdef ANVIL_DEEP_STACK_ASAN
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    if (!low || page == 0) return;
    const char* lo = page_down(low + page - 1, page);
    const char* hi = page_down(static_cast<const char*>(__builtin_frame_address(0)), page);
    if (hi <= lo) return;
    std::vector<unsigned char> resident(static_cast<size_t>(hi - lo) / page);
    if (mincore(const_cast<char*>(lo), static_cast<size_t>(hi - lo), resident.data()) != 0) return;
    size_t i = 0;
    while (i < resident.size() && !(resident[i] & 1)) ++i;  // the deepest page the call touched
    const char* from = lo + i * page;
    if (from < hi) __asan_unpoison_memory_region(from, static_cast<size_t>(hi - from));
#else
    (void)low;
#endif
  }

  static const char* page_down(const char* p, size_t page) { return p - reinterpret_cast<uintptr_t>(p) % page; }

  // Whether the pages just below the kept top kDeepStackKeepBytes are resident: the call went deeper.
  bool touched_below(const char* top) const {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    if (!top || page == 0 || page > kProbeBytes || stack_bytes_ < kDeepStackKeepBytes + 2 * kProbeBytes) return false;
    const char* end = page_down(top - kDeepStackKeepBytes, page);
    unsigned char resident[kProbeBytes / 512] = {};  // one byte a page, pages of 512 bytes or more
    if (mincore(const_cast<char*>(end - kProbeBytes), kProbeBytes, resident) != 0) return false;
    for (size_t i = 0; i < kProbeBytes / page; ++i)
      if (resident[i] & 1) return true;
    return false;
  }

 public:
  DeepThread* left_behind = nullptr;  // chains the copies a forked child keeps (reachable, for LSan)

 private:
  const size_t stack_bytes_;
  const uint64_t fork_generation_;
  pthread_t thread_{};
  bool started_ = false;  // pthread_create succeeded: the destructor joins

  std::mutex mu_;
  std::condition_variable wake_;                           // the thread: a function to run, or stop
  std::condition_variable done_cv_;                        // the caller: the function returned
  std::atomic<const std::function<void()>*> fn_{nullptr};  // written under mu_; null again: fn returned
  std::exception_ptr error_;                               // guarded by mu_, as are the fields below
  bool went_deep_ = false;
  bool stop_ = false;
  std::atomic<bool> stopping_{false};  // stop_, for the spinning thread
};

// This calling thread's deep-stack thread; joined when the calling thread exits.
struct Holder {
  DeepThread* thread = nullptr;
  ~Holder() { retire(); }
  void retire() {
    if (!thread) return;
    if (thread->fork_generation() != g_fork_generation.load(std::memory_order_relaxed)) {
      // A forked child's copy: its thread is not here to join, and its lock may be held. Keep it.
      static DeepThread* left_in_child = nullptr;
      thread->left_behind = std::exchange(left_in_child, thread);
      thread = nullptr;
      return;
    }
    delete std::exchange(thread, nullptr);
  }
};
thread_local Holder t_holder;

}  // namespace

bool on_deep_stack() { return t_on_deep_stack; }

void run_on_deep_stack(const std::function<void()>& fn, size_t stack_bytes) {
  if (t_on_deep_stack) return fn();  // nested: already on a deep stack
  Holder& holder = t_holder;
  if (holder.thread && (holder.thread->fork_generation() != g_fork_generation.load(std::memory_order_relaxed) ||
                        holder.thread->stack_bytes() < stack_bytes))
    holder.retire();
  if (!holder.thread) holder.thread = DeepThread::start(stack_bytes);
  if (!holder.thread) return fn();  // no thread to be had: run here, as before
  DeepThread::Outcome outcome = holder.thread->run(fn);
  if (outcome.deep) holder.retire();  // gives the pages it touched back (munmap), thrown or not
  if (outcome.error) std::rethrow_exception(outcome.error);
}

}  // namespace anvil
