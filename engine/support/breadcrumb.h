#pragma once
// Where the engine is, for a crash report. Each layer stores (stage, op, backend) as pointers to
// static strings in one process-wide slot; a fatal signal, a sanitizer report or a failed
// ANVIL_CHECK prints `=== anvil crash: STAGE OP BACKEND`, so triage can sign a crash by its op.
// Relaxed atomic stores (plain moves on x86): no allocation, no lock, cheap enough per step.
#include <atomic>

namespace anvil::breadcrumb {

struct Slot {
  std::atomic<const char*> stage{nullptr};
  std::atomic<const char*> op{nullptr};
  std::atomic<const char*> backend{nullptr};
};

inline Slot g_slot;  // constant-initialized: no static constructor

// Sets the slot while in scope and restores the enclosing one after, on unwinding too.
class Scope {
 public:
  Scope(const char* stage, const char* op, const char* backend)
      : stage_(g_slot.stage.load(std::memory_order_relaxed)),
        op_(g_slot.op.load(std::memory_order_relaxed)),
        backend_(g_slot.backend.load(std::memory_order_relaxed)) {
    g_slot.stage.store(stage, std::memory_order_relaxed);
    g_slot.op.store(op, std::memory_order_relaxed);
    g_slot.backend.store(backend, std::memory_order_relaxed);
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  ~Scope() {
    g_slot.stage.store(stage_, std::memory_order_relaxed);
    g_slot.op.store(op_, std::memory_order_relaxed);
    g_slot.backend.store(backend_, std::memory_order_relaxed);
  }

 private:
  const char* stage_;
  const char* op_;
  const char* backend_;
};

// The op now being processed inside the current scope (a node scheduled, an instruction run).
inline void set_op(const char* op) { g_slot.op.store(op, std::memory_order_relaxed); }

// Keeps the stage and backend; restores the op when it ends (per-step set_op inside a kernel run).
class OpScope {
 public:
  OpScope() : op_(g_slot.op.load(std::memory_order_relaxed)) {}
  OpScope(const OpScope&) = delete;
  OpScope& operator=(const OpScope&) = delete;
  ~OpScope() { g_slot.op.store(op_, std::memory_order_relaxed); }

 private:
  const char* op_;
};

// Writes `=== anvil KIND: STAGE OP BACKEND` ("-" for an empty field) to stderr with write(2):
// async-signal-safe, and only once per process, so the SIGABRT after a failed check adds nothing.
void report(const char* kind = "crash");

// Marks the process as reported without printing: an abort on purpose (a finding) is no crash.
void mute();

// Reports on SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT, then hands the signal to the handler
// installed before (libFuzzer's, a sanitizer's) or dies by it. `death_callback`: also report from
// the sanitizers' death callback (where one is compiled in; libFuzzer owns that slot in its binaries).
void install_crash_handlers(bool death_callback);

}  // namespace anvil::breadcrumb
