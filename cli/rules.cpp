// anvil rules: every rule of every rule set, with its domain, kind (declarative or code) and
// source line; the list verify/ proves.
#include <cstdio>

#include "cli/commands.h"
#include "engine/symbolic/registry.h"

namespace anvil::cli {

int cmd_rules(const Args& args) {
  size_t total = 0, code = 0;
  for (const RuleSet* set : all_rule_sets()) {
    std::printf("%s (%zu rules)\n", set->name().c_str(), set->rules().size());
    for (const Rule& r : set->rules()) {
      std::printf("  %-70s %-22s %-5s %s\n", r.name.c_str(), to_string(r.domain).c_str(), r.is_code() ? "code" : "data",
                  r.location().c_str());
      ++total;
      code += r.is_code();
    }
  }
  std::printf("%zu rules in %zu rule sets (%zu declarative, %zu code)\n", total, all_rule_sets().size(), total - code,
              code);
  return 0;
}

}  // namespace anvil::cli
