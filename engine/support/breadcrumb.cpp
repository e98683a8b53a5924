#include "engine/support/breadcrumb.h"

#include <signal.h>
#include <unistd.h>

#include <cstring>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer) || \
    __has_feature(undefined_behavior_sanitizer)
#define ANVIL_HAS_SANITIZER 1
#include <sanitizer/common_interface_defs.h>
#endif
#endif

namespace anvil::breadcrumb {
namespace {

std::atomic<bool> g_reported{false};

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
struct sigaction g_previous[NSIG];  // the handler each signal had before ours

void put(char*& at, const char* end, const char* s) {
  if (!s || !*s) s = "-";
  while (*s && at < end) *at++ = *s++;
}

void on_signal(int sig, siginfo_t* info, void* context) {
  report("crash");
  const struct sigaction& prev = g_previous[sig];
  if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction) {
    prev.sa_sigaction(sig, info, context);
    return;
  }
  if (!(prev.sa_flags & SA_SIGINFO) && prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
    return;
  }
  // Die by the signal itself, so the parent sees the same status as without us.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, nullptr);
  raise(sig);  // blocked until we return; a fault would recur on return anyway
}

#ifdef ANVIL_HAS_SANITIZER
void on_sanitizer_death() { report("crash"); }
#endif

}  // namespace

void report(const char* kind) {
  if (g_reported.exchange(true)) return;
  char line[512];
  char* at = line;
  const char* end = line + sizeof line - 1;
  put(at, end, "=== anvil ");
  put(at, end, kind);
  put(at, end, ": ");
  put(at, end, g_slot.stage.load(std::memory_order_relaxed));
  put(at, end, " ");
  put(at, end, g_slot.op.load(std::memory_order_relaxed));
  put(at, end, " ");
  put(at, end, g_slot.backend.load(std::memory_order_relaxed));
  *at++ = '\n';
  for (const char* p = line; p < at;) {
    const ssize_t n = write(STDERR_FILENO, p, static_cast<size_t>(at - p));
    if (n <= 0) break;
    p += n;
  }
}

void mute() { g_reported.store(true); }

void install_crash_handlers(bool death_callback) {
  for (int sig : kSignals) {
    struct sigaction ours {};
    ours.sa_sigaction = &on_signal;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&ours.sa_mask);
    struct sigaction prev {};
    if (sigaction(sig, &ours, &prev) != 0) continue;
    if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction == &on_signal) continue;  // installed twice
    g_previous[sig] = prev;
  }
#ifdef ANVIL_HAS_SANITIZER
  if (death_callback) __sanitizer_set_death_callback(&on_sanitizer_death);
#else
  (void)death_callback;
#endif
}

}  // namespace anvil::breadcrumb
