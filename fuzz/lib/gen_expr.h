#pragma once
// Generator of integer expressions for the symbolic simplifier: index or wrapping-integer
// arithmetic over a few variables with random (also negative) ranges, depth >= 6, every integer
// op anvil has, and the shapes movement ops produce (x*c + y with y in [0, c), then //c and %c).
#include <map>
#include <string>
#include <vector>

#include "engine/ir/uop.h"
#include "fuzz/lib/source.h"

namespace anvil::fuzz {

struct ExprOptions {
  int max_depth = 7;
  int max_vars = 4;
  bool wrapping_types = true;  // sometimes int8..uint64 instead of index
};

struct GeneratedExpr {
  UOp expr;
  std::vector<UOp> vars;
};

GeneratedExpr gen_int_expr(Source& src, const ExprOptions& opt = {});
// A subexpression of `dtype` over `vars`, at most `depth` deep (the mutator grafts these).
UOp gen_int_subexpr(Source& src, const std::vector<UOp>& vars, DType dtype, int depth);
// A constant of an integer dtype, biased to small values, divisors and the dtype's extremes.
UOp gen_int_const(Source& src, DType dtype);
// A point: a value for each variable (by name) in its range, biased to the bounds.
std::map<std::string, int64_t> gen_point(Source& src, const std::vector<UOp>& vars);

// The DEFINE_VARs of an expression, in a deterministic order.
std::vector<UOp> vars_of(const UOp& expr);

}  // namespace anvil::fuzz
