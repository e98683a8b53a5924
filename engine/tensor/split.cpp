// Views that cut or tile a tensor: split, chunk (PyTorch's sizing) and repeat (expand + reshape).
#include "engine/tensor/graph.h"

namespace anvil {

using tensor_detail::normalize_axis;

std::vector<Tensor> Tensor::split(int64_t size, int64_t axis) const {
  if (ndim() == 0) (ErrorBuilder("split") << "cannot split a 0-d tensor").raise();
  axis = normalize_axis("split", axis, ndim());
  const int64_t n = shape()[axis];
  if (size < 0) (ErrorBuilder("split") << "split size must be non-negative, got " << size).raise();
  if (size == 0 && n != 0)
    (ErrorBuilder("split") << "split size 0 only splits an empty dimension, but dimension " << axis << " of "
                           << shape_str(shape()) << " is " << n)
        .raise();
  if (size == 0) return {*this};
  std::vector<Tensor> out;
  for (int64_t start = 0; start < n; start += size) out.push_back(slice(axis, start, std::min(n, start + size)));
  if (out.empty()) out.push_back(*this);  // an empty dimension is one empty piece
  return out;
}

std::vector<Tensor> Tensor::split(const std::vector<int64_t>& sizes, int64_t axis) const {
  if (ndim() == 0) (ErrorBuilder("split") << "cannot split a 0-d tensor").raise();
  axis = normalize_axis("split", axis, ndim());
  const int64_t n = shape()[axis];
  __int128 total = 0;
  for (int64_t s : sizes) {
    if (s < 0) (ErrorBuilder("split") << "split sizes must be non-negative, got " << shape_str(sizes)).raise();
    total += s;
  }
  if (total != n)
    (ErrorBuilder("split") << "split sizes " << shape_str(sizes) << " must sum to " << n << ", the size of dimension "
                           << axis << " of " << shape_str(shape()))
        .raise();
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(slice(axis, start, start + s));
    start += s;
  }
  return out;
}

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t axis) const {
  if (ndim() == 0) (ErrorBuilder("chunk") << "cannot chunk a 0-d tensor").raise();
  if (chunks <= 0) (ErrorBuilder("chunk") << "expects chunks > 0, got " << chunks).raise();
  axis = normalize_axis("chunk", axis, ndim());
  const int64_t n = shape()[axis];
  if (n == 0) return split(std::vector<int64_t>(static_cast<size_t>(chunks), 0), axis);  // as PyTorch
  return split(n / chunks + (n % chunks != 0), axis);
}

Tensor Tensor::repeat(const std::vector<int64_t>& repeats) const {
  if (static_cast<int64_t>(repeats.size()) < ndim())
    (ErrorBuilder("repeat") << "needs at least one repeat per dimension: " << shape_str(repeats) << " for "
                            << shape_str(shape()))
        .raise();
  for (int64_t r : repeats)
    if (r < 0) (ErrorBuilder("repeat") << "repeats must be non-negative, got " << shape_str(repeats)).raise();
  // [s0, s1] -> [1, s0, 1, s1] -> expand [r0, s0, r1, s1] -> reshape [r0 * s0, r1 * s1].
  const size_t lead = repeats.size() - shape().size();
  Shape one_each, tiled, out;
  for (size_t i = 0; i < repeats.size(); ++i) {
    const int64_t s = i < lead ? 1 : shape()[i - lead];
    one_each.insert(one_each.end(), {1, s});
    tiled.insert(tiled.end(), {repeats[i], s});
    const __int128 prod = static_cast<__int128>(repeats[i]) * s;
    if (prod > INT64_MAX) (ErrorBuilder("repeat") << "repeats " << shape_str(repeats) << " are too large").raise();
    out.push_back(static_cast<int64_t>(prod));
  }
  return reshape(one_each).expand(tiled).reshape(out);
}

}  // namespace anvil
