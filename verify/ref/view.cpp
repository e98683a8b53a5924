// Movement ops as strided views with a validity mask; written directly, with no index expressions.
#include <algorithm>

#include "engine/support/error.h"
#include "verify/ref/ref.h"

namespace anvil::ref {
namespace {

[[noreturn]] void bad(Op op, const Shape& shape, const std::vector<int64_t>& arg) {
  (ErrorBuilder("ref") << "malformed " << op_name(op) << " " << shape_str(arg) << " of shape " << shape_str(shape))
      .raise();
}

}  // namespace

View View::contiguous(const Shape& shape) {
  View v;
  v.shape = shape;
  v.strides.assign(shape.size(), 0);
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    v.strides[i] = stride;
    stride *= shape[i];
  }
  for (int64_t d : shape) v.valid.push_back({0, d});
  return v;
}

View View::apply(Op op, const std::vector<int64_t>& arg) const {
  const size_t rank = shape.size();
  View v = *this;
  switch (op) {
    case Op::RESHAPE: {
      for (int64_t d : arg)
        if (d < 0) bad(op, shape, arg);
      if (shape_numel(arg) != shape_numel(shape)) bad(op, shape, arg);
      const View c = contiguous(shape);
      if (strides != c.strides || valid != c.valid || offset != 0) bad(op, shape, arg);  // the caller materializes
      return contiguous(arg);
    }
    case Op::PERMUTE: {
      if (arg.size() != rank) bad(op, shape, arg);
      std::vector<bool> seen(rank, false);
      for (size_t i = 0; i < rank; ++i) {
        const int64_t p = arg[i];
        if (p < 0 || p >= static_cast<int64_t>(rank) || seen[p]) bad(op, shape, arg);
        seen[p] = true;
        v.shape[i] = shape[p];
        v.strides[i] = strides[p];
        v.valid[i] = valid[p];
      }
      return v;
    }
    case Op::EXPAND:
      if (arg.size() != rank) bad(op, shape, arg);
      for (size_t i = 0; i < rank; ++i) {
        if (arg[i] == shape[i]) continue;
        if (shape[i] != 1 || arg[i] < 0) bad(op, shape, arg);
        v.shape[i] = arg[i];
        v.strides[i] = 0;  // every index reads the one element
        v.valid[i] = valid[i].first < valid[i].second ? std::pair<int64_t, int64_t>{0, arg[i]}
                                                      : std::pair<int64_t, int64_t>{0, 0};
      }
      return v;
    case Op::PAD:
      if (arg.size() != 2 * rank) bad(op, shape, arg);
      for (size_t i = 0; i < rank; ++i) {
        const int64_t before = arg[2 * i], after = arg[2 * i + 1];
        if (before < 0 || after < 0) bad(op, shape, arg);
        v.shape[i] = shape[i] + before + after;
        v.offset -= before * strides[i];
        v.valid[i] = {valid[i].first + before, valid[i].second + before};
      }
      return v;
    case Op::SHRINK:
      if (arg.size() != 2 * rank) bad(op, shape, arg);
      for (size_t i = 0; i < rank; ++i) {
        const int64_t b = arg[2 * i], e = arg[2 * i + 1];
        if (b < 0 || b > e || e > shape[i]) bad(op, shape, arg);
        v.shape[i] = e - b;
        v.offset += b * strides[i];
        v.valid[i] = {std::clamp<int64_t>(valid[i].first - b, 0, e - b),
                      std::clamp<int64_t>(valid[i].second - b, 0, e - b)};
      }
      return v;
    case Op::FLIP: {
      std::vector<bool> seen(rank, false);
      for (int64_t a : arg) {
        if (a < 0 || a >= static_cast<int64_t>(rank) || seen[a]) bad(op, shape, arg);
        seen[a] = true;
        const int64_t n = shape[a];
        if (n > 0) v.offset += (n - 1) * strides[a];
        v.strides[a] = -strides[a];
        v.valid[a] = {n - valid[a].second, n - valid[a].first};
      }
      return v;
    }
    default: bad(op, shape, arg);
  }
}

Array materialize(const Array& src, const View& view) {
  Array out{src.dtype, view.shape, {}};
  const int64_t n = shape_numel(view.shape);
  out.data.reserve(static_cast<size_t>(n));
  const Value zero = is_float(src.dtype) ? Value::of_float(0) : Value::of_int(0);
  const size_t rank = view.shape.size();
  std::vector<int64_t> idx(rank, 0);
  for (int64_t k = 0; k < n; ++k) {
    bool in = true;
    int64_t off = view.offset;
    for (size_t d = 0; d < rank; ++d) {
      in = in && idx[d] >= view.valid[d].first && idx[d] < view.valid[d].second;
      off += idx[d] * view.strides[d];
    }
    if (in && (off < 0 || off >= static_cast<int64_t>(src.data.size())))
      (ErrorBuilder("ref") << "view reads element " << off << " of " << src.data.size()).raise();
    out.data.push_back(in ? src.data[static_cast<size_t>(off)] : zero);
    for (size_t d = rank; d-- > 0;) {  // row-major increment
      if (++idx[d] < view.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

}  // namespace anvil::ref
