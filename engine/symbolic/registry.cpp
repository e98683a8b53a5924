#include "engine/symbolic/registry.h"

#include "engine/symbolic/simplify.h"

namespace anvil {

std::vector<const RuleSet*> all_rule_sets() { return symbolic_rule_sets(); }

}  // namespace anvil
