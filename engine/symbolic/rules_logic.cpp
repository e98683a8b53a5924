// WHERE (gates) and bool logic.
#include "engine/symbolic/simplify.h"

namespace anvil {

const RuleSet& logic_rules() {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  // clang-format off
  static const RuleSet set("logic", {
    rule(where_(x, y, y),         y,                 kAnyDomain),
    rule(where_(1, x, y),         x,                 kAnyDomain),
    rule(where_(0, x, y),         y,                 kAnyDomain),
    rule(where_(not_(lt(x, y)), z, w),  where_(lt(x, y), w, z),  kAnyDomain),
    rule(where_(not_(le(x, y)), z, w),  where_(le(x, y), w, z),  kAnyDomain),
    rule(where_(not_(eq(x, y)), z, w),  where_(eq(x, y), w, z),  kAnyDomain),
    rule(where_(not_(ne(x, y)), z, w),  where_(ne(x, y), w, z),  kAnyDomain),
    rule(where_(x, 1, 0),         x,                 Domain::Bool),
    rule(where_(x, 0, 1),         not_(x),           Domain::Bool),
    rule(and_(x, 1),              x,                 Domain::Bool),
    rule(and_(x, 0),              0,                 Domain::Bool),
    rule(or_(x, 0),               x,                 Domain::Bool),
    rule(or_(x, 1),               1,                 Domain::Bool),
    rule(and_(x, x),              x,                 kIntDomains | Domain::Bool),
    rule(or_(x, x),               x,                 kIntDomains | Domain::Bool),
    rule(xor_(x, 0),              x,                 kIntDomains | Domain::Bool),
    rule(xor_(x, x),              0,                 kIntDomains | Domain::Bool),
    rule(not_(not_(x)),           x,                 kIntDomains | Domain::Bool),
    // An empty interval: a PAD gate over a dimension of size 0.
    rule(and_(le(c0, x), lt(x, c1)),  0,             when(c1 <= c0), Domain::Index),
    rule(and_(lt(x, c1), le(c0, x)),  0,             when(c1 <= c0), Domain::Index),
  });
  // clang-format on
  return set;
}

}  // namespace anvil
