// dropout from the engine's seeded stream (random.cpp): torch's values differ bit for bit (its
// generator is not ours); the kept fraction, the scale and the edge cases are as torch's.
#include "engine/tensor/graph.h"

namespace anvil {

Tensor dropout(const Tensor& input, double p, bool training) {
  if (!(p >= 0 && p <= 1)) (ErrorBuilder("dropout") << "probability has to be between 0 and 1, but got " << p).raise();
  if (!is_float(input.dtype()) && training && p > 0)
    (ErrorBuilder("dropout") << "needs a float input, got " << name(input.dtype())).raise();
  if (!training || p == 0) return input;
  if (p == 1) return input * 0;                           // NaN stays NaN, as torch's input * zeros
  const Tensor keep = Tensor::rand(input.shape()).ge(p);  // kept with probability 1 - p
  return input * (keep.to(input.dtype()) * (1 / (1 - p)));
}

}  // namespace anvil
