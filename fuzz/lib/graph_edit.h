#pragma once
// Small graph edits for mutators and reducers: substitute nodes, count nodes.
#include <unordered_map>

#include "engine/ir/uop.h"

namespace anvil::fuzz {

using Substitution = std::unordered_map<UOp, UOp, UOpHash>;

// Rebuilds `root` with every node in `subs` replaced (sources of replacements are not revisited).
UOp substitute(const UOp& root, const Substitution& subs);
inline UOp substitute(const UOp& root, const UOp& from, const UOp& to) {
  return substitute(root, Substitution{{from, to}});
}

size_t node_count(const UOp& root);

}  // namespace anvil::fuzz
