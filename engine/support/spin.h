#pragma once
// Short busy waits for hand-offs between threads (the deep stack, the thread pool): a JIT replay
// realizes back to back, and a futex sleep and wake would cost more than the hand-off itself.
#include <chrono>
#include <thread>

namespace anvil {

inline constexpr int kSpinMicros = 50;

// Spins (about kSpinMicros) until done() holds; returns done() at the end, so false means "sleep now".
template <class Done>
bool spin_until(Done done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    if (std::chrono::steady_clock::now() > until) return done();
    std::this_thread::yield();  // on a busy machine, the thread we wait for may need this CPU
  }
}

}  // namespace anvil
