#pragma once
// Internal: the counter-based generator behind rand/randn/randint (random.cpp), exposed for tests.
#include <cstdint>
#include <utility>

#include "engine/tensor/tensor.h"

namespace anvil::tensor_detail {

// Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3") on
// uint32 graphs of one shape: the two output words for key (k0, k1) and counter (c0, c1).
std::pair<UOp, UOp> threefry2x32(const UOp& k0, const UOp& k1, const UOp& c0, const UOp& c1);

// `n` uint32 words of the process-wide stream: word 2i / 2i+1 are the two outputs of counter
// offset + i (a 64-bit counter split low / high) under the seed's key (low / high 32 bits). Each
// call takes the next ceil(n / 2) counters.
Tensor random_bits(int64_t n);

// The seed and the next counter offset (for tests that recompute the stream on the host).
std::pair<uint64_t, uint64_t> rng_state();

}  // namespace anvil::tensor_detail
