// The engine (schedule -> lower -> interp) against ref (op by op on strided host arrays, sharing
// no scheduler, symbolic or codegen code) on random tensor programs.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>

#include "engine/ir/text.h"
#include "engine/runtime/realize.h"
#include "fuzz/lib/gen_tensor.h"
#include "fuzz/lib/rc_source.h"
#include "verify/ref/ref.h"

namespace anvil {
namespace {

bool close(double got, double want) {
  if (std::isnan(want)) return std::isnan(got);
  return got == want || std::fabs(got - want) <= 1e-5 * (1 + std::fabs(want));
}

RC_GTEST_PROP(Engine, MatchesRefOnRandomPrograms, ()) {
  install_interp_realizer();
  fuzz::RcSource src;
  Tensor t = fuzz::gen_tensor_program(src);
  RC_TAG(t.ndim());
  std::vector<double> want = ref::evaluate(t.uop()).floats();
  RC_LOG() << "program:\n" << to_text(t.uop());
  std::vector<float> got = t.to_vector<float>();
  RC_ASSERT(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (close(got[i], want[i])) continue;
    RC_LOG() << "element " << i << ": engine " << got[i] << ", ref " << want[i];
    RC_FAIL("the engine and ref disagree");
  }
}

}  // namespace
}  // namespace anvil
