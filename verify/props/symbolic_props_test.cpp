// Properties of the symbolic layer over random integer expressions (depth >= 6, every integer op,
// variables with random ranges, negative ones included, index and wrapping dtypes).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "engine/ir/text.h"
#include "engine/runtime/interp/eval.h"
#include "engine/symbolic/simplify.h"
#include "fuzz/lib/gen_expr.h"
#include "fuzz/lib/rc_source.h"

namespace anvil {
namespace {

using fuzz::RcSource;

// Every property classifies its cases (RapidCheck prints the pass count only with a distribution).
std::string dtype_class(const UOp& e) { return e.dtype() == dtypes::index ? "index" : "wrapping " + name(e.dtype()); }

Value eval_at(const UOp& e, const std::map<std::string, int64_t>& point) {
  return interp::eval(e, interp::bind_by_name(e, point));
}

RC_GTEST_PROP(Symbolic, SimplifyKeepsValue, ()) {
  RcSource src;
  fuzz::GeneratedExpr g = fuzz::gen_int_expr(src);
  auto point = fuzz::gen_point(src, g.vars);
  Value want = eval_at(g.expr, point);
  RC_CLASSIFY(want.poison, "original is poison");
  if (want.poison) return;  // refinement: a poison original may become anything
  UOp simple = simplify(g.expr);
  Value got = eval_at(simple, point);
  RC_LOG() << "original:\n" << to_text(g.expr) << "simplified:\n" << to_text(simple) << "at";
  for (const auto& [name, value] : point) RC_LOG() << " " << name << "=" << value;
  RC_LOG() << ": original " << to_string(want.i) << ", simplified " << (got.poison ? "poison" : to_string(got.i));
  RC_ASSERT(!got.poison);
  RC_ASSERT(to_string(got.i) == to_string(want.i));
}

RC_GTEST_PROP(Symbolic, SimplifyIsIdempotent, ()) {
  RcSource src;
  UOp e = fuzz::gen_int_expr(src).expr;
  RC_TAG(dtype_class(e));
  UOp simple = simplify(e);
  RC_LOG() << "simplified once:\n" << to_text(simple);
  RC_ASSERT(simplify(simple) == simple);
}

RC_GTEST_PROP(Symbolic, SimplifyKeepsDtype, ()) {
  RcSource src;
  UOp e = fuzz::gen_int_expr(src).expr;
  RC_TAG(dtype_class(e));
  RC_ASSERT(simplify(e).dtype() == e.dtype());
}

RC_GTEST_PROP(Symbolic, EveryValueWithinVminVmax, ()) {
  RcSource src;
  fuzz::GeneratedExpr g = fuzz::gen_int_expr(src);
  auto point = fuzz::gen_point(src, g.vars);
  RC_TAG(dtype_class(g.expr));
  for (const UOp& e : {g.expr, simplify(g.expr)}) {
    std::vector<UOp> topo = e.toposort();
    std::vector<Value> values = interp::eval_all(topo, interp::bind_by_name(e, point));
    for (size_t i = 0; i < topo.size(); ++i) {
      if (values[i].poison || !is_intlike(topo[i].dtype())) continue;
      RC_LOG() << "node:\n" << to_text(topo[i]) << "value " << to_string(values[i].i);
      RC_ASSERT(values[i].i >= topo[i].vmin());
      RC_ASSERT(values[i].i <= topo[i].vmax());
    }
  }
}

RC_GTEST_PROP(Text, RoundTrip, ()) {
  RcSource src;
  UOp e = fuzz::gen_int_expr(src).expr;
  RC_TAG(dtype_class(e));
  std::string text = to_text(e);
  UOp back = parse_one(text);
  RC_ASSERT(back == e);
  RC_ASSERT(to_text(back) == text);
}

RC_GTEST_PROP(UOp, HashConsingIsIdentity, (uint64_t seed)) {
  fuzz::SeededSource a(seed), b(seed);
  UOp first = fuzz::gen_int_expr(a).expr;
  UOp second = fuzz::gen_int_expr(b).expr;
  RC_TAG(dtype_class(first));
  RC_ASSERT(first == second);
  RC_ASSERT(first.hash() == second.hash());
}

}  // namespace
}  // namespace anvil
