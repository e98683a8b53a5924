#include "fuzz/lib/compare.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "fuzz/lib/tolerance.h"

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

double math_factor(const UOp& root, std::string_view backend) {
  if (host_libm_backend(backend)) return 1;
  for (const UOp& u : root.toposort())
    if (u.op() == Op::SQRT || u.op() == Op::EXP2 || u.op() == Op::LOG2 || u.op() == Op::SIN) return kDeviceMathFactor;
  return 1;
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
