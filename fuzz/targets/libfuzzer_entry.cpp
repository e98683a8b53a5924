// libFuzzer entry points for one target, chosen at compile time (ANVIL_FUZZ_TARGET). Inputs are
// .uop text; the custom mutator parses, mutates the graph and prints it back, so corpora stay
// readable. A finding is reduced in process, printed as a case, then the process aborts so
// libFuzzer keeps the crashing input.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/support/check.h"
#include "fuzz/lib/finding.h"

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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
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
