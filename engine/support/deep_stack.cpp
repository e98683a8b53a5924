#include "engine/support/deep_stack.h"

#include <pthread.h>

#include <exception>

#include "engine/support/check.h"

namespace anvil {
namespace {

struct Call {
  const std::function<void()>* fn;
  std::exception_ptr error;
};

void* trampoline(void* arg) {
  auto* call = static_cast<Call*>(arg);
  try {
    (*call->fn)();
  } catch (...) {
    call->error = std::current_exception();
  }
  return nullptr;
}

}  // namespace

void run_on_deep_stack(const std::function<void()>& fn, size_t stack_bytes) {
  Call call{&fn, nullptr};
  pthread_attr_t attr;
  ANVIL_CHECK(pthread_attr_init(&attr) == 0);
  ANVIL_CHECK(pthread_attr_setstacksize(&attr, stack_bytes) == 0) << "stack size " << stack_bytes;
  pthread_t thread;
  const int rc = pthread_create(&thread, &attr, &trampoline, &call);
  pthread_attr_destroy(&attr);
  if (rc != 0) {  // no thread to be had (address space or thread limits): run here, as before
    fn();
    return;
  }
  ANVIL_CHECK(pthread_join(thread, nullptr) == 0);
  if (call.error) std::rethrow_exception(call.error);
}

}  // namespace anvil
