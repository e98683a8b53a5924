// Movement ops: reshape, permute, expand, pad, shrink, flip and the views built from them.
#include <algorithm>

#include "engine/tensor/graph.h"

namespace anvil {
namespace {

using tensor_detail::derive;
using tensor_detail::normalize_axis;

Tensor movement(const Tensor& t, Op op, std::vector<int64_t> arg) {
  return derive(UOp::make(op, t.dtype(), {t.uop()}, std::move(arg)), {&t});
}

// Normalized, distinct axes, or an Error naming `op`.
std::vector<int64_t> distinct_axes(const char* op, const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<int64_t> out;
  for (int64_t a : axes) {
    const int64_t n = normalize_axis(op, a, rank);
    if (std::find(out.begin(), out.end(), n) != out.end())
      (ErrorBuilder(op) << "axis " << n << " appears more than once in " << shape_str(axes)).raise();
    out.push_back(n);
  }
  return out;
}

}  // namespace

Tensor Tensor::reshape(Shape s) const {
  int64_t infer = -1, known = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      if (infer >= 0) (ErrorBuilder("reshape") << "only one dimension can be -1 in " << shape_str(s)).raise();
      infer = static_cast<int64_t>(i);
    } else if (s[i] < 0) {
      (ErrorBuilder("reshape") << "negative dimension " << s[i] << " in " << shape_str(s)).raise();
    } else {
      known = shape_numel({known, s[i]});
      if (known < 0) (ErrorBuilder("reshape") << "shape " << shape_str(s) << " has too many elements").raise();
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel() % known != 0)
      (ErrorBuilder("reshape") << "cannot infer the -1 in " << shape_str(s) << " for " << shape_str(shape()) << " ("
                               << numel() << " elements)")
          .raise();
    s[infer] = numel() / known;
  }
  if (shape_numel(s) != numel())
    (ErrorBuilder("reshape") << "cannot reshape " << shape_str(shape()) << " (" << numel() << " elements) to "
                             << shape_str(s) << " (" << shape_numel(s) << " elements)")
        .raise();
  return derive(tensor_detail::reshape_node(uop(), s), {this});
}

Tensor Tensor::permute(std::vector<int64_t> axes) const {
  if (static_cast<int64_t>(axes.size()) != ndim())
    (ErrorBuilder("permute") << "permutation " << shape_str(axes) << " does not have one axis per dimension of "
                             << shape_str(shape()))
        .raise();
  axes = distinct_axes("permute", axes, ndim());
  bool identity = true;
  for (size_t i = 0; i < axes.size(); ++i) identity &= axes[i] == static_cast<int64_t>(i);
  return identity ? *this : movement(*this, Op::PERMUTE, axes);
}

Tensor Tensor::transpose(int64_t a, int64_t b) const {
  a = normalize_axis("transpose", a, ndim());
  b = normalize_axis("transpose", b, ndim());
  std::vector<int64_t> perm(ndim());
  for (int64_t i = 0; i < ndim(); ++i) perm[i] = i;
  std::swap(perm[a], perm[b]);
  return permute(perm);
}

Tensor Tensor::expand(Shape s) const {
  const Shape& in = shape();
  if (s.size() < in.size())
    (ErrorBuilder("expand") << "cannot expand " << shape_str(in) << " to fewer dimensions " << shape_str(s)).raise();
  const size_t lead = s.size() - in.size();
  for (size_t i = 0; i < s.size(); ++i) {
    const bool is_new = i < lead;
    if (s[i] == -1 && !is_new) s[i] = in[i - lead];
    if (s[i] < 0)
      (ErrorBuilder("expand") << "size " << s[i] << " at dimension " << i << " of " << shape_str(s)
                              << (is_new ? " (a new leading dimension needs an explicit size)" : ""))
          .raise();
    if (!is_new && in[i - lead] != 1 && in[i - lead] != s[i])
      (ErrorBuilder("expand") << "cannot expand " << shape_str(in) << " to " << shape_str(s) << ": dimension " << i
                              << " is " << in[i - lead] << ", expected 1 or " << s[i])
          .raise();
  }
  if (shape_numel(s) < 0) (ErrorBuilder("expand") << "shape " << shape_str(s) << " has too many elements").raise();
  if (s == in) return *this;
  return derive(tensor_detail::broadcast_to(uop(), s), {this});
}

Tensor Tensor::pad(const std::vector<Range>& pads, Number value) const {
  if (static_cast<int64_t>(pads.size()) != ndim())
    (ErrorBuilder("pad") << pads.size() << " (before, after) pairs for a tensor of shape " << shape_str(shape())
                         << ", expected one per dimension")
        .raise();
  std::vector<Range> crop, grow;
  for (size_t i = 0; i < pads.size(); ++i) {
    const auto [b, a] = pads[i];
    const int64_t n = shape()[i];
    const __int128 size = static_cast<__int128>(n) + b + a;
    if (size > INT64_MAX)
      (ErrorBuilder("pad") << "padding (" << b << ", " << a << ") makes dimension " << i << " too large").raise();
    if (size < 0 || -b > n || -a > n)
      (ErrorBuilder("pad") << "padding (" << b << ", " << a << ") crops more than dimension " << i << " of "
                           << shape_str(shape()))
          .raise();
    crop.push_back({std::max<int64_t>(0, -b), n - std::max<int64_t>(0, -a)});
    grow.push_back({std::max<int64_t>(0, b), std::max<int64_t>(0, a)});
  }
  Tensor x = shrink(crop);
  std::vector<int64_t> arg;
  bool any = false;
  for (const auto& [b, a] : grow) {
    arg.push_back(b);
    arg.push_back(a);
    any |= b != 0 || a != 0;
  }
  if (!any) return x;
  Shape out = x.shape();
  for (size_t i = 0; i < out.size(); ++i) out[i] += grow[i].first + grow[i].second;
  if (shape_numel(out) < 0) (ErrorBuilder("pad") << "shape " << shape_str(out) << " has too many elements").raise();
  const UOp padded = UOp::make(Op::PAD, dtype(), {x.uop()}, arg);
  const UOp fill = tensor_detail::scalar_const(dtype(), value);
  if (fill == UOp::constant(dtype(), 0)) return derive(padded, {&x});  // PAD reads 0: no mask needed
  const UOp valid = tensor_detail::const_node(dtypes::bool_, true, x.shape());
  const UOp mask = UOp::make(Op::PAD, dtypes::bool_, {valid}, arg);
  return derive(mask.where(padded, tensor_detail::broadcast_to(fill, *padded.shape())), {&x});
}

Tensor Tensor::shrink(const std::vector<Range>& ranges) const {
  if (static_cast<int64_t>(ranges.size()) != ndim())
    (ErrorBuilder("shrink") << ranges.size() << " ranges for a tensor of shape " << shape_str(shape())
                            << ", expected one per dimension")
        .raise();
  std::vector<int64_t> arg;
  bool full = true;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const auto [b, e] = ranges[i];
    if (b < 0 || b > e || e > shape()[i])
      (ErrorBuilder("shrink") << "range [" << b << ", " << e << ") out of bounds for dimension " << i << " of "
                              << shape_str(shape()))
          .raise();
    arg.push_back(b);
    arg.push_back(e);
    full &= b == 0 && e == shape()[i];
  }
  return full ? *this : movement(*this, Op::SHRINK, arg);
}

Tensor Tensor::slice(int64_t axis, std::optional<int64_t> start, std::optional<int64_t> stop) const {
  axis = normalize_axis("slice", axis, ndim());
  const int64_t n = shape()[axis];
  auto clamp_index = [n](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n); };
  const int64_t b = start ? clamp_index(*start) : 0;
  const int64_t e = std::max(b, stop ? clamp_index(*stop) : n);
  std::vector<Range> ranges;
  for (int64_t i = 0; i < ndim(); ++i) ranges.push_back(i == axis ? Range{b, e} : Range{0, shape()[i]});
  return shrink(ranges);
}

Tensor Tensor::flip(std::vector<int64_t> axes) const {
  axes = distinct_axes("flip", axes, ndim());
  if (axes.empty()) return *this;
  return movement(*this, Op::FLIP, axes);
}

Tensor Tensor::flatten(int64_t start, int64_t end) const {
  if (ndim() == 0) return reshape({1});
  start = normalize_axis("flatten", start, ndim());
  end = normalize_axis("flatten", end, ndim());
  if (start > end)
    (ErrorBuilder("flatten") << "start axis " << start << " comes after end axis " << end << " in "
                             << shape_str(shape()))
        .raise();
  Shape s(shape().begin(), shape().begin() + start);
  int64_t n = 1;
  for (int64_t i = start; i <= end; ++i) n *= shape()[i];
  s.push_back(n);
  s.insert(s.end(), shape().begin() + end + 1, shape().end());
  return reshape(s);
}

Tensor Tensor::squeeze() const {
  Shape s;
  for (int64_t d : shape())
    if (d != 1) s.push_back(d);
  return reshape(s);
}

Tensor Tensor::squeeze(int64_t axis) const {
  if (ndim() == 0) {
    normalize_axis("squeeze", axis, 1);
    return *this;
  }
  axis = normalize_axis("squeeze", axis, ndim());
  if (shape()[axis] != 1) return *this;
  Shape s = shape();
  s.erase(s.begin() + axis);
  return reshape(s);
}

Tensor Tensor::unsqueeze(int64_t axis) const {
  axis = normalize_axis("unsqueeze", axis, ndim() + 1);
  Shape s = shape();
  s.insert(s.begin() + axis, 1);
  return reshape(s);
}

}  // namespace anvil
