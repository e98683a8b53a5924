#pragma once
// ANVIL_SEARCH=N: instead of the heuristic's actions, try N candidate action lists on a kernel,
// time each compiled on the backend that will run it (scratch buffers, best of 3 runs), and keep
// the fastest. The choice is cached on disk (kernel_cache_dir()/search, keyed by kernel text,
// backend, compiler id and thread count) as the action line, so a later process replays it
// without timing anything.
#include <cstdint>
#include <vector>

#include "engine/codegen/opt.h"
#include "engine/runtime/backend.h"

namespace anvil {

// The candidates tried, heuristic first, then variations of tile sizes, unroll factors and loop
// order; every one applies to `ast`. At most `n`.
std::vector<std::vector<Opt>> search_candidates(const UOp& ast, size_t threads, size_t n);

// The fastest of search_candidates(ast, threads, n) on `backend` (or the cached choice).
std::vector<Opt> search_opts(const Backend& backend, const UOp& ast, size_t threads, size_t n);

struct SearchStats {
  uint64_t searched = 0;    // kernels timed
  uint64_t cache_hits = 0;  // kernels whose choice came from disk
};
SearchStats search_stats();

}  // namespace anvil
