// The composite ops' expected values (engine/tensor/value_cases_test_util.h) on ref, which
// evaluates the graph op by op; engine/tensor/value_cases_test.cpp runs the same table on the engine.
#include <gtest/gtest.h>

#include "engine/tensor/value_cases_test_util.h"
#include "verify/ref/ref.h"

namespace anvil::ref {
namespace {

using anvil::testing::ValueCase;

class RefValues : public ::testing::TestWithParam<ValueCase> {};

TEST_P(RefValues, MatchPyTorch) {
  const ValueCase& c = GetParam();
  const Tensor t = c.make();
  const Array a = evaluate(t.uop());
  ASSERT_EQ(a.dtype, c.dtype);
  ASSERT_EQ(a.shape, c.shape);
  for (const Value& v : a.data) ASSERT_FALSE(v.poison);
  if (is_float(c.dtype))
    anvil::testing::expect_case_values(c, a.floats(), {});
  else
    anvil::testing::expect_case_values(c, {}, a.ints());
}

std::string case_name(const ::testing::TestParamInfo<ValueCase>& info) {
  std::string n = info.param.name;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Cases, RefValues, ::testing::ValuesIn(anvil::testing::all_value_cases()), case_name);

}  // namespace
}  // namespace anvil::ref
