#include "engine/symbolic/simplify.h"

#include "engine/rewrite/graph_rewrite.h"

namespace anvil {

std::vector<const RuleSet*> symbolic_rule_sets() {
  return {&fold_rules(), &identity_rules(), &sum_rules(), &compare_rules(), &divmod_rules(), &logic_rules()};
}

const RuleSet& symbolic_rules() {
  static const RuleSet set("symbolic", symbolic_rule_sets());
  return set;
}

UOp simplify(const UOp& e) { return graph_rewrite(e, symbolic_rules()); }

}  // namespace anvil
