// Constant folding, and nodes whose bounds meet.
#include <vector>

#include "engine/ir/alu.h"
#include "engine/support/error.h"
#include "engine/symbolic/simplify.h"

namespace anvil {
namespace {

// Any ALU node whose sources are all constants: its value through exec_alu, unless poison.
UOp fold_constants(const UOp& node, const Bindings&) {
  if (!in_group(node.op(), opgroup::Alu) || node.src().empty() || node.dtype().count != 1) return {};
  std::vector<Value> in;
  std::vector<Scalar> types;
  for (const UOp& s : node.src()) {
    if (s.op() != Op::CONST || s.dtype().count != 1) return {};
    in.push_back(const_value(s));
    types.push_back(s.dtype().scalar);
  }
  try {
    Value v = exec_alu(node.op(), node.dtype().scalar, types, in);
    return v.poison ? UOp() : value_const(node.dtype(), v);
  } catch (const Error&) {  // an op its dtype does not define stays for the validator to report
    return {};
  }
}

// An integer ALU node whose bounds meet has that value wherever it is not poison.
UOp range_constant(const UOp& node, const Bindings&) {
  if (!in_group(node.op(), opgroup::Alu) || !is_intlike(node.dtype()) || node.vmin() != node.vmax()) return {};
  return UOp::constant(node.dtype(), static_cast<int64_t>(node.vmin()));
}

}  // namespace

const RuleSet& fold_rules() {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  // clang-format off
  static const RuleSet set("fold", {
    code_rule(x, fold_constants, "any ALU op, any arity: one exec_alu call", "fold constants", kAnyDomain),
    code_rule(x, range_constant, "any ALU op: range analysis decides", "bounds meet => constant",
              kIntDomains | Domain::Bool),
  });
  // clang-format on
  return set;
}

}  // namespace anvil
