#pragma once
// View proofs (issue 5): for random movement sequences (RESHAPE, PERMUTE, EXPAND, PAD, SHRINK,
// FLIP) of a buffer, Z3 proves the scheduler's simplified load index and gate equal to the
// unsimplified composition of the movement ops under the output loop variables' ranges, and the
// contiguous store of the result injective and covering its output. Shared by
// `anvil verify views` and test_verify_views.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/tensor/tensor.h"

namespace anvil::verify {

enum class ViewVerdict : uint8_t { Proved, Refuted, Unknown };
const char* view_verdict_name(ViewVerdict v);

struct ViewProof {
  ViewVerdict verdict = ViewVerdict::Proved;
  bool padded_away = false;  // the scheduler found every element padded away (no load)
  std::string detail;        // refuted/unknown: the reason, the view and the kernel
};

// A random sequence of 1..6 movement ops on a fresh buffer of rank 1..3 (dimensions 1..8).
Tensor random_movement_sequence(std::mt19937_64& rng);

// Schedules t.contiguous() (one kernel) and proves its load (index and gate) and its store.
ViewProof prove_view(const Tensor& t);

struct ViewReport {
  int cases = 0, proved = 0, refuted = 0, unknown = 0, padded_away = 0;
  double seconds = 0;
  std::vector<std::string> failures;  // the detail of each refuted or unknown case, with its number
};

// `cases` sequences from one generator seeded with `seed`.
ViewReport prove_random_views(int cases, uint64_t seed);

}  // namespace anvil::verify
