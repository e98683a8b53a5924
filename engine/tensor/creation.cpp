// Tensor creation: host buffers (each a fresh BUFFER leaf) and lazy constants.
#include <cmath>

#include "engine/ir/alu.h"
#include "engine/tensor/graph.h"
#include "engine/tensor/storage.h"

namespace anvil {
namespace {

using tensor_detail::scalar_const;

void check_shape(const char* op, const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) (ErrorBuilder(op) << "negative dimension " << d << " in shape " << shape_str(shape)).raise();
  if (shape_numel(shape) < 0) (ErrorBuilder(op) << "shape " << shape_str(shape) << " has too many elements").raise();
}

void check_dtype(const char* op, DType dtype) {
  if (dtype.is_ptr || dtype.count != 1 || dtype.scalar == Scalar::Void || dtype.scalar == Scalar::Index)
    (ErrorBuilder(op) << "a tensor's dtype must be a scalar element type, not " << name(dtype)).raise();
}

// PyTorch's default dtype for a number: bool, int64 or float32.
DType default_dtype(Number v) {
  switch (v.kind) {
    case Number::Kind::Bool: return dtypes::bool_;
    case Number::Kind::Int: return dtypes::int64;
    default: return dtypes::float32;
  }
}

// A host buffer for creation op `op`; a size past the host limit raises under the op's name.
Buffer host_buffer(const char* op, DType dtype, int64_t count) {
  try {
    return Buffer(dtype, static_cast<size_t>(count));
  } catch (const Error& e) {
    (ErrorBuilder(op) << e.message()).raise();
  }
}

Tensor filled(const char* op, const Shape& shape, DType dtype, Number value) {
  check_shape(op, shape);
  check_dtype(op, dtype);
  Buffer b = host_buffer(op, dtype, shape_numel(shape));
  const Value v = const_value(scalar_const(dtype, value));
  for (size_t i = 0; i < b.count; ++i) b.set(i, v);
  return Tensor::from(std::move(b), shape);
}

}  // namespace

Tensor Tensor::from(Buffer buffer, std::optional<Shape> shape) {
  check_dtype("from", buffer.dtype);
  if (buffer.bytes.size() != buffer.count * static_cast<size_t>(itemsize(buffer.dtype)) ||
      buffer.poison.size() != buffer.count)
    (ErrorBuilder("from") << "a buffer's bytes or poison mask do not match its count " << buffer.count).raise();
  if (buffer.poison_count() != 0)
    (ErrorBuilder("from") << buffer.poison_count() << " poison elements in host data").raise();
  const int64_t count = static_cast<int64_t>(buffer.count);
  const Shape s = shape ? *shape : Shape{count};
  check_shape("from", s);
  if (shape_numel(s) != count)
    (ErrorBuilder("from") << count << " values do not fill shape " << shape_str(s) << " (" << shape_numel(s)
                          << " elements)")
        .raise();
  const DType dtype = buffer.dtype;
  const int64_t uid = new_buffer_uid();
  register_storage(uid, std::make_shared<Buffer>(std::move(buffer)));
  Keep keep = std::make_shared<std::vector<std::shared_ptr<Buffer>>>(1, claim_storage(uid));
  UOp leaf = UOp::make(Op::BUFFER, dtype, {}, std::vector<int64_t>{uid, count});
  return Tensor(tensor_detail::reshape_node(leaf, s), std::move(keep));
}

Tensor Tensor::empty(const Shape& shape, DType dtype) { return filled("empty", shape, dtype, 0); }
Tensor Tensor::zeros(const Shape& shape, DType dtype) { return filled("zeros", shape, dtype, 0); }
Tensor Tensor::ones(const Shape& shape, DType dtype) { return filled("ones", shape, dtype, 1); }
Tensor Tensor::full(const Shape& shape, Number value, std::optional<DType> dtype) {
  return filled("full", shape, dtype.value_or(default_dtype(value)), value);
}
Tensor Tensor::empty_like(const Tensor& t, std::optional<DType> dtype) {
  return filled("empty_like", t.shape(), dtype.value_or(t.dtype()), 0);
}
Tensor Tensor::zeros_like(const Tensor& t, std::optional<DType> dtype) {
  return filled("zeros_like", t.shape(), dtype.value_or(t.dtype()), 0);
}
Tensor Tensor::ones_like(const Tensor& t, std::optional<DType> dtype) {
  return filled("ones_like", t.shape(), dtype.value_or(t.dtype()), 1);
}
Tensor Tensor::full_like(const Tensor& t, Number value, std::optional<DType> dtype) {
  return filled("full_like", t.shape(), dtype.value_or(t.dtype()), value);
}

Tensor Tensor::arange(Number stop) { return arange(0, stop, 1); }

Tensor Tensor::arange(Number start, Number stop, Number step, std::optional<DType> dtype) {
  const bool any_float =
      start.kind == Number::Kind::Float || stop.kind == Number::Kind::Float || step.kind == Number::Kind::Float;
  const DType dt = dtype.value_or(any_float ? dtypes::float32 : dtypes::int64);
  check_dtype("arange", dt);
  const double a = start.as_double(), b = stop.as_double(), s = step.as_double();
  if (!std::isfinite(a) || !std::isfinite(b))
    (ErrorBuilder("arange") << "unsupported range " << a << " to " << b).raise();
  if (s == 0 || std::isnan(s)) (ErrorBuilder("arange") << "step must be nonzero").raise();
  if ((s > 0 && b < a) || (s < 0 && b > a))
    (ErrorBuilder("arange") << "upper bound " << b << " and lower bound " << a << " inconsistent with step sign " << s)
        .raise();
  constexpr int64_t kMaxElements = int64_t{1} << 40;  // beyond any host buffer; avoids overflow below
  double count = 0;
  if (!any_float) {
    const __int128 span = static_cast<__int128>(stop.i) - start.i;
    count = static_cast<double>((span + step.i - (step.i > 0 ? 1 : -1)) / step.i);
  } else {
    count = std::ceil((b - a) / s);
  }
  if (!(count <= static_cast<double>(kMaxElements)))
    (ErrorBuilder("arange") << "a range of " << count << " elements is too large").raise();
  const int64_t n = static_cast<int64_t>(count);
  Buffer buf = host_buffer("arange", dt, n);
  for (int64_t i = 0; i < n; ++i) {
    const Number v = any_float ? Number(a + s * static_cast<double>(i))
                               : Number(static_cast<int64_t>(start.i + static_cast<__int128>(step.i) * i));
    buf.set(static_cast<size_t>(i), const_value(scalar_const(dt, v)));
  }
  return from(std::move(buf));
}

Tensor Tensor::eye(int64_t n, int64_t m, DType dtype) {
  if (m == -1) m = n;
  if (n < 0 || m < 0) (ErrorBuilder("eye") << "sizes must be non-negative, got n=" << n << " m=" << m).raise();
  check_dtype("eye", dtype);
  int64_t count = 0;
  if (__builtin_mul_overflow(n, m, &count))
    (ErrorBuilder("eye") << "an " << n << " x " << m << " matrix has too many elements").raise();
  Buffer buf = host_buffer("eye", dtype, count);
  const Value one = const_value(scalar_const(dtype, 1));
  for (int64_t i = 0; i < std::min(n, m); ++i) buf.set(static_cast<size_t>(i * m + i), one);
  return from(std::move(buf), Shape{n, m});
}

Tensor Tensor::linspace(Number start, Number end, int64_t steps, std::optional<DType> dtype) {
  const DType dt = dtype.value_or(dtypes::float32);
  check_dtype("linspace", dt);
  if (steps < 0) (ErrorBuilder("linspace") << "number of steps must be non-negative, got " << steps).raise();
  if (steps > (int64_t{1} << 40)) (ErrorBuilder("linspace") << steps << " steps are too many").raise();
  const Value a = const_value(scalar_const(dt, start)), b = const_value(scalar_const(dt, end));
  Buffer buf = host_buffer("linspace", dt, steps);
  if (steps == 1) buf.set(0, a);
  if (steps <= 1) return from(std::move(buf));
  // As PyTorch's CPU kernel: integers step in double, floats in their own dtype rounded after every
  // op; the first half counts from start, the second back from end. Its vectorized loop runs blocks of
  // two 32-byte vectors, each lane the vector's first value plus step * lane, then single elements.
  const bool fl = is_float(dt);
  auto rd = [&](double x) { return fl ? round_to(dt.scalar, x) : x; };
  const double lo = fl ? a.f : static_cast<double>(a.i), hi = fl ? b.f : static_cast<double>(b.i);
  const double step = rd(rd(hi - lo) / static_cast<double>(steps - 1));
  auto at = [&](int64_t i) {
    return i < steps / 2 ? rd(lo + rd(step * static_cast<double>(i)))
                         : rd(hi - rd(step * static_cast<double>(steps - 1 - i)));
  };
  auto put = [&](int64_t i, double v) { buf.set(static_cast<size_t>(i), const_value(scalar_const(dt, v))); };
  const int64_t lanes = is_bool(dt) ? 1 : 32 / itemsize(dt);
  int64_t i = 0;
  for (; lanes > 1 && i + 2 * lanes <= steps; i += 2 * lanes) {
    for (int64_t v = i; v < i + 2 * lanes; v += lanes) {
      const double base = fl ? at(v) : std::trunc(at(v));
      for (int64_t j = 0; j < lanes; ++j) put(v + j, rd(base + rd(step * static_cast<double>(j))));
    }
  }
  for (; i < steps; ++i) put(i, at(i));
  return from(std::move(buf));
}

Tensor Tensor::scalar(Number value, std::optional<DType> dtype) {
  const DType dt = dtype.value_or(default_dtype(value));
  check_dtype("scalar", dt);
  return Tensor(scalar_const(dt, value));
}

}  // namespace anvil
