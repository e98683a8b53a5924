#include "verify/conform/shape_class.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/ir/buffer.h"

namespace anvil::conform {
namespace {

constexpr int64_t kLargeElements = 1 << 14;  // the graph target's per-node cap: cases stay replayable

int64_t numel(const Shape& s) { return shape_numel(s); }

bool all_equal(const Shapes& s) {
  return std::all_of(s.begin(), s.end(), [&](const Shape& x) { return x == s.front(); });
}
int64_t max_numel(const Shapes& s) {
  int64_t m = 0;
  for (const Shape& x : s) m = std::max(m, numel(x));
  return m;
}
bool any_empty(const Shapes& s) {
  return std::any_of(s.begin(), s.end(), [](const Shape& x) { return numel(x) == 0; });
}

bool in_class(const Shapes& s, ShapeClass c) {
  if (s.empty()) return c == ShapeClass::Small;  // creators: no tensor inputs, one class
  const bool empty = any_empty(s);
  switch (c) {
    case ShapeClass::Scalar: return std::all_of(s.begin(), s.end(), [](const Shape& x) { return x.empty(); });
    case ShapeClass::One:
      return !empty && max_numel(s) == 1 && std::any_of(s.begin(), s.end(), [](const Shape& x) { return !x.empty(); });
    case ShapeClass::Small:
    case ShapeClass::View:
    case ShapeClass::Padded: return !empty && max_numel(s) > 1 && all_equal(s);
    case ShapeClass::Empty: return empty;
    case ShapeClass::Broadcast: return s.size() >= 2 && !empty && !all_equal(s);
    case ShapeClass::Large: return !empty && max_numel(s) > 1;
  }
  return false;
}

}  // namespace

std::vector<Shapes> scaled(const Shapes& s) {
  int big_dims = 0;
  for (const Shape& x : s)
    big_dims =
        std::max<int>(big_dims, static_cast<int>(std::count_if(x.begin(), x.end(), [](int64_t d) { return d > 1; })));
  if (big_dims == 0) return {};
  const double room = static_cast<double>(kLargeElements) / static_cast<double>(max_numel(s));
  auto k = static_cast<int64_t>(std::floor(std::pow(room, 1.0 / big_dims)));
  std::vector<Shapes> out;
  for (; k >= 2 && out.size() < 4; k = k * 2 / 3) {
    Shapes t = s;
    for (Shape& x : t)
      for (int64_t& d : x)
        if (d > 1) d *= k;
    out.push_back(t);
  }
  return out;
}

std::vector<Shapes> class_shapes(const ops::OpRow& row, ShapeClass c) {
  std::vector<Shapes> out;
  for (const Shapes& s : row.shapes) {
    if (!in_class(s, c)) continue;
    if (c != ShapeClass::Large) {
      out.push_back(s);
      continue;
    }
    for (Shapes& t : scaled(s)) out.push_back(std::move(t));
  }
  // Large: the biggest first, and not every sample (their kernels are the slow ones).
  if (c == ShapeClass::Large) {
    std::stable_sort(out.begin(), out.end(),
                     [](const Shapes& a, const Shapes& b) { return max_numel(a) > max_numel(b); });
  }
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Tensor leaf(const Shape& shape, DType dtype) {
  return Tensor::from(Buffer(dtype, static_cast<size_t>(numel(shape))), shape);
}

Tensor class_input(fuzz::Source& src, const Shape& shape, DType dtype, ShapeClass c, bool patterned) {
  const auto rank = static_cast<int64_t>(shape.size());
  std::vector<int64_t> wide;  // axes of extent > 1
  for (int64_t i = 0; i < rank; ++i)
    if (shape[static_cast<size_t>(i)] > 1) wide.push_back(i);
  if (!patterned || wide.empty() || (c != ShapeClass::View && c != ShapeClass::Padded)) return leaf(shape, dtype);
  const auto axis = static_cast<size_t>(wide[src.choose(wide.size())]);
  if (c == ShapeClass::Padded) {  // a leaf shorter along one axis, padded back with zeros
    const int64_t keep = src.range(1, shape[axis] - 1);
    const int64_t before = src.range(0, shape[axis] - keep);
    Shape small = shape;
    small[axis] = keep;
    std::vector<Range> pads(shape.size(), {0, 0});
    pads[axis] = {before, shape[axis] - keep - before};
    return leaf(small, dtype).pad(pads);
  }
  switch (src.choose(rank >= 2 ? 4 : 3)) {
    case 0: {  // expand: the leaf has 1 where the view has the extent
      Shape one = shape;
      one[axis] = 1;
      return leaf(one, dtype).expand(shape);
    }
    case 1: {  // shrink: a window of a longer leaf
      const int64_t extra = src.range(1, 3), begin = src.range(0, extra);
      Shape longer = shape;
      longer[axis] += extra;
      std::vector<Range> ranges;
      for (size_t i = 0; i < shape.size(); ++i) ranges.push_back({0, longer[i]});
      ranges[axis] = {begin, begin + shape[axis]};
      return leaf(longer, dtype).shrink(ranges);
    }
    case 2: return leaf(shape, dtype).flip({static_cast<int64_t>(axis)});
    default: {  // permute: the leaf holds the axes in another order
      std::vector<int64_t> perm(shape.size());
      std::iota(perm.begin(), perm.end(), 0);
      const auto other = static_cast<size_t>(src.range(0, rank - 1));
      std::swap(perm[axis], perm[other == axis ? (axis + 1) % shape.size() : other]);
      Shape stored(shape.size());
      for (size_t i = 0; i < shape.size(); ++i) stored[i] = shape[static_cast<size_t>(perm[i])];
      return leaf(stored, dtype).permute(perm);  // a swap is its own inverse
    }
  }
}

}  // namespace anvil::conform
