#pragma once
// Every composite op's table (see value_case_test_util.h), for the engine and ref runners.
#include "engine/tensor/elementwise_cases_test_util.h"
#include "engine/tensor/reduction_cases_test_util.h"

namespace anvil::testing {

inline std::vector<ValueCase> all_value_cases() {
  std::vector<ValueCase> all;
  for (auto group : {activation_cases(), tail_cases(), pow_cases(), lerp_shift_bitcast_cases(), reduction_cases()})
    all.insert(all.end(), group.begin(), group.end());
  return all;
}

}  // namespace anvil::testing
