// libFuzzer entry points for one target, chosen at compile time (ANVIL_FUZZ_TARGET). Inputs are
// .uop text; the custom mutator parses, mutates the graph and prints it back, so corpora stay
// readable. A finding is reduced in process, printed as a case, then the process aborts so
// libFuzzer keeps the crashing input.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/support/breadcrumb.h"
#include "engine/support/check.h"
#include "fuzz/lib/finding.h"
#include "fuzz/lib/worker.h"

namespace {

const anvil::fuzz::Target& target() {
  static const anvil::fuzz::Target* t = anvil::fuzz::find_target(ANVIL_FUZZ_TARGET);
  ANVIL_CHECK(t) << "unknown fuzz target " << ANVIL_FUZZ_TARGET;
  return *t;
}

}  // namespace

// Throughput: graphs allocate many small nodes; ASan's 4 KiB malloc fill and 256 MiB quarantine
// cost a third of the time. A 64 MiB quarantine still spans many executions. ASAN_OPTIONS overrides.
extern "C" const char* __asan_default_options() { return "max_malloc_fill_size=0:quarantine_size_mb=64"; }

// Before libFuzzer starts any thread: the graph target's backend kernels run in a fork+exec worker
// (fuzz/lib/worker.h), so a crash or hang in one is a finding, not the end of the campaign.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  if (target().name == "graph") anvil::fuzz::start_campaign_worker();
  return 0;
}

// A sanitizer report ends with its summary: name the engine's stage and op after it. (libFuzzer
// owns the sanitizers' one death callback, which writes the crash artifact.)
extern "C" void __sanitizer_report_error_summary(const char* summary) {
  (void)!write(STDERR_FILENO, summary, std::strlen(summary));
  (void)!write(STDERR_FILENO, "\n", 1);
  anvil::breadcrumb::report("crash");
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Installed here, after libFuzzer's own handlers, so ours print the breadcrumb and chain to them.
  static const bool crash_handlers = (anvil::breadcrumb::install_crash_handlers(false), true);
  (void)crash_handlers;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  anvil::fuzz::Outcome out = target().run(input);
  if (out.kind == anvil::fuzz::Outcome::Rejected) return -1;  // keep it out of the corpus
  if (out.kind == anvil::fuzz::Outcome::Ok) return 0;
  const anvil::fuzz::Finding& f = out.finding;
  std::string reduced = target().reduce(input, f.signature);
  std::fprintf(stderr, "\n=== anvil finding: %s\n%s\n=== reduced case (%s):\n# signature: %s\n%s=== end\n",
               f.signature.str().c_str(), f.message.c_str(), target().name.data(), f.signature.str().c_str(),
               reduced.c_str());
  std::fflush(stderr);
  anvil::breadcrumb::mute();  // an abort on purpose: the finding line above is the signature
  std::abort();
}

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  if (!target().mutate) return LLVMFuzzerMutate(data, size, max_size);
  std::string out = target().mutate(std::string_view(reinterpret_cast<const char*>(data), size), seed, max_size);
  if (out.size() > max_size) return size;
  std::memcpy(data, out.data(), out.size());
  return out.size();
}
