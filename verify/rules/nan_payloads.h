#pragma once
// NaN payloads, outside Z3: Z3's FP theory has one NaN, so a Float-domain proof cannot see which
// NaN bits a rewrite yields. exec_alu (alu.h) keeps payloads and signs: here every Float-domain
// declarative rule is fired on instances whose inputs are NaNs of distinct payloads and signs (and
// one NaN among ordinary values), both sides evaluated with exec_alu and compared by bits.
// A rule that changes a payload is not wrong by IEEE; the engine cares only where backends could
// disagree on bits (the fuzz oracles compare floats by bits, NaN payload included).
#include <string>
#include <vector>

#include "engine/ir/dtype.h"

namespace anvil::verify {

struct PayloadChange {
  std::string set, rule;  // rule: its name, as `anvil verify rules` prints it
  Scalar dtype = Scalar::Float32;
  std::string instance;  // the left side with its NaN inputs, as text
  uint64_t lhs_bits = 0, rhs_bits = 0;
};

struct PayloadReport {
  int rules = 0;      // Float-domain declarative rules tried
  int instances = 0;  // firings evaluated
  std::vector<PayloadChange> changes;
};

// Every rule of all_rule_sets() whose domain includes Float, in each of `dtypes`.
PayloadReport check_nan_payloads(const std::vector<Scalar>& dtypes);

}  // namespace anvil::verify
