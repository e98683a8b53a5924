#pragma once
// A sum as terms: Σ coeff_i * base_i + constant, like terms combined, for the sum and div/mod
// rules. Coefficients are exact (index) or wrapped (int8..uint64) in the sum's dtype.
#include <optional>
#include <vector>

#include "engine/ir/uop.h"

namespace anvil {

struct Term {
  UOp base;
  __int128 coeff;
};

struct Sum {
  DType dtype;
  std::vector<Term> terms;  // distinct bases, nonzero coefficients, in first-seen order
  __int128 constant = 0;
};

// Flattens nested ADDs of `e` (MUL by a constant is a coefficient); nullopt when an index
// coefficient leaves int64.
std::optional<Sum> decompose(const UOp& e);
// Builds the canonical form: bases in structural order, constant last. Empty when an index
// node it would build may overflow (its bounds saturate), so the caller leaves the node alone.
UOp rebuild(Sum s);
// Keeps a coefficient or constant in the sum's dtype: wraps (int8..uint64) or checks int64 (index).
bool normalize(const DType& dt, __int128& v);

}  // namespace anvil
