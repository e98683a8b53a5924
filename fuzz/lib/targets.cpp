#include "fuzz/lib/targets.h"

#include <array>

namespace anvil::fuzz {

std::span<const Target> all_targets() {
  static const std::array<Target, 6> kTargets = {kSymbolicTarget, kParseTarget, kGraphTarget,
                                                 kShapeTarget,    kApiTarget,   kSafetensorsTarget};
  return kTargets;
}

const Target* find_target(std::string_view name) {
  for (const Target& t : all_targets())
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace anvil::fuzz
