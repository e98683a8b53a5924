#pragma once
// The benchmark inputs, as bench/reference.py computes them: a hash of the element index, so anvil,
// numpy and PyTorch see the same bits without sharing files (64M floats would be 256 MB on disk).
// Keep bench_value() and reference.py's `values()` identical, operation for operation.
#include <cstdint>
#include <vector>

namespace anvil::bench {

// Element i of stream `seed`: an exact float32 k / 2^24 - 0.5 in [-0.5, 0.5) (every step is exact).
inline float bench_value(uint32_t seed, uint64_t i) {
  uint32_t h = static_cast<uint32_t>(i) * 2654435761u + seed * 40503u;  // wraps mod 2^32
  h ^= h >> 13;
  h *= 0x5bd1e995u;
  h ^= h >> 15;
  return static_cast<float>(h >> 8) * (1.0f / 16777216.0f) - 0.5f;
}

// n values of stream `seed`, each times `scale` (rounded once to float32, as numpy's float32 multiply).
inline std::vector<float> bench_values(uint32_t seed, uint64_t n, float scale = 1.0f) {
  std::vector<float> v(n);
  for (uint64_t i = 0; i < n; ++i) v[i] = bench_value(seed, i) * scale;
  return v;
}

// Class labels of the MLP workload: (7 i + 3) mod classes.
inline std::vector<int64_t> bench_labels(uint64_t n, int64_t classes) {
  std::vector<int64_t> v(n);
  for (uint64_t i = 0; i < n; ++i) v[i] = static_cast<int64_t>((7 * i + 3) % static_cast<uint64_t>(classes));
  return v;
}

}  // namespace anvil::bench
