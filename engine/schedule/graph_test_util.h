#pragma once
// Test helpers: tensor graphs built directly with UOp::make, as the Tensor API builds them
// (host tensors are RESHAPE(BUFFER) with registered storage; constants CONST -> RESHAPE -> EXPAND).
#include <cmath>
#include <memory>
#include <vector>

#include "engine/ir/buffer.h"
#include "engine/ir/shape.h"
#include "engine/ir/uop.h"
#include "engine/tensor/storage.h"

namespace anvil::graph_test {

inline UOp host(const std::vector<float>& data, const Shape& shape) {
  const int64_t uid = new_buffer_uid();
  register_storage(uid, std::make_shared<Buffer>(Buffer::from<float>(data)));
  const auto n = static_cast<int64_t>(data.size());
  UOp b = UOp::make(Op::BUFFER, dtypes::float32, {}, std::vector<int64_t>{uid, n});
  return shape == Shape{n} ? b : UOp::make(Op::RESHAPE, dtypes::float32, {b}, shape);
}

// Deterministic test data: small distinct values, exact in float32.
inline std::vector<float> iota(int64_t n, float scale = 0.25f, float offset = -1.0f) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = offset + scale * static_cast<float>((i * 7) % 13);
  return v;
}

inline UOp mv(Op op, const UOp& x, std::vector<int64_t> arg) { return UOp::make(op, x.dtype(), {x}, std::move(arg)); }
inline UOp reshape(const UOp& x, Shape s) { return mv(Op::RESHAPE, x, std::move(s)); }
inline UOp permute(const UOp& x, std::vector<int64_t> p) { return mv(Op::PERMUTE, x, std::move(p)); }
inline UOp expand(const UOp& x, Shape s) { return mv(Op::EXPAND, x, std::move(s)); }
inline UOp pad(const UOp& x, std::vector<int64_t> p) { return mv(Op::PAD, x, std::move(p)); }
inline UOp shrink(const UOp& x, std::vector<int64_t> p) { return mv(Op::SHRINK, x, std::move(p)); }
inline UOp flip(const UOp& x, std::vector<int64_t> axes) { return mv(Op::FLIP, x, std::move(axes)); }

inline UOp bin(Op op, const UOp& a, const UOp& b) { return UOp::make(op, a.dtype(), {a, b}); }
inline UOp un(Op op, const UOp& a) { return UOp::make(op, a.dtype(), {a}); }
inline UOp reduce(Op op, const UOp& x, std::vector<int64_t> axes) {
  return UOp::make(Op::REDUCE_AXIS, x.dtype(), {x}, ReduceArg{op, std::move(axes)});
}
inline UOp sum(const UOp& x, std::vector<int64_t> axes) { return reduce(Op::ADD, x, std::move(axes)); }
inline UOp max(const UOp& x, std::vector<int64_t> axes) { return reduce(Op::MAX, x, std::move(axes)); }
inline UOp contiguous(const UOp& x) { return UOp::make(Op::CONTIGUOUS, x.dtype(), {x}); }

inline UOp full(float v, const Shape& s) {
  UOp c = UOp::constant_float(dtypes::float32, v);
  if (s.empty()) return c;
  return expand(reshape(c, Shape(s.size(), 1)), s);
}
// Broadcast x (same rank, size-1 axes) to s.
inline UOp bcast(const UOp& x, const Shape& s) { return *x.shape() == s ? x : expand(x, s); }

inline UOp exp(const UOp& x) { return un(Op::EXP2, bin(Op::MUL, x, full(static_cast<float>(M_LOG2E), *x.shape()))); }
inline UOp relu(const UOp& x) { return bin(Op::MAX, x, full(0, *x.shape())); }

// softmax over the last axis of a 2-D x: x - max, exp, / sum.
inline UOp softmax(const UOp& x) {
  const Shape s = *x.shape();
  UOp m = bcast(max(x, {1}), s);
  UOp e = exp(bin(Op::SUB, x, m));
  return bin(Op::FDIV, e, bcast(sum(e, {1}), s));
}

// layernorm over the last axis of a 2-D x (no affine): (x - mean) / sqrt(var + eps).
inline UOp layernorm(const UOp& x) {
  const Shape s = *x.shape();
  const Shape r{s[0], 1};
  const auto n = static_cast<float>(s[1]);
  UOp mean = bin(Op::FDIV, sum(x, {1}), full(n, r));
  UOp d = bin(Op::SUB, x, bcast(mean, s));
  UOp var = bin(Op::FDIV, sum(bin(Op::MUL, d, d), {1}), full(n, r));
  UOp den = un(Op::SQRT, bin(Op::ADD, var, full(1e-5f, r)));
  return bin(Op::FDIV, d, bcast(den, s));
}

// a [m, k] @ b [k, n] as reshape / expand / mul / sum, then reshape to [m, n].
inline UOp matmul(const UOp& a, const UOp& b) {
  const int64_t m = (*a.shape())[0], k = (*a.shape())[1], n = (*b.shape())[1];
  UOp x = expand(reshape(a, {m, k, 1}), {m, k, n});
  UOp y = expand(reshape(b, {1, k, n}), {m, k, n});
  return reshape(sum(bin(Op::MUL, x, y), {1}), {m, n});
}

}  // namespace anvil::graph_test
