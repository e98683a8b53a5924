#pragma once
// Deterministic hashing: the same structure hashes the same in every run, so nothing keyed or
// ordered by a hash depends on addresses.
#include <cstdint>
#include <cstring>
#include <string_view>

namespace anvil {

inline uint64_t mix64(uint64_t x) {  // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

inline uint64_t hash_combine(uint64_t seed, uint64_t value) {
  return mix64(seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2)));
}

inline uint64_t hash_bytes(std::string_view bytes, uint64_t seed = 0) {
  uint64_t h = mix64(seed ^ bytes.size());  // FNV-1a core, mixed at the end
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  return mix64(h);
}

inline uint64_t double_bits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
}

}  // namespace anvil
