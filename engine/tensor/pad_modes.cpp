// Padding modes beyond constant: reflect, replicate and circular, one dimension at a time from
// shrink, flip, expand and cat (no new primitive op). Dimensions pad in order, so corners are the
// pad of a pad, as PyTorch's.
#include "engine/tensor/graph.h"

namespace anvil {
namespace {

const char* mode_name(PadMode mode) {
  switch (mode) {
    case PadMode::Constant: return "constant";
    case PadMode::Reflect: return "reflect";
    case PadMode::Replicate: return "replicate";
    default: return "circular";
  }
}

// PyTorch's limits for one dimension of size n padded by (b, a) in `mode`.
void check_amounts(PadMode mode, const Shape& shape, size_t dim, int64_t b, int64_t a) {
  const int64_t n = shape[dim];
  const char* m = mode_name(mode);
  if (b < 0 || a < 0)
    (ErrorBuilder("pad") << "negative padding (" << b << ", " << a << ") at dimension " << dim << " of "
                         << shape_str(shape) << " in " << m << " mode (only constant mode crops)")
        .raise();
  if (b == 0 && a == 0) return;
  if (mode == PadMode::Reflect && (b >= n || a >= n))
    (ErrorBuilder("pad") << "padding (" << b << ", " << a << ") at dimension " << dim << " of " << shape_str(shape)
                         << " must be less than the size " << n << " in reflect mode")
        .raise();
  if (mode == PadMode::Replicate && n == 0)
    (ErrorBuilder("pad") << "cannot replicate the edge of empty dimension " << dim << " of " << shape_str(shape))
        .raise();
  if (mode == PadMode::Circular && (b > n || a > n))
    (ErrorBuilder("pad") << "padding (" << b << ", " << a << ") at dimension " << dim << " of " << shape_str(shape)
                         << " wraps around more than once (size " << n << ") in circular mode")
        .raise();
}

// The (before, after) pieces of one dimension.
std::pair<Tensor, Tensor> edges(const Tensor& x, PadMode mode, int64_t dim, int64_t b, int64_t a) {
  const int64_t n = x.shape()[dim];
  switch (mode) {
    case PadMode::Reflect:  // x[b], ..., x[1] | x | x[n-2], ..., x[n-1-a]
      return {x.slice(dim, 1, b + 1).flip({dim}), x.slice(dim, n - 1 - a, n - 1).flip({dim})};
    case PadMode::Replicate: {
      Shape sb = x.shape(), sa = x.shape();
      sb[dim] = b;
      sa[dim] = a;
      return {x.slice(dim, 0, 1).expand(sb), x.slice(dim, n - 1, n).expand(sa)};
    }
    default:  // circular: the last b elements, then the first a
      return {x.slice(dim, n - b, n), x.slice(dim, 0, a)};
  }
}

}  // namespace

Tensor Tensor::pad(const std::vector<Range>& pads, PadMode mode, std::optional<Number> value) const {
  if (mode == PadMode::Constant) return pad(pads, value.value_or(0));
  if (value)
    (ErrorBuilder("pad") << "padding mode " << mode_name(mode) << " does not take a value (only constant mode does)")
        .raise();
  if (static_cast<int64_t>(pads.size()) != ndim())
    (ErrorBuilder("pad") << pads.size() << " (before, after) pairs for a tensor of shape " << shape_str(shape())
                         << ", expected one per dimension")
        .raise();
  for (size_t d = 0; d < pads.size(); ++d) check_amounts(mode, shape(), d, pads[d].first, pads[d].second);
  Tensor x = *this;
  for (size_t d = 0; d < pads.size(); ++d) {
    const auto [b, a] = pads[d];
    if (b == 0 && a == 0) continue;
    const int64_t dim = static_cast<int64_t>(d);
    auto [before, after] = edges(x, mode, dim, b, a);
    std::vector<Tensor> parts;
    if (b > 0) parts.push_back(before);
    parts.push_back(x);
    if (a > 0) parts.push_back(after);
    x = cat(parts, dim);
  }
  return x;
}

}  // namespace anvil
