#pragma once
// Pat: the expression language of rewrite rules. One inspectable tree serves three roles:
// - left side (pattern): wildcards `x y z w`, constant wildcards `c0 c1 c2 c3`, literals, op nodes;
// - right side (replacement): the same, plus `fold(e)` (constants evaluated through exec_alu in the
//   replaced node's dtype; poison => the rule does not fire) and `vmin(x)`/`vmax(x)` as constants;
// - guard: exact-integer arithmetic and logic over constants (`c0`), `vmin(x)`, `vmax(x)` and
//   `no_overflow(e)`, `is_const(x)`.
// verify/ walks these trees (Pat::kind, op, src, slot, literal) to encode a rule in Z3.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/ir/ops.h"
#include "engine/ir/uop.h"

namespace anvil {

enum class PatKind : uint8_t {
  Wild,        // any node (slot 0..7); the same wildcard twice binds the same node
  ConstWild,   // any CONST node (slot 8..15)
  Literal,     // a CONST whose value, in the matched node's dtype, is `literal()`
  Node,        // an op with sources; commutative ops match either operand order
  Fold,        // right side: evaluate src(0) over constants at rewrite time
  VMin,        // the lower bound of a bound wildcard, a constant (guards and right sides)
  VMax,        // the upper bound of a bound wildcard
  NoOverflow,  // guard: range analysis proves src(0), built from the bindings, never leaves its dtype
  IsConst,     // guard: the wildcard is bound to a CONST node (syntax only: a proof may leave it free)
};

inline constexpr int kPatSlots = 16;
inline constexpr int kFirstConstSlot = 8;

struct PatNode;

class Pat {
 public:
  Pat() = default;
  Pat(int value);      // NOLINT(google-explicit-constructor): `x + 0` reads as algebra
  Pat(int64_t value);  // NOLINT(google-explicit-constructor)

  static Pat wild(int slot, std::string name);
  static Pat const_wild(int slot, std::string name);
  static Pat node(Op op, std::vector<Pat> src, DType cast_to = {});
  static Pat unary(PatKind kind, Pat inner);  // Fold, VMin, VMax, NoOverflow

  explicit operator bool() const { return node_ != nullptr; }
  PatKind kind() const;
  Op op() const;                        // Node
  DType cast_to() const;                // Node CAST: the target dtype
  int slot() const;                     // Wild, ConstWild
  const std::string& name() const;      // Wild, ConstWild
  int64_t literal() const;              // Literal
  const std::vector<Pat>& src() const;  // Node: operands; Fold, VMin, VMax, NoOverflow: one
  const Pat& src(size_t i) const { return src()[i]; }

  // Wildcard slots used anywhere in this tree, as a bit mask.
  uint32_t slots_used() const;

 private:
  std::shared_ptr<const PatNode> node_;
};

struct PatNode {
  PatKind kind = PatKind::Literal;
  Op op = Op::CONST;
  DType cast_to;
  int slot = -1;
  std::string name;
  int64_t literal = 0;
  std::vector<Pat> src;
};

// The text of a pattern, e.g. "floordiv(x * c0 + y, c0)"; of a guard, with && and || for AND/OR.
std::string to_string(const Pat& p);
std::string guard_to_string(const Pat& p);

// The standard wildcards. Rule tables take them by structured binding:
//   const auto [x, y, z, w, c0, c1, c2, c3] = pattern_vars();
struct PatternVars {
  Pat x, y, z, w, c0, c1, c2, c3;
};
PatternVars pattern_vars();

// Arithmetic: op nodes in patterns and right sides; exact integer math in guards.
Pat operator+(const Pat& a, const Pat& b);
Pat operator-(const Pat& a, const Pat& b);
Pat operator*(const Pat& a, const Pat& b);
Pat operator-(const Pat& a);
// Guards: comparisons and logic over exact integers. `a > b` is `b < a`; negation is not_(a)
// (no operator!, which would hijack `!pat` tests of emptiness).
Pat operator<(const Pat& a, const Pat& b);
Pat operator<=(const Pat& a, const Pat& b);
Pat operator>(const Pat& a, const Pat& b);
Pat operator>=(const Pat& a, const Pat& b);
Pat operator==(const Pat& a, const Pat& b);
Pat operator!=(const Pat& a, const Pat& b);
Pat operator&&(const Pat& a, const Pat& b);
Pat operator||(const Pat& a, const Pat& b);

// Ops without an operator.
Pat floordiv(const Pat& a, const Pat& b);
Pat floormod(const Pat& a, const Pat& b);
Pat truncdiv(const Pat& a, const Pat& b);
Pat truncmod(const Pat& a, const Pat& b);
Pat max_(const Pat& a, const Pat& b);
Pat min_(const Pat& a, const Pat& b);
Pat lt(const Pat& a, const Pat& b);
Pat le(const Pat& a, const Pat& b);
Pat eq(const Pat& a, const Pat& b);
Pat ne(const Pat& a, const Pat& b);
Pat and_(const Pat& a, const Pat& b);
Pat or_(const Pat& a, const Pat& b);
Pat xor_(const Pat& a, const Pat& b);
Pat not_(const Pat& a);
Pat neg(const Pat& a);
Pat where_(const Pat& c, const Pat& a, const Pat& b);
Pat cast(const Pat& a, DType to);
Pat alu(Op op, std::vector<Pat> src);

// Right sides and guards.
Pat fold(const Pat& e);
Pat vmin(const Pat& x);
Pat vmax(const Pat& x);
Pat no_overflow(const Pat& e);
Pat is_const(const Pat& x);

}  // namespace anvil
