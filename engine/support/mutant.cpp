#include "engine/support/mutant.h"

#include "engine/support/env.h"

namespace anvil {

const std::vector<MutantInfo>& all_mutants() {
  static const std::vector<MutantInfo> table = {
#define MUTANT(id, layer, file, description) {id, layer, file, description},
#include "engine/support/mutants.def"
#undef MUTANT
  };
  return table;
}

bool mutants_compiled_in() {
#ifdef ANVIL_MUTANTS
  return true;
#else
  return false;
#endif
}

int active_mutant() {
#ifdef ANVIL_MUTANTS
  static const int k = static_cast<int>(env_int("ANVIL_MUTANT", 0));
  return k;
#else
  return 0;
#endif
}

}  // namespace anvil
