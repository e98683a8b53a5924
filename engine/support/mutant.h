#pragma once
// Injected bugs for measuring the harness (ci/mutants, issue 8). ANVIL_MUTANT(k) is the constant
// false unless the engine is built with -DANVIL_MUTANTS=ON; then it is true iff the environment's
// ANVIL_MUTANT equals k (read once). The table of mutants is engine/support/mutants.def.
#include <string_view>
#include <vector>

namespace anvil {

struct MutantInfo {
  int id;
  std::string_view layer;        // e.g. "symbolic", "render-c"
  std::string_view file;         // where the injected line lives
  std::string_view description;  // the bug, in one line
};

// Every registered mutant, ordered by id.
const std::vector<MutantInfo>& all_mutants();

// True in a build with ANVIL_MUTANTS: the only place the engine reads ANVIL_MUTANT.
bool mutants_compiled_in();

// The mutant selected by env ANVIL_MUTANT (0 = none), read once. Always 0 without ANVIL_MUTANTS.
int active_mutant();

}  // namespace anvil

#ifdef ANVIL_MUTANTS
#define ANVIL_MUTANT(k) (::anvil::active_mutant() == (k))
#else
#define ANVIL_MUTANT(k) false
#endif
