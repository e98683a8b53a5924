// The ring canonical form of sums: subtraction and negation as coefficients, constants to the
// right, like terms combined, nested sums flattened into one structural order. Valid for exact
// index integers (with overflow checks) and for wrapping integers (arithmetic mod 2^n).
#include "engine/support/mutant.h"
#include "engine/symbolic/simplify.h"
#include "engine/symbolic/terms.h"

namespace anvil {
namespace {

// Index sums: k*(a//c)*c + k*(a%c) is k*a (floor division's defining identity), wherever the two
// terms sit in the sum.
void recombine_divmod(Sum& s) {
  for (Term& mod : s.terms) {
    if (mod.base.op() != Op::FLOORMOD || mod.coeff == 0 || mod.base.src(1).op() != Op::CONST) continue;
    const UOp& a = mod.base.src(0);
    const __int128 c = mod.base.src(1).const_int();
    for (Term& div : s.terms) {
      if (div.coeff == 0 || div.base.op() != Op::FLOORDIV || !(div.base.src(0) == a) ||
          !(div.base.src(1) == mod.base.src(1)))
        continue;
      __int128 want;
      if (__builtin_mul_overflow(mod.coeff, c, &want) || (div.coeff != want && !ANVIL_MUTANT(4))) continue;
      div.coeff = 0;
      mod.base = a;
      break;
    }
  }
}

// A whole sum at once: combining like terms across any nesting is not one pattern.
UOp canonical_sum(const UOp& node, const Bindings&) {
  std::optional<Sum> s = decompose(node);
  if (!s) return {};
  // A recombined term may meet a like term or be a sum itself: the rewriter's next pass merges it.
  if (s->dtype.scalar == Scalar::Index) recombine_divmod(*s);
  return rebuild(*s);
}

}  // namespace

const RuleSet& sum_rules() {
  const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
  // clang-format off
  static const RuleSet set("sum", {
    rule(neg(x),              x * -1),
    rule(x - y,               x + y * -1,              when(no_overflow(y * -1))),
    rule(c0 * x,              x * c0,                  when(not_(is_const(x)))),
    rule((x * c0) * c1,       x * fold(c0 * c1)),
    rule((x + y) * c0,        x * c0 + y * c0,         when(no_overflow(x * c0) && no_overflow(y * c0))),
    code_rule(x + y, canonical_sum, "flattening a sum of any length and shape is not one pattern", "canonical sum"),
  });
  // clang-format on
  return set;
}

}  // namespace anvil
