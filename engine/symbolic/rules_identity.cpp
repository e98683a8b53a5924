// Identities: neutral and absorbing elements, equal and range-ordered operands.
#include "engine/symbolic/simplify.h"

namespace anvil {

const RuleSet& identity_rules() {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  // clang-format off
  static const RuleSet set("identity", {
    rule(x + 0,               x),
    rule(x - 0,               x),
    rule(x * 1,               x),
    rule(x * 0,               0),
    rule(x - x,               0),
    rule(neg(neg(x)),         x),
    rule(floordiv(x, 1),      x),
    rule(floormod(x, 1),      0),
    rule(truncdiv(x, 1),      x),
    rule(truncmod(x, 1),      0),
    rule(floordiv(x, x),      1,  when(vmin(x) > 0 || vmax(x) < 0)),
    rule(floormod(x, x),      0,  when(vmin(x) > 0 || vmax(x) < 0)),
    rule(truncdiv(x, x),      1,  when(vmin(x) > 0 || vmax(x) < 0)),
    rule(truncmod(x, x),      0,  when(vmin(x) > 0 || vmax(x) < 0)),
    rule(max_(x, x),          x,  kIntDomains | Domain::Bool),
    rule(min_(x, x),          x,  kIntDomains | Domain::Bool),
    rule(max_(x, y),          x,  when(vmin(x) >= vmax(y)), kIntDomains | Domain::Bool),
    rule(min_(x, y),          x,  when(vmax(x) <= vmin(y)), kIntDomains | Domain::Bool),
  });
  // clang-format on
  return set;
}

}  // namespace anvil
