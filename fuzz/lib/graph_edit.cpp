#include "fuzz/lib/graph_edit.h"

namespace anvil::fuzz {

UOp substitute(const UOp& root, const Substitution& subs) {
  Substitution done(subs);
  for (const UOp& u : root.toposort()) {
    if (done.count(u)) continue;
    std::vector<UOp> src;
    bool changed = false;
    for (const UOp& s : u.src()) {
      const UOp& n = done.at(s);
      changed |= !(n == s);
      src.push_back(n);
    }
    done.emplace(u, changed ? UOp::make(u.op(), u.dtype(), std::move(src), u.arg()) : u);
  }
  return done.at(root);
}

size_t node_count(const UOp& root) { return root.toposort().size(); }

}  // namespace anvil::fuzz
