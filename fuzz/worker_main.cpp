// anvil_kernel_worker: the process fuzz campaigns run backend kernels in (fuzz/lib/worker.h). It
// serves requests on the file descriptor named by its argument until the campaign closes it.
// ANVIL_WORKER_TEST_BACKENDS=1 adds backends that misbehave on purpose, for the worker's own tests.
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <new>

#include "engine/support/breadcrumb.h"
#include "engine/support/error.h"
#include "engine/tensor/tensor.h"
#include "fuzz/lib/worker.h"

namespace {

anvil::UOp test_crash(const anvil::UOp&) {
  anvil::breadcrumb::Scope where("test", "TESTOP", "test_crash");  // the crash handler prints it
  raise(SIGSEGV);
  std::abort();
}

anvil::UOp test_hang(const anvil::UOp&) {
  for (;;) pause();
}

// Touches 4 GiB a slice at a time, so the parent's memory watch sees the growth before the machine does.
anvil::UOp test_oom(const anvil::UOp&) {
  constexpr size_t kTotal = size_t{4} << 30, kSlice = size_t{16} << 20;
  auto* p = static_cast<char*>(mmap(nullptr, kTotal, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (p == MAP_FAILED) throw std::bad_alloc();  // the address-space limit refused it, as operator new would
  for (size_t at = 0; at < kTotal; at += kSlice) {
    for (size_t i = 0; i < kSlice; i += 4096) p[at + i] = 1;
    usleep(1000);
  }
  (anvil::ErrorBuilder("test_oom") << "touched 4 GiB and nobody stopped it").raise();
}

anvil::UOp test_error(const anvil::UOp&) { (anvil::ErrorBuilder("test_error") << "raised on purpose").raise(); }

}  // namespace

// As the libFuzzer binaries: no 4 KiB malloc fill, a smaller quarantine. ASAN_OPTIONS overrides.
extern "C" const char* __asan_default_options() { return "max_malloc_fill_size=0:quarantine_size_mb=64"; }

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FD (fuzz campaigns start it; see fuzz/lib/worker.h)\n", argv[0]);
    return 2;
  }
  // A crash or sanitizer report prints `=== anvil crash: STAGE OP BACKEND`: the campaign signs it by its op.
  anvil::breadcrumb::install_crash_handlers(true);
  const char* test = std::getenv("ANVIL_WORKER_TEST_BACKENDS");
  if (test && std::string(test) == "1") {
    anvil::register_backend("test_crash", test_crash);
    anvil::register_backend("test_hang", test_hang);
    anvil::register_backend("test_oom", test_oom);
    anvil::register_backend("test_error", test_error);
  }
  return anvil::fuzz::serve_kernel_requests(std::atoi(argv[1]));
}
