#pragma once
// Finite-difference checks of autograd, driven by the op table (verify/ops/op_table.h): for a row and
// one of its sample shapes, inputs are drawn in float64 from a smooth part of the row's domain and
//  - directional: a random direction v and output weights w; central differences
//    (L(x + hv) - L(x - hv)) / 2h of L = <w, f(x)> against <grad L, v>;
//  - jacobian: every entry d f_o / d x_j by central differences against the rows autograd gives
//    for one-hot output gradients (small shapes only).
// Values come from ref (verify/ref), the meaning of the API; the directional check also realizes the
// gradients on the engine's realizer and compares them with ref's, so a gradient graph that the
// scheduler mishandles shows up here too.
#include <cstdint>
#include <string>
#include <vector>

#include "verify/ops/op_table.h"

namespace anvil::gradcheck {

struct Tolerance {
  double atol = 1e-4;
  double rtol = 1e-3;
};

struct Outcome {
  bool checked = false;               // false: skipped, for `skipped_because`
  std::string skipped_because;        // the op rejects the shapes, the output is not float64, ...
  std::vector<std::string> failures;  // one line per mismatch
};

// Rows the checks apply to: differentiable, with a float64 variant.
bool checkable(const ops::OpRow& row);

Outcome check_directional(const ops::OpRow& row, const std::vector<Shape>& shapes, uint64_t seed, Tolerance tol = {},
                          double h = 1e-6);

// Skipped when the inputs or the output have more than `max_elements` elements.
Outcome check_jacobian(const ops::OpRow& row, const std::vector<Shape>& shapes, uint64_t seed, Tolerance tol = {},
                       double h = 1e-6, int64_t max_elements = 24);

// A seed for (row, sample) that does not depend on the table's order.
uint64_t seed_for(const std::string& row, size_t sample, uint64_t base);

}  // namespace anvil::gradcheck
