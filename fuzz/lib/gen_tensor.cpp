#include "fuzz/lib/gen_tensor.h"

#include <algorithm>
#include <numeric>

namespace anvil::fuzz {
namespace {

Tensor gen_leaf(Source& src, const Shape& shape) {
  std::vector<float> values(static_cast<size_t>(shape_numel(shape)));
  for (float& v : values) v = static_cast<float>(src.range(-8, 8)) / 2;  // small, exactly representable
  return Tensor::from(values, shape);
}

Shape gen_shape(Source& src) {
  Shape s(static_cast<size_t>(src.range(1, 3)));
  for (int64_t& d : s) d = src.range(1, 4);
  return s;
}

Tensor step(Source& src, const Tensor& x) {
  const Shape& s = x.shape();
  const int64_t rank = static_cast<int64_t>(s.size());
  switch (src.choose(12)) {
    case 0: {
      std::vector<int64_t> perm(s.size());
      std::iota(perm.begin(), perm.end(), 0);
      for (size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[src.choose(i)]);
      return x.permute(perm);
    }
    case 1: {
      std::vector<Range> pads;
      for (int64_t i = 0; i < rank; ++i) pads.push_back({src.range(0, 2), src.range(0, 2)});
      return x.pad(pads, static_cast<double>(src.range(-1, 1)));
    }
    case 2: {
      std::vector<Range> ranges;
      for (int64_t d : s) {
        int64_t b = src.range(0, d - 1);
        ranges.push_back({b, src.range(b + 1, d)});
      }
      return x.shrink(ranges);
    }
    case 3: {
      std::vector<int64_t> axes;
      for (int64_t i = 0; i < rank; ++i)
        if (src.chance(50)) axes.push_back(i);
      return x.flip(axes);
    }
    case 4: {
      const int64_t n = x.numel();
      return n % 2 == 0 && src.chance(70) ? x.reshape({2, -1}) : x.reshape({n});
    }
    case 5: {
      Tensor u = x.unsqueeze(src.range(0, rank));
      Shape target = u.shape();
      for (int64_t& d : target)
        if (d == 1) d = src.range(1, 3);
      return u.expand(target);
    }
    case 6: return x.mul(0.25).exp2();
    case 7: return src.chance(50) ? x.add(x) : x.mul(x.neg()).maximum(x);
    case 8: return x.sum(src.range(0, rank - 1), src.chance(50));
    case 9: return x.max(src.range(0, rank - 1), src.chance(50));
    case 10: return x.gt(0).where(x, x.relu().sub(1));
    default: {
      if (rank != 2) return x.add(gen_leaf(src, s));
      return x.matmul(gen_leaf(src, {s[1], src.range(1, 3)}));
    }
  }
}

}  // namespace

Tensor gen_tensor_program(Source& src, const TensorOptions& opt) {
  Tensor t = gen_leaf(src, gen_shape(src));
  const int steps = static_cast<int>(src.range(1, opt.max_steps));
  for (int i = 0; i < steps; ++i) {
    Tensor next = step(src, t);
    if (next.numel() > opt.max_elements || next.ndim() == 0) break;
    t = next;
  }
  return t;
}

}  // namespace anvil::fuzz
