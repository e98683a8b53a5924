#pragma once
// Every rule set of the engine, for verify/ and the CLI to list, count and prove. An explicit
// list: a layer that adds rule sets adds them in registry.cpp.
#include <vector>

#include "engine/rewrite/rule.h"

namespace anvil {

std::vector<const RuleSet*> all_rule_sets();

}  // namespace anvil
