#pragma once
// The reference meaning of a pure expression DAG: the value of every node, through exec_alu.
// Leaves (DEFINE_VAR, RANGE, SPECIAL) come from an Env; everything else is computed.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/ir/alu.h"
#include "engine/ir/uop.h"

namespace anvil::interp {

// Binds leaves: DEFINE_VAR, RANGE, SPECIAL (keyed by held handles, never raw pointers). A bound
// value is brought into its leaf's dtype (wrapped, or rounded) before use.
using Env = std::unordered_map<UOp, Value, UOpHash>;

// The value of a scalar expression: CONST, DEFINE_VAR / RANGE / SPECIAL (from env), ALU ops, CAST,
// BITCAST. Each shared node is evaluated once; iterative, so any depth fits. An unbound leaf, a
// vector dtype, an op that is not an expression op or one its dtype does not define throws
// anvil::Error (op "interp").
Value eval(const UOp& expr, const Env& env);

// The value of every node of `topo` (children before parents, as UOp::toposort gives), in order.
// A source missing from `topo` is an Error.
std::vector<Value> eval_all(std::span<const UOp> topo, const Env& env);

// Binds each DEFINE_VAR in expr by its name; a name missing from `values` is an Error.
Env bind_by_name(const UOp& expr, const std::map<std::string, int64_t>& values);

}  // namespace anvil::interp
