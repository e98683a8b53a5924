// Basic indexing (Python's a[1::2, None, ..., -1]) from shrink, pad and reshape: an int selects and
// drops a dimension, a slice with step k keeps every k-th element (pad the range to a multiple of
// k, reshape [len, k], keep column 0), NewAxis inserts a 1, Ellipsis stands for the dims not named.
#include <algorithm>

#include "engine/tensor/graph.h"

namespace anvil {
namespace {

bool consumes_dim(const IndexItem& item) {
  return std::holds_alternative<int64_t>(item) || std::holds_alternative<Slice>(item);
}

// Python's slice.indices for a positive step: the clamped start and the element count.
std::pair<int64_t, int64_t> slice_span(const Slice& s, int64_t n, int64_t step) {
  auto clamp = [n](int64_t i) { return std::clamp<int64_t>(i < 0 ? (i < -n ? 0 : i + n) : i, 0, n); };
  const int64_t start = s.start ? clamp(*s.start) : 0;
  const int64_t stop = s.stop ? clamp(*s.stop) : n;
  const int64_t len = stop <= start ? 0 : (stop - start + step - 1) / step;
  return {start, len};
}

// Keeps elements start, start + step, ... (len of them) along `dim`.
Tensor strided(const Tensor& x, int64_t dim, int64_t start, int64_t len, int64_t step) {
  const int64_t n = x.shape()[dim];
  if (step == 1 || len <= 1) return x.slice(dim, start, start + len);
  const int64_t end = std::min(n, start + len * step);
  Tensor y = x.slice(dim, start, end);
  std::vector<Range> pads(static_cast<size_t>(x.ndim()), Range{0, 0});
  pads[dim].second = len * step - (end - start);  // round the range up to len * step
  y = y.pad(pads);
  Shape split = y.shape();
  split[dim] = step;
  split.insert(split.begin() + dim, len);
  Shape out = x.shape();
  out[dim] = len;
  std::vector<Range> keep;
  for (size_t i = 0; i < split.size(); ++i) keep.push_back({0, split[i]});
  keep[dim + 1] = {0, 1};
  return y.reshape(split).shrink(keep).reshape(out);
}

}  // namespace

namespace tensor_detail {
Tensor advanced_index(const Tensor& self, const std::vector<IndexItem>& items);  // gather.cpp
}

Tensor Tensor::index(const std::vector<IndexItem>& items) const {
  for (const IndexItem& item : items)  // integer-tensor items: advanced indexing (gather.cpp)
    if (std::holds_alternative<TensorItem>(item)) return tensor_detail::advanced_index(*this, items);
  int64_t consumed = 0, ellipses = 0;
  for (const IndexItem& item : items) {
    consumed += consumes_dim(item);
    ellipses += std::holds_alternative<EllipsisTag>(item);
  }
  if (ellipses > 1) (ErrorBuilder("index") << "an index can only have a single ellipsis, got " << ellipses).raise();
  if (consumed > ndim())
    (ErrorBuilder("index") << "too many indices (" << consumed << ") for a tensor of shape " << shape_str(shape()))
        .raise();
  Tensor x = *this;
  Shape out;  // the result's shape: ints drop their dimension, NewAxis adds a 1
  int64_t dim = 0;
  auto keep_rest = [&](int64_t upto) {
    for (; dim < upto; ++dim) out.push_back(x.shape()[dim]);
  };
  for (const IndexItem& item : items) {
    if (std::holds_alternative<NewAxisTag>(item)) {
      out.push_back(1);
    } else if (std::holds_alternative<EllipsisTag>(item)) {
      keep_rest(dim + ndim() - consumed);
    } else if (const int64_t* i = std::get_if<int64_t>(&item)) {
      const int64_t n = x.shape()[dim];
      if (*i < -n || *i >= n)
        (ErrorBuilder("index") << "index " << *i << " is out of bounds for dimension " << dim << " with size " << n
                               << " (shape " << shape_str(shape()) << ")")
            .raise();
      const int64_t at = *i < 0 ? *i + n : *i;
      x = x.slice(dim, at, at + 1);
      ++dim;
    } else {
      const Slice& s = std::get<Slice>(item);
      const int64_t step = s.step.value_or(1);
      if (step <= 0) (ErrorBuilder("index") << "slice step must be greater than zero, got " << step).raise();
      const auto [start, len] = slice_span(s, x.shape()[dim], step);
      x = strided(x, dim, start, len, step);
      out.push_back(len);
      ++dim;
    }
  }
  keep_rest(ndim());
  return x.reshape(out);
}

}  // namespace anvil
