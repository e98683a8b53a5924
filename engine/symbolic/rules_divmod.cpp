// Division and modulo by constants. Floor flavour (what movement ops produce) is rewritten with
// exact identities; trunc flavour becomes floor where the dividend is never negative.
#include <numeric>

#include "engine/ir/range.h"
#include "engine/support/mutant.h"
#include "engine/symbolic/simplify.h"
#include "engine/symbolic/terms.h"

namespace anvil {
namespace {

__int128 gcd128(__int128 a, __int128 b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b != 0) {
    __int128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// The common factor of every coefficient, the constant and the divisor d (> 0).
__int128 common_factor(const Sum& s, __int128 d) {
  __int128 g = gcd128(d, s.constant);
  for (const Term& t : s.terms) g = gcd128(g, t.coeff);
  return g;
}

// The sum with every coefficient and its constant divided by g (a common factor of them all).
UOp divided_by(Sum s, __int128 g) {
  for (Term& t : s.terms) t.coeff /= g;
  s.constant /= g;
  return rebuild(s);
}

// (g*a) // (g*d) = a // d and (c*q + r) // c = q + r // c: exact floor identities, any signs of
// the terms. Code: the terms that split off are found by walking a sum of any shape.
UOp split_floordiv(const UOp& node, const Bindings& b) {
  const __int128 d = b[8].const_int();
  std::optional<Sum> s = decompose(node.src(0));
  if (!s || d <= 1) return {};
  if (const __int128 g = common_factor(*s, d); g > 1) {
    UOp num = divided_by(*s, g);
    return num ? num.floordiv(UOp::constant(node.dtype(), static_cast<int64_t>(d / g))) : UOp();
  }
  Sum quot{s->dtype, {}, floor_div(s->constant, d)}, rest{s->dtype, {}, floor_mod(s->constant, d)};
  for (const Term& t : s->terms) {
    if (t.coeff % d == 0)
      quot.terms.push_back({t.base, t.coeff / d});
    else
      rest.terms.push_back(t);
  }
  if (quot.terms.empty() && quot.constant == 0) return {};
  UOp q = rebuild(quot), r = rebuild(rest);
  if (!q || !r) return {};
  UOp out = q + r.floordiv(UOp::constant(node.dtype(), static_cast<int64_t>(d)));
  return out.vmin() == int_min(Scalar::Index) && out.vmax() == int_max(Scalar::Index) ? UOp() : out;
}

// (c*q + r) % c = r % c, with each coefficient reduced to its smallest residue, and
// (g*a) % (g*d) = (a % d) * g. Code for the same reason as split_floordiv.
UOp split_floormod(const UOp& node, const Bindings& b) {
  const __int128 d = b[8].const_int();
  std::optional<Sum> s = decompose(node.src(0));
  if (!s || d <= 1) return {};
  if (const __int128 g = common_factor(*s, d); g > 1) {
    UOp num = divided_by(*s, g);
    if (ANVIL_MUTANT(3)) return num ? num.floormod(UOp::constant(node.dtype(), static_cast<int64_t>(d / g))) : UOp();
    return num ? num.floormod(UOp::constant(node.dtype(), static_cast<int64_t>(d / g))) * static_cast<int64_t>(g)
               : UOp();
  }
  bool changed = false;
  for (Term& t : s->terms) {
    __int128 r = floor_mod(t.coeff, d);
    if (2 * r > d) r -= d;
    changed |= r != t.coeff;
    t.coeff = r;
  }
  const __int128 c = floor_mod(s->constant, d);
  changed |= c != s->constant;
  s->constant = c;
  if (!changed) return {};
  UOp num = rebuild(*s);
  return num ? num.floormod(UOp::constant(node.dtype(), static_cast<int64_t>(d))) : UOp();
}

}  // namespace

const RuleSet& divmod_rules() {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  constexpr Domain kIndex = Domain::Index;
  const Pat k = floordiv(vmin(x), c0);  // the quotient at x's lower bound
  const char* const kSplitWhy = "the terms that split off are found in a sum of any shape";
  // clang-format off
  static const RuleSet set("divmod", {
    rule(truncdiv(x, c0),                  floordiv(x, c0),             when(vmin(x) >= 0 && c0 > 0)),
    rule(truncmod(x, c0),                  floormod(x, c0),             when(vmin(x) >= 0 && c0 > 0)),
    rule(floormod(x, c0),                  x,                           when(vmin(x) >= 0 && vmax(x) < c0)),
    rule(floormod(x, c0),                  x - fold(c0 * k),            when(c0 > 0 && k == floordiv(vmax(x), c0)),
         kIndex),
    rule(floordiv(floordiv(x, c0), c1),    floordiv(x, fold(c0 * c1)),  when(c0 > 0 && c1 > 0), kIndex),
    rule(truncdiv(truncdiv(x, c0), c1),    truncdiv(x, fold(c0 * c1)),  when(c0 > 0 && c1 > 0), kIndex),
    ANVIL_MUTANT(2) ? rule(floormod(floormod(x, c0), c1), floormod(x, c1), when(c1 > 0 && floormod(c1, c0) == 0),
                           kIndex) :
    rule(floormod(floormod(x, c0), c1),    floormod(x, c1),             when(c1 > 0 && floormod(c0, c1) == 0),
         kIndex),
    rule(floordiv(x, c0) * c0 + floormod(x, c0), x,                     when(c0 != 0), kIndex),
    code_rule(floordiv(x, c0), split_floordiv, kSplitWhy, "split floordiv", kIndex),
    code_rule(floormod(x, c0), split_floormod, kSplitWhy, "split floormod", kIndex),
  });
  // clang-format on
  return set;
}

}  // namespace anvil
