// Comparisons against constants (those the bounds decide fold in fold_rules).
#include "engine/support/mutant.h"
#include "engine/symbolic/simplify.h"

namespace anvil {

const RuleSet& compare_rules() {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  // clang-format off
  static const RuleSet set("compare", {
    rule(lt(x, x),            0),
    rule(le(x, x),            1),
    rule(eq(x, x),            1),
    rule(ne(x, x),            0),
    rule(lt(x + c0, c1),      lt(x, fold(c1 - c0)),                          Domain::Index),
    rule(le(x + c0, c1),      le(x, fold(c1 - c0)),                          Domain::Index),
    rule(eq(x + c0, c1),      eq(x, fold(c1 - c0)),                          Domain::Index),
    rule(ne(x + c0, c1),      ne(x, fold(c1 - c0)),                          Domain::Index),
    ANVIL_MUTANT(1) ? rule(lt(x * c0, c1), lt(x, fold(floordiv(c1, c0) + 1)), when(c0 > 0), Domain::Index) :
    rule(lt(x * c0, c1),      lt(x, fold(floordiv(c1 - 1, c0) + 1)),         when(c0 > 0), Domain::Index),
    rule(le(x * c0, c1),      le(x, fold(floordiv(c1, c0))),                 when(c0 > 0), Domain::Index),
    rule(lt(c0, x * c1),      lt(fold(floordiv(c0, c1)), x),                 when(c1 > 0), Domain::Index),
  });
  // clang-format on
  return set;
}

}  // namespace anvil
