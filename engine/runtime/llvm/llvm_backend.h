#pragma once
// The llvm backend (llvm_backend.cpp): LLVM 15 IR compiled in process with ORC LLJIT. Compiled
// kernels are object files cached on disk (kernel_cache.h) by (IR, LLVM version, host CPU name and
// features, pipeline); a hit skips parsing, optimizing and code generation.
#include <cstdint>

#include "engine/runtime/backend.h"

namespace anvil {

const Backend& llvm_backend();

// What this process's compiles found in the disk cache, for tests: a corrupt entry (bad header or
// checksum) counts as corrupt and a miss, and is compiled and written again.
struct LlvmCacheStats {
  uint64_t hits = 0, misses = 0, corrupt = 0;
};
LlvmCacheStats llvm_cache_stats();

}  // namespace anvil
