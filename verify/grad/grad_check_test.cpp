// Gradient checks of every differentiable row of the op table, on every run: a directional central
// difference for each sample shape and a full jacobian for the small ones (grad_check.h). Adding a
// differentiable op to the table adds it here. ANVIL_GRAD_SEED overrides the fixed seed.
#include "verify/grad/grad_check.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "engine/runtime/realize.h"

namespace anvil::gradcheck {
namespace {

uint64_t base_seed() {
  const char* env = std::getenv("ANVIL_GRAD_SEED");
  return env ? std::strtoull(env, nullptr, 10) : 20261125;
}

std::vector<std::string> checkable_rows() {
  std::vector<std::string> names;
  for (const ops::OpRow& row : ops::op_table())
    if (checkable(row)) names.push_back(row.name);
  return names;
}

class GradCheck : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { install_interp_realizer(); }
  void TearDown() override { set_realizer(nullptr); }
  const ops::OpRow& row() const { return *ops::find_op(GetParam()); }
};

// Every sample the op accepts is checked; a row must check at least one, unless all of its outputs
// are a narrower float than float64 (a cast), where rounding hides any finite difference.
void run(const ops::OpRow& row, bool jacobian) {
  size_t checked = 0;
  std::string skips;
  for (size_t k = 0; k < row.shapes.size(); ++k) {
    const uint64_t seed = seed_for(row.name, k, base_seed());
    const Outcome o = jacobian ? check_jacobian(row, row.shapes[k], seed) : check_directional(row, row.shapes[k], seed);
    for (const std::string& f : o.failures) ADD_FAILURE() << f << " (seed " << seed << ")";
    if (o.checked)
      ++checked;
    else
      skips += "\n  sample " + std::to_string(k) + ": " + o.skipped_because;
  }
  const bool narrow_output = skips.find("rounding hides") != std::string::npos;
  if (checked == 0 && !narrow_output) ADD_FAILURE() << row.name << ": no sample was checked:" << skips;
}

TEST_P(GradCheck, Directional) { run(row(), false); }
TEST_P(GradCheck, Jacobian) { run(row(), true); }

INSTANTIATE_TEST_SUITE_P(OpTable, GradCheck, ::testing::ValuesIn(checkable_rows()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(GradCheckTable, CoversTheDifferentiableOps) {
  // The table must list differentiable rows, and this suite must reach each of them.
  EXPECT_GE(checkable_rows().size(), 40u);
  for (const char* name : {"exp", "tanh", "sigmoid", "matmul", "mean_all", "max_axis1", "prod_all", "pad_1_2", "cat_0"})
    EXPECT_NE(ops::find_op(name), nullptr) << name;
}

}  // namespace
}  // namespace anvil::gradcheck
