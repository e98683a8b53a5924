#include "fuzz/lib/compare.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace anvil::fuzz {

int64_t terms_of(const UOp& root) {
  std::unordered_map<UOp, int64_t, UOpHash> terms;
  for (const UOp& u : root.toposort()) {
    int64_t t = 1;
    for (const UOp& s : u.src()) t = std::max(t, terms.at(s));
    if (u.op() == Op::REDUCE_AXIS)
      for (int64_t ax : u.arg_reduce().axes)
        t = std::min<int64_t>(t * std::max<int64_t>(1, (*u.src(0).shape())[ax]), 1 << 30);
    terms.emplace(u, t);
  }
  return terms.at(root);
}

std::string index_text(int64_t flat, const Shape& shape) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return shape_str(idx);
}

}  // namespace anvil::fuzz
