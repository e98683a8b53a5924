#pragma once
// Rules and rule sets. A rule is data: a left-side Pat, a right-side Pat (or, marked as code, a
// function with a one-line reason), an optional guard Pat, a name, a source location and a domain.
// verify/ proves `guard ∧ ¬poison(lhs) ⇒ ¬poison(rhs) ∧ lhs == rhs` in every dtype of the domain.
//
// Meaning of the parts, for whoever encodes them:
// - Matching: ops compare equal, sources match in order (commutative ops also swapped), a
//   wildcard binds a node (the same wildcard twice: the same node), a constant wildcard binds a
//   CONST, a literal matches a CONST equal to it in that CONST's dtype (floats: bit-equal).
// - Right side: nodes are built in the replaced node's dtype (a comparison's operands in the
//   dtype of their typed sibling); literals and `fold` take the dtype they are built in; `fold`
//   runs exec_alu on each op, and a poison fold stops the rule. `vmin(x)`/`vmax(x)` are constants.
// - Guards: exact integers, no wrapping (an overflow or a division by zero makes the guard
//   false); `c0` is the constant's value, `vmin(x)`/`vmax(x)` its bounds (sound: a model may assume
//   vmin(x) <= x <= vmax(x)), `no_overflow(e)` means e built from the bindings is not poison,
//   `is_const(x)` is syntax (a proof may treat it as a free boolean).
#include <array>
#include <functional>
#include <string>
#include <vector>

#include "engine/rewrite/pattern.h"

namespace anvil {

// Where a rule may fire. A node's domain is its dtype's, except a comparison's: its operands'.
enum class Domain : uint8_t {
  Index = 1 << 0,    // exact integers of dtype index; leaving int64 is poison
  WrapInt = 1 << 1,  // int8..uint64, wrapping at their width
  Float = 1 << 2,    // IEEE float16, bfloat16, float32, float64
  Bool = 1 << 3,     // bool
  Other = 1 << 4,    // void, pointers, vectors
};
constexpr Domain operator|(Domain a, Domain b) {
  return static_cast<Domain>(static_cast<uint8_t>(a) | static_cast<uint8_t>(b));
}
constexpr bool has(Domain set, Domain d) { return (static_cast<uint8_t>(set) & static_cast<uint8_t>(d)) != 0; }
inline constexpr Domain kIntDomains = Domain::Index | Domain::WrapInt;
inline constexpr Domain kAnyDomain = Domain::Index | Domain::WrapInt | Domain::Float | Domain::Bool | Domain::Other;
Domain domain_of(const UOp& node);
std::string to_string(Domain d);  // "Index|WrapInt"

// What a match bound: one node per slot (empty where unused).
using Bindings = std::array<UOp, kPatSlots>;

// A code rule's replacement: an empty UOp means "does not fire".
using RuleFn = std::function<UOp(const UOp& node, const Bindings& b)>;

struct Rule {
  Pat lhs;
  Pat rhs;    // empty for a code rule
  Pat guard;  // empty: always
  RuleFn code;
  std::string why_code;  // a code rule's one-line reason
  std::string name;      // defaults to "lhs => rhs"
  const char* file = "";
  int line = 0;
  Domain domain = kIntDomains;

  bool is_code() const { return static_cast<bool>(code); }
  Rule&& named(std::string n) && {
    name = std::move(n);
    return std::move(*this);
  }
  Rule&& in(Domain d) && {
    domain = d;
    return std::move(*this);
  }
  std::string location() const { return std::string(file) + ":" + std::to_string(line); }
};

// Rule constructors; the source location is the caller's.
Rule rule(Pat lhs, Pat rhs, Domain domain = kIntDomains, const char* file = __builtin_FILE(),
          int line = __builtin_LINE());
Rule rule(Pat lhs, Pat rhs, Pat guard, Domain domain = kIntDomains, const char* file = __builtin_FILE(),
          int line = __builtin_LINE());
Rule code_rule(Pat lhs, RuleFn fn, std::string why, std::string name, Domain domain = kIntDomains,
               const char* file = __builtin_FILE(), int line = __builtin_LINE());
inline Pat when(Pat guard) { return guard; }

class RuleSet {
 public:
  // ANVIL_CHECKs that a right side or guard uses no wildcard its left side does not bind.
  RuleSet(std::string name, std::vector<Rule> rules);
  // A union of sets, tried in the given order (not itself listed in all_rule_sets()).
  RuleSet(std::string name, const std::vector<const RuleSet*>& parts);

  const std::string& name() const { return name_; }
  const std::vector<Rule>& rules() const { return rules_; }
  // Indices of the rules that may match a node of this op, in declaration order (rules whose
  // left side is a wildcard are included for every op).
  const std::vector<int>& candidates(Op op) const { return by_op_[static_cast<int>(op)]; }

 private:
  void index();
  std::string name_;
  std::vector<Rule> rules_;
  std::array<std::vector<int>, kOpCount> by_op_;
};

// Matching and building, for the driver and for tests.
bool match(const Pat& p, const UOp& node, Bindings& b);
// The replacement of `node` by rule `r` given a match, or empty when the domain or guard rules it
// out, a fold is poison, or the result would be `node` itself or of another dtype.
UOp apply_rule(const Rule& r, const UOp& node, Bindings& b);
// Evaluates a guard (exact integers); false on overflow or division by zero.
bool eval_guard(const Pat& g, const UOp& node, const Bindings& b);
// Builds a right-side expression in dtype `dt`; empty when a fold is poison.
UOp build(const Pat& p, DType dt, const Bindings& b);

}  // namespace anvil
