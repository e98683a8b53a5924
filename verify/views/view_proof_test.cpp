// View proofs (issue 5), through the library verify/views/view_proof.h that `anvil verify views`
// runs too: random movement sequences, each load proved equal to the unsimplified composition
// of its movement ops and each contiguous store proved injective and covering.
#include "verify/views/view_proof.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace anvil::verify {
namespace {

// 4 blocks of 50 sequences, each its own seed, so CTest shards spread the solver time.
constexpr int kBlocks = 4, kPerBlock = 50;

class ViewProofs : public testing::TestWithParam<int> {};

TEST_P(ViewProofs, SimplifiedIndexEqualsUnsimplifiedOnRandomMovementSequences) {
  const ViewReport r = prove_random_views(kPerBlock, 20261125 + static_cast<uint64_t>(GetParam()));
  for (const std::string& f : r.failures) ADD_FAILURE() << f;
  EXPECT_EQ(r.proved, kPerBlock);
  std::printf("view proofs: %d of %d sequences proved (%d fully padded away), %.2f s\n", r.proved, r.cases,
              r.padded_away, r.seconds);
}

INSTANTIATE_TEST_SUITE_P(Blocks, ViewProofs, testing::Range(0, kBlocks));

}  // namespace
}  // namespace anvil::verify
