#include "engine/runtime/kernel_check.h"

#include <atomic>

namespace anvil {
namespace {

std::atomic<KernelChecker> g_checker{nullptr};  // set once by a test main, read by every realize

}  // namespace

void set_kernel_checker(KernelChecker checker) { g_checker.store(checker); }
KernelChecker kernel_checker() { return g_checker.load(); }

}  // namespace anvil
